"""Lambda functions (module named ``awslambda`` because ``lambda`` is a keyword)."""
from __future__ import annotations

from typing import List

from collectors.aws.model import prefixed
from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.shaped import Ref, Scope, Shaped, encrypted_with, pick, tag_dict

FUNCTION = "aws_lambda_function"
VPC = "aws_vpc"
SUBNET = "aws_ec2_subnet"
SECURITY_GROUP = "aws_ec2_security_group"


def get_functions(fn: Client) -> List[Json]:
    functions = paginate(fn, "list_functions", "Functions")
    for item in functions:
        item["Tags"] = fn.list_tags(Resource=item["FunctionArn"]).get("Tags") or {}
    return functions


def transform_functions(functions: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in functions:
        arn = item["FunctionArn"]
        out.node({
            **prefixed(item, FUNCTION, "function_"),
            "kind": FUNCTION, "id": item["FunctionName"], "name": item["FunctionName"],
            "tags": tag_dict(item.get("Tags")), "mtime": item.get("LastModified"), "arn": arn,
            "function_dead_letter_config": pick(item, "DeadLetterConfig.TargetArn"),
            "function_tracing_config": pick(item, "TracingConfig.Mode"),
            "function_ephemeral_storage": pick(item, "EphemeralStorage.Size"),
        })
        me = Ref(FUNCTION, arn)
        vpc = item.get("VpcConfig") or {}
        if vpc.get("VpcId"):
            out.link_both(Ref(VPC, vpc["VpcId"]), me)
        for subnet_id in vpc.get("SubnetIds") or []:
            out.link_both(Ref(SUBNET, subnet_id), me)
        for group_id in vpc.get("SecurityGroupIds") or []:
            out.link_both(Ref(SECURITY_GROUP, group_id), me)
        if item.get("KMSKeyArn"):
            encrypted_with(out, me, item["KMSKeyArn"])
    return out


def update_tag(fn: Client, reported: Json, key: str, value: str) -> None:
    fn.tag_resource(Resource=reported["arn"], Tags={key: value})


def delete_tag(fn: Client, reported: Json, key: str) -> None:
    fn.untag_resource(Resource=reported["arn"], TagKeys=[key])


def delete_function(fn: Client, reported: Json) -> None:
    fn.delete_function(FunctionName=reported["name"])


RESOURCE_TYPES = [ResourceType("lambda_functions", "lambda", get_functions, transform_functions)]

ACTIONS = {FUNCTION: KindActions("lambda", update_tag, delete_tag, delete_function)}
