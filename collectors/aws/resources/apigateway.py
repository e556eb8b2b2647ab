"""API Gateway REST APIs with what lives in them (deployments, stages, authorizers, resources), fetched together,
and custom domain names on their own."""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

from botocore.exceptions import ClientError

from collectors.aws.clients import error_code
from collectors.aws.kind import (UNTAGGED, Client, Json, Kind, Tagging, holds, inside, points_at, seen_by, uses)
from collectors.aws.resources.base import for_each, optional, paginate

REST_API = "aws_apigateway_rest_api"
DEPLOYMENT = "aws_apigateway_deployment"
STAGE = "aws_apigateway_stage"
AUTHORIZER = "aws_apigateway_authorizer"
RESOURCE = "aws_apigateway_resource"
DOMAIN_NAME = "aws_apigateway_domain_name"
VPC_ENDPOINT = "aws_vpc_endpoint"
ZONE = "aws_route53_zone"
LAMBDA = "aws_lambda_function"
ROLE = "aws_iam_role"
USER_POOL = "aws_cognito_user_pool"
GONE = {"NotFoundException"}  # deleted since it was listed, or with its API


# ---- gets --------------------------------------------------------------------------------------------------

def _stages(apigw: Client, api: str) -> List[Json]:
    return apigw.get_stages(restApiId=api).get("item") or []


# what one API holds: one call each (paginated where the API pages), instead of one stage list per deployment
CONTENTS: Dict[str, Callable[[Client, str], List[Json]]] = {
    "Deployments": lambda apigw, api: paginate(apigw, "get_deployments", "items", restApiId=api),
    "Stages": _stages,
    "Authorizers": lambda apigw, api: paginate(apigw, "get_authorizers", "items", restApiId=api),
    # with their methods' details: the authorizer a method uses is only named there
    "Resources": lambda apigw, api: paginate(apigw, "get_resources", "items", restApiId=api, embed=["methods"]),
}


def get_rest_apis(apigw: Client) -> Json:
    """REST APIs and what each holds (four calls per API, a few APIs at a time); every item inside an API names
    it (``ApiId``), and deployments get their ARN, which the reference makes of the API's."""
    apis = paginate(apigw, "get_rest_apis", "items")
    jobs = [(api["id"], what) for api in apis for what in CONTENTS]
    found = for_each(jobs, lambda job: optional(CONTENTS[job[1]], GONE, apigw=apigw, api=job[0]) or [])
    result: Dict[str, List[Json]] = {"RestApis": apis, **{what: [] for what in CONTENTS}}
    for (api_id, what), items in zip(jobs, found):
        result[what].extend({**item, "ApiId": api_id} for item in items)
    partition, region = apigw.meta.partition, apigw.meta.region_name
    for deployment in result["Deployments"]:
        deployment["Arn"] = f"arn:{partition}:apigateway:{region}::/restapis/{deployment['ApiId']}/deployments/" \
                            f"{deployment['id']}"
    return result


def get_domain_names(apigw: Client) -> List[Json]:
    return paginate(apigw, "get_domain_names", "items")


# ---- values ------------------------------------------------------------------------------------------------

def stage_id(item: Json) -> str:
    """`<API id>_<stage name>` (a stage name is unique in its API only)"""
    return f"{item['ApiId']}_{item['stageName']}"


def authorizer_function(item: Json) -> Optional[str]:
    """The Lambda function of a Lambda authorizer: its URI is
    ``arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations``."""
    uri = item.get("authorizerUri") or ""
    if "/functions/" not in uri:
        return None
    arn = uri.split("/functions/", 1)[1].removesuffix("/invocations").split(":")
    return arn[6] if len(arn) > 6 and arn[5] == "function" else None


def method_authorizers(item: Json) -> List[str]:
    methods = item.get("resourceMethods") or {}
    return [m["authorizerId"] for m in methods.values() if isinstance(m, dict) and m.get("authorizerId")]


# ---- tags and delete ---------------------------------------------------------------------------------------

