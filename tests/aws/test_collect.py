"""Collecting each member account of the fake organization through the plugin hook into a real
GraphBuilder: model validity, the resources and edges the reference draws, a well-formed graph."""
from __future__ import annotations

import json
from typing import Dict

import pytest

from collectors.aws import plugin
from collectors.aws.model import model_kinds
from collectors.aws.table import BY_NAME
from worker.graph.ids import node_id
from worker.graph.merge import AccountSpool, MergeStream

from .conftest import Collected, collect_into_file, org_config
from .model_check import BASE_KINDS, load_kinds, reported_problems
from .world import REGIONS, World

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def collected(world: World, tmp_path_factory) -> Dict[str, Collected]:
    accounts = {a.id: a for a in plugin.resotoworker_list_accounts(cloud="aws", config=org_config())}
    out = tmp_path_factory.mktemp("collected")
    return {m.account_id: collect_into_file(org_config(), accounts[m.account_id], out / f"{m.account_id}.ndjson")
            for m in world.members}


def members(world):
    return [m.account_id for m in world.members]


def test_every_member_account_lands_without_errors_or_warnings(world, collected):
    for account_id in members(world):
        graph = collected[account_id]
        assert graph.progress.errors == []
        assert graph.result.warning_count == 0, graph.result.warnings
        assert graph.progress.parts_declared == ["global"] + REGIONS
        assert sorted(graph.progress.parts_done) == sorted(["global"] + REGIONS)
        account = graph.of_kind("aws_account")[0]["reported"]
        assert account["id"] == account_id and account["name"] == world.member(account_id).name
        assert account["role"] == "OrganizationAccountAccessRole" and account["is_organization_member"] is True
        assert account["users"] == 2


def test_every_reported_document_is_valid_for_the_model(collected):
    kinds = load_kinds(model_kinds())
    for graph in collected.values():
        for node in graph.nodes.values():
            assert reported_problems(kinds, node["reported"]) == []


