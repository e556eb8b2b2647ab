"""CloudFront, an account-wide service (collected once per account, with us-east-1): distributions, functions,
public keys, origin access controls, real-time log configurations, response headers policies, streaming
distributions, cache policies, and field-level encryption configurations and profiles. Each kind is its own
fetch, so that one list the account may not call costs that kind only."""
from __future__ import annotations

from typing import Any, Callable, List

from collectors.aws.kind import GLOBAL, UNTAGGED, Client, Json, Kind, Tagging, call, points_at, uses, value, values
from collectors.aws.resources.base import for_each, optional

DISTRIBUTION = "aws_cloudfront_distribution"
FUNCTION = "aws_cloudfront_function"
PUBLIC_KEY = "aws_cloudfront_public_key"
ORIGIN_ACCESS_CONTROL = "aws_cloudfront_origin_access_control"
REALTIME_LOG_CONFIG = "aws_cloudfront_realtime_log_config"
RESPONSE_HEADERS_POLICY = "aws_cloudfront_response_headers_policy"
STREAMING_DISTRIBUTION = "aws_cloudfront_streaming_distribution"
CACHE_POLICY = "aws_cloudfront_cache_policy"
FLE_CONFIG = "aws_cloudfront_field_level_encryption_config"
FLE_PROFILE = "aws_cloudfront_field_level_encryption_profile"
LAMBDA = "aws_lambda_function"
S3_BUCKET = "aws_s3_bucket"
SERVER_CERTIFICATE = "aws_iam_server_certificate"
WEB_ACL = "aws_waf_web_acl"
CERTIFICATE = "aws_acm_certificate"
GONE = {"NoSuchDistribution"}  # deleted since it was listed
NO_TAGS = {"InvalidArgument", "NoSuchResource"}  # what the reference expects of ListTagsForResource


# ---- gets --------------------------------------------------------------------------------------------------

def listed(cf: Client, operation: str, list_key: str, **params: Any) -> List[Json]:
    """Every item of a CloudFront list call: the answer's ``list_key`` holds ``Items`` and, while there are
    more, ``NextMarker`` (most of these calls have no botocore paginator)."""
    items: List[Json] = []
    while True:
        page = getattr(cf, operation)(**params).get(list_key) or {}
        items.extend(page.get("Items") or [])
        marker = page.get("NextMarker")
        if not marker or marker == params.get("Marker") or page.get("IsTruncated") is False:
            return items
        params = {**params, "Marker": marker}


def _add_tags(cf: Client, item: Json, arn: str) -> Json:
    found = optional(cf.list_tags_for_resource, NO_TAGS, Resource=arn) or {}
    item["Tags"] = (found.get("Tags") or {}).get("Items") or []
    return item


def _with_tags(cf: Client, items: List[Json], arn_path: str) -> List[Json]:
    """The items with their tags (one call each), for the kinds whose API item has an ARN, as the reference
    asks; the others keep no tags."""
    for_each([i for i in items if value(i, arn_path)], lambda item: _add_tags(cf, item, value(item, arn_path)))
    return items


def get_distributions(cf: Client) -> List[Json]:
    """Distributions as GetDistribution describes them, with their tags (two calls per distribution)."""
    def described(summary: Json) -> Any:
        found = optional(cf.get_distribution, GONE, Id=summary["Id"])
        distribution = (found or {}).get("Distribution")
        return _add_tags(cf, distribution, distribution["ARN"]) if distribution else None
    return [d for d in for_each(listed(cf, "list_distributions", "DistributionList"), described) if d]


def get_functions(cf: Client) -> List[Json]:
    """The functions of the LIVE stage (the published ones), with their tags."""
    return _with_tags(cf, listed(cf, "list_functions", "FunctionList", Stage="LIVE"), "FunctionMetadata.FunctionARN")


def get_public_keys(cf: Client) -> List[Json]:
    return listed(cf, "list_public_keys", "PublicKeyList")


def get_origin_access_controls(cf: Client) -> List[Json]:
    return listed(cf, "list_origin_access_controls", "OriginAccessControlList")


def get_realtime_log_configs(cf: Client) -> List[Json]:
    return _with_tags(cf, listed(cf, "list_realtime_log_configs", "RealtimeLogConfigs"), "ARN")


def get_response_headers_policies(cf: Client) -> List[Json]:
    """Managed and custom policies, as the reference lists them."""
    return listed(cf, "list_response_headers_policies", "ResponseHeadersPolicyList")


def get_streaming_distributions(cf: Client) -> List[Json]:
    return _with_tags(cf, listed(cf, "list_streaming_distributions", "StreamingDistributionList"), "ARN")


