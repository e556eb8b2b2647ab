"""Management and audit kinds (CloudFormation, CloudTrail, CloudWatch Logs, Config, Service Quotas, SSM) against moto
in server mode, and through the fault proxy where moto cannot serve them, with the answers AWS sends:

* the moto world (``world_management.py``): stacks and what they made, stack sets and their instances, trails, log
  groups with metric filters, configuration recorders, SSM documents in each member account;
* recorded (``recorded/servicequotas``, ``recorded/ssm``): service quotas, SSM managed instances and compliance
  summaries; here also answers written for this module's account, naming what moto made there.

Changes happen in an account of this module alone and in a region no other test collects."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import parse_qs

import pytest

from collectors.aws import plugin
from collectors.aws.resources import cloudformation, cloudtrail, ssm
from collectors.aws.resources.cloudformation import resource_kind
from collectors.aws.table import BY_NAME
from worker.graph.ids import node_id

from .conftest import Collected, accounts_of, collect_account, collect_into_file, route_to
from .faults import FaultProxy
from .recorded import RECORDED, Recorded
from .world import ORG_ROLE, REGIONS, World, member_session
from .world_management import (DOCUMENT, DOCUMENT_CONTENT, LOG_GROUP, METRIC_FILTER, RECORDER, STACK, STACK_LOG_GROUP,
                               STACK_SET, TRAIL)

pytestmark = pytest.mark.e2e

OWN = "737373737373"  # this module's account
OWN_REGION = "eu-north-1"  # collected by no other test
GLOBAL = "us-east-1"
SERVICES = ["cloudformation", "cloudtrail", "logs", "config", "service-quotas", "ssm", "s3", "sns", "kms", "ec2"]


def located(graph: Collected) -> Dict[str, str]:
    """node id → the name of the region node it hangs under."""
    regions = {n["id"]: n["reported"]["name"] for n in graph.of_kind("aws_region")}
    return {e["to"]: regions[e["from"]] for e in graph.edges if e["from"] in regions}


def in_region(graph: Collected, kind: str, region: str) -> List[dict]:
    where = located(graph)
    return [n for n in graph.of_kind(kind) if where.get(n["id"]) == region]


def one(graph: Collected, kind: str, region: str) -> dict:
    found = in_region(graph, kind, region)
    assert len(found) == 1, (kind, region, [n["reported"]["id"] for n in found])
    return found[0]


def own_client(endpoint: str, service: str, region: str = OWN_REGION):
    return member_session(endpoint, OWN).client(service, region_name=region, endpoint_url=endpoint)


def own_section(**more) -> dict:
    return {"account": [OWN], "role": ORG_ROLE, "region": [OWN_REGION], "resource_pool_size": 8,
            "retry_max_attempts": 2, **more}


def core_node(reported: dict, region: str = OWN_REGION) -> dict:
    return {"id": "n", "reported": reported, "ancestors": {"account": {"reported": {"id": OWN}},
                                                          "region": {"reported": {"id": region, "name": region}}}}


# ---- the moto world: a member account --------------------------------------------------------------------


@pytest.fixture(scope="module")
def member(world: World):
    return world.members[2]


@pytest.fixture(scope="module")
def member_graph(world, member, tmp_path_factory) -> Collected:
    return collect_account(member.account_id, tmp_path_factory.mktemp("management") / "member.ndjson", collect=SERVICES)


def test_the_account_lands_without_errors(member_graph):
    assert member_graph.progress.errors == [] and member_graph.result.warning_count == 0


def test_stacks_point_at_what_they_made_and_stack_sets_are_there(member, member_graph):
    graph, account = member_graph, member.account_id
    for region, here in member.regions.items():
        stacks = {n["reported"]["name"]: n for n in in_region(graph, "aws_cloudformation_stack", region)}
        stack = stacks[STACK]
        reported = stack["reported"]
        assert reported["id"] == here.more["aws_cloudformation_stack"][0]
        assert reported["arn"] == f"arn:aws:cloudformation:{region}:{account}:stack/{STACK}/{reported['id']}"
        assert reported["stack_status"] == "CREATE_COMPLETE" and reported["tags"] == {"owner": "ops"}
        assert reported["stack_parameters"] == {} and reported["stack_status_reason"] == ""
        assert stack["id"] == node_id("aws_cloudformation_stack", "aws", account, region, None, reported["id"],
                                      reported["arn"])
        assert stack["metadata"]["provider_link"].endswith("stackId=" + reported["id"].replace(":", "%3A")
                                                           .replace("/", "%2F"))
        made = [n for n in in_region(graph, "aws_cloudwatch_log_group", region)
                if n["reported"]["name"] == STACK_LOG_GROUP]
        assert len(made) == 1 and graph.has_edge(stack, made[0])
        assert not graph.has_edge(stack, made[0], "delete")
        assert len(stacks) == 1

        stack_set = one(graph, "aws_cloudformation_stack_set", region)
        reported = stack_set["reported"]
        assert reported["id"] == here.more["aws_cloudformation_stack_set"][0] and reported["name"] == STACK_SET
        assert reported["stack_set_status"] == "ACTIVE" and reported["tags"] == {"owner": "ops"}
        assert reported["description"] == "account baseline" and reported["stack_set_parameters"] == {}
        assert reported["arn"] == f"arn:aws:cloudformation:{region}:{account}:stack-set/{STACK_SET}/{reported['id']}"
        assert stack_set["metadata"]["provider_link"] == (f"https://{region}.console.aws.amazon.com/cloudformation/"
                                                          f"home?region={region}#/stacksets/{STACK_SET}/info"
                                                          "?permissions=self")


def test_trails_are_collected_in_their_home_region_only(member, member_graph):
    graph, account = member_graph, member.account_id
    for region, here in member.regions.items():
        trail = one(graph, "aws_cloud_trail", region)
        reported = trail["reported"]
        assert reported["name"] == TRAIL  # moto's GetTrail says no home region: ListTrails does
        assert reported["arn"] == f"arn:aws:cloudtrail:{region}:{account}:trail/{TRAIL}"
        assert reported["trail_is_multi_region_trail"] is (region == REGIONS[0])
        assert reported["tags"] == {"owner": "ops"} and reported["trail_status"]["is_logging"] is True
        assert reported["ctime"] == reported["trail_status"]["start_logging_time"]
        assert "trail_event_selectors" not in reported  # no custom selectors: not asked
        bucket = graph.by_id("aws_s3_bucket", member.buckets[0])
        topic = graph.by_id("aws_sns_topic", here.topic_arn)
        key = graph.by_id("aws_kms_key", here.key_id)
        for target in (bucket, topic, key):
            assert graph.has_edge(trail, target)


def test_log_groups_filters_recorders_and_documents(member, member_graph):
    graph, account = member_graph, member.account_id
    for region, here in member.regions.items():
        groups = {n["reported"]["name"]: n for n in in_region(graph, "aws_cloudwatch_log_group", region)}
        group = groups[LOG_GROUP]
        reported = group["reported"]
        assert reported["arn"] == f"arn:aws:logs:{region}:{account}:log-group:{LOG_GROUP}:*"
        assert reported["group_retention_in_days"] == 30 and reported["tags"] == {"owner": "ops"}
        key = graph.by_id("aws_kms_key", here.key_id)
        assert graph.has_edge(group, key) and graph.has_edge(key, group, "delete")
        log_filter = one(graph, "aws_cloudwatch_metric_filter", region)
        assert log_filter["reported"]["name"] == METRIC_FILTER and log_filter["reported"]["filter_pattern"] == "ERROR"
        assert log_filter["reported"]["filter_transformations"][0]["metric_namespace"] == "Shop"
        assert graph.has_edge(group, log_filter) and graph.has_edge(log_filter, group, "delete")

        recorder = one(graph, "aws_config_recorder", region)["reported"]
        assert recorder["name"] == RECORDER and recorder["arn"] == f"arn:aws:iam::{account}:role/fn-role"
        assert recorder["recorder_group"]["all_supported"] is True
        assert recorder["recorder_status"]["recording"] is True
        assert recorder["mtime"] == recorder["recorder_status"]["last_status_change_time"]

        document = one(graph, "aws_ssm_document", region)
        reported = document["reported"]
        assert reported["name"] == DOCUMENT and reported["content"] == DOCUMENT_CONTENT
        assert reported["owner"] == account and reported["tags"] == {"owner": "ops"}
        assert reported["document_shared_with_accounts"] == [] and reported["document_format"] == "JSON"
        assert document["metadata"]["provider_link"] == (f"https://{region}.console.aws.amazon.com/systems-manager/"
                                                         f"documents/{DOCUMENT}/description?region={region}")


def test_recorded_quotas_instances_and_compliance_summaries(member, member_graph):
    graph = member_graph
    for region in member.regions:
        quotas = {n["reported"]["id"]: n for n in in_region(graph, "aws_service_quota", region)}
        # the recorded answer holds quotas of every service: each service's call keeps its own bounds only
        assert sorted(quotas) == ["L-1216C47A", "L-53DA6B97", "L-7A658B76", "L-A4707A72", "L-D18FCD1D", "L-E9E9831D"]
        gp2 = quotas["L-D18FCD1D"]
        assert gp2["reported"]["quota"] == 50.0 and gp2["metadata"]["phantom"] is True
        assert gp2["metadata"]["provider_link"] == \
            f"https://{region}.console.aws.amazon.com/servicequotas/home/services/ebs/quotas/L-D18FCD1D"
        assert graph.has_edge(gp2, one_volume_type(graph, region, "gp2"))
        assert {n["reported"]["id"] for n in in_region(graph, "aws_ssm_instance", region)} == \
            {"i-0a1b2c3d4e5f67890", "mi-0123456789abcdef0"}
        assert len(in_region(graph, "aws_ssm_resource_compliance", region)) == 2
    (certificates,) = in_region(graph, "aws_service_quota", "global")
    assert certificates["reported"]["name"] == "Server certificates per account"
    hybrid = [n for n in graph.of_kind("aws_ssm_instance") if n["reported"]["id"].startswith("mi-")][0]["reported"]
    assert hybrid["name"] == "office-nas" and hybrid["arn"].endswith(":instance/office-nas")
    assert hybrid["registration_date"] == "2024-01-01T00:00:00Z" and hybrid["iam_role"] == "SSMServiceRole"


def one_volume_type(graph: Collected, region: str, volume_type: str) -> dict:
    return [n for n in in_region(graph, "aws_ec2_volume_type", region) if n["reported"]["id"] == volume_type][0]


# ---- this module's account: stack resources of many kinds, recorded answers naming them ---------------------


STACK_OF_MANY = "many-kinds"
MANY_TEMPLATE = {"Resources": {
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "orders"}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "stack-deployer",
                                                      "AssumeRolePolicyDocument": {"Version": "2012-10-17",
                                                                                   "Statement": []}}},
    "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
        "TableName": "carts", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}},
    "Net": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.20.0.0/16"}},
    "Web": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "web", "VpcId": {"Ref": "Net"}}},
    "Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "stack-alerts"}},
    "Assets": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "stack-assets-737373737373"}}}}


@pytest.fixture(scope="module")
def own_stack(aws_env) -> str:
    cf = own_client(aws_env, "cloudformation")
    return cf.create_stack(StackName=STACK_OF_MANY, TemplateBody=json.dumps(MANY_TEMPLATE),
                           Parameters=[], Capabilities=["CAPABILITY_NAMED_IAM"])["StackId"]


def test_a_stack_points_at_its_resources_by_id_arn_url_or_name(own_stack, aws_env, tmp_path):
    section = own_section(collect=["cloudformation", "sqs", "iam", "dynamodb", "ec2", "sns", "s3"])
    graph = collect_into_file(section, accounts_of(section)[OWN], tmp_path / "many.ndjson")
    assert graph.progress.errors == []
    stack = graph.by_id("aws_cloudformation_stack", own_stack)
    pointed = {(n["reported"]["kind"], n["reported"]["name"]) for n in graph.nodes.values()
               if graph.has_edge(stack, n) and n["reported"]["kind"] != "aws_region"}
    vpc = [n for n in graph.of_kind("aws_vpc") if n["reported"].get("vpc_cidr_block") == "10.20.0.0/16"][0]
    group = [n for n in graph.of_kind("aws_ec2_security_group") if n["reported"]["name"] != "default"][0]
    assert pointed == {("aws_sqs_queue", "orders"), ("aws_iam_role", "stack-deployer"), ("aws_dynamodb_table", "carts"),
                       ("aws_vpc", vpc["reported"]["name"]), ("aws_ec2_security_group", group["reported"]["name"]),
                       ("aws_sns_topic", graph.by_id("aws_sns_topic", f"arn:aws:sns:{OWN_REGION}:{OWN}:stack-alerts")
                        ["reported"]["name"]), ("aws_s3_bucket", "stack-assets-737373737373")}


def test_resource_types_map_to_kinds_of_the_table():
    assert resource_kind("AWS::EC2::Instance") == ("aws_ec2_instance", "id")
    assert resource_kind("AWS::IAM::Role") == ("aws_iam_role", "name")
    assert resource_kind("AWS::CloudFormation::WaitConditionHandle") is None
    unknown = {kind for t in cloudformation.KIND_OF_TYPE for kind, _ in [resource_kind(t)] if kind not in BY_NAME}
    assert unknown == set()
    # the reference's rule, where it names one of ours, gives the same kind
    for resource_type, kind in cloudformation.KIND_OF_TYPE.items():
        rule = resource_type.replace("::", "_").lower()
        if rule in BY_NAME:
            assert rule == kind, resource_type


def written(directory: Path, answers: Dict[str, Dict[str, dict]]) -> Recorded:
    """Recorded answers from ``answers`` ({signing name: {operation: body}}), beside the shared ones."""
    for service in RECORDED.iterdir():
        for path in service.glob("*.json"):
            (directory / service.name).mkdir(parents=True, exist_ok=True)
            (directory / service.name / path.name).write_text(path.read_text())
    for service, operations in answers.items():
        (directory / service).mkdir(parents=True, exist_ok=True)
        for operation, body in operations.items():
            (directory / service / f"{operation}.json").write_text(json.dumps({"status": 200, "body": body}))
    return Recorded(directory)


@pytest.fixture(scope="module")
def own_instance(aws_env) -> str:
    ec2 = own_client(aws_env, "ec2")
    return ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro"
                             )["Instances"][0]["InstanceId"]


def test_managed_instances_and_compliance_summaries_link_to_what_they_are_about(own_instance, own_stack, aws_env,
                                                                                  monkeypatch, tmp_path):
    own_client(aws_env, "ssm").create_document(Name="patch-web", Content=json.dumps(DOCUMENT_CONTENT),
                                               DocumentType="Command", DocumentFormat="JSON")
    info = json.loads((RECORDED / "ssm" / "DescribeInstanceInformation.json").read_text())["body"]
    info["InstanceInformationList"][0].update(InstanceId=own_instance, SourceId=own_instance)
    summaries = json.loads((RECORDED / "ssm" / "ListResourceComplianceSummaries.json").read_text())["body"]
    first = summaries["ResourceComplianceSummaryItems"][0]
    summaries["ResourceComplianceSummaryItems"] = [
        {**first, "ResourceType": resource_type, "ResourceId": resource_id}
        for resource_type, resource_id in (("ManagedInstance", own_instance), ("AWS::DynamoDB::Table", "carts"),
                                           ("AWS::S3::Bucket", "stack-assets-737373737373"),
                                           ("Document", "patch-web"), ("AWS::Lambda::Function", "nothing"))]
    recorded = written(tmp_path / "answers", {"ssm": {"DescribeInstanceInformation": info,
                                                      "ListResourceComplianceSummaries": summaries}})
    section = own_section(collect=["ssm", "ec2", "dynamodb", "s3", "cloudformation"])
    with FaultProxy(aws_env, recorded=recorded) as proxy:
        route_to(monkeypatch, proxy.start())
        graph = collect_into_file(section, accounts_of(section)[OWN], tmp_path / "ssm.ndjson")
    assert graph.progress.errors == []
    instance = graph.by_id("aws_ec2_instance", own_instance)
    managed = graph.by_id("aws_ssm_instance", own_instance)
    assert graph.has_edge(managed, instance) and graph.has_edge(instance, managed, "delete")
    hybrid = graph.by_id("aws_ssm_instance", "mi-0123456789abcdef0")
    assert [e for e in graph.edges if e["from"] == hybrid["id"]] == []
    targets = {}
    for summary in graph.of_kind("aws_ssm_resource_compliance"):
        found = [n["reported"]["kind"] for n in graph.nodes.values() if graph.has_edge(summary, n)]
        targets[summary["reported"]["resource_type"]] = found
    assert targets == {"ManagedInstance": ["aws_ec2_instance"], "AWS::DynamoDB::Table": ["aws_dynamodb_table"],
                       "AWS::S3::Bucket": ["aws_s3_bucket"], "Document": ["aws_ssm_document"],
                       "AWS::Lambda::Function": []}
    assert graph.by_id("aws_ssm_resource_compliance", f"Association_ManagedInstance_{own_instance}")


def test_quotas_come_one_call_per_service_and_keep_their_bounds_only(aws_env, monkeypatch, tmp_path):
    class PerService(Recorded):
        """The recorded quotas, each service's own, as Service Quotas answers a ServiceCode."""

        def __init__(self) -> None:
            super().__init__()
            self.asked: List[str] = []

        def answer(self, service: str, method: str, path: str, headers, body: bytes):
            if service != "servicequotas":
                return super().answer(service, method, path, headers, body)
            code = json.loads(body)["ServiceCode"]
            self.asked.append(code)
            quotas = json.loads((RECORDED / "servicequotas" / "ListServiceQuotas.json").read_text())["body"]["Quotas"]
            page = {"Quotas": [q for q in quotas if q["ServiceCode"] == code]}
            return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(page).encode()

    recorded = PerService()
    section = own_section(collect=["service-quotas"])
    with FaultProxy(aws_env, recorded=recorded) as proxy:
        route_to(monkeypatch, proxy.start())
        graph = collect_into_file(section, accounts_of(section)[OWN], tmp_path / "quotas.ndjson")
    assert graph.progress.errors == []
    assert sorted(recorded.asked) == ["ebs", "ec2", "elasticloadbalancing", "iam", "vpc"]
    where = located(graph)
    assert sorted((where[n["id"]], n["reported"]["id"]) for n in graph.of_kind("aws_service_quota")) == [
        ("eu-north-1", "L-1216C47A"), ("eu-north-1", "L-53DA6B97"), ("eu-north-1", "L-7A658B76"),
        ("eu-north-1", "L-A4707A72"), ("eu-north-1", "L-D18FCD1D"), ("eu-north-1", "L-E9E9831D"),
        ("global", "L-BF35879D")]  # the Elastic IP quota bounds nothing the reference collects