def test_the_created_resources_are_there_with_their_key_properties(world, collected):
    for member in world.members:
        graph = collected[member.account_id]
        for bucket in member.buckets:
            assert graph.by_id("aws_s3_bucket", bucket)["reported"]["tags"] == {"owner": "ops"}
        users = {n["reported"]["name"]: n["reported"] for n in graph.of_kind("aws_iam_user")}
        assert set(users) == set(member.users) and users["user-0"]["tags"] == {"team": "data"}
        assert {"fn-role", "node-role"} <= {n["reported"]["name"] for n in graph.of_kind("aws_iam_role")}
        assert [n["reported"]["name"] for n in graph.of_kind("aws_iam_group")] == ["readers"]
        assert [n["reported"]["arn"] for n in graph.of_kind("aws_iam_policy")] == [member.policy_arn]
        assert [n["reported"]["name"] for n in graph.of_kind("aws_iam_instance_profile")] == ["node-profile"]
        for region, estate in member.regions.items():
            instance = graph.by_id("aws_ec2_instance", estate.instances[0])["reported"]
            assert instance["instance_type"] == "t3.micro" and instance["instance_status"] == "running"
            assert instance["name"] == "web" and instance["instance_cores"] == 2.0
            assert instance["arn"] == f"arn:aws:ec2:{region}:{member.account_id}:instance/{estate.instances[0]}"
            assert graph.by_id("aws_ec2_volume", estate.volume)["reported"]["volume_size"] == 8
            assert graph.by_id("aws_ec2_snapshot", estate.snapshot)["reported"]["volume_id"] == estate.volume
            assert graph.by_id("aws_ec2_keypair", estate.key_pair)["reported"]["name"] == "deploy"
            assert graph.by_id("aws_vpc", estate.vpc)["reported"]["vpc_cidr_block"] == "10.10.0.0/16"
            for subnet in estate.subnets:
                assert graph.by_id("aws_ec2_subnet", subnet)["reported"]["subnet_cidr_block"].startswith("10.10.")
            assert graph.by_id("aws_ec2_security_group", estate.security_group)["reported"]["name"] == "web"
            assert graph.by_id("aws_ec2_internet_gateway", estate.internet_gateway)
            assert graph.by_id("aws_ec2_nat_gateway", estate.nat_gateway)["reported"]["nat_state"] == "available"
            assert graph.by_id("aws_ec2_network_interface", estate.network_interface)["reported"]["description"] \
                == "spare"
            assert graph.by_id("aws_ec2_elastic_ip", estate.elastic_ip)["reported"]["ip_allocation_id"] \
                == estate.allocation_id
            assert node_by_arn(graph, "aws_alb", estate.load_balancer_arn)["reported"]["alb_type"] == "application"
            assert node_by_arn(graph, "aws_alb_target_group", estate.target_group_arn)["reported"]["port"] == 80
            db_arn = f"arn:aws:rds:{region}:{member.account_id}:db:{estate.db_instance}"
            assert node_by_arn(graph, "aws_rds_instance", db_arn)["reported"]["db_type"] == "postgres"
            assert node_by_arn(graph, "aws_sns_topic", estate.topic_arn)["reported"]["tags"] == {"owner": "ops"}
            assert graph.by_id("aws_kms_key", estate.key_id)["reported"]["kms_description"] == "data key"
        for kind, count in [("aws_alb", 2), ("aws_alb_target_group", 2), ("aws_rds_instance", 2),
                            ("aws_dynamodb_table", 2), ("aws_lambda_function", 2), ("aws_cloudwatch_alarm", 2),
                            ("aws_eks_cluster", 2), ("aws_sqs_queue", 2), ("aws_sns_topic", 2), ("aws_kms_key", 2)]:
            nodes = graph.of_kind(kind)
            assert len(nodes) >= count, kind
            assert {n["reported"]["arn"].split(":")[3] for n in nodes} >= set(REGIONS), kind
        assert all(n["reported"]["tags"].get("owner") == "ops" for n in graph.of_kind("aws_sqs_queue"))


def node_by_arn(graph: Collected, kind: str, arn: str) -> dict:
    found = [n for n in graph.of_kind(kind) if n["reported"].get("arn") == arn]
    assert len(found) == 1, (kind, arn)
    return found[0]