def stage_arn(reported: Json) -> str:
    """The stage's ARN as AWS names it: the reference's (its node id holds it) names the account and the
    stage's own id, which no API call takes."""
    partition, region = (reported.get("arn") or "arn:aws:apigateway:").split(":")[1:4:2]
    return f"arn:{partition}:apigateway:{region}::/restapis/{reported['api_link']}/stages/{reported['name']}"


def stage_tags() -> Tagging:
    def update(apigw: Client, reported: Json, key: str, value: str) -> None:
        apigw.tag_resource(resourceArn=stage_arn(reported), tags={key: value})

    def delete(apigw: Client, reported: Json, key: str) -> None:
        apigw.untag_resource(resourceArn=stage_arn(reported), tagKeys=[key])
    return Tagging(path="tags", update=update, delete=delete)


def delete_inside(operation: str, **ids: str) -> Callable[[Client, Json], None]:
    """Delete a part of an API (``ids``: parameter → property); one already gone, with its API or since it was
    collected, is no failure: cleanups delete an API and its parts in any order."""
    def delete(apigw: Client, reported: Json) -> None:
        try:
            getattr(apigw, operation)(restApiId=reported["api_link"], **{p: reported[k] for p, k in ids.items()})
        except ClientError as e:
            if error_code(e) not in GONE:
                raise
    return delete


def delete_rest_api(apigw: Client, reported: Json) -> None:
    apigw.delete_rest_api(restApiId=reported["id"])


API_LINK = {"api_link": "ApiId"}
ENDPOINTS = "endpointConfiguration.vpcEndpointIds[]"

KINDS: List[Kind] = [
    # tag calls: moto tags stages only (see the report); the API's tags are read
    Kind(REST_API, "apigateway", get_rest_apis, items="RestApis", id="id", name_of="name",
         arn_template="arn:{partition}:apigateway:{region}::/restapis/{id}", prefix="api_",
         props={"ctime": "createdDate"}, edges=(holds(VPC_ENDPOINT, ENDPOINTS),),
         tags=Tagging(path="tags"), delete=delete_rest_api),
    Kind(DEPLOYMENT, "apigateway", get_rest_apis, items="Deployments", id="id", arn="Arn",
         props={"ctime": "createdDate", "deployment_api_summary": "apiSummary", **API_LINK},
         edges=(seen_by(REST_API, "ApiId"),), tags=UNTAGGED,
         delete=delete_inside("delete_deployment", deploymentId="id")),
    Kind(STAGE, "apigateway", get_rest_apis, items="Stages", id=stage_id, name_of="stageName", prefix="stage_",
         props={"ctime": "createdDate", "mtime": "lastUpdatedDate", "stage_cache_status": "cacheClusterStatus",
                **API_LINK},
         edges=(seen_by(DEPLOYMENT, "deploymentId"),), tags=stage_tags(),
         delete=delete_inside("delete_stage", stageName="name")),
    Kind(AUTHORIZER, "apigateway", get_rest_apis, items="Authorizers", id="id", name_of="name",
         prefix="authorizer_", props=API_LINK,
         edges=(seen_by(REST_API, "ApiId"), uses(LAMBDA, authorizer_function),
                inside(ROLE, "authorizerCredentials"), points_at(USER_POOL, "providerARNs[]")),
         tags=UNTAGGED, delete=delete_inside("delete_authorizer", authorizerId="id")),
    Kind(RESOURCE, "apigateway", get_rest_apis, items="Resources", id="id", prefix="resource_", props=API_LINK,
         edges=(seen_by(REST_API, "ApiId"), points_at(AUTHORIZER, method_authorizers)), tags=UNTAGGED,
         delete=delete_inside("delete_resource", resourceId="id")),
    # the reference neither deletes domain names nor draws their certificates
    Kind(DOMAIN_NAME, "apigateway", get_domain_names, id="domainName", name_of="domainName", prefix="domain_",
         edges=(holds(ZONE, "regionalHostedZoneId"), holds(VPC_ENDPOINT, ENDPOINTS)), tags=Tagging(path="tags")),
]
