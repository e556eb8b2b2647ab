"""Listing subscriptions and collecting three of them through the plugin hooks into real GraphBuilders: every kind
of the registry lands with the reference's ids (node ids by the reference's key), properties valid for the model,
edges between resources and to locations and resource groups, and an upload the real resotocore 3.9.0 accepts;
only the types a subscription has are listed, every page of them."""
from __future__ import annotations

import json
from typing import Dict

import pytest

from collectors.azure import plugin
from collectors.azure.model import model_kinds
from worker.graph.ids import node_id
from worker.graph.merge import AccountSpool, MergeStream

from aws.model_check import BASE_KINDS, load_kinds, reported_problems
from azure_arm.arm_estate import (LOCATIONS, SUB_A, SUB_DISABLED, SUBSCRIPTIONS, build_state, collected_kinds,
                                  disk_id, fixture_item, vm_id)
from azure_arm.azure_harness import Collected, collect_into_file, section_for, use_state

pytestmark = pytest.mark.e2e

KINDS_OF_THE_ESTATE = collected_kinds()


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


def test_every_subscription_lands_with_every_kind(collected):
    assert sorted(collected) == SUBSCRIPTIONS
    for sub, graph in collected.items():
        assert graph.progress.errors == [] and graph.result.warning_count == 0, graph.result.warnings
        assert graph.progress.parts_done == graph.progress.parts_declared
        counts = {kind: len(graph.of_kind(kind)) for kind in KINDS_OF_THE_ESTATE}
        assert counts == KINDS_OF_THE_ESTATE
        assert len(graph.nodes) == sum(KINDS_OF_THE_ESTATE.values())


def test_every_reported_document_is_valid_for_the_model(collected):
    kinds = load_kinds(model_kinds())
    for graph in collected.values():
        for node in graph.nodes.values():
            assert reported_problems(kinds, node["reported"]) == []
            assert node["metadata"]["provider_link"] == \
                f"https://portal.azure.com/#@/resource/subscriptions{node['reported']['id']}/overview"


def test_ids_and_node_ids_are_the_references(collected):
    graph = collected[SUB_A]
    account = graph.of_kind("azure_subscription")[0]
    assert account["reported"]["id"] == account["reported"]["name"] == f"/subscriptions/{SUB_A}"
    assert account["id"] == node_id("azure_subscription", "azure", f"/subscriptions/{SUB_A}", None, None,
                                    f"/subscriptions/{SUB_A}")
    west = graph.by_name("azure_location", "westeurope")
    region = f"/subscriptions/{SUB_A}/locations/westeurope"
    assert west["reported"]["id"] == region
    assert west["id"] == node_id("azure_location", "azure", f"/subscriptions/{SUB_A}", region, None, region,
                                 "westeurope")
    vm = graph.by_name("azure_virtual_machine", "vm-1")
    assert vm["id"] == node_id("azure_virtual_machine", "azure", f"/subscriptions/{SUB_A}", region, None,
                               vm_id(SUB_A, "rg-web", "vm-1"))
    # a resource in no listed location takes its group's; a subnet its network's
    dns = graph.by_name("azure_generic_resource", "example.org")
    assert dns["id"] == node_id("azure_generic_resource", "azure", f"/subscriptions/{SUB_A}", region, None,
                                dns["reported"]["id"])
    subnet = graph.of_kind("azure_subnet")[0]
    assert subnet["id"] == node_id("azure_subnet", "azure", f"/subscriptions/{SUB_A}", region, None,
                                   subnet["reported"]["id"])
    # catalogs: the first resource using them gives theirs; nobody uses a firewall FQDN tag
    sku = graph.of_kind("azure_network_virtual_appliance_sku")[0]
    assert sku["id"] == node_id(sku["reported"]["kind"], "azure", f"/subscriptions/{SUB_A}", region, None,
                                sku["reported"]["id"])
    tag = graph.of_kind("azure_firewall_fqdn_tag")[0]
    assert tag["id"] == node_id(tag["reported"]["kind"], "azure", f"/subscriptions/{SUB_A}", None, None,
                                tag["reported"]["id"])


def test_properties_come_from_the_provider_collections_and_the_power_states(collected, estate):
    graph = collected[SUB_A]
    vm = graph.by_name("azure_virtual_machine", "vm-1")["reported"]
    assert vm["id"] == vm_id(SUB_A, "rg-web", "vm-1") and vm["instance_type"] == "Standard_B2s"
    assert vm["instance_status"] == "running" and vm["vm_id"] == "vmid-vm-1" and vm["location"] == "westeurope"
    assert vm["ctime"] == vm["time_created"] == "2024-02-01T08:00:00Z"
    assert vm["mtime"] == "2024-03-02T11:00:00Z"  # the listing's changedTime: the reference has none
    assert vm["tags"] == {"owner": "alice", "env": "prod"}
    fixture_vm = graph.by_id("azure_virtual_machine", fixture_item("azure_virtual_machine", SUB_A)["id"])
    assert fixture_vm["reported"]["instance_status"] == "terminated"  # deallocated, as the reference maps it
    orphan = graph.by_name("azure_disk", "orphan")["reported"]
    assert orphan["volume_size"] == 64 and orphan["volume_status"] == "available"
    assert orphan["volume_type"] == "Premium_LRS" and orphan["disk_state"] == "Unattached"
    store = graph.by_name("azure_generic_resource", "store0")["reported"]
    assert store["type"] == "Microsoft.Storage/storageAccounts" and store["location"] == "northeurope"
    assert store["azure_sku"] == {"name": "Standard_LRS", "tier": "Standard"} and store["ctime"] == "2024-03-01T10:00:00Z"
    # every collection was asked with the kind's api-version (the reference's), never the newer one
    lists = [r for r in estate.requests("GET", f"/subscriptions/{SUB_A}/providers/") if "api-version" in r[2]
             and "/providers/microsoft.insights/" not in r[1].lower()]
    assert lists and not [r for r in lists if r[2]["api-version"] == "2099-01-01"]
    # one statusOnly list for the power states, no GET per VM
    status = [r for r in estate.requests("GET", f"/subscriptions/{SUB_A}/providers/Microsoft.Compute/virtualMachines")
              if r[2].get("statusOnly") == "true"]
    assert len(status) == 1
    assert not [r for r in estate.requests("GET", "/virtualMachines/vm-1") if r[1].endswith("/vm-1")]


