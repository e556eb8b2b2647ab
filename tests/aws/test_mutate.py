"""Tag and delete hooks against moto: they reach the node's account and region and change the resource.

They work on resources made for this module in the management account, so the member accounts the
other tests look at stay as built."""
from __future__ import annotations

from typing import Dict, List

import pytest

from collectors.aws import plugin
from collectors.aws.mutate import UnsupportedAction
from collectors.aws.table import KINDS
from hookspecs import Account

from .conftest import Collected, collect_into_file
from .world import MANAGEMENT_ACCOUNT, AccountEstate, populate_management

pytestmark = pytest.mark.e2e

REGION = "us-east-1"
SECTION = {"region": [REGION], "resource_pool_size": 8}
ACCOUNT = Account(id=MANAGEMENT_ACCOUNT, name="master", extra={"profile": None, "partition": "aws", "role_arn": None})
# what moto lists but cannot change (the kinds' own tests check those calls against recorded answers)
MOTO_CANNOT_TAG = {"aws_ecs_container_instance", "aws_eks_nodegroup", "aws_beanstalk_application",
                   "aws_iam_server_certificate"}
MOTO_CANNOT_DELETE = {"aws_athena_data_catalog"}
TAGGABLE = [k.name for k in KINDS if k.taggable and k.moto and k.name not in MOTO_CANNOT_TAG]
DELETABLE = [k.name for k in KINDS if k.delete and k.moto and k.name not in MOTO_CANNOT_DELETE]
# what AWS keeps listing for a while after deletion
STILL_LISTED = {"aws_ec2_instance": ("instance_status", "terminated"),
                "aws_kms_key": ("access_key_status", "PendingDeletion"),
                "aws_rds_instance": ("db_status", "deleting"),
                "aws_elasticache_cache_cluster": ("cluster_cache_cluster_status", "deleting"),
                "aws_elasticache_replication_group": ("replication_group_status", "deleting")}


@pytest.fixture(scope="module")
def estate(world) -> AccountEstate:
    return populate_management(world.endpoint, REGION)


def collect(tmp_path, name: str) -> Collected:
    return collect_into_file(SECTION, ACCOUNT, tmp_path / f"{name}.ndjson")


def core_node(graph: Collected, node: dict) -> dict:
    """The node as the core hands it to a task: with its account and region ancestors."""
    regions = {n["id"]: n["reported"] for n in graph.of_kind("aws_region")}
    region = next(regions[e["from"]] for e in graph.edges if e["to"] == node["id"] and e["from"] in regions)
    return {"id": node["id"], "reported": node["reported"], "metadata": node["metadata"],
            "ancestors": {"account": {"reported": {"id": MANAGEMENT_ACCOUNT, "name": "master"}},
                          "region": {"reported": {"id": region["id"], "name": region["name"]}}}}


def created(graph: Collected, estate: AccountEstate) -> Dict[str, List[dict]]:
    """The collected nodes of the resources made for this module, by kind."""
    here = estate.regions[REGION]
    ids = {here.vpc, *here.subnets, here.security_group, *here.instances, here.volume, here.snapshot, here.key_pair,
           here.internet_gateway, here.nat_gateway, here.network_interface, here.elastic_ip, here.db_instance,
           here.table, here.function, here.alarm, here.cluster, here.topic_arn, here.key_id, "jobs", "web-lb",
           "web-tg", here.route_table, here.network_acl, here.work_group, here.db_snapshot, *estate.buckets,
           *estate.users, estate.group, *estate.roles, estate.instance_profile, estate.access_key, estate.zone_id}
    ids |= {i for more in (estate.more, here.more) for found in more.values() for i in found}
    arns = {estate.policy_arn}
    found: Dict[str, List[dict]] = {}
    for node in graph.nodes.values():
        reported = node["reported"]
        if reported["id"] in ids or reported["name"] in ids or reported.get("arn") in arns:
            if reported["kind"] not in ("aws_account", "aws_region"):
                found.setdefault(reported["kind"], []).append(node)
    return found


