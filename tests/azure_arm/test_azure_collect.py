"""Listing subscriptions and collecting three of them through the plugin hooks into real GraphBuilders:
kinds, properties valid for the model, edges, and an upload the real resotocore 3.9.0 accepts."""
from __future__ import annotations

import json
from typing import Dict

import pytest

from collectors.azure import plugin
from collectors.azure.model import model_kinds
from worker.graph.merge import AccountSpool, MergeStream

from azure_arm.arm_estate import (EXPECTED_KINDS, NEWEST_VM_VERSION, SUB_A, SUB_DISABLED, SUBSCRIPTIONS, build_state, disk_id,
                        vm_id)
from aws.model_check import BASE_KINDS, load_kinds, reported_problems
from azure_arm.azure_harness import Collected, collect_into_file, section_for, use_state


@pytest.fixture(scope="module")
def estate(arm_server):
    return use_state(arm_server, build_state())


@pytest.fixture(scope="module")
def collected(arm_server, ca_bundle, estate, tmp_path_factory) -> Dict[str, Collected]:
    section = section_for(arm_server, ca_bundle[0])
    accounts = plugin.resotoworker_list_accounts(cloud="azure", config=section)
    out = tmp_path_factory.mktemp("azure-collected")
    return {a.id: collect_into_file(section, a, out / f"{a.id}.ndjson") for a in accounts}


def test_list_accounts_sees_every_enabled_subscription(arm, section):
    accounts = plugin.resotoworker_list_accounts(cloud="azure", config=section)
    assert [a.id for a in accounts] == SUBSCRIPTIONS  # paged: 3 per page, the disabled one skipped
    assert [a.name for a in accounts] == ["Subscription A", "Subscription B", "Subscription C"]
    assert plugin.resotoworker_list_accounts(cloud="aws", config=section) is None
    chosen = plugin.resotoworker_list_accounts(cloud="azure", config={**section, "subscriptions": [SUB_DISABLED],
                                                                       "exclude_subscriptions": []})
    assert [a.id for a in chosen] == [SUB_DISABLED]
    without = plugin.resotoworker_list_accounts(cloud="azure", config={**section,
                                                                        "exclude_subscriptions": [SUB_A.upper()]})
    assert SUB_A not in [a.id for a in without]


def test_every_subscription_lands_with_the_expected_kinds(collected):
    assert sorted(collected) == SUBSCRIPTIONS
    for sub, graph in collected.items():
        assert graph.progress.errors == [] and graph.result.warning_count == 0, graph.result.warnings
        assert graph.progress.parts_done == graph.progress.parts_declared
        counts = {kind: len(graph.of_kind(kind)) for kind in EXPECTED_KINDS}
        assert counts == EXPECTED_KINDS
        account = graph.of_kind("azure_subscription")[0]["reported"]
        assert account["id"] == sub and account["tenant_id"] == "tenant-1" and account["managed_by_tenants"] == \
            ["tenant-ops"]
        assert account["subscription_policies"]["quota_id"] == "PayAsYouGo_2014-09-01"


def test_every_reported_document_is_valid_for_the_model(collected):
    kinds = load_kinds(model_kinds())
    for graph in collected.values():
        for node in graph.nodes.values():
            assert reported_problems(kinds, node["reported"]) == []


def test_typed_properties_come_from_the_provider_listing(collected, estate):
    graph = collected[SUB_A]
    vm = graph.by_name("azure_virtual_machine", "vm-1")["reported"]
    assert vm["id"] == vm_id(SUB_A, "rg-web", "vm-1") and vm["instance_type"] == "Standard_B2s"
    assert vm["instance_status"] == "running" and vm["vm_id"] == "vmid-vm-1" and vm["location"] == "westeurope"
    assert vm["ctime"] == "2024-03-01T10:00:00Z" and vm["time_created"] == "2024-02-01T08:00:00Z"
    assert vm["tags"] == {"owner": "alice", "env": "prod"}
    orphan = graph.by_name("azure_disk", "orphan")["reported"]
    assert orphan["volume_size"] == 64 and orphan["volume_status"] == "available"
    assert orphan["volume_type"] == "Premium_LRS" and orphan["disk_state"] == "Unattached"
    store = graph.by_name("azure_generic_resource", "store0")["reported"]
    assert store["type"] == "Microsoft.Storage/storageAccounts" and store["location"] == "northeurope"
    assert store["sku"] == {"name": "Standard_LRS", "tier": "Standard"} and store["ctime"] == "2024-03-01T10:00:00Z"
    # the provider collections were asked with the newest stable version, the provider once per namespace
    vm_lists = estate.requests("GET", "/providers/Microsoft.Compute/virtualMachines")
    assert {r[2]["api-version"] for r in vm_lists} == {NEWEST_VM_VERSION}
    provider_gets = [r for r in estate.requests("GET", "/providers/microsoft.compute") if r[1].lower().endswith(
        "/providers/microsoft.compute")]
    assert len(provider_gets) == len(SUBSCRIPTIONS)
    # resources came in pages of 3 via nextLink, with the expand that brings createdTime
    pages = estate.requests("GET", f"/subscriptions/{SUB_A}/resources")
    assert len(pages) == 3 and all("createdTime" in r[2]["$expand"] for r in pages)


def test_edges_follow_location_group_resource_and_vm_disks(collected):
    graph = collected[SUB_A]
    account = graph.of_kind("azure_subscription")[0]
    west = graph.by_name("azure_location", "westeurope")
    web = graph.by_name("azure_resource_group", "rg-web")
    vm = graph.by_name("azure_virtual_machine", "vm-1")
    assert graph.has_edge(account, west) and graph.has_edge(west, web) and graph.has_edge(web, vm)
    assert graph.has_edge(web, vm, "delete")
    for name in ("vm-1-os", "vm-1-data"):
        disk = graph.by_name("azure_disk", name)
        assert disk["reported"]["id"] == disk_id(SUB_A, "rg-web", name)
        assert graph.has_edge(vm, disk) and graph.has_edge(disk, vm, "delete")
    dns = graph.by_name("azure_generic_resource", "example.org")
    assert graph.has_edge(web, dns)
    assert graph.has_edge(account, graph.by_name("azure_location", "global"))


def test_resources_filter_is_passed_to_the_listing(arm, section, tmp_path):
    accounts = plugin.resotoworker_list_accounts(cloud="azure", config=section)
    section = {**section, "resources_filter": "resourceType eq 'Microsoft.Compute/disks' and resourceGroup eq 'rg-data'"}
    graph = collect_into_file(section, accounts[0], tmp_path / "filtered.ndjson")
    assert [n["reported"]["name"] for n in graph.of_kind("azure_disk")] == ["orphan"]
    assert graph.of_kind("azure_virtual_machine") == [] and graph.of_kind("azure_generic_resource") == []


def test_the_real_core_accepts_model_and_upload(collected, real_core):
    model = json.loads(BASE_KINDS.read_text()) + model_kinds()
    stream = MergeStream()
    for graph in collected.values():
        stream.add(AccountSpool("azure", graph.result.account_id, str(graph.path), graph.result.nodes,
                                graph.result.edges))
    lines = b"".join(stream).decode().splitlines()
    result = real_core(model, [lines])
    assert result["model_error"] is None
    upload = result["uploads"][0]
    assert upload["ok"], upload["error"]
    assert upload["nodes"] == stream.nodes
