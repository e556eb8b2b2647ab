"""The AWS collector through the real daemon: ``resotoworker --fork`` as a process, the core double as
its core, the moto server of this package (the fake organization: the management account and three
members reached by assume-role, two regions) as AWS, and the fault proxy in front of it where a test
needs AWS to misbehave.

Each test starts its own daemon; tag tasks restore the tags they change, so the organization stays as
``world.py`` built it for the other tests of the package.
"""
from __future__ import annotations

from collections import Counter
from typing import Dict, List

import pytest
from core_double import CoreDouble

from collectors.aws.model import model_kinds
from collectors.aws.table import KINDS
from worker.model import graph_model

from .faults import FaultProxy
from .world import MANAGEMENT_ACCOUNT, ORG_ROLE, REGIONS, World

pytestmark = pytest.mark.e2e

SUBSCRIBER = "resoto.worker-collector"
# every kind the world creates in a member account, with the reported properties that must be there
# the organization's structure: only its management account shows it
MANAGEMENT_ONLY = {"aws_organizational_root", "aws_organizational_unit"}
KEY_PROPERTIES = {
    "aws_account": ["id", "name", "role", "is_organization_member", "users"],
    "aws_region": ["id", "name"],
    "aws_vpc": ["id", "tags"],
    "aws_ec2_subnet": ["id", "tags"],
    "aws_ec2_security_group": ["id", "name"],
    "aws_ec2_instance": ["id", "tags", "instance_type", "instance_status"],
    "aws_ec2_volume": ["id", "volume_size", "volume_status"],
    "aws_ec2_snapshot": ["id", "volume_id"],
    "aws_ec2_keypair": ["id", "name"],
    "aws_ec2_internet_gateway": ["id"],
    "aws_ec2_nat_gateway": ["id"],
    "aws_ec2_network_interface": ["id"],
    "aws_ec2_elastic_ip": ["id", "ip_address"],
    "aws_alb": ["id", "arn", "tags"],
    "aws_alb_target_group": ["id", "arn"],
    "aws_s3_bucket": ["id", "name", "tags"],
    "aws_iam_user": ["id", "name", "arn"],
    "aws_iam_group": ["id", "name"],
    "aws_iam_role": ["id", "name", "arn"],
    "aws_iam_policy": ["id", "name", "arn"],
    "aws_iam_instance_profile": ["id", "name"],
    "aws_rds_instance": ["id", "tags"],
    "aws_dynamodb_table": ["id", "arn", "tags"],
    "aws_lambda_function": ["id", "arn", "tags"],
    "aws_cloudwatch_alarm": ["id", "tags"],
    "aws_eks_cluster": ["id", "arn", "tags"],
    "aws_sqs_queue": ["id", "tags"],
    "aws_sns_topic": ["id", "arn", "tags"],
    "aws_kms_key": ["id", "tags"],
}


def aws_args(core: CoreDouble, *extra: str) -> List[str]:
    return ["--resotocore-uri", core.url, "--fork", "--override", "resotoworker.collector=aws",
            "resotoworker.pool_size=4", "aws.scrape_org=true", f"aws.role={ORG_ROLE}",
            f"aws.region={','.join(REGIONS)}", "aws.resource_pool_size=8", *extra]