# ---- the gets' calls, and the mutating calls ---------------------------------------------------------------


def counting(client, calls: Counter, asked: Optional[list] = None):
    def count(model, params, **_):
        calls.update([model.name])
        if asked is not None:
            asked.append((model.name, params))
    client.meta.events.register("before-call.*.*", count)
    return client


def test_the_gets_ask_their_detail_calls_per_item(own_stack, aws_env):
    calls: Counter = Counter()
    stacks = cloudformation.get_stacks(counting(own_client(aws_env, "cloudformation"), calls))
    assert len(stacks) == 1 and len(stacks[0]["StackResources"]) == 7
    assert calls == Counter({"DescribeStacks": 1, "ListStackResources": 1})

    cf = own_client(aws_env, "cloudformation")
    cf.create_stack_set(StackSetName="own-set", TemplateBody=json.dumps({"Resources": {"M": {
        "Type": "AWS::Logs::LogGroup"}}}), Parameters=[])
    calls.clear()
    found = cloudformation.get_stack_sets(counting(own_client(aws_env, "cloudformation"), calls))
    assert [s["StackSetName"] for s in found["StackSets"]] == ["own-set"] and found["Instances"] == []
    assert calls == Counter({"ListStackSets": 1, "DescribeStackSet": 1, "ListStackInstances": 1})

    own_client(aws_env, "s3").create_bucket(Bucket="own-trail-737373737373",
                                            CreateBucketConfiguration={"LocationConstraint": OWN_REGION})
    own_client(aws_env, "cloudtrail").create_trail(Name="own-trail", S3BucketName="own-trail-737373737373")
    calls.clear()
    trails = cloudtrail.get_trails(counting(own_client(aws_env, "cloudtrail"), calls), account={"id": OWN})
    assert [t["Name"] for t in trails] == ["own-trail"]
    assert calls == Counter({"ListTrails": 1, "GetTrail": 1, "GetTrailStatus": 1, "ListTags": 1})
    # another account's trail that logs here is not ours to collect
    assert cloudtrail.get_trails(own_client(aws_env, "cloudtrail"), account={"id": "999999999999"}) == []

    ssm_client = own_client(aws_env, "ssm")
    ssm_client.create_document(Name="counted", Content=json.dumps(DOCUMENT_CONTENT), DocumentType="Command",
                               DocumentFormat="JSON")
    calls.clear()
    documents = ssm.get_documents(counting(own_client(aws_env, "ssm"), calls))
    assert "counted" in [d["Name"] for d in documents]
    assert calls == Counter({"ListDocuments": 1, "DescribeDocument": len(documents), "GetDocument": len(documents),
                             "DescribeDocumentPermission": len(documents)})