def test_usage_figures_come_from_azure_monitor(collected, estate):
    graph = collected[SUB_A]
    vm = graph.by_name("azure_virtual_machine", "vm-1")
    # the local Resource Manager's figures: name length, then +1 for the second datapoint; the mean of both
    assert vm["usage"]["cpu_utilization"] == {"avg": 14.5, "min": 14.5, "max": 14.5}
    assert set(vm["usage"]) == {"cpu_utilization", "network_in", "network_out", "disk_read_ops", "disk_write_ops",
                                "disk_read_bytes", "disk_write_bytes"}
    disk = graph.by_name("azure_disk", "orphan")
    assert disk["usage"]["volume_read_ops"] == {"avg": len("Composite Disk Read Operations/sec") + 0.5}
    reads = estate.requests("GET", f"/subscriptions/{SUB_A}/resourceGroups/RG-Data/providers/Microsoft.Compute/"
                                   f"disks/orphan/providers/Microsoft.Insights/metrics")
    assert len(reads) == 1 and reads[0][2]["metricnames"].count(",") == 3  # one call, every metric of the kind
    assert "usage" not in graph.by_name("azure_resource_group", "rg-web")


def test_edges_follow_locations_groups_and_declarations(collected):
    graph = collected[SUB_A]
    account = graph.of_kind("azure_subscription")[0]
    west = graph.by_name("azure_location", "westeurope")
    web = graph.by_name("azure_resource_group", "rg-web")
    vm = graph.by_name("azure_virtual_machine", "vm-1")
    assert graph.has_edge(account, west) and graph.has_edge(west, web) and graph.has_edge(web, vm)
    assert graph.has_edge(west, vm) and graph.has_edge(web, vm, "delete")
    for name in ("vm-1-os", "vm-1-data"):
        disk = graph.by_name("azure_disk", name)
        assert disk["reported"]["id"] == disk_id(SUB_A, "rg-web", name)
        assert graph.has_edge(vm, disk) and graph.has_edge(disk, vm, "delete")
    vnet = graph.of_kind("azure_virtual_network")[0]
    subnet = graph.of_kind("azure_subnet")[0]
    assert graph.has_edge(vnet, subnet) and graph.has_edge(vnet, subnet, "delete")  # its subnets go first
    assert graph.has_edge(account, subnet)  # a subnet names no location
    fixture_vm = graph.by_id("azure_virtual_machine", fixture_item("azure_virtual_machine", SUB_A)["id"])
    size = graph.of_kind("azure_virtual_machine_size")[0]
    assert graph.has_edge(fixture_vm, size) and graph.has_edge(vm, size)
    assert graph.has_edge(subnet, fixture_vm) and graph.has_edge(subnet, fixture_vm, "delete")
    nic = graph.of_kind("azure_network_interface")[0]
    assert graph.has_edge(fixture_vm, nic) and graph.has_edge(nic, fixture_vm, "delete")
    dns = graph.by_name("azure_generic_resource", "example.org")
    assert graph.has_edge(web, dns) and graph.has_edge(account, dns)  # "global" is no listed location
    assert not [n for n in graph.of_kind("azure_location") if n["reported"]["name"] == "global"]


def test_only_the_types_a_subscription_has_are_listed_and_catalogs_where_they_apply(collected, estate):
    lists = {r[1].split("/providers/", 1)[1].lower() for r in estate.requests("GET", f"/subscriptions/{SUB_A}/providers/")
             if "/providers/microsoft.insights/" not in r[1].lower()}
    assert "microsoft.storage/storageaccounts" not in lists  # no kind: the listing's fields suffice
    assert "microsoft.network/locations/europe/usages" not in lists  # a logical location holds nothing
    assert {f"microsoft.network/locations/{loc}/usages" for loc in LOCATIONS} <= lists
    assert "microsoft.compute/locations/westeurope/vmsizes" in lists  # where the VMs are, and only there
    assert "microsoft.compute/locations/northeurope/vmsizes" not in lists
    # the resources listing came in pages of 3 via nextLink ($skipToken), with the expand that brings times
    pages = estate.requests("GET", f"/subscriptions/{SUB_A}/resources")
    assert len(pages) > 3 and all("createdTime" in r[2]["$expand"] for r in pages)
    assert [r[2].get("$skipToken") for r in pages][:3] == [None, "3", "6"]


def test_resources_filter_keeps_only_what_the_filtered_listing_names(arm, section, tmp_path):
    accounts = plugin.resotoworker_list_accounts(cloud="azure", config=section)
    section = {**section, "resources_filter": "resourceType eq 'Microsoft.Compute/disks' and resourceGroup eq 'rg-data'"}
    graph = collect_into_file(section, accounts[0], tmp_path / "filtered.ndjson")
    assert [n["reported"]["name"] for n in graph.of_kind("azure_disk")] == ["orphan"]
    assert graph.of_kind("azure_virtual_machine") == [] and graph.of_kind("azure_generic_resource") == []
    assert graph.of_kind("azure_usage") == [] and graph.progress.errors == []


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