def aws_process_env(endpoint: str) -> Dict[str, str]:
    """What a user exports to run the worker against a local AWS endpoint with fake keys."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"}


@pytest.fixture
def core():
    double = CoreDouble().start()
    yield double
    double.stop()


def started(core: CoreDouble, start_worker, endpoint: str, *extra: str):
    worker = start_worker(*aws_args(core, *extra), env=aws_process_env(endpoint))
    core.wait_for(lambda: core.subscriptions.get(SUBSCRIBER), 30)
    worker.wait_log("actions: connected")
    worker.wait_log("tasks: connected")
    return worker


def collect(core: CoreDouble, timeout: float = 60):
    action = core.send_action("collect")
    return action["task"], core.wait_reply(action["task"], timeout=timeout)


def account_of(merge) -> dict:
    """The replace node of an account upload."""
    replaced = [line for line in merge.lines if isinstance(line, dict) and (line.get("metadata") or {}).get("replace")]
    assert len(replaced) == 1, replaced
    return replaced[0]


def nodes_by_account(merges) -> Dict[str, Counter]:
    """Kinds collected per account, from the uploads (without the graph root and cloud every upload repeats)."""
    found = {}
    for merge in merges:
        kinds = Counter(line["reported"]["kind"] for line in merge.lines
                        if isinstance(line, dict) and "reported" in line
                        and line["reported"]["kind"] not in ("graph_root", "cloud"))
        found[account_of(merge)["reported"]["id"]] = kinds
    return found


def node_ids(merges) -> set:
    return {line["id"] for m in merges for line in m.lines if isinstance(line, dict) and "reported" in line}


def edges(merges) -> set:
    return {(line["from"], line["to"], line.get("edge_type", "default")) for m in merges for line in m.lines
            if isinstance(line, dict) and "from" in line}


def account_id_of(node: dict) -> str:
    if node["reported"]["kind"] == "aws_account":
        return node["reported"]["id"]
    return ((node.get("ancestors") or {}).get("account") or {}).get("reported", {}).get("id")


def find_node(core: CoreDouble, kind: str, resource_id: str, account_id: str) -> str:
    """The id of a node in the core's graph."""
    found = [nid for nid, n in core.nodes().items() if n["reported"]["kind"] == kind
             and n["reported"]["id"] == resource_id and account_id_of(n) == account_id]
    assert len(found) == 1, (kind, resource_id, account_id, len(found))
    return found[0]


def instance_tags(world: World, account_id: str, region: str, instance_id: str) -> Dict[str, str]:
    ec2 = world.session(account_id).client("ec2", region_name=region, endpoint_url=world.endpoint)
    found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return {t["Key"]: t["Value"] for t in found.get("Tags") or []}


def instance_state(world: World, account_id: str, region: str, instance_id: str) -> str:
    ec2 = world.session(account_id).client("ec2", region_name=region, endpoint_url=world.endpoint)
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"]


def bucket_tags(world: World, account_id: str, bucket: str) -> Dict[str, str]:
    s3 = world.session(account_id).client("s3", endpoint_url=world.endpoint)
    return {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}


def tag_task(core: CoreDouble, node_id: str, **change) -> dict:
    result = core.wait_task_result(core.send_tag_task("resoto", node_id, **change), timeout=30)
    assert result["result"] == "done", result
    assert result["data"]["id"] == node_id
    return result["data"]["reported"]


# ---- collect, conformance, tags ----------------------------------------------------------------------


