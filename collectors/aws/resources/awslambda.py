"""Lambda functions (module named ``awslambda`` because ``lambda`` is a keyword)."""
from __future__ import annotations

from typing import Callable, List

from collectors.aws.kind import Client, Json, Kind, by_arn, call, inside, tagging, used_by, uses
from collectors.aws.resources.base import for_each, optional, paginate
from collectors.common.model import json_text

FUNCTION = "aws_lambda_function"
VPC = "aws_vpc"
SUBNET = "aws_ec2_subnet"
SECURITY_GROUP = "aws_ec2_security_group"
KMS_KEY = "aws_kms_key"
REST_API = "aws_apigateway_rest_api"
NOT_CONFIGURED = {"ResourceNotFoundException"}  # no policy, no URL (or the function went away)


def _tags(fn: Client, item: Json) -> None:
    item["Tags"] = (optional(fn.list_tags, NOT_CONFIGURED, Resource=item["FunctionArn"]) or {}).get("Tags") or {}


def _policy(fn: Client, item: Json) -> None:
    item["Policy"] = (optional(fn.get_policy, NOT_CONFIGURED, FunctionName=item["FunctionName"]) or {}).get("Policy")


def _url_config(fn: Client, item: Json) -> None:
    found = optional(fn.get_function_url_config, NOT_CONFIGURED, FunctionName=item["FunctionName"])
    if found:
        found.pop("ResponseMetadata", None)
    item["UrlConfig"] = found


DETAILS: List[Callable[[Client, Json], None]] = [_tags, _policy, _url_config]


def get_functions(fn: Client) -> List[Json]:
    """Functions with their tags, resource policy (JSON text) and function URL; each call sets its own key."""
    functions = paginate(fn, "list_functions", "Functions")
    for_each([(item, detail) for item in functions for detail in DETAILS], lambda job: job[1](fn, job[0]))
    return functions


def invoking_rest_apis(item: Json) -> List[str]:
    """The API Gateway REST APIs the policy lets invoke the function (their id leads the source ARN's
    resource part: ``arn:…:execute-api:<region>:<account>:<api id>/<stage>/<method>/<path>``)."""
    policy = json_text(item.get("Policy"))
    found = []
    for statement in (policy.get("Statement") or []) if isinstance(policy, dict) else []:
        principal, condition = statement.get("Principal"), statement.get("Condition")
        if isinstance(principal, dict) and principal.get("Service") == "apigateway.amazonaws.com" \
                and isinstance(condition, dict):
            source = (condition.get("ArnLike") or {}).get("AWS:SourceArn")
            if isinstance(source, str):
                found.append(source.split(":")[-1].split("/")[0])
    return found


KINDS = [
    Kind(FUNCTION, "lambda", get_functions, id="FunctionName", arn="FunctionArn", prefix="function_",
         props={"mtime": "LastModified", "function_dead_letter_config": "DeadLetterConfig.TargetArn",
                "function_tracing_config": "TracingConfig.Mode", "function_ephemeral_storage": "EphemeralStorage.Size",
                "function_policy": "Policy", "function_url_config": "UrlConfig"},
         edges=(inside(VPC, "VpcConfig.VpcId"), inside(SUBNET, "VpcConfig.SubnetIds[]"),
                inside(SECURITY_GROUP, "VpcConfig.SecurityGroupIds[]"), uses(KMS_KEY, "KMSKeyArn"),
                used_by(REST_API, invoking_rest_apis)),
         tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("Resource"), tags_as="map"),
         delete=call("delete_function", FunctionName="name")),
]