def test_edges_are_drawn_as_the_reference_draws_them(world, collected):
    for member in world.members:
        graph = collected[member.account_id]
        account = graph.of_kind("aws_account")[0]
        regions = {n["reported"]["name"]: n for n in graph.of_kind("aws_region")}
        assert set(regions) == {"global"} | set(REGIONS)
        assert all(graph.has_edge(account, r) for r in regions.values())
        for bucket in member.buckets:
            assert graph.has_edge(regions["global"], graph.by_id("aws_s3_bucket", bucket))
        group = graph.of_kind("aws_iam_group")[0]
        user0 = [n for n in graph.of_kind("aws_iam_user") if n["reported"]["name"] == "user-0"][0]
        policy = graph.of_kind("aws_iam_policy")[0]
        node_role = [n for n in graph.of_kind("aws_iam_role") if n["reported"]["name"] == "node-role"][0]
        profile = graph.of_kind("aws_iam_instance_profile")[0]
        assert graph.has_edge(regions["global"], user0) and graph.has_edge(group, user0)
        assert graph.has_edge(group, policy) and graph.has_edge(group, policy, "delete")
        assert graph.has_edge(node_role, policy) and graph.has_edge(node_role, profile)
        for region, estate in member.regions.items():
            region_node = regions[region]
            vpc = graph.by_id("aws_vpc", estate.vpc)
            subnet0 = graph.by_id("aws_ec2_subnet", estate.subnets[0])
            group_node = graph.by_id("aws_ec2_security_group", estate.security_group)
            web0 = graph.by_id("aws_ec2_instance", estate.instances[0])
            web1 = graph.by_id("aws_ec2_instance", estate.instances[1])
            volume = graph.by_id("aws_ec2_volume", estate.volume)
            key = graph.by_id("aws_ec2_keypair", estate.key_pair)
            eip = graph.by_id("aws_ec2_elastic_ip", estate.elastic_ip)
            lb = node_by_arn(graph, "aws_alb", estate.load_balancer_arn)
            tg = node_by_arn(graph, "aws_alb_target_group", estate.target_group_arn)
            db = node_by_arn(graph, "aws_rds_instance", f"arn:aws:rds:{region}:{member.account_id}:db:orders-db")
            alarm = node_by_arn(graph, "aws_cloudwatch_alarm",
                                f"arn:aws:cloudwatch:{region}:{member.account_id}:alarm:{estate.alarm}")
            cluster = node_by_arn(graph, "aws_eks_cluster", f"arn:aws:eks:{region}:{member.account_id}:cluster/apps")
            function = node_by_arn(graph, "aws_lambda_function",
                                   f"arn:aws:lambda:{region}:{member.account_id}:function:resize")
            nat = graph.by_id("aws_ec2_nat_gateway", estate.nat_gateway)
            igw = graph.by_id("aws_ec2_internet_gateway", estate.internet_gateway)
            expected = [
                (region_node, vpc, "default"), (region_node, web0, "default"), (region_node, lb, "default"),
                (vpc, subnet0, "default"), (vpc, subnet0, "delete"), (vpc, group_node, "delete"),
                (vpc, igw, "default"), (vpc, igw, "delete"), (nat, vpc, "default"), (vpc, nat, "delete"),
                (subnet0, web0, "default"), (subnet0, web0, "delete"),
                (web0, volume, "default"), (volume, web0, "delete"), (volume, graph.by_id("aws_ec2_snapshot",
                                                                                            estate.snapshot), "default"),
                (web0, key, "default"), (key, web0, "delete"),
                (web1, eip, "default"), (eip, web1, "delete"),
                (lb, tg, "default"), (tg, lb, "delete"), (tg, web0, "default"), (web0, tg, "delete"),
                (vpc, lb, "default"), (subnet0, lb, "delete"), (group_node, lb, "delete"),
                (group_node, db, "default"), (group_node, db, "delete"),
                (web0, alarm, "default"), (web0, alarm, "delete"),
                (node_role, cluster, "default"), (node_role, cluster, "delete"),
                (subnet0, function, "default"), (group_node, function, "delete"),
            ]
            missing = [(a["reported"]["kind"], b["reported"]["kind"], t) for a, b, t in expected
                       if not graph.has_edge(a, b, t)]
            assert missing == [], (region, missing)


def region_of(graph: Collected) -> Dict[str, str]:
    """Node id → the id of the region it hangs under."""
    regions = {n["id"]: n["reported"]["id"] for n in graph.of_kind("aws_region")}
    return {e["to"]: regions[e["from"]] for e in graph.edges if e["from"] in regions}


def test_graph_is_well_formed_and_ids_follow_the_reference_scheme(collected):
    for account_id, graph in collected.items():
        ids = set(graph.nodes)
        assert all(e["from"] in ids and e["to"] in ids for e in graph.edges)  # no dangling edges
        assert all(e.get("edge_type", "default") in ("default", "delete") for e in graph.edges)
        children = {e["to"] for e in graph.edges if e.get("edge_type", "default") == "default"}
        roots = [n for n in ids if n not in children]
        assert [graph.nodes[r]["reported"]["kind"] for r in roots] == ["aws_account"]
        account = graph.nodes[roots[0]]
        assert "exported_at" in account["metadata"]
        assert account["id"] == node_id("aws_account", "aws", account_id, None, None, account_id)
        regions = {n["reported"]["name"]: n for n in graph.of_kind("aws_region")}
        assert regions["global"]["reported"]["id"] == "us-east-1"
        assert regions["global"]["id"] == node_id("aws_region", "aws", account_id, "us-east-1", None, "us-east-1",
                                                  "global")
        located = region_of(graph)
        for nid, node in graph.nodes.items():
            reported = node["reported"]
            if reported["kind"] in ("aws_account", "aws_region") or BY_NAME[reported["kind"]].key is not None:
                continue  # kinds with keys of their own: their ids are compared with the reference's (test_parity)
            expected = node_id(reported["kind"], "aws", account_id, located[nid], None, reported["id"],
                               *([reported["arn"]] if reported.get("arn") else []))
            assert nid == expected, reported


