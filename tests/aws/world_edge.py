"""The moto world's edge kinds: per account a CloudFront distribution (in front of the first bucket, through an
origin access control, with a viewer function, an ACM certificate of us-east-1 and a CLOUDFRONT web ACL that logs
to the bucket), a public key; per region an ACM certificate and a REST API (a resource whose GET method uses a
Lambda authorizer on the region's function, a deployment with a stage, a deployment without one), a custom domain
name, and a permission on the region's function that lets the API invoke it.

Regional web ACLs are not here: moto does not serve ListResourcesForWebACL, which they need
(``test_kinds_edge.py`` makes one where only it collects). What this adds to the other kinds' counts: nothing."""
from __future__ import annotations

import boto3

from .world import AccountEstate, RegionEstate

OWNER = [{"Key": "owner", "Value": "ops"}]
CERT_REGION = "us-east-1"  # CloudFront takes certificates of us-east-1 only
FUNCTION_NAME = "add-index"
FUNCTION_CODE = b"function handler(event) { var r = event.request; r.uri = r.uri + 'index.html'; return r; }"
PUBLIC_KEY_NAME = "url-signing"
PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCA\n-----END PUBLIC KEY-----\n"
OAC_NAME = "site-oac"
CLOUDFRONT_ACL = "cdn-acl"
API_NAME = "orders-api"
STAGE = "prod"
AUTHORIZER_NAME = "token-check"
# AWS's managed CachingOptimized policy (the recorded ListCachePolicies answer has it)
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def cdn_domain(estate: AccountEstate) -> str:
    return f"cdn.{estate.name}.example.com"


def api_domain(estate: AccountEstate, region: str) -> str:
    return f"api-{region}.{estate.name}.example.com"


def _note(more: dict, kind: str, *ids: str) -> None:
    more.setdefault(kind, []).extend(ids)


def populate_account(session: boto3.Session, endpoint: str, estate: AccountEstate) -> None:
    def client(service: str, region: str = "us-east-1"):
        return session.client(service, region_name=region, endpoint_url=endpoint)

    bucket = estate.buckets[0]
    acm = client("acm", CERT_REGION)
    cert = acm.request_certificate(DomainName=cdn_domain(estate), ValidationMethod="DNS")["CertificateArn"]
    _note(estate.regions[CERT_REGION].more, "aws_acm_certificate", cert.rsplit("/", 1)[-1])

    wafv2 = client("wafv2")
    acl = wafv2.create_web_acl(Name=CLOUDFRONT_ACL, Scope="CLOUDFRONT", DefaultAction={"Allow": {}},
                               Description="edge rules", VisibilityConfig={
                                   "SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                   "MetricName": CLOUDFRONT_ACL}, Tags=OWNER)["Summary"]
    wafv2.put_logging_configuration(LoggingConfiguration={"ResourceArn": acl["ARN"],
                                                          "LogDestinationConfigs": [f"arn:aws:s3:::{bucket}"]})
    _note(estate.more, "aws_waf_web_acl", acl["Id"])

    cf = client("cloudfront")
    function = cf.create_function(Name=FUNCTION_NAME, FunctionCode=FUNCTION_CODE, FunctionConfig={
        "Comment": "directory index", "Runtime": "cloudfront-js-2.0"})["FunctionSummary"]
    cf.tag_resource(Resource=function["FunctionMetadata"]["FunctionARN"], Tags={"Items": OWNER})
    key = cf.create_public_key(PublicKeyConfig={"CallerReference": f"key-{estate.account_id}",
                                                "Name": PUBLIC_KEY_NAME, "EncodedKey": PUBLIC_KEY,
                                                "Comment": "signed URLs"})["PublicKey"]
    oac = cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": OAC_NAME, "Description": "site bucket", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]
    distribution = cf.create_distribution_with_tags(DistributionConfigWithTags={"Tags": {"Items": OWNER},
                                                                                "DistributionConfig": {
        "CallerReference": f"cdn-{estate.account_id}", "Comment": "static site", "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": [cdn_domain(estate)]},
        "Origins": {"Quantity": 1, "Items": [{"Id": bucket, "DomainName": f"{bucket}.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""},
                                              "OriginAccessControlId": oac["Id"]}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": bucket, "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": CACHING_OPTIMIZED,
            "FunctionAssociations": {"Quantity": 1, "Items": [
                {"FunctionARN": function["FunctionMetadata"]["FunctionARN"], "EventType": "viewer-request"}]}},
        "ViewerCertificate": {"ACMCertificateArn": cert, "SSLSupportMethod": "sni-only",
                              "MinimumProtocolVersion": "TLSv1.2_2021"},
        "WebACLId": acl["ARN"]}})["Distribution"]
    _note(estate.more, "aws_cloudfront_distribution", distribution["Id"])
    _note(estate.more, "aws_cloudfront_function", FUNCTION_NAME)
    _note(estate.more, "aws_cloudfront_public_key", key["Id"])
    _note(estate.more, "aws_cloudfront_origin_access_control", oac["Id"])


def populate_region(session: boto3.Session, endpoint: str, region: str, estate: AccountEstate,
                    here: RegionEstate) -> None:
    def client(service: str):
        return session.client(service, region_name=region, endpoint_url=endpoint)

    account = estate.account_id
    cert = client("acm").request_certificate(DomainName=api_domain(estate, region),
                                             ValidationMethod="DNS")["CertificateArn"]
    _note(here.more, "aws_acm_certificate", cert.rsplit("/", 1)[-1])

    apigw = client("apigateway")
    api = apigw.create_rest_api(name=API_NAME, description="orders service", tags={"owner": "ops"},
                                endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")
    resource = apigw.create_resource(restApiId=api, parentId=root, pathPart="items")["id"]
    function_arn = f"arn:aws:lambda:{region}:{account}:function:{here.function}"
    invoke = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    authorizer = apigw.create_authorizer(restApiId=api, name=AUTHORIZER_NAME, type="TOKEN", authorizerUri=invoke,
                                         authorizerCredentials=f"arn:aws:iam::{account}:role/fn-role",
                                         identitySource="method.request.header.Authorization",
                                         authorizerResultTtlInSeconds=300)["id"]
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="CUSTOM",
                     authorizerId=authorizer)
    apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=invoke)
    apigw.create_deployment(restApiId=api, stageName=STAGE, description="first release")
    apigw.tag_resource(resourceArn=f"arn:aws:apigateway:{region}::/restapis/{api}/stages/{STAGE}",
                       tags={"owner": "ops"})
    # not the stage's: AWS deletes a deployment only once no stage uses it, and the delete round-trip takes both
    spare = apigw.create_deployment(restApiId=api, description="not released")["id"]
    domain = apigw.create_domain_name(domainName=api_domain(estate, region), regionalCertificateArn=cert,
                                      endpointConfiguration={"types": ["REGIONAL"]}, securityPolicy="TLS_1_2",
                                      tags={"owner": "ops"})["domainName"]
    client("lambda").add_permission(FunctionName=here.function, StatementId="orders-api",
                                    Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                                    SourceArn=f"arn:aws:execute-api:{region}:{account}:{api}/*/GET/items")
    _note(here.more, "aws_apigateway_rest_api", api)
    _note(here.more, "aws_apigateway_resource", resource)
    _note(here.more, "aws_apigateway_authorizer", authorizer)
    _note(here.more, "aws_apigateway_deployment", spare)
    _note(here.more, "aws_apigateway_stage", f"{api}_{STAGE}")
    _note(here.more, "aws_apigateway_domain_name", domain)
