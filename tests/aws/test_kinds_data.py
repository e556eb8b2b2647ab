"""EFS, RDS clusters and their snapshots, Redshift, ElastiCache, Kinesis and OpenSearch, collected from the moto
world (``world_data.py``); Glacier vaults and jobs, which moto does not serve, from recorded answers
(``recorded/glacier``) through the fault proxy, over a real socket; DynamoDB global tables through their get from
recorded answers (``recorded/dynamodb``). Then what the gets do around their detail calls: a policy that cannot be
read costs the policy only, DescribeDomains takes five names at a time."""
from __future__ import annotations

import json

import boto3
import pytest

from collectors.aws.resources.dynamodb import GLOBAL_TABLES
from collectors.aws.resources.opensearch import get_domains
from collectors.aws.shape import Scope, node

from .conftest import Collected, collect_through_proxy
from .faults import FaultProxy
from .recorded import Recorded
from .world import World
from .world_data import (ACCESS_POINT_NAME, CACHE_CLUSTER, DB_CLUSTER, DB_CLUSTER_MEMBER, DB_CLUSTER_SNAPSHOT,
                         FILE_SYSTEM_NAME, REPLICATION_GROUP, STREAM, WAREHOUSE)

pytestmark = pytest.mark.e2e

# the kinds here and those they link to
SERVICES = ["efs", "rds", "redshift", "elasticache", "kinesis", "opensearch", "ec2", "kms", "iam", "sns"]
JOB_ID = "HkF9p6o7yjhFx-K3CGl6fuSm6VzW9T7esGQfco8nUXVYwS0jlb5gq1JZ55yHgt5vP54ZShjoQzQVVh7vEXAMPLEjobID"
SPARE_REGION = "ap-southeast-2"  # collected by no other test


@pytest.fixture(scope="module")
def member(world: World):
    return world.members[2]


@pytest.fixture(scope="module")
def collected(member, aws_env, tmp_path_factory) -> Collected:
    # through the recorded answers, for the kinds of these services that moto does not serve
    patch = pytest.MonkeyPatch()
    try:
        path = tmp_path_factory.mktemp("data") / "world.ndjson"
        return collect_through_proxy(patch, aws_env, member.account_id, path, Recorded(), collect=SERVICES)
    finally:
        patch.undo()


def in_region(graph: Collected, kind: str, region: str) -> dict:
    regions = {n["id"]: n["reported"]["id"] for n in graph.of_kind("aws_region") if n["reported"]["name"] != "global"}
    located = {e["to"]: regions[e["from"]] for e in graph.edges if e["from"] in regions}
    found = [n for n in graph.of_kind(kind) if located.get(n["id"]) == region]
    assert len(found) == 1, (kind, region, len(found))
    return found[0]


def test_the_world_lands_without_errors(collected):
    assert collected.progress.errors == [] and collected.result.warning_count == 0


