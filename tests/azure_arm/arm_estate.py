"""The estate the tests collect: three enabled subscriptions (and a disabled one), their resource groups
and resources, the providers with their API versions."""
from __future__ import annotations

from azure_arm.local_arm import ArmState

TOKEN = "test-token-123"
SUB_A = "11111111-1111-1111-1111-111111111111"
SUB_B = "22222222-2222-2222-2222-222222222222"
SUB_C = "33333333-3333-3333-3333-333333333333"
SUB_DISABLED = "44444444-4444-4444-4444-444444444444"
SUBSCRIPTIONS = [SUB_A, SUB_B, SUB_C]
VM_VERSIONS = ["2023-03-01", "2024-07-01", "2025-01-01-preview"]
NEWEST_VM_VERSION = "2024-07-01"


def vm_id(sub: str, group: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"


def disk_id(sub: str, group: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/disks/{name}"


def _vm(state: ArmState, sub: str, group: str, name: str, os_disk: str, data_disks=()):
    state.add_resource(sub, group, "Microsoft.Compute/virtualMachines", name, "westeurope",
                       tags={"owner": "alice", "env": "prod"},
                       properties={"vmId": f"vmid-{name}", "provisioningState": "Succeeded",
                                   "timeCreated": "2024-02-01T08:00:00.5+00:00", "priority": "Regular",
                                   "hardwareProfile": {"vmSize": "Standard_B2s"},
                                   "availabilitySet": {"id": f"/subscriptions/{sub}/resourceGroups/{group}/providers/"
                                                             f"Microsoft.Compute/availabilitySets/as-1"},
                                   "storageProfile": {"osDisk": {"managedDisk": {"id": disk_id(sub, group, os_disk)}},
                                                      "dataDisks": [{"managedDisk": {"id": disk_id(sub, group, d)}}
                                                                    for d in data_disks]},
                                   "instanceView": {"statuses": [{"code": "ProvisioningState/succeeded"},
                                                                 {"code": "PowerState/running"}]}})


def _disk(state: ArmState, sub: str, group: str, name: str, size: int, state_name: str, managed_by=None):
    extra = {"managedBy": managed_by} if managed_by else {}
    state.add_resource(sub, group, "Microsoft.Compute/disks", name, "westeurope", sku={"name": "Premium_LRS",
                       "tier": "Premium"}, tags={"owner": "alice"},
                       properties={"diskSizeGB": size, "diskSizeBytes": size * 1024 ** 3, "diskState": state_name,
                                   "diskIOPSReadWrite": 120, "diskMBpsReadWrite": 25, "osType": "Linux",
                                   "provisioningState": "Succeeded", "timeCreated": "2024-02-01T07:59:00Z",
                                   "uniqueId": f"uid-{name}", "tier": "P10",
                                   "encryption": {"type": "EncryptionAtRestWithPlatformKey"}}, **extra)


def build_state() -> ArmState:
    state = ArmState(TOKEN, page_size=3)
    state.add_provider("Microsoft.Compute", {"virtualMachines": VM_VERSIONS,
                                             "disks": ["2022-07-02", "2023-04-02"],
                                             "availabilitySets": ["2024-07-01"]})
    state.add_provider("Microsoft.Network", {"virtualNetworks": ["2023-09-01", "2024-01-01"],
                                             "dnszones": ["2018-05-01"]})
    state.add_provider("Microsoft.Storage", {"storageAccounts": ["2023-01-01"]})
    for n, sub in enumerate(SUBSCRIPTIONS):
        state.add_subscription(sub, f"Subscription {'ABC'[n]}", locations=("westeurope", "northeurope"))
        state.add_group(sub, "rg-web", "westeurope", tags={"team": "web"})
        state.add_group(sub, "RG-Data", "northeurope")
        _vm(state, sub, "rg-web", "vm-1", "vm-1-os", ["vm-1-data"])
        _disk(state, sub, "rg-web", "vm-1-os", 30, "Attached", vm_id(sub, "rg-web", "vm-1"))
        _disk(state, sub, "rg-web", "vm-1-data", 128, "Attached", vm_id(sub, "rg-web", "vm-1"))
        _disk(state, sub, "RG-Data", "orphan", 64, "Unattached")
        state.add_resource(sub, "rg-web", "Microsoft.Network/virtualNetworks", "vnet-1", "westeurope",
                           tags={"team": "net"}, properties={"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}})
        state.add_resource(sub, "RG-Data", "Microsoft.Storage/storageAccounts", f"store{n}", "northeurope",
                           sku={"name": "Standard_LRS", "tier": "Standard"}, kind="StorageV2")
        state.add_resource(sub, "rg-web", "Microsoft.Network/dnszones", "example.org", "global")
    state.add_subscription(SUB_DISABLED, "Old subscription", state="Disabled")
    return state


# per subscription: kind -> count
EXPECTED_KINDS = {"azure_subscription": 1, "azure_location": 3, "azure_resource_group": 2,
                  "azure_virtual_machine": 1, "azure_disk": 3, "azure_generic_resource": 3}