def test_stack_tags_change_in_an_update_that_keeps_template_and_parameters(aws_env, monkeypatch):
    """The update as CloudFormation receives it, answered from a recording (moto takes no update that leaves
    template and parameters as they are, as AWS does when tags change)."""
    cf = own_client(aws_env, "cloudformation")
    stack_id = cf.create_stack(StackName="with-params", TemplateBody=json.dumps({
        "Parameters": {"Env": {"Type": "String"}},
        "Resources": {"M": {"Type": "AWS::Logs::LogGroup"}}}),
        Parameters=[{"ParameterKey": "Env", "ParameterValue": "prod"}], Tags=[{"Key": "owner", "Value": "ops"}])[
        "StackId"]
    asked: list = []

    class Updates(Recorded):
        def answer(self, service, method, path, headers, body):
            if b"Action=UpdateStack" in body:
                asked.append(body.decode())
                return 200, {"Content-Type": "text/xml"}, (
                    '<UpdateStackResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
                    f'<UpdateStackResult><StackId>{stack_id}</StackId></UpdateStackResult>'
                    '</UpdateStackResponse>').encode()
            return None

    reported = {"kind": "aws_cloudformation_stack", "id": stack_id, "name": "with-params"}
    with FaultProxy(aws_env, recorded=Updates()) as proxy:
        route_to(monkeypatch, proxy.start())
        assert plugin.resotoworker_update_tag(cloud="aws", config=own_section(), node=core_node(reported),
                                              key="team", value="shop") is True
        assert plugin.resotoworker_delete_tag(cloud="aws", config=own_section(), node=core_node(reported),
                                              key="owner") is True
    update, delete = ({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()} for body in asked)
    assert update["UsePreviousTemplate"] == "true" and update["Parameters.member.1.ParameterKey"] == "Env"
    assert update["Parameters.member.1.UsePreviousValue"] == "true"
    assert update["Capabilities.member.1"] == "CAPABILITY_NAMED_IAM"
    assert {(update[f"Tags.member.{i}.Key"], update[f"Tags.member.{i}.Value"]) for i in (1, 2)} == \
        {("owner", "ops"), ("team", "shop")}
    # the tags as the stack has them now (the recorded update changed nothing): only the one asked away goes
    assert "Tags.member.1.Key" not in delete and delete["Tags"] == ""


