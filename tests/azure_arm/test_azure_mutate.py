"""Tag and delete hooks against the local Resource Manager, dispatched by the registry: every kind that can carry
tags gets one and loses it again, every kind that can be deleted is, with its kind's api-version; the others are
refused; long-running operations are polled to the end, failures say what failed."""
from __future__ import annotations

import pytest

from collectors.azure import plugin
from collectors.azure.kind import COLLECTION, PARENT
from collectors.azure.mutate import AzureOperationError
from collectors.azure.registry import KINDS

from azure_arm.arm_estate import SUB_A, SUB_B, disk_id, fixture_item, vm_id

pytestmark = pytest.mark.e2e

IN_THE_ESTATE = [k for k in KINDS if k.source in (COLLECTION, PARENT)]
TAGGABLE = [k for k in IN_THE_ESTATE if k.taggable]
DELETABLE = [k for k in IN_THE_ESTATE if k.deletable]
REFUSED = [k for k in KINDS if not k.taggable or not k.deletable]


def node_for(resource_id: str, subscription: str, kind: str = "azure_disk", tags=None) -> dict:
    """A node the way the core hands it to a task: reported.id is the ARM id, the account ancestor the
    subscription (whose id is its ARM id)."""
    return {"id": "n1", "reported": {"id": resource_id, "kind": kind, "tags": dict(tags or {})},
            "ancestors": {"account": {"reported": {"id": f"/subscriptions/{subscription}"}}}}


@pytest.mark.parametrize("kind", TAGGABLE, ids=lambda k: k.name)
def test_every_taggable_kind_takes_a_tag_and_loses_it(arm, section, kind):
    resource_id = fixture_item(kind.name, SUB_A)["id"]
    node = node_for(resource_id, SUB_A, kind.name)
    assert plugin.resotoworker_update_tag(cloud="azure", config=section, node=node, key="expires",
                                          value="2030-01-01") is True
    assert arm.resource(resource_id)["tags"]["expires"] == "2030-01-01"
    node["reported"]["tags"] = dict(arm.resource(resource_id)["tags"])
    assert plugin.resotoworker_delete_tag(cloud="azure", config=section, node=node, key="expires") is True
    assert "expires" not in arm.resource(resource_id)["tags"]


@pytest.mark.parametrize("kind", DELETABLE, ids=lambda k: k.name)
def test_every_deletable_kind_is_deleted_with_its_api_version(arm, section, kind):
    resource_id = fixture_item(kind.name, SUB_A)["id"]
    assert arm.resource(resource_id) is not None
    assert plugin.resotoworker_delete_resource(cloud="azure", config=section,
                                               node=node_for(resource_id, SUB_A, kind.name)) is True
    assert arm.resource(resource_id) is None
    deletes = [r for r in arm.requests("DELETE") if r[1].lower() == resource_id.lower()]
    assert [r[2]["api-version"] for r in deletes] == [kind.api_version]


@pytest.mark.parametrize("kind", REFUSED, ids=lambda k: k.name)
def test_what_a_kind_cannot_do_is_refused(arm, section, kind):
    node = node_for(f"/subscriptions/{SUB_A}/providers/Microsoft.Network/x/y", SUB_A, kind.name)
    if not kind.taggable:
        with pytest.raises(AzureOperationError, match="cannot be tagged"):
            plugin.resotoworker_update_tag(cloud="azure", config=section, node=node, key="k", value="v")
    if not kind.deletable:
        with pytest.raises(AzureOperationError, match="cannot be deleted"):
            plugin.resotoworker_delete_resource(cloud="azure", config=section, node=node)
    assert arm.requests("PATCH") == [] and arm.requests("DELETE") == []