def test_the_real_core_accepts_model_and_upload(collected, real_core):
    model = json.loads(BASE_KINDS.read_text()) + model_kinds()
    stream = MergeStream()  # every account a replace node, as in `collect --output FILE`
    for graph in collected.values():
        stream.add(AccountSpool("aws", graph.result.account_id, str(graph.path), graph.result.nodes,
                                graph.result.edges))
    result = real_core(model, [b"".join(stream).decode().splitlines()])
    assert result["model_error"] is None
    assert all(u["ok"] for u in result["uploads"]), [u["error"] for u in result["uploads"]]


def test_the_kinds_moto_makes_by_itself_or_the_world_added_are_there(world, collected):
    for member in world.members:
        graph = collected[member.account_id]
        assert graph.by_id("aws_iam_access_key", member.access_key)["reported"]["name"] == "user-0"
        zone = graph.by_id("aws_route53_zone", member.zone_id)
        assert zone["reported"]["tags"] == {"owner": "ops"}
        sets = [n for n in graph.of_kind("aws_route53_resource_record_set") if graph.has_edge(zone, n)]
        assert {n["reported"]["record_type"] for n in sets} == {"SOA", "NS"}
        assert all(any(graph.has_edge(s, r) for s in sets) for r in graph.of_kind("aws_route53_resource_record"))
        settings = graph.by_id("aws_s3_account_settings", member.account_id)
        assert settings["reported"]["bucket_public_access_block_configuration"]["block_public_acls"] is True
        assert graph.has_edge(graph.of_kind("aws_account")[0], settings)
        for region, estate in member.regions.items():
            assert graph.by_id("aws_ec2_route_table", estate.route_table)["reported"]["name"] == "private"
            assert graph.by_id("aws_ec2_network_acl", estate.network_acl)
            arn = f"arn:aws:athena:{region}:{member.account_id}:workgroup/{estate.work_group}"
            assert node_by_arn(graph, "aws_athena_work_group", arn)["reported"]["tags"] == {"owner": "ops"}
            snapshot = node_by_arn(graph, "aws_rds_snapshot",
                                   f"arn:aws:rds:{region}:{member.account_id}:snapshot:{estate.db_snapshot}")
            db = node_by_arn(graph, "aws_rds_instance", f"arn:aws:rds:{region}:{member.account_id}:db:{estate.db_instance}")
            assert graph.has_edge(db, snapshot)
            types = [n for n in graph.of_kind("aws_ec2_instance_type") if n["reported"]["arn"].endswith("/t3.micro")]
            assert len(types) == len(member.regions) and types[0]["reported"]["ondemand_cost"] > 0
            volume = graph.by_id("aws_ec2_volume", estate.volume)["reported"]
            assert volume["atime"] == volume["mtime"]  # attached: in use now


def test_usage_figures_come_from_cloudwatch(world, collected):
    member = world.members[0]
    graph = collected[member.account_id]
    for estate in member.regions.values():
        busy = graph.by_id("aws_ec2_instance", estate.instances[0])
        assert busy["usage"]["cpu_utilization"] == {"min": 12.5, "avg": 26.25, "max": 40.0}
        assert "usage" not in graph.by_id("aws_ec2_instance", estate.instances[1])  # no datapoints