class StackInstances(Recorded):
    """ListStackInstances answered as CloudFormation does: ``summaries`` for the set ``name``, none for others."""

    def __init__(self, name: str, summaries: List[dict]) -> None:
        super().__init__()
        self.name, self.summaries, self.asked = name, summaries, []

    def answer(self, service: str, method: str, path: str, headers, body: bytes):
        if service != "cloudformation" or b"Action=ListStackInstances" not in body:
            return None
        asked = parse_qs(body.decode())["StackSetName"][0]
        self.asked.append(asked)
        members = "".join(
            f"<member><StackSetId>{s['StackSetId']}</StackSetId><Region>{s['Region']}</Region>"
            f"<Account>{s['Account']}</Account><StackId>{s['StackId']}</StackId><Status>{s['Status']}</Status>"
            + (f"<StatusReason>{s['StatusReason']}</StatusReason>" if "StatusReason" in s else "")
            + f"<StackInstanceStatus><DetailedStatus>{s['StackInstanceStatus']['DetailedStatus']}</DetailedStatus>"
            f"</StackInstanceStatus><DriftStatus>{s['DriftStatus']}</DriftStatus>"
            f"<LastOperationId>{s['LastOperationId']}</LastOperationId></member>"
            for s in (self.summaries if asked == self.name else []))
        text = ('<ListStackInstancesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">'
                f"<ListStackInstancesResult><Summaries>{members}</Summaries></ListStackInstancesResult>"
                "<ResponseMetadata><RequestId>9a8b7c6d-0000-4000-8000-000000000000</RequestId></ResponseMetadata>"
                "</ListStackInstancesResponse>")
        return 200, {"Content-Type": "text/xml"}, text.encode()


