"""CloudFront, ACM, WAFv2 and API Gateway, collected from the moto world (``world_edge.py``) through the fault
proxy: the six CloudFront kinds moto does not serve (cache and response headers policies, real-time log
configurations, streaming distributions, field-level encryption configurations and profiles) come from the answers
CloudFront sends (``recorded/cloudfront``), and so do the resources a regional web ACL protects
(``recorded/wafv2/ListResourcesForWebACL.json``, here naming the world's load balancer and API stage), over a real
socket. Then what the gets and declarations do on their own: stage ARNs for tag calls, authorizer functions,
web ACL targets, CloudFront paging."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Set

import pytest

from collectors.aws import plugin
from collectors.aws.clients import forget_clients
from collectors.aws.credentials import forget_cached_credentials
from collectors.aws.resources.apigateway import authorizer_function, stage_arn
from collectors.aws.resources.cloudfront import listed
from collectors.aws.resources.waf import protected_rest_apis
from collectors.aws.shape import Scope, node
from collectors.aws.table import BY_NAME

from .conftest import Collected, collect_into_file, org_config
from .faults import FaultProxy
from .recorded import Recorded, operation_of
from .world import REGIONS, World
from .world_edge import (API_NAME, AUTHORIZER_NAME, CACHING_OPTIMIZED, CLOUDFRONT_ACL, FUNCTION_NAME, OAC_NAME,
                         PUBLIC_KEY_NAME, STAGE, api_domain, cdn_domain)

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).with_name("fixtures")
# the kinds here and those they link to
SERVICES = ["cloudfront", "acm", "wafv2", "apigateway", "lambda", "iam", "s3", "elbv2"]
REGIONAL_ACL = "api-acl"
REALTIME_LOG_CONFIG = "edge-logs"  # the recorded answers'
STREAMING_DISTRIBUTION = "EGTXBD79H29TRA8"
FLE_CONFIG, FLE_PROFILE = "C3KM2WVD605UAY", "P2SX7C8L2EXAMPLE"
RESPONSE_HEADERS_POLICY = "67f7725c-6f97-4210-82d7-5512b31e9d03"
ASSETS_POLICY = "b2884449-e4de-46a7-ac36-70bc7f1ddd6d"


class Calls(Recorded):
    """The recorded answers, counting the calls they answer (a call's retries share its invocation id)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Dict[tuple, Set[str]] = {}

    def answer(self, service: str, method: str, path: str, headers, body: bytes):
        found = super().answer(service, method, path, headers, body)
        if found is not None:
            operation = operation_of(service, method, path, headers, body)
            self.calls.setdefault((service, operation), set()).add(headers.get("amz-sdk-invocation-id") or path)
        return found


@pytest.fixture(scope="module")
def member(world: World):
    return world.members[1]


@pytest.fixture(scope="module")
def regional_acl(world: World, member):
    """A regional web ACL in the first region, for this module only: the other tests collect moto without the
    recorded answer that ListResourcesForWebACL needs."""
    region = REGIONS[0]
    wafv2 = world.session(member.account_id).client("wafv2", region_name=region, endpoint_url=world.endpoint)
    acl = wafv2.create_web_acl(
        Name=REGIONAL_ACL, Scope="REGIONAL", DefaultAction={"Block": {}}, Description="API rules",
        Rules=[{"Name": "rate", "Priority": 1, "Action": {"Block": {}},
                "Statement": {"RateBasedStatement": {"Limit": 1000, "AggregateKeyType": "IP"}},
                "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                     "MetricName": "rate"}}],
        VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                          "MetricName": REGIONAL_ACL})["Summary"]
    yield acl
    token = wafv2.get_web_acl(Name=REGIONAL_ACL, Scope="REGIONAL", Id=acl["Id"])["LockToken"]
    wafv2.delete_web_acl(Name=REGIONAL_ACL, Scope="REGIONAL", Id=acl["Id"], LockToken=token)


@pytest.fixture(scope="module")
def collected(world: World, member, regional_acl, aws_env, tmp_path_factory):
    here = member.regions[REGIONS[0]]
    api = here.more["aws_apigateway_rest_api"][0]
    stage = f"arn:aws:apigateway:{REGIONS[0]}::/restapis/{api}/stages/{STAGE}"
    recorded = Calls()
    # as recorded, with the ARNs of what this world's ACL would protect
    recorded.answers[("wafv2", "ListResourcesForWebACL")] = {"status": 200, "body": {
        "ResourceArns": [here.load_balancer_arn, stage]}}
    cf = world.session(member.account_id).client("cloudfront", region_name="us-east-1", endpoint_url=world.endpoint)
    realtime_arn = f"arn:aws:cloudfront::123456789012:realtime-log-config/{REALTIME_LOG_CONFIG}"
    cf.tag_resource(Resource=realtime_arn, Tags={"Items": [{"Key": "owner", "Value": "logs"}]})
    patch = pytest.MonkeyPatch()
    forget_cached_credentials()  # every call of the collect, STS too, through the proxy
    forget_clients()
    try:
        with FaultProxy(aws_env, recorded=recorded) as proxy:
            patch.setenv("AWS_ENDPOINT_URL", proxy.start())
            section = org_config(collect=SERVICES)
            accounts = {a.id: a for a in plugin.resotoworker_list_accounts(cloud="aws", config=section)}
            graph = collect_into_file(section, accounts[member.account_id],
                                      tmp_path_factory.mktemp("edge") / "world.ndjson")
    finally:
        patch.undo()
        cf.untag_resource(Resource=realtime_arn, TagKeys={"Items": ["owner"]})
    return graph, recorded


def regions_of(graph: Collected) -> Dict[str, str]:
    """node id → the name of the region node it hangs under."""
    regions = {n["id"]: n["reported"]["name"] for n in graph.of_kind("aws_region")}
    return {e["to"]: regions[e["from"]] for e in graph.edges if e["from"] in regions}


def one(graph: Collected, kind: str, region: str, **props) -> dict:
    located = regions_of(graph)
    found = [n for n in graph.of_kind(kind) if located.get(n["id"]) == region
             and all(n["reported"].get(k) == v for k, v in props.items())]
    assert len(found) == 1, (kind, region, props, len(found))
    return found[0]


def test_the_edge_kinds_land_without_errors(collected):
    graph, recorded = collected
    assert graph.progress.errors == [] and graph.result.warning_count == 0
    served = {op for (service, op) in recorded.served if service == "cloudfront"}
    assert served == {"ListCachePolicies", "ListResponseHeadersPolicies", "ListRealtimeLogConfigs",
                      "ListStreamingDistributions", "ListFieldLevelEncryptionConfigs",
                      "ListFieldLevelEncryptionProfiles"}
    # once per account: CloudFront is global
    assert all(len(calls) == 1 for (service, _), calls in recorded.calls.items() if service == "cloudfront")
    # one regional ACL, one call per resource type it can protect
    assert len(recorded.calls[("wafv2", "ListResourcesForWebACL")]) == 3


def test_the_distribution_and_what_it_points_at(member, collected):
    graph, _ = collected
    account = member.account_id
    distribution = one(graph, "aws_cloudfront_distribution", "global")
    reported = distribution["reported"]
    assert reported["id"] == member.more["aws_cloudfront_distribution"][0]
    assert reported["name"].endswith(".cloudfront.net") and reported["tags"] == {"owner": "ops"}
    assert reported["arn"] == f"arn:aws:cloudfront::{account}:distribution/{reported['id']}"
    assert reported["distribution_status"] == "Deployed"
    config = reported["distribution_config"]
    assert config["aliases"] == [cdn_domain(member)] and config["origins"][0]["id"] == member.buckets[0]
    assert config["default_cache_behavior"]["cache_policy_id"] == CACHING_OPTIMIZED
    assert distribution["metadata"]["provider_link"] == \
        f"https://us-east-1.console.aws.amazon.com/cloudfront/v4/home#/distributions/{reported['id']}"
    certificate = graph.by_id("aws_acm_certificate", member.regions["us-east-1"].more["aws_acm_certificate"][0])
    targets = [graph.by_id("aws_s3_bucket", member.buckets[0]), certificate,
               one(graph, "aws_waf_web_acl", "global", name=CLOUDFRONT_ACL),
               graph.by_id("aws_cloudfront_cache_policy", CACHING_OPTIMIZED)]
    assert all(graph.has_edge(distribution, target) for target in targets)
    assert not any(graph.has_edge(distribution, target, "delete") for target in targets)


def test_functions_keys_and_origin_access_controls(member, collected):
    graph, _ = collected
    account = member.account_id
    function = one(graph, "aws_cloudfront_function", "global")["reported"]
    assert function["id"] == function["name"] == FUNCTION_NAME and function["tags"] == {"owner": "ops"}
    assert function["arn"] == f"arn:aws:cloudfront::{account}:function/{FUNCTION_NAME}"
    assert function["function_config"] == {"comment": "directory index", "runtime": "cloudfront-js-2.0"}
    key = graph.by_id("aws_cloudfront_public_key", member.more["aws_cloudfront_public_key"][0])
    assert key["reported"]["name"] == PUBLIC_KEY_NAME and key["reported"]["public_key_encoded_key"].startswith(
        "-----BEGIN PUBLIC KEY-----")
    assert key["reported"]["arn"] == f"arn:aws:cloudfront:global:{account}:public-key/{key['reported']['id']}"
    assert key["metadata"]["provider_link"].endswith(f"region=global#/publickey/edit/{key['reported']['id']}")
    control = graph.by_id("aws_cloudfront_origin_access_control",
                          member.more["aws_cloudfront_origin_access_control"][0])
    assert control["reported"]["name"] == OAC_NAME
    assert control["reported"]["origin_access_control_signing_behavior"] == "always"
    assert control["reported"]["origin_access_control_origin_access_control_origin_type"] == "s3"


def test_the_kinds_moto_does_not_serve_come_from_the_recorded_answers(member, collected):
    graph, _ = collected
    account = member.account_id
    policies = {n["reported"]["id"]: n for n in graph.of_kind("aws_cloudfront_cache_policy")}
    assert set(policies) == {CACHING_OPTIMIZED, ASSETS_POLICY}
    assets = policies[ASSETS_POLICY]["reported"]
    assert assets["name"] == "assets-by-version"
    assert assets["arn"] == f"arn:aws:cloudfront:global:{account}:cache-policy/{ASSETS_POLICY}"
    assert assets["cache_policy_config"]["parameters_in_cache_key_and_forwarded_to_origin"]["headers_config"] == {
        "header_behavior": "whitelist", "headers": ["Origin"]}
    headers = graph.by_id("aws_cloudfront_response_headers_policy", RESPONSE_HEADERS_POLICY)["reported"]
    assert headers["response_headers_policy_type"] == "managed"
    assert headers["response_headers_policy_config"]["security_headers_config"]["frame_options"] == {
        "override": False, "frame_option": "SAMEORIGIN"}
    realtime = graph.by_id("aws_cloudfront_realtime_log_config", REALTIME_LOG_CONFIG)
    assert realtime["reported"]["realtime_log_sampling_rate"] == 5 and realtime["reported"]["tags"] == {
        "owner": "logs"}  # its tags from moto, which tags any ARN
    assert realtime["metadata"]["provider_link"].endswith(f"#/logs/realtime/{REALTIME_LOG_CONFIG}")
    streaming = graph.by_id("aws_cloudfront_streaming_distribution", STREAMING_DISTRIBUTION)["reported"]
    assert streaming["streaming_distribution_enabled"] is False and streaming["tags"] == {}
    config = graph.by_id("aws_cloudfront_field_level_encryption_config", FLE_CONFIG)
    profile = graph.by_id("aws_cloudfront_field_level_encryption_profile", FLE_PROFILE)
    assert graph.has_edge(config, profile) and profile["reported"]["name"] == "card-profile"
    assert profile["reported"]["arn"] == f"arn:aws:cloudfront:global:{account}:field-level-encryption-profile/" \
                                         "card-profile"
    located = regions_of(graph)
    assert {located[n["id"]] for kind in ("aws_cloudfront_cache_policy", "aws_cloudfront_streaming_distribution")
            for n in graph.of_kind(kind)} == {"global"}


def test_web_acls_of_both_scopes(member, collected, regional_acl):
    graph, _ = collected
    account, region = member.account_id, REGIONS[0]
    edge_acl = one(graph, "aws_waf_web_acl", "global", name=CLOUDFRONT_ACL)
    reported = edge_acl["reported"]
    assert reported["arn"].startswith(f"arn:aws:wafv2:us-east-1:{account}:global/webacl/{CLOUDFRONT_ACL}/")
    assert reported["description"] == "edge rules" and reported["capacity"] == 3
    assert reported["logging_configuration"]["log_destination_configs"] == [f"arn:aws:s3:::{member.buckets[0]}"]
    assert edge_acl["metadata"]["provider_link"] == (
        f"https://us-east-1.console.aws.amazon.com/wafv2/homev2/web-acl/{CLOUDFRONT_ACL}/{reported['id']}"
        "/overview?region=global")
    assert graph.has_edge(edge_acl, graph.by_id("aws_s3_bucket", member.buckets[0]))

    api_acl = one(graph, "aws_waf_web_acl", region, name=REGIONAL_ACL)
    reported = api_acl["reported"]
    assert reported["id"] == regional_acl["Id"] and reported["arn"] == regional_acl["ARN"]
    assert reported["rules"][0]["name"] == "rate" and reported["rules"][0]["statement"]["rate_based_statement"][
        "limit"] == 1000
    assert api_acl["metadata"]["provider_link"].endswith(f"/overview?region={region}")
    here = member.regions[region]
    balancer = [n for n in graph.of_kind("aws_alb") if n["reported"]["arn"] == here.load_balancer_arn]
    api = graph.by_id("aws_apigateway_rest_api", here.more["aws_apigateway_rest_api"][0])
    assert len(balancer) == 1 and graph.has_edge(api_acl, balancer[0]) and graph.has_edge(api_acl, api)
    assert [n["reported"]["name"] for n in graph.of_kind("aws_waf_web_acl")
            if regions_of(graph)[n["id"]] == REGIONS[1]] == []


def test_certificates_in_every_region(member, collected):
    graph, _ = collected
    for region, here in member.regions.items():
        cert = graph.by_id("aws_acm_certificate", here.more["aws_acm_certificate"][-1])
        reported = cert["reported"]
        assert reported["name"] == api_domain(member, region) and reported["status"] in ("PENDING_VALIDATION", "ISSUED")
        assert reported["arn"] == f"arn:aws:acm:{region}:{member.account_id}:certificate/{reported['id']}"
        assert reported["key_algorithm"] == "RSA_2048" and reported["certificate_transparency_logging"] == "ENABLED"
        assert reported["domain_validation_options"][0]["resource_record"]["type"] == "CNAME"
        assert cert["metadata"]["provider_link"] == (f"https://{region}.console.aws.amazon.com/acm/home?region="
                                                     f"{region}#/certificates/{reported['id']}")
        assert regions_of(graph)[cert["id"]] == region


def test_rest_apis_with_what_they_hold(member, collected):
    graph, _ = collected
    account = member.account_id
    located = regions_of(graph)
    for region, here in member.regions.items():
        api_id = here.more["aws_apigateway_rest_api"][0]
        api = graph.by_id("aws_apigateway_rest_api", api_id)
        assert api["reported"]["name"] == API_NAME and api["reported"]["tags"] == {"owner": "ops"}
        assert api["reported"]["arn"] == f"arn:aws:apigateway:{region}::/restapis/{api_id}"
        assert api["reported"]["api_endpoint_configuration"]["types"] == ["REGIONAL"] and located[api["id"]] == region
        assert api["metadata"]["provider_link"] == (f"https://{region}.console.aws.amazon.com/apigateway/main/apis/"
                                                    f"{api_id}/resources?api={api_id}&experience=rest&region={region}")

        deployments = [n for n in graph.of_kind("aws_apigateway_deployment") if n["reported"]["api_link"] == api_id]
        assert sorted(d["reported"]["description"] for d in deployments) == ["first release", "not released"]
        assert all(graph.has_edge(api, d) and d["reported"]["arn"] == f"arn:aws:apigateway:{region}::/restapis/"
                   f"{api_id}/deployments/{d['reported']['id']}" for d in deployments)
        stage = graph.by_id("aws_apigateway_stage", f"{api_id}_{STAGE}")
        released = next(d for d in deployments if d["reported"]["description"] == "first release")
        assert graph.has_edge(released, stage) and not graph.has_edge(api, stage)
        assert stage["reported"]["name"] == STAGE and stage["reported"]["tags"] == {"owner": "ops"}
        assert stage["reported"]["arn"] == f"arn:aws:apigateway:{region}:{account}:/restapis/{api_id}_{STAGE}/" \
                                           f"stages/{STAGE}"
        assert stage["metadata"]["provider_link"].endswith(f"/apis/{api_id}/stages?api={api_id}&region={region}")

        authorizer = graph.by_id("aws_apigateway_authorizer", here.more["aws_apigateway_authorizer"][0])
        assert authorizer["reported"]["name"] == AUTHORIZER_NAME and authorizer["reported"]["authorizer_type"] == \
            "TOKEN"
        function = [n for n in graph.of_kind("aws_lambda_function") if n["reported"]["id"] == here.function
                    and located[n["id"]] == region][0]
        role = graph.by_name("aws_iam_role", "fn-role")
        assert graph.has_edge(api, authorizer) and graph.has_edge(authorizer, function)
        assert graph.has_edge(function, authorizer, "delete")
        assert graph.has_edge(role, authorizer) and graph.has_edge(role, authorizer, "delete")
        # the function's policy lets the API invoke it: the Lambda kind's edge
        assert graph.has_edge(api, function) and graph.has_edge(function, api, "delete")

        resources = {n["reported"]["resource_path"]: n for n in graph.of_kind("aws_apigateway_resource")
                     if n["reported"]["api_link"] == api_id}
        assert set(resources) == {"/", "/items"} and all(graph.has_edge(api, r) for r in resources.values())
        method = resources["/items"]["reported"]["resource_methods"]["GET"]
        assert method["authorization_type"] == "CUSTOM" and method["method_integration"]["integration_type"] == \
            "AWS_PROXY"
        assert graph.has_edge(resources["/items"], authorizer) and not graph.has_edge(resources["/"], authorizer)

        domain = graph.by_id("aws_apigateway_domain_name", api_domain(member, region))["reported"]
        assert domain["tags"] == {"owner": "ops"} and domain["domain_security_policy"] == "TLS_1_2"
        assert domain["domain_regional_certificate_arn"].startswith(f"arn:aws:acm:{region}:{account}:certificate/")
        assert domain["arn"] == f"arn:aws:apigateway:{region}:{account}:domainname/{domain['id']}"


# ---- the gets and declarations on their own ---------------------------------------------------------------

def test_stage_tag_calls_name_the_stage_as_aws_does():
    reported = {"arn": "arn:aws-cn:apigateway:cn-north-1:111122223333:/restapis/abc_prod/stages/prod",
                "api_link": "abc", "name": "prod"}
    assert stage_arn(reported) == "arn:aws-cn:apigateway:cn-north-1::/restapis/abc/stages/prod"


def test_authorizer_functions_are_read_from_their_uri():
    uri = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:function:{}" \
          "/invocations"
    assert authorizer_function({"authorizerUri": uri.format("check")}) == "check"
    assert authorizer_function({"authorizerUri": uri.format("check:live")}) == "check"  # an alias of it
    assert authorizer_function({"authorizerUri": "arn:aws:apigateway:eu-west-1:cognito-idp:action/X"}) is None
    assert authorizer_function({"type": "COGNITO_USER_POOLS"}) is None


def test_a_web_acl_names_the_apis_of_the_stages_it_protects():
    acl = {"AssociatedResources": ["arn:aws:apigateway:eu-west-1::/restapis/abc123/stages/prod",
                                   "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/0f",
                                   "arn:aws:apigateway:eu-west-1::/domainnames/api.example.org"]}
    assert protected_rest_apis(acl) == ["abc123"]


class Pages:
    """A CloudFront client with one list call answering ``pages`` one after the other."""

    def __init__(self, pages: List[dict]) -> None:
        self.pages, self.calls = pages, []

    def list_cache_policies(self, **params) -> dict:
        self.calls.append(params)
        return {"CachePolicyList": self.pages[len(self.calls) - 1]}


def test_cloudfront_lists_are_read_page_by_page():
    client = Pages([{"Items": [{"Id": "a"}], "NextMarker": "m1"}, {"Items": [{"Id": "b"}], "NextMarker": "m2"},
                    {"Items": [{"Id": "c"}]}])
    assert [i["Id"] for i in listed(client, "list_cache_policies", "CachePolicyList", Type="custom")] == \
        ["a", "b", "c"]
    assert client.calls == [{"Type": "custom"}, {"Type": "custom", "Marker": "m1"}, {"Type": "custom", "Marker": "m2"}]
    client = Pages([{"Quantity": 0}])  # an empty list has no Items at all
    assert listed(client, "list_cache_policies", "CachePolicyList") == []


def test_a_distribution_with_an_iam_certificate_points_at_it():
    item = json.loads((FIXTURES / "aws_cloudfront_distribution.json").read_text())["item"]
    item["DistributionConfig"]["ViewerCertificate"] = {"CloudFrontDefaultCertificate": False,
                                                       "IAMCertificateId": "ASCAEXAMPLE7QWERTY",
                                                       "SSLSupportMethod": "sni-only", "CertificateSource": "iam"}
    made = node(BY_NAME["aws_cloudfront_distribution"], item, Scope("111122223333", "us-east-1", "global"))
    found = {(link.other.kind, link.other.key) for link in made.links if link.edge_type == "default"}
    assert ("aws_iam_server_certificate", "ASCAEXAMPLE7QWERTY") in found
    assert not any(kind == "aws_acm_certificate" for kind, _ in found)
    # Lambda@Edge associations name a version: the edge goes to the function
    assert ("aws_lambda_function", "arn:aws:lambda:us-east-1:111122223333:function:edge-auth") in found
