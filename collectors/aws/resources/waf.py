"""WAFv2 web ACLs of both scopes: those of regional resources (scope ``REGIONAL``) in every region, those of
CloudFront distributions (scope ``CLOUDFRONT``) once per account, from us-east-1 as AWS wants. One kind, two
declarations: the same ACL shape, fetched in two places."""
from __future__ import annotations

from typing import Any, Callable, List

from collectors.aws.kind import GLOBAL, REGIONAL, Client, Json, Kind, points_at, values
from collectors.aws.resources.base import for_each, optional

WEB_ACL = "aws_waf_web_acl"
ALB = "aws_alb"
REST_API = "aws_apigateway_rest_api"
USER_POOL = "aws_cognito_user_pool"
LOG_GROUP = "aws_cloudwatch_log_group"
S3_BUCKET = "aws_s3_bucket"
GONE = {"WAFNonexistentItemException"}  # deleted since it was listed; or no logging configured
# what a regional ACL protects, of the kinds the model links it to: ListResourcesForWebACL names one type per call
# (the reference asks for its default, load balancers, only)
ASSOCIATED_TYPES = ("APPLICATION_LOAD_BALANCER", "API_GATEWAY", "COGNITO_USER_POOL")
UNASSOCIABLE = GONE | {"WAFInvalidParameterException"}  # a resource type WAF does not offer in this region


def _associated(wafv2: Client, arn: str) -> List[str]:
    return [found for resource_type in ASSOCIATED_TYPES
            for found in (optional(wafv2.list_resources_for_web_acl, UNASSOCIABLE, WebACLArn=arn,
                                   ResourceType=resource_type) or {}).get("ResourceArns") or []]


def _web_acls(wafv2: Client, scope: str) -> List[Json]:
    """The scope's ACLs as GetWebACL describes them, each with its logging configuration and, for regional ones,
    the resources it protects (``AssociatedResources``): two detail calls per ACL, five for regional ones."""
    entries: List[Json] = []
    params: Json = {"Scope": scope}
    while True:
        page = wafv2.list_web_acls(**params)
        entries.extend(page.get("WebACLs") or [])
        if not page.get("NextMarker") or not page.get("WebACLs"):
            break
        params["NextMarker"] = page["NextMarker"]

    def described(entry: Json) -> Any:
        found = optional(wafv2.get_web_acl, GONE, Scope=scope, Name=entry["Name"], Id=entry["Id"])
        acl = (found or {}).get("WebACL")
        if not acl:
            return None
        logging = optional(wafv2.get_logging_configuration, GONE, ResourceArn=acl["ARN"]) or {}
        acl["LoggingConfiguration"] = logging.get("LoggingConfiguration")
        if scope == "REGIONAL":
            acl["AssociatedResources"] = _associated(wafv2, acl["ARN"])
        return acl
    return [acl for acl in for_each(entries, described) if acl]


def get_regional_web_acls(wafv2: Client) -> List[Json]:
    return _web_acls(wafv2, "REGIONAL")


def get_cloudfront_web_acls(wafv2: Client) -> List[Json]:
    return _web_acls(wafv2, "CLOUDFRONT")


def protected_rest_apis(item: Json) -> List[str]:
    """The REST APIs of the API Gateway stages the ACL protects (``arn:…:apigateway:<region>::/restapis/<id>/
    stages/<stage>``)."""
    found = []
    for arn in item.get("AssociatedResources") or []:
        resource = arn.split(":", 5)[-1] if arn.startswith("arn:") and ":apigateway:" in arn else ""
        parts = resource.split("/")
        if len(parts) > 2 and parts[1] == "restapis":
            found.append(parts[2])
    return found


def arns_of(path: str, service: str) -> Callable[[Json], List[str]]:
    """The ARNs of ``service`` at ``path`` (an ACL names resources of several services in one list)."""
    def get(item: Json) -> List[str]:
        return [arn for arn in values(item, path) if isinstance(arn, str) and arn.split(":")[2:3] == [service]]
    return get


ASSOCIATED = "AssociatedResources[]"
LOG_DESTINATIONS = "LoggingConfiguration.LogDestinationConfigs[]"


def web_acl(scope: str, get: Any, moto: bool) -> Kind:
    # the reference reads no tags (GetWebACL has none), and neither tags nor deletes web ACLs
    return Kind(WEB_ACL, "wafv2", get, id="Id", name_of="Name", arn="ARN", scope=scope,
                props={"association_inspection_limit": "AssociationConfig.RequestBody.DefaultSizeInspectionLimit",
                       "logging_configuration": "LoggingConfiguration"},
                edges=(points_at(ALB, arns_of(ASSOCIATED, "elasticloadbalancing")),
                       points_at(REST_API, protected_rest_apis),
                       points_at(USER_POOL, arns_of(ASSOCIATED, "cognito-idp")),
                       points_at(LOG_GROUP, arns_of(LOG_DESTINATIONS, "logs")),
                       points_at(S3_BUCKET, arns_of(LOG_DESTINATIONS, "s3"))),
                moto=moto)


KINDS = [
    # moto does not serve ListResourcesForWebACL, which only regional ACLs call for
    web_acl(REGIONAL, get_regional_web_acls, moto=False),
    web_acl(GLOBAL, get_cloudfront_web_acls, moto=True),
]
