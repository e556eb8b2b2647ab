"""transform_* and the other pure helpers, on literal REST dicts."""
from __future__ import annotations


from collectors.azure.accounts import choose_subscriptions
from collectors.azure.api_versions import api_version_from_provider, newest_api_version
from collectors.azure.arm_ids import parse_arm_id
from collectors.azure.config import AzureConfig
from collectors.azure.transform import (attached_disk_ids, parse_time, transform_disk, transform_generic_resource,
                                        transform_location, transform_resource, transform_resource_group,
                                        transform_subscription, transform_virtual_machine)

SUB = "/subscriptions/s1"
VM_ID = f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
DISK_ID = f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d"


def test_parse_time_reads_arm_timestamps_as_utc():
    assert parse_time("2024-01-02T03:04:05.1234567Z") == "2024-01-02T03:04:05Z"
    assert parse_time("2024-01-02T05:04:05+02:00") == "2024-01-02T03:04:05Z"
    assert parse_time("2024-01-02T03:04:05") == "2024-01-02T03:04:05Z"
    assert parse_time(None) is None and parse_time("yesterday") is None


def test_subscription():
    node = transform_subscription({"subscriptionId": "s1", "displayName": "Prod", "state": "Enabled",
                                   "tenantId": "t", "managedByTenants": [{"tenantId": "m"}],
                                   "subscriptionPolicies": {"quotaId": "q", "spendingLimit": "Off"}})
    assert node == {"kind": "azure_subscription", "id": "s1", "name": "Prod", "tags": {}, "subscription_id": "s1",
                    "display_name": "Prod", "state": "Enabled", "tenant_id": "t", "authorization_source": None,
                    "managed_by_tenants": ["m"], "subscription_policies": {"location_placement_id": None,
                                                                           "quota_id": "q", "spending_limit": "Off"}}
    assert transform_subscription({"subscriptionId": "s2"})["name"] == "s2"


def test_location_and_resource_group():
    assert transform_location({"name": "westeurope", "displayName": "West Europe"}, "s1") == {
        "kind": "azure_location", "id": "westeurope", "name": "westeurope", "display_name": "West Europe",
        "regional_display_name": None, "subscription_id": "s1"}
    group = transform_resource_group({"id": f"{SUB}/resourceGroups/rg", "name": "rg", "location": "westeurope",
                                      "tags": {"a": "b"}, "properties": {"provisioningState": "Succeeded"}})
    assert group["kind"] == "azure_resource_group" and group["tags"] == {"a": "b"}
    assert group["provisioning_state"] == "Succeeded" and "location" not in group


def test_generic_resource_keeps_type_location_sku_tags_ctime():
    node = transform_generic_resource({"id": f"{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x",
                                       "name": "x", "type": "Microsoft.Storage/storageAccounts", "location": "eastus",
                                       "sku": {"name": "Standard_LRS", "tier": "Standard", "capacity": "2"},
                                       "tags": {"k": None}, "createdTime": "2024-05-01T00:00:00Z"})
    assert node["kind"] == "azure_generic_resource" and node["type"] == "Microsoft.Storage/storageAccounts"
    assert node["location"] == "eastus" and node["tags"] == {"k": ""}
    assert node["sku"] == {"name": "Standard_LRS", "tier": "Standard", "family": None, "capacity": 2}
    assert node["ctime"] == "2024-05-01T00:00:00Z"