def test_tags_are_set_and_removed_on_every_taggable_kind(estate, tmp_path):
    before = collect(tmp_path, "before")
    mine = created(before, estate)
    assert set(TAGGABLE) <= set(mine)
    for kind in TAGGABLE:
        node = core_node(before, mine[kind][0])
        assert plugin.resotoworker_update_tag(cloud="aws", config=SECTION, node=node, key="cost-center",
                                              value="42") is True, kind
        if kind == "aws_s3_bucket":  # S3 rewrites the whole tag set: the others must survive
            assert plugin.resotoworker_update_tag(cloud="aws", config=SECTION, node=node, key="team", value="x")
    tagged = collect(tmp_path, "tagged")
    for kind in TAGGABLE:
        node = tagged.nodes[mine[kind][0]["id"]]["reported"]
        assert node["tags"].get("cost-center") == "42", (kind, node["tags"])
    assert tagged.nodes[mine["aws_s3_bucket"][0]["id"]]["reported"]["tags"] == {"owner": "ops", "cost-center": "42",
                                                                                "team": "x"}
    for kind in TAGGABLE:
        node = core_node(tagged, tagged.nodes[mine[kind][0]["id"]])
        assert plugin.resotoworker_delete_tag(cloud="aws", config=SECTION, node=node, key="cost-center") is True
    untagged = collect(tmp_path, "untagged")
    for kind in TAGGABLE:
        assert "cost-center" not in untagged.nodes[mine[kind][0]["id"]]["reported"]["tags"], kind


def test_iam_groups_carry_no_tags(estate, tmp_path):
    graph = collect(tmp_path, "groups")
    group = core_node(graph, created(graph, estate)["aws_iam_group"][0])
    with pytest.raises(UnsupportedAction, match="cannot carry tags"):
        plugin.resotoworker_update_tag(cloud="aws", config=SECTION, node=group, key="a", value="b")


def deletion_order(graph: Collected, nodes: List[dict]) -> List[dict]:
    """Dependents first: a ``delete`` edge A→B means B goes before A (what the worker's cleanup does)."""
    chosen = {n["id"] for n in nodes}
    waits_for = {nid: set() for nid in chosen}
    for edge in graph.edges:
        if edge.get("edge_type") == "delete" and edge["from"] in chosen and edge["to"] in chosen:
            waits_for[edge["from"]].add(edge["to"])
    order: List[dict] = []
    while waits_for:
        ready = sorted(nid for nid, deps in waits_for.items() if not deps)
        assert ready, f"delete edges form a cycle among {waits_for}"
        for nid in ready:
            order.append(graph.nodes[nid])
            del waits_for[nid]
        for deps in waits_for.values():
            deps.difference_update(ready)
    return order


def test_every_kind_is_deleted_in_dependency_order(estate, tmp_path):
    before = collect(tmp_path, "before-delete")
    mine = created(before, estate)
    victims = [n for nodes in mine.values() for n in nodes if n["reported"]["kind"] in DELETABLE]
    assert {n["reported"]["kind"] for n in victims} == set(DELETABLE)
    for node in deletion_order(before, victims):
        assert plugin.resotoworker_delete_resource(cloud="aws", config=SECTION, node=core_node(before, node)) is True
    after = collect(tmp_path, "after-delete")
    left = {n["id"]: n["reported"] for n in after.nodes.values()}
    gone = {n["reported"]["kind"] for n in victims if n["id"] not in left}
    assert gone >= set(DELETABLE) - set(STILL_LISTED)
    for node in victims:
        reported = left.get(node["id"])
        if reported is not None:
            prop, value = STILL_LISTED.get(reported["kind"], (None, None))
            assert prop is not None and reported[prop] == value, f"{reported['kind']} {reported['id']} is still there"