def test_file_systems_with_their_mount_targets_and_access_points(member, collected):
    graph, account = collected, member.account_id
    for region, here in member.regions.items():
        fs = graph.by_id("aws_efs_file_system", here.more["aws_efs_file_system"][0])
        reported = fs["reported"]
        assert reported["name"] == FILE_SYSTEM_NAME and reported["tags"] == {"Name": FILE_SYSTEM_NAME, "owner": "ops"}
        assert reported["arn"] == f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{reported['id']}"
        assert reported["share_encrypted"] is True and reported["share_type"] == "" and reported["share_size"] == 0
        assert reported["file_system_policy"]["Statement"][0]["Action"] == ["elasticfilesystem:ClientMount",
                                                                           "elasticfilesystem:ClientWrite"]
        assert fs["metadata"]["provider_link"] == (f"https://{region}.console.aws.amazon.com/efs/home?region={region}"
                                                   f"#/file-systems/{reported['id']}")
        key = graph.by_id("aws_kms_key", here.key_id)
        assert graph.has_edge(fs, key) and graph.has_edge(key, fs, "delete")

        target = graph.by_id("aws_efs_mount_target", here.more["aws_efs_mount_target"][0])
        assert target["reported"]["life_cycle_state"] == "available" and target["reported"]["ip_address"]
        assert target["reported"]["arn"] == f"arn:aws:efs:{region}:{account}:mount-target/{target['reported']['id']}"
        nic = [n for n in graph.of_kind("aws_ec2_network_interface") if graph.has_edge(n, target)]
        assert len(nic) == 1 and graph.has_edge(target, nic[0], "delete")
        assert graph.has_edge(fs, target) and not graph.has_edge(fs, target, "delete")

        point = graph.by_id("aws_efs_access_point", here.more["aws_efs_access_point"][0])
        assert point["reported"]["name"] == ACCESS_POINT_NAME and point["reported"]["tags"]["owner"] == "ops"
        assert point["reported"]["posix_user"] == {"uid": 1001, "gid": 1001, "secondary_gids": []}
        assert point["reported"]["root_directory"]["creation_info"]["permissions"] == "750"
        assert graph.has_edge(fs, point) and graph.has_edge(fs, point, "delete")


def test_aurora_clusters_with_their_members_and_snapshots(member, collected):
    graph, account = collected, member.account_id
    for region, here in member.regions.items():
        cluster = in_region(graph, "aws_rds_cluster", region)
        reported = cluster["reported"]
        assert reported["arn"] == f"arn:aws:rds:{region}:{account}:cluster:{DB_CLUSTER}"
        assert reported["db_type"] == "aurora-postgresql" and reported["tags"] == {"owner": "ops"}
        assert reported["instance_type"] == "" and reported["volume_size"] == 0
        assert reported["db_endpoint"].endswith(":5432") and reported["rds_db_cluster_members"][0][
            "db_instance_identifier"] == DB_CLUSTER_MEMBER
        assert cluster["metadata"]["provider_link"].endswith(f"#database:id={DB_CLUSTER};is-cluster=true")
        (instance,) = [n for n in graph.of_kind("aws_rds_instance")
                       if n["reported"]["arn"] == f"arn:aws:rds:{region}:{account}:db:{DB_CLUSTER_MEMBER}"]
        assert graph.has_edge(cluster, instance) and graph.has_edge(cluster, instance, "delete")
        group = graph.by_id("aws_ec2_security_group", here.security_group)
        assert graph.has_edge(group, cluster) and graph.has_edge(group, cluster, "delete")
        assert graph.has_edge(cluster, graph.by_id("aws_kms_key", here.key_id))

        snapshots = [n for n in graph.of_kind("aws_rds_cluster_snapshot") if graph.has_edge(cluster, n)]
        manual = [n for n in snapshots if n["reported"]["id"] == DB_CLUSTER_SNAPSHOT]
        assert len(manual) == 1 and len(snapshots) == 2  # and the automated one moto makes
        reported = manual[0]["reported"]
        # named by its Name tag, and its ARN made from the name, as the reference makes it
        assert reported["name"] == "nightly" and reported["arn"] == f"arn:aws:rds:{region}:{account}:snapshot/nightly"
        assert reported["rds_attributes"] == {"restore": []} and reported["rds_db_cluster_identifier"] == DB_CLUSTER
        assert graph.has_edge(manual[0], graph.by_id("aws_kms_key", here.key_id))