def test_virtual_machine_with_and_without_details():
    raw = {"id": VM_ID, "name": "vm", "type": "Microsoft.Compute/virtualMachines", "location": "westeurope"}
    detail = {"id": VM_ID, "properties": {
        "vmId": "u-1", "hardwareProfile": {"vmSize": "Standard_D2s_v5"}, "priority": "Spot",
        "evictionPolicy": "Deallocate", "timeCreated": "2024-01-01T00:00:00Z", "platformFaultDomain": "1",
        "instanceView": {"statuses": [{"code": "PowerState/deallocated"}]},
        "storageProfile": {"osDisk": {"managedDisk": {"id": DISK_ID}}, "dataDisks": [{"lun": 0}]}}}
    node = transform_resource(raw, detail)
    assert node["kind"] == "azure_virtual_machine" and node["instance_type"] == "Standard_D2s_v5"
    assert node["instance_status"] == "stopped" and node["virtual_machine_priority"] == "Spot"
    assert node["hardware_profile"] == {"vm_size": "Standard_D2s_v5"} and node["platform_fault_domain"] == 1
    assert node["ctime"] == node["time_created"] == "2024-01-01T00:00:00Z"
    assert attached_disk_ids(detail) == [DISK_ID]
    bare = transform_virtual_machine(raw)
    assert bare["kind"] == "azure_virtual_machine" and bare["location"] == "westeurope"
    assert bare["instance_type"] is None and attached_disk_ids(None) == []


def test_disk_maps_volume_properties():
    raw = {"id": DISK_ID, "name": "d", "type": "microsoft.compute/DISKS", "sku": {"name": "StandardSSD_LRS"}}
    detail = {"id": DISK_ID, "managedBy": VM_ID, "sku": {"name": "Premium_LRS", "tier": "Premium"},
              "properties": {"diskSizeGB": 64, "diskState": "Unattached", "diskIOPSReadWrite": 240,
                             "diskMBpsReadWrite": 50, "encryption": {"type": "EncryptionAtRestWithPlatformKey"}}}
    node = transform_resource(raw, detail)
    assert node["kind"] == "azure_disk" and node["volume_size"] == 64 and node["volume_status"] == "available"
    assert node["volume_type"] == "Premium_LRS" and node["disk_sku"] == {"name": "Premium_LRS", "tier": "Premium"}
    assert node["volume_iops"] == 240 and node["volume_throughput"] == 50 and node["volume_encrypted"] is True
    assert node["managed_by"] == VM_ID
    assert transform_disk(raw)["volume_type"] == "StandardSSD_LRS"
    assert transform_disk({**raw}, {"properties": {"diskState": "Strange"}})["volume_status"] == "unknown"


def test_arm_ids():
    arm = parse_arm_id(f"{SUB}/resourceGroups/rg/providers/Microsoft.Sql/servers/s/databases/db")
    assert (arm.subscription, arm.resource_group, arm.namespace, arm.resource_type) == \
        ("s1", "rg", "Microsoft.Sql", "servers/databases")
    assert parse_arm_id(f"{SUB}/resourcegroups/rg").is_resource_group
    assert parse_arm_id(VM_ID).full_type == "Microsoft.Compute/virtualMachines"


def test_api_version_choice():
    assert newest_api_version(["2021-01-01", "2024-01-01-preview", "2023-05-01"]) == "2023-05-01"
    assert newest_api_version(["2024-01-01-preview"]) == "2024-01-01-preview"
    provider = {"resourceTypes": [{"resourceType": "virtualMachines", "apiVersions": ["2023-03-01", "2024-07-01"]}]}
    assert api_version_from_provider(provider, "VIRTUALMACHINES") == "2024-07-01"
    assert api_version_from_provider(provider, "disks") is None


def test_choose_subscriptions():
    visible = [{"subscriptionId": "a", "displayName": "A", "state": "Enabled"},
               {"subscriptionId": "b", "displayName": "B", "state": "Warned"},
               {"subscriptionId": "c", "displayName": "C", "state": "Disabled"}]
    assert [a.id for a in choose_subscriptions(visible, AzureConfig())] == ["a", "b"]
    assert [a.id for a in choose_subscriptions(visible, AzureConfig(exclude_subscriptions=["B"]))] == ["a"]
    chosen = choose_subscriptions(visible, AzureConfig(subscriptions=["c", "zz", "C"]))
    assert [(a.id, a.name) for a in chosen] == [("c", "C"), ("zz", "zz")]