def test_collect_of_the_organization_lands_each_account_and_tag_tasks_change_aws(world, core, start_worker,
                                                                                 real_core):
    worker = started(core, start_worker, world.endpoint)
    task, reply = collect(core)
    assert reply["kind"] == "action_done", reply
    assert core.action_frames(task, kind="action_info") == [], worker.log[-3000:]
    expected = {m.account_id for m in world.members} | {MANAGEMENT_ACCOUNT}
    assert len(core.merges) == len(expected) and all(m.ok for m in core.merges), [m.error for m in core.merges]
    assert {m.task_id for m in core.merges} == {task}
    replace_nodes = [account_of(m) for m in core.merges]
    assert {n["reported"]["kind"] for n in replace_nodes} == {"aws_account"}
    assert sorted(n["reported"]["id"] for n in replace_nodes) == sorted(expected)
    assert core.violations == []

    result = real_core(graph_model(model_kinds()), [m.lines for m in core.merges])
    assert result["model_error"] is None, result["model_error"]
    assert all(upload["ok"] for upload in result["uploads"]), [u["error"] for u in result["uploads"]]

    kinds = nodes_by_account(core.merges)
    assert MANAGEMENT_ONLY <= set(kinds[MANAGEMENT_ACCOUNT])
    nodes = core.nodes()
    for member in world.members:
        collected = kinds[member.account_id]
        assert set(KEY_PROPERTIES) <= set(collected), set(KEY_PROPERTIES) - set(collected)
        every_kind = {k.name for k in KINDS if k.moto} - MANAGEMENT_ONLY  # the world has one of each
        assert every_kind <= set(collected), every_kind - set(collected)
        assert collected["aws_ec2_instance"] == 4 and collected["aws_region"] >= len(REGIONS)
        assert collected["aws_s3_bucket"] == 2 and collected["aws_iam_user"] == 2
        mine = [n["reported"] for n in nodes.values() if account_id_of(n) == member.account_id]
        assert len(mine) == sum(collected.values())
        for reported in (r for r in mine if r["kind"] in KEY_PROPERTIES):
            missing = [p for p in KEY_PROPERTIES[reported["kind"]] if reported.get(p) in (None, "")]
            assert missing == [], (reported["kind"], reported["id"], missing)
        account = nodes[find_node(core, "aws_account", member.account_id, member.account_id)]["reported"]
        assert account["name"] == member.name and account["role"] == ORG_ROLE
        estate = member.regions["us-east-1"]
        instance = nodes[find_node(core, "aws_ec2_instance", estate.instances[0], member.account_id)]["reported"]
        assert instance["tags"] == {"Name": "web", "owner": "ops"} and instance["instance_type"] == "t3.micro"

    # tag update and delete on an EC2 instance (CreateTags/DeleteTags) and an S3 bucket (whole tag set)
    member = world.members[1]
    instance_id = member.regions["eu-central-1"].instances[1]
    node_id = find_node(core, "aws_ec2_instance", instance_id, member.account_id)
    reported = tag_task(core, node_id, update={"cost-center": "42"})
    assert reported["tags"] == {"Name": "web", "owner": "ops", "cost-center": "42"} and reported["id"] == instance_id
    assert instance_tags(world, member.account_id, "eu-central-1", instance_id)["cost-center"] == "42"
    reported = tag_task(core, node_id, delete=["cost-center"])
    assert reported["tags"] == {"Name": "web", "owner": "ops"}
    assert instance_tags(world, member.account_id, "eu-central-1", instance_id) == {"Name": "web", "owner": "ops"}
    assert core.nodes()[node_id]["reported"]["tags"] == {"Name": "web", "owner": "ops"}

    bucket = member.buckets[0]
    node_id = find_node(core, "aws_s3_bucket", bucket, member.account_id)
    reported = tag_task(core, node_id, update={"team": "data", "owner": "finance"})
    assert reported["tags"] == {"owner": "finance", "team": "data"}
    assert bucket_tags(world, member.account_id, bucket) == {"owner": "finance", "team": "data"}
    assert tag_task(core, node_id, update={"owner": "ops"})["tags"] == {"owner": "ops", "team": "data"}
    reported = tag_task(core, node_id, delete=["team"])
    assert reported["tags"] == {"owner": "ops"} and reported["id"] == bucket
    assert bucket_tags(world, member.account_id, bucket) == {"owner": "ops"}

    # the aws command: registered as the reference does, piped from a search and called directly
    handlers = [h for hs in core.workers.values() for h in hs if h["name"] == "aws"]
    assert len(handlers) == 1 and handlers[0]["allowed_on_kind"] == "aws_resource"
    volume = member.regions["eu-central-1"].volume
    attrs, node = core.tag_task_parts("resoto", find_node(core, "aws_ec2_volume", volume, member.account_id))
    piped = core.wait_task_result(core.send_task("aws", attrs, {
        "args": ["ec2", "describe-volumes", "--volume-ids", "{id}"], "node": node}))
    assert piped["result"] == "done", piped
    assert [v["VolumeId"] for v in piped["data"]["Volumes"]] == [volume]
    direct = core.wait_task_result(core.send_task("aws", {}, {"args": ["sts", "get-caller-identity"]}))
    assert direct["result"] == "done" and direct["data"]["Account"] == MANAGEMENT_ACCOUNT, direct
    assert core.violations == []
    assert worker.proc.poll() is None