def test_redshift_elasticache_kinesis_and_opensearch(member, collected):
    graph, account = collected, member.account_id
    role = graph.by_name("aws_iam_role", "fn-role")
    for region, here in member.regions.items():
        key = graph.by_id("aws_kms_key", here.key_id)
        group = graph.by_id("aws_ec2_security_group", here.security_group)

        warehouse = in_region(graph, "aws_redshift_cluster", region)
        assert warehouse["reported"]["id"] == WAREHOUSE
        assert warehouse["reported"]["arn"] == f"arn:aws:redshift:{region}:{account}:cluster:{WAREHOUSE}"
        assert warehouse["reported"]["redshift_logging_status"]["logging_enabled"] is False
        assert warehouse["reported"]["tags"] == {"owner": "ops"}
        assert graph.has_edge(group, warehouse) and graph.has_edge(group, warehouse, "delete")
        assert graph.has_edge(role, warehouse) and graph.has_edge(role, warehouse, "delete")
        assert graph.has_edge(warehouse, key) and graph.has_edge(key, warehouse, "delete")

        cache = in_region(graph, "aws_elasticache_cache_cluster", region)
        assert cache["reported"]["id"] == CACHE_CLUSTER and cache["reported"]["tags"] == {"owner": "ops"}
        assert cache["reported"]["cluster_engine"] == "redis"
        assert cache["metadata"]["provider_link"].endswith(f"?region={region}#/redis/{CACHE_CLUSTER}")
        replication = in_region(graph, "aws_elasticache_replication_group", region)
        assert replication["reported"]["id"] == REPLICATION_GROUP and replication["reported"]["tags"] == {
            "owner": "ops"}
        assert replication["reported"]["replication_group_member_clusters"] == [f"{REPLICATION_GROUP}-001"]
        assert graph.has_edge(replication, key) and graph.has_edge(key, replication, "delete")

        stream = in_region(graph, "aws_kinesis_stream", region)
        reported = stream["reported"]
        assert reported["id"] == STREAM and reported["arn"] == f"arn:aws:kinesis:{region}:{account}:stream/{STREAM}"
        assert reported["tags"] == {"owner": "ops"} and len(reported["kinesis_shards"]) == 2
        assert reported["kinesis_retention_period_hours"] == 24 and reported["ctime"] == reported["atime"]
        assert graph.has_edge(stream, key) and graph.has_edge(key, stream, "delete")

        domain = in_region(graph, "aws_opensearch_domain", region)
        reported = domain["reported"]
        assert reported["id"] == here.more["aws_opensearch_domain"][0] == f"{account}/search"
        assert reported["name"] == "search" and reported["tags"] == {}
        assert reported["access_policies"]["Statement"][0]["Action"] == "es:*"
        assert reported["cluster_config"]["instance_type"] == "m5.large.search"
        assert domain["metadata"]["provider_link"].endswith(f"?region={region}#opensearch/domains/search")
        subnet = graph.by_id("aws_ec2_subnet", here.subnets[0])
        assert graph.has_edge(subnet, domain) and graph.has_edge(subnet, domain, "delete")
        assert graph.has_edge(group, domain) and graph.has_edge(group, domain, "delete")


def test_vaults_and_jobs_from_recorded_answers(member, aws_env, monkeypatch, tmp_path):
    recorded = Recorded()
    graph = collect_through_proxy(monkeypatch, aws_env, member.account_id, tmp_path / "recorded.ndjson", recorded,
                                  region=["us-east-1"], collect=["glacier", "sns", "kms"])
    assert graph.progress.errors == [] and graph.result.warning_count == 0
    for operation in ("ListVaults", "ListJobs", "ListTagsForVault", "GetVaultAccessPolicy"):
        assert recorded.served[("glacier", operation)] == 1, operation
    vault = graph.by_id("aws_glacier_vault", "archive")
    reported = vault["reported"]
    assert reported["arn"] == "arn:aws:glacier:us-east-1:210987654321:vaults/archive"  # the recorded account's
    assert reported["tags"] == {"owner": "ops"} and reported["glacier_number_of_archives"] == 12
    assert reported["glacier_access_policy"]["Statement"][0]["Action"] == ["glacier:DeleteArchive"]
    assert vault["metadata"]["provider_link"] == ("https://us-east-1.console.aws.amazon.com/glacier/home?"
                                                  "region=us-east-1#/vault/archive/view/properties")
    job = graph.by_id("aws_glacier_job", JOB_ID)
    assert job["reported"]["glacier_job_action"] == "InventoryRetrieval" and job["reported"]["description"] == \
        "nightly inventory"
    assert job["reported"]["arn"] == f"arn:aws:glacier:us-east-1:{member.account_id}:job/{JOB_ID}"
    assert job["reported"]["glacier_job_inventory_retrieval_parameters"] == {"output_format": "JSON"}
    assert graph.has_edge(vault, job) and not graph.has_edge(vault, job, "delete")