def test_update_and_delete_tag_at_scope(arm, section):
    disk = disk_id(SUB_A, "rg-web", "vm-1-os")
    assert plugin.resotoworker_update_tag(cloud="azure", config=section, node=node_for(disk, SUB_A),
                                          key="expires", value="2030-01-01") is True
    assert arm.resource(disk)["tags"] == {"owner": "alice", "expires": "2030-01-01"}
    assert plugin.resotoworker_delete_tag(cloud="azure", config=section,
                                          node=node_for(disk, SUB_A, tags={"owner": "alice"}), key="owner") is True
    assert arm.resource(disk)["tags"] == {"expires": "2030-01-01"}
    patches = arm.requests("PATCH", "/providers/Microsoft.Resources/tags/default")
    assert len(patches) == 2 and all(r[3] == 200 for r in patches)
    # a resource group is a scope too
    group = f"/subscriptions/{SUB_B}/resourceGroups/rg-web"
    plugin.resotoworker_update_tag(cloud="azure", config=section, node=node_for(group, SUB_B, "azure_resource_group"),
                                   key="cost", value="1")
    assert arm.subscriptions[SUB_B].groups["rg-web"]["tags"] == {"team": "web", "cost": "1"}
    assert plugin.resotoworker_update_tag(cloud="aws", config=section, node=node_for(group, SUB_B), key="k",
                                          value="v") is None


def test_tag_on_a_missing_resource_fails_clearly(arm, section):
    missing = disk_id(SUB_A, "rg-web", "gone")
    with pytest.raises(AzureOperationError, match=r"setting tag k on .*/disks/gone failed.*not found"):
        plugin.resotoworker_update_tag(cloud="azure", config=section, node=node_for(missing, SUB_A), key="k", value="v")


def test_delete_polls_the_operation_and_a_type_without_kind_takes_its_providers_version(arm, section):
    arm.polls_before_done = 2
    vm, disk = vm_id(SUB_A, "rg-web", "vm-1"), disk_id(SUB_A, "RG-Data", "orphan")
    store = f"/subscriptions/{SUB_A}/resourceGroups/RG-Data/providers/Microsoft.Storage/storageAccounts/store0"
    assert plugin.resotoworker_delete_resource(cloud="azure", config=section,
                                               node=node_for(vm, SUB_A, "azure_virtual_machine")) is True
    assert plugin.resotoworker_delete_resource(cloud="azure", config=section, node=node_for(disk, SUB_A)) is True
    assert plugin.resotoworker_delete_resource(cloud="azure", config=section,
                                               node=node_for(store, SUB_A, "azure_generic_resource")) is True
    assert arm.resource(vm) is None and arm.resource(disk) is None and arm.resource(store) is None
    deletes = arm.requests("DELETE", "/providers/Microsoft.")
    assert [r[2]["api-version"] for r in deletes] == ["2023-03-01", "2023-01-02", "2023-01-01"]
    polls = arm.requests("GET", "/operationResults/")
    assert [r[3] for r in polls] == [202, 202, 200] * 3


def test_delete_resource_group(arm, section):
    group = f"/subscriptions/{SUB_B}/resourceGroups/RG-Data"
    assert plugin.resotoworker_delete_resource(cloud="azure", config=section,
                                               node=node_for(group, SUB_B, "azure_resource_group")) is True
    assert "rg-data" not in arm.subscriptions[SUB_B].groups
    assert not [r for r in arm.subscriptions[SUB_B].resources if "/resourcegroups/rg-data/" in r]


def test_a_refused_delete_fails_clearly(arm, section):
    disk = disk_id(SUB_A, "RG-Data", "orphan")
    arm.locked.add(disk.lower())
    with pytest.raises(AzureOperationError, match=r"deleting .*/disks/orphan failed: .*locked"):
        plugin.resotoworker_delete_resource(cloud="azure", config=section, node=node_for(disk, SUB_A))
    assert arm.resource(disk) is not None


def test_a_delete_operation_that_fails_while_polled_fails_clearly(arm, section):
    vm = vm_id(SUB_A, "rg-web", "vm-1")
    arm.fail_on_poll.add(vm.lower())
    with pytest.raises(AzureOperationError, match=r"deleting .*/virtualMachines/vm-1 failed: .*in use"):
        plugin.resotoworker_delete_resource(cloud="azure", config=section,
                                            node=node_for(vm, SUB_A, "azure_virtual_machine"))
    assert arm.resource(vm) is not None


def test_nodes_without_an_arm_id_are_refused(arm, section):
    with pytest.raises(AzureOperationError, match="no Resource Manager id"):
        plugin.resotoworker_delete_resource(cloud="azure", config=section,
                                            node={"id": "x", "reported": {"id": "westeurope"}})