def get_cache_policies(cf: Client) -> List[Json]:
    """Managed and custom policies, as the reference lists them."""
    return listed(cf, "list_cache_policies", "CachePolicyList")


def get_field_level_encryption_configs(cf: Client) -> List[Json]:
    return listed(cf, "list_field_level_encryption_configs", "FieldLevelEncryptionList")


def get_field_level_encryption_profiles(cf: Client) -> List[Json]:
    return listed(cf, "list_field_level_encryption_profiles", "FieldLevelEncryptionProfileList")


# ---- what a distribution points at -------------------------------------------------------------------------

def _behaviors_at(path: str) -> Callable[[Json], List[Any]]:
    """The values at ``path`` of the default cache behavior and of every other cache behavior."""
    def get(item: Json) -> List[Any]:
        config = item.get("DistributionConfig") or {}
        behaviors = [config.get("DefaultCacheBehavior") or {}] + values(config, "CacheBehaviors.Items[]")
        return [found for behavior in behaviors for found in values(behavior, path)]
    return get


def _functions(path: str) -> Callable[[Json], List[str]]:
    """The Lambda@Edge functions at ``path``: associations name a published version
    (``arn:aws:lambda:us-east-1:<account>:function:<name>:<version>``), the function's node has the unqualified ARN."""
    def get(item: Json) -> List[str]:
        return [":".join(arn.split(":")[:7]) for arn in values(item, path) if isinstance(arn, str)]
    return get


ORIGINS = "DistributionConfig.Origins.Items[]"
VIEWER_CERTIFICATE = "DistributionConfig.ViewerCertificate"
# as the reference draws them: a Lambda@Edge function of the default behavior is one the distribution depends
# on (deleted after it), those of the other behaviors are pointed at only
DISTRIBUTION_EDGES = (
    uses(LAMBDA, _functions("DistributionConfig.DefaultCacheBehavior.LambdaFunctionAssociations.Items[]."
                            "LambdaFunctionARN")),
    points_at(LAMBDA, _functions("DistributionConfig.CacheBehaviors.Items[].LambdaFunctionAssociations.Items[]."
                                 "LambdaFunctionARN")),
    points_at(FUNCTION, _behaviors_at("FunctionAssociations.Items[].FunctionARN")),
    points_at(REALTIME_LOG_CONFIG, _behaviors_at("RealtimeLogConfigArn")),
    points_at(FLE_CONFIG, _behaviors_at("FieldLevelEncryptionId")),
    points_at(RESPONSE_HEADERS_POLICY, _behaviors_at("ResponseHeadersPolicyId")),
    points_at(CACHE_POLICY, _behaviors_at("CachePolicyId")),
    points_at(ORIGIN_ACCESS_CONTROL, f"{ORIGINS}.OriginAccessControlId"),
    points_at(S3_BUCKET, f"{ORIGINS}.Id"),  # the reference takes an origin's id for the bucket's name
    points_at(SERVER_CERTIFICATE, f"{VIEWER_CERTIFICATE}.IAMCertificateId"),
    points_at(CERTIFICATE, f"{VIEWER_CERTIFICATE}.ACMCertificateArn"),
    points_at(WEB_ACL, "DistributionConfig.WebACLId"),  # a WAFv2 web ACL's ARN
)


# ---- tags and delete ---------------------------------------------------------------------------------------

def update_tag(cf: Client, reported: Json, key: str, value_: str) -> None:
    cf.tag_resource(Resource=reported["arn"], Tags={"Items": [{"Key": key, "Value": value_}]})


def delete_tag(cf: Client, reported: Json, key: str) -> None:
    cf.untag_resource(Resource=reported["arn"], TagKeys={"Items": [key]})


CLOUDFRONT_TAGS = Tagging(path="Tags", update=update_tag, delete=delete_tag)


def delete_with_etag(resource: str) -> Callable[[Client, Json], None]:
    """Delete ``resource`` (e.g. ``cache_policy``) by id, naming the version AWS has (``IfMatch``), as it wants."""
    def delete(cf: Client, reported: Json) -> None:
        etag = getattr(cf, f"get_{resource}")(Id=reported["id"])["ETag"]
        getattr(cf, f"delete_{resource}")(Id=reported["id"], IfMatch=etag)
    return delete


def delete_distribution(cf: Client, reported: Json) -> None:
    """AWS deletes only a disabled distribution: an enabled one is disabled first (AWS may still refuse the delete
    until the change has spread to its edge locations, as with the reference; a later delete then succeeds)."""
    found = cf.get_distribution_config(Id=reported["id"])
    config, etag = found["DistributionConfig"], found["ETag"]
    if config.get("Enabled"):
        etag = cf.update_distribution(Id=reported["id"], IfMatch=etag,
                                      DistributionConfig={**config, "Enabled": False})["ETag"]
    cf.delete_distribution(Id=reported["id"], IfMatch=etag)