def test_global_tables_come_as_dynamodb_sends_them(world, member, aws_env):
    """Over a real socket: the recorded list and description, parsed by boto3, through the get, into a node; the
    tags from moto, which knows no such ARN (no tags, not an error)."""
    recorded = Recorded()
    with FaultProxy(aws_env, recorded=recorded) as proxy:
        ddb = world.session(member.account_id).client("dynamodb", region_name="us-east-1", endpoint_url=proxy.start())
        items = GLOBAL_TABLES.get(ddb)
    assert recorded.served == {("dynamodb", "ListGlobalTables"): 1, ("dynamodb", "DescribeGlobalTable"): 1}
    (made,) = [node(GLOBAL_TABLES, item, Scope(member.account_id, "us-east-1", "global")) for item in items]
    reported = made.reported
    assert reported["id"] == reported["name"] == "orders" and reported["tags"] == {}
    assert reported["arn"] == "arn:aws:dynamodb::210987654321:global-table/orders"  # the recorded account's
    assert reported["ctime"] == "2026-01-05T10:11:12Z" and reported["dynamodb_global_table_status"] == "ACTIVE"
    assert [r["region_name"] for r in reported["dynamodb_replication_group"]] == ["us-east-1", "eu-central-1"]


MOTO_500 = ("<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>"
            "\n<p>The server encountered an internal error and was unable to complete your request.</p>\n")


def test_a_policy_that_cannot_be_read_costs_the_policy_only(member, aws_env, monkeypatch, tmp_path):
    """As moto answers for a file system it no longer has: a 500 with a page of HTML."""
    answers = tmp_path / "recorded"
    (answers / "elasticfilesystem").mkdir(parents=True)  # EFS signs as elasticfilesystem
    (answers / "elasticfilesystem" / "DescribeFileSystemPolicy.json").write_text(
        json.dumps({"status": 500, "body": MOTO_500}))
    graph = collect_through_proxy(monkeypatch, aws_env, member.account_id, tmp_path / "policy.ndjson",
                                  Recorded(answers), region=["us-east-1"], collect=["efs"], retry_max_attempts=1)
    here = member.regions["us-east-1"]
    fs = graph.by_id("aws_efs_file_system", here.more["aws_efs_file_system"][0])["reported"]
    assert "file_system_policy" not in fs and fs["name"] == FILE_SYSTEM_NAME
    assert graph.by_id("aws_efs_mount_target", here.more["aws_efs_mount_target"][0])
    assert graph.by_id("aws_efs_access_point", here.more["aws_efs_access_point"][0])
    (problem,) = graph.progress.errors
    assert f"policy of {fs['id']} left out: 500" in problem and "efs" in problem


def test_domains_are_described_five_at_a_time(member, aws_env):
    session = boto3.Session(region_name=SPARE_REGION)
    sts = session.client("sts", endpoint_url=aws_env)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{member.account_id}:role/OrganizationAccountAccessRole",
                            RoleSessionName="domains")["Credentials"]
    client = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["SessionToken"], region_name=SPARE_REGION).client(
        "opensearch", endpoint_url=aws_env)
    names = [f"logs-{i}" for i in range(7)]
    for name in names:
        client.create_domain(DomainName=name, EngineVersion="OpenSearch_2.5")
    asked = []
    client.meta.events.register("before-parameter-build.opensearch.DescribeDomains",
                                lambda params, **_: asked.append(params["DomainNames"]))
    found = get_domains(client)
    assert sorted(d["DomainName"] for d in found) == names
    assert [len(batch) for batch in asked] == [5, 2]