def test_under_command_read_only_the_aws_command_refuses_what_changes_aws(world, core, start_worker):
    started(core, start_worker, world.endpoint, "aws.command_read_only=true")
    member = world.members[0]
    instance = member.regions["us-east-1"].instances[1]
    refused = core.wait_task_result(core.send_task("aws", {}, {"args": [
        "ec2", "terminate-instances", "--instance-ids", instance, "--account", member.account_id,
        "--region", "us-east-1"]}))
    assert refused["result"] == "error" and "command_read_only" in refused["error"], refused
    assert instance_state(world, member.account_id, "us-east-1", instance) == "running"
    listed = core.wait_task_result(core.send_task("aws", {}, {"args": [
        "ec2", "describe-instances", "--instance-ids", instance, "--account", member.account_id,
        "--region", "us-east-1"]}))
    assert listed["result"] == "done" and listed["data"]["Reservations"][0]["Instances"][0]["InstanceId"] == instance


# ---- AWS misbehaving ------------------------------------------------------------------------------------


def test_an_account_refused_by_aws_is_an_action_info_error_and_the_others_land(world, core, start_worker):
    refused = world.members[0]
    with FaultProxy(world.endpoint, deny_accounts=[refused.account_id]) as proxy:
        started(core, start_worker, proxy.start(), "aws.region=us-east-1")
        task, reply = collect(core)
    assert reply["kind"] == "action_done", reply
    errors = [f["data"]["message"] for f in core.action_frames(task, kind="action_info")
              if f["data"].get("level") == "error"]
    assert len(errors) == 1, errors
    assert refused.account_id in errors[0] and "AccessDenied" in errors[0], errors
    assert proxy.counts["denied"] >= 1
    landed = sorted(account_of(m)["reported"]["id"] for m in core.merges if m.ok)
    assert landed == sorted({m.account_id for m in world.members[1:]} | {MANAGEMENT_ACCOUNT})
    assert all(n["aws_ec2_instance"] == 2 for a, n in nodes_by_account(core.merges).items() if a != MANAGEMENT_ACCOUNT)


def test_throttling_of_a_fifth_of_the_calls_loses_no_resource(world, core, start_worker):
    with FaultProxy(world.endpoint) as proxy:  # passes everything until told otherwise
        started(core, start_worker, proxy.start())
        task, reply = collect(core)
        assert reply["kind"] == "action_done" and core.action_frames(task, kind="action_info") == []
        calm = list(core.merges)
        assert proxy.counts["throttled"] == 0
        calm_requests = proxy.requests
        proxy.throttle_every = 5  # ~20 % of the calls (and the first one of each service) answered "slow down"
        proxy._services_seen.clear()
        task, reply = collect(core, timeout=80)
        stormy = core.merges[len(calm):]
    assert reply["kind"] == "action_done", reply
    assert core.action_frames(task, kind="action_info") == []
    stormy_requests = proxy.requests - calm_requests
    assert proxy.counts["throttled"] >= stormy_requests // 6 > 0  # a throttled call's retry always passes
    assert len(stormy) == len(calm) and all(m.ok for m in stormy), [m.error for m in stormy]
    assert nodes_by_account(stormy) == nodes_by_account(calm)
    assert node_ids(stormy) == node_ids(calm)
    assert edges(stormy) == edges(calm)


def test_cleanup_deletes_marked_resources_in_aws_and_reports_them_cleaned(world, core, start_worker):
    """Resources made for this test alone (the organization stays as built): a volume and a security
    group in one member account, marked for cleanup in the core, deleted by the daemon's cleanup."""
    member = world.members[0].account_id
    ec2 = world.session(member).client("ec2", region_name=REGIONS[0])
    volume = ec2.create_volume(AvailabilityZone=f"{REGIONS[0]}a", Size=1)["VolumeId"]
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="doomed", Description="to be cleaned", VpcId=vpc)["GroupId"]
    started(core, start_worker, world.endpoint, "--cleanup", "--override", "resotoworker.cleanup_dry_run=false")
    collect(core)
    marked = [find_node(core, "aws_ec2_volume", volume, member), find_node(core, "aws_ec2_security_group", group, member)]
    core.mark_clean(marked)
    action = core.send_action("cleanup")
    reply = core.wait_reply(action["task"], timeout=120)
    assert reply["kind"] == "action_done", reply
    assert all(core.nodes()[nid]["metadata"]["cleaned"] is True for nid in marked)
    assert volume not in [v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]]
    assert group not in [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]]
