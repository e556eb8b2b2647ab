"""Tag and delete hooks against the local Resource Manager: the server's state changes, long-running
operations are polled to the end, failures say what failed."""
from __future__ import annotations

import pytest

from collectors.azure import plugin
from collectors.azure.mutate import AzureOperationError

from azure_arm.arm_estate import NEWEST_VM_VERSION, SUB_A, SUB_B, disk_id, vm_id


def node_for(resource_id: str, subscription: str, tags=None) -> dict:
    """A node the way the core hands it to a task: reported.id is the ARM id, the account ancestor the
    subscription."""
    return {"id": "n1", "reported": {"id": resource_id, "kind": "azure_disk", "tags": dict(tags or {})},
            "ancestors": {"account": {"reported": {"id": subscription}}}}


def test_update_and_delete_tag_at_scope(arm, section):
    disk = disk_id(SUB_A, "rg-web", "vm-1-os")
    assert plugin.resotoworker_update_tag(cloud="azure", config=section, node=node_for(disk, SUB_A),
                                          key="expires", value="2030-01-01") is True
    assert arm.resource(disk)["tags"] == {"owner": "alice", "expires": "2030-01-01"}
    assert plugin.resotoworker_delete_tag(cloud="azure", config=section,
                                          node=node_for(disk, SUB_A, {"owner": "alice"}), key="owner") is True
    assert arm.resource(disk)["tags"] == {"expires": "2030-01-01"}
    patches = arm.requests("PATCH", "/providers/Microsoft.Resources/tags/default")
    assert len(patches) == 2 and all(r[3] == 200 for r in patches)
    # a resource group is a scope too
    group = f"/subscriptions/{SUB_B}/resourceGroups/rg-web"
    plugin.resotoworker_update_tag(cloud="azure", config=section, node=node_for(group, SUB_B), key="cost", value="1")
    assert arm.subscriptions[SUB_B].groups["rg-web"]["tags"] == {"team": "web", "cost": "1"}
    assert plugin.resotoworker_update_tag(cloud="aws", config=section, node=node_for(group, SUB_B), key="k",
                                          value="v") is None


def test_tag_on_a_missing_resource_fails_clearly(arm, section):
    missing = disk_id(SUB_A, "rg-web", "gone")
    with pytest.raises(AzureOperationError, match=r"setting tag k on .*/disks/gone failed.*not found"):
        plugin.resotoworker_update_tag(cloud="azure", config=section, node=node_for(missing, SUB_A), key="k", value="v")


def test_delete_by_id_polls_the_operation_with_the_providers_api_version(arm, section):
    arm.polls_before_done = 2
    vm, disk = vm_id(SUB_A, "rg-web", "vm-1"), disk_id(SUB_A, "RG-Data", "orphan")
    assert plugin.resotoworker_delete_resource(cloud="azure", config=section, node=node_for(vm, SUB_A)) is True
    assert plugin.resotoworker_delete_resource(cloud="azure", config=section, node=node_for(disk, SUB_A)) is True
    assert arm.resource(vm) is None and arm.resource(disk) is None
    deletes = arm.requests("DELETE", "/providers/Microsoft.Compute/")
    assert [r[2]["api-version"] for r in deletes] == [NEWEST_VM_VERSION, "2023-04-02"]
    assert all(r[3] == 202 for r in deletes)
    polls = arm.requests("GET", "/operationResults/")
    assert [r[3] for r in polls] == [202, 202, 200, 202, 202, 200]
    # the provider document was read once for both deletes (same namespace)
    assert len([r for r in arm.requests("GET", "/providers/Microsoft.Compute") if r[1].endswith("Compute")]) == 1


def test_delete_resource_group(arm, section):
    group = f"/subscriptions/{SUB_B}/resourceGroups/RG-Data"
    assert plugin.resotoworker_delete_resource(cloud="azure", config=section, node=node_for(group, SUB_B)) is True
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
        plugin.resotoworker_delete_resource(cloud="azure", config=section, node=node_for(vm, SUB_A))
    assert arm.resource(vm) is not None


def test_nodes_without_an_arm_id_are_refused(arm, section):
    with pytest.raises(AzureOperationError, match="no Resource Manager id"):
        plugin.resotoworker_delete_resource(cloud="azure", config=section,
                                            node={"id": "x", "reported": {"id": "westeurope"}})