def delete_function(cf: Client, reported: Json) -> None:
    etag = cf.describe_function(Name=reported["name"], Stage=reported.get("function_stage") or "LIVE")["ETag"]
    cf.delete_function(Name=reported["name"], IfMatch=etag)


KINDS = [
    Kind(DISTRIBUTION, "cloudfront", get_distributions, id="Id", name_of="DomainName", arn="ARN", scope=GLOBAL,
         prefix="distribution_", props={"mtime": "LastModifiedTime"}, edges=DISTRIBUTION_EDGES,
         tags=CLOUDFRONT_TAGS, delete=delete_distribution),
    Kind(FUNCTION, "cloudfront", get_functions, id="Name", name_of="Name", arn="FunctionMetadata.FunctionARN",
         scope=GLOBAL, prefix="function_",
         props={"ctime": "FunctionMetadata.CreatedTime", "mtime": "FunctionMetadata.LastModifiedTime",
                "function_stage": "FunctionMetadata.Stage"},
         tags=CLOUDFRONT_TAGS, delete=delete_function),
    Kind(PUBLIC_KEY, "cloudfront", get_public_keys, id="Id", name_of="Name", scope=GLOBAL, prefix="public_key_",
         props={"ctime": "CreatedTime"}, tags=UNTAGGED, delete=delete_with_etag("public_key")),
    Kind(ORIGIN_ACCESS_CONTROL, "cloudfront", get_origin_access_controls, id="Id", name_of="Name", scope=GLOBAL,
         prefix="origin_access_control_", tags=UNTAGGED, delete=delete_with_etag("origin_access_control")),
    Kind(REALTIME_LOG_CONFIG, "cloudfront", get_realtime_log_configs, id="Name", name_of="Name", arn="ARN",
         scope=GLOBAL, prefix="realtime_log_", tags=CLOUDFRONT_TAGS,
         delete=call("delete_realtime_log_config", Name="name"), moto=False),
    Kind(RESPONSE_HEADERS_POLICY, "cloudfront", get_response_headers_policies, id="ResponseHeadersPolicy.Id",
         scope=GLOBAL, prefix="response_headers_policy_",
         props={"mtime": "ResponseHeadersPolicy.LastModifiedTime",
                "response_headers_policy_config": "ResponseHeadersPolicy.ResponseHeadersPolicyConfig"},
         tags=UNTAGGED, delete=delete_with_etag("response_headers_policy"), moto=False),
    # AWS has taken streaming (RTMP) distributions out of service; the reference has no delete for them
    Kind(STREAMING_DISTRIBUTION, "cloudfront", get_streaming_distributions, id="Id", arn="ARN", scope=GLOBAL,
         prefix="streaming_distribution_",
         props={"mtime": "LastModifiedTime", "streaming_distribution_trusted_signers": "TrustedSigners.Items"},
         tags=CLOUDFRONT_TAGS, moto=False),
    Kind(CACHE_POLICY, "cloudfront", get_cache_policies, id="CachePolicy.Id",
         name_of="CachePolicy.CachePolicyConfig.Name", scope=GLOBAL,
         props={"mtime": "CachePolicy.LastModifiedTime", "cache_policy_config": "CachePolicy.CachePolicyConfig"},
         tags=UNTAGGED, delete=delete_with_etag("cache_policy"), moto=False),
    Kind(FLE_CONFIG, "cloudfront", get_field_level_encryption_configs, id="Id", scope=GLOBAL,
         prefix="field_level_encryption_config_", props={"mtime": "LastModifiedTime"},
         edges=(points_at(FLE_PROFILE, "ContentTypeProfileConfig.ContentTypeProfiles.Items[].ProfileId"),),
         tags=UNTAGGED, delete=delete_with_etag("field_level_encryption_config"), moto=False),
    Kind(FLE_PROFILE, "cloudfront", get_field_level_encryption_profiles, id="Id", name_of="Name", scope=GLOBAL,
         prefix="field_level_encryption_profile_",
         props={"mtime": "LastModifiedTime",
                "field_level_encryption_profile_encryption_entities": "EncryptionEntities.Items"},
         edges=(points_at(PUBLIC_KEY, "EncryptionEntities.Items[].PublicKeyId"),),
         tags=UNTAGGED, delete=delete_with_etag("field_level_encryption_profile"), moto=False),
]