def test_stack_instances_from_recorded_answers_belong_to_their_set_and_its_stacks(own_stack, aws_env, monkeypatch,
                                                                                  tmp_path):
    """ListStackInstances as CloudFormation answers it (moto makes up the stack ids): an instance of this account
    and region, whose stack the set points at, and one in another account."""
    cf = own_client(aws_env, "cloudformation")
    set_id = cf.create_stack_set(StackSetName="org-baseline", TemplateBody=json.dumps(MANY_TEMPLATE),
                                 Tags=[{"Key": "owner", "Value": "ops"}])["StackSetId"]
    summary = {"StackSetId": set_id, "Region": OWN_REGION, "Account": OWN, "StackId": own_stack, "Status": "CURRENT",
               "StackInstanceStatus": {"DetailedStatus": "SUCCEEDED"}, "DriftStatus": "NOT_CHECKED",
               "LastOperationId": "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"}
    elsewhere = {**summary, "Account": "444455556666", "Region": "us-east-1", "Status": "OUTDATED",
                 "StackId": "arn:aws:cloudformation:us-east-1:444455556666:stack/StackSet-org-baseline-1a2b/9f8e7d6c",
                 "StatusReason": "no execution role", "StackInstanceStatus": {"DetailedStatus": "FAILED"}}
    recorded = StackInstances("org-baseline", [summary, elsewhere])
    section = own_section(collect=["cloudformation"])
    with FaultProxy(aws_env, recorded=recorded) as proxy:
        route_to(monkeypatch, proxy.start())
        graph = collect_into_file(section, accounts_of(section)[OWN], tmp_path / "instances.ndjson")
    assert graph.progress.errors == [] and sorted(recorded.asked) == ["org-baseline", "own-set"]
    stack_set = graph.by_id("aws_cloudformation_stack_set", set_id)
    assert stack_set["reported"]["tags"] == {"owner": "ops"}
    stack_uuid = own_stack.rsplit("/", 1)[-1]
    here = graph.by_id("aws_cloud_formation_stack_instance_summary", f"{set_id}/{stack_uuid}/{OWN}/{OWN_REGION}")
    reported = here["reported"]
    assert reported["arn"] == f"arn:aws:cloudformation:{OWN_REGION}:{OWN}:stack-instance/{reported['id']}"
    assert reported["stack_instance_stack_id"] == own_stack and reported["stack_instance_status"] == "CURRENT"
    assert reported["stack_instance_stack_instance_status"] == "SUCCEEDED"
    assert here["id"] == node_id("aws_cloud_formation_stack_instance_summary", "aws", OWN, OWN_REGION, None,
                                 reported["id"], reported["arn"])
    away = graph.by_id("aws_cloud_formation_stack_instance_summary", f"{set_id}/9f8e7d6c/444455556666/us-east-1")
    assert away["reported"]["stack_instance_status_reason"] == "no execution role"
    for instance in (here, away):
        assert graph.has_edge(stack_set, instance) and "provider_link" not in instance["metadata"]
    # the stack of this account and region; the other account's is out of reach
    assert graph.has_edge(stack_set, graph.by_id("aws_cloudformation_stack", own_stack))
    assert len([e for e in graph.edges if e["from"] == stack_set["id"]]) == 3


def test_a_metric_filter_is_deleted_in_its_log_group(aws_env):
    logs = own_client(aws_env, "logs")
    for group in ("/own/a", "/own/b"):
        logs.create_log_group(logGroupName=group)
    logs.put_metric_filter(logGroupName="/own/a", filterName="faults", filterPattern="FAULT",
                           metricTransformations=[{"metricName": "F", "metricNamespace": "Own", "metricValue": "1"}])
    logs.put_metric_filter(logGroupName="/own/b", filterName="faults-b", filterPattern="FAULT",
                           metricTransformations=[{"metricName": "F", "metricNamespace": "Own", "metricValue": "1"}])
    reported = {"kind": "aws_cloudwatch_metric_filter", "id": "faults", "name": "faults", "filter_pattern": "FAULT"}
    assert plugin.resotoworker_delete_resource(cloud="aws", config=own_section(), node=core_node(reported)) is True
    left = {(f["logGroupName"], f["filterName"]) for f in logs.describe_metric_filters()["metricFilters"]}
    assert left == {("/own/b", "faults-b")}
    # gone with its group already: nothing left to do
    assert plugin.resotoworker_delete_resource(cloud="aws", config=own_section(), node=core_node(reported)) is True
