"""The estate the tests collect: three enabled subscriptions (and a disabled one), each with one resource of every
kind of the registry (the kinds' fixtures, which name each other), its catalogs and quotas, a VM with its two disks
and an orphaned disk, and two resources of types no kind covers; the providers with the registry's api-versions."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

from collectors.azure.kind import COLLECTION, LOCATION, SUBSCRIPTION
from collectors.azure.registry import KINDS

from azure_arm.local_arm import ArmState

TOKEN = "test-token-123"
SUB_A = "11111111-1111-1111-1111-111111111111"
SUB_B = "22222222-2222-2222-2222-222222222222"
SUB_C = "33333333-3333-3333-3333-333333333333"
SUB_DISABLED = "44444444-4444-4444-4444-444444444444"
SUBSCRIPTIONS = [SUB_A, SUB_B, SUB_C]
FIXTURE_SUB = "00000000-0000-0000-0000-0000000000aa"
FIXTURES = Path(__file__).with_name("fixtures")
LOCATIONS = ("westeurope", "northeurope")
GENERIC_TYPES = {"Microsoft.Storage": {"storageAccounts": ["2023-01-01"]},
                 "Microsoft.Network": {"dnszones": ["2018-05-01"]}}


def vm_id(sub: str, group: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"


def disk_id(sub: str, group: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/disks/{name}"


def fixture_item(kind_name: str, sub: str) -> dict:
    """The fixture's document of ``kind_name``, in subscription ``sub``."""
    text = (FIXTURES / f"{kind_name}.json").read_text().replace(FIXTURE_SUB, sub)
    return json.loads(text)["item"]


def _vm(state: ArmState, sub: str, group: str, name: str, os_disk: str, data_disks=()):
    state.add_resource(sub, group, "Microsoft.Compute/virtualMachines", name, "westeurope",
                       tags={"owner": "alice", "env": "prod"},
                       properties={"vmId": f"vmid-{name}", "provisioningState": "Succeeded",
                                   "timeCreated": "2024-02-01T08:00:00.5+00:00", "priority": "Regular",
                                   "hardwareProfile": {"vmSize": "Standard_B2s"},
                                   "storageProfile": {"osDisk": {"managedDisk": {"id": disk_id(sub, group, os_disk)}},
                                                      "dataDisks": [{"lun": n, "managedDisk": {
                                                          "id": disk_id(sub, group, d)}}
                                                          for n, d in enumerate(data_disks)]}})
    state.subscriptions[sub.lower()].instance_views[vm_id(sub, group, name).lower()] = {
        "statuses": [{"code": "ProvisioningState/succeeded"}, {"code": "PowerState/running"}]}


def _disk(state: ArmState, sub: str, group: str, name: str, size: int, state_name: str, managed_by=None):
    extra = {"managedBy": managed_by} if managed_by else {}
    state.add_resource(sub, group, "Microsoft.Compute/disks", name, "westeurope", sku={"name": "Premium_LRS",
                       "tier": "Premium"}, tags={"owner": "alice"},
                       properties={"diskSizeGB": size, "diskSizeBytes": size * 1024 ** 3, "diskState": state_name,
                                   "diskIOPSReadWrite": 120, "diskMBpsReadWrite": 25, "osType": "Linux",
                                   "provisioningState": "Succeeded", "timeCreated": "2024-02-01T07:59:00Z",
                                   "uniqueId": f"uid-{name}", "tier": "P10",
                                   "encryption": {"type": "EncryptionAtRestWithPlatformKey"}}, **extra)


def providers() -> Dict[str, Dict[str, List[str]]]:
    """Namespace → resource type → api-versions: every kind's (a newer one too, which must not be used)."""
    found: Dict[str, Dict[str, List[str]]] = {ns: dict(types) for ns, types in GENERIC_TYPES.items()}
    for kind in KINDS:
        if kind.arm_type and kind.api_version:
            namespace, resource_type = kind.arm_type.split("/", 1)
            found.setdefault(namespace, {}).setdefault(resource_type, [kind.api_version, "2099-01-01"])
    return found


def add_kinds(state: ArmState, sub: str) -> None:
    """One resource of every kind (the fixtures' documents), and every catalog."""
    for kind in KINDS:
        if not (FIXTURES / f"{kind.name}.json").exists():
            continue
        item = fixture_item(kind.name, sub)
        if kind.source == COLLECTION:
            state.add_document(sub, item)
        elif kind.source == SUBSCRIPTION:
            state.add_catalog(kind.list_path().format(subscription=sub), [item])
        elif kind.source == LOCATION:
            for location in LOCATIONS:
                here = json.loads(json.dumps(item).replace("/locations/westeurope/", f"/locations/{location}/"))
                state.add_catalog(kind.list_path().format(subscription=sub, location=location), [here])
    fixture_vm = fixture_item("azure_virtual_machine", sub)["id"]
    state.subscriptions[sub.lower()].instance_views[fixture_vm.lower()] = {
        "statuses": [{"code": "PowerState/deallocated"}]}


def build_state(page_size: int = 3) -> ArmState:
    state = ArmState(TOKEN, page_size=page_size)
    for namespace, types in providers().items():
        state.add_provider(namespace, types)
    for n, sub in enumerate(SUBSCRIPTIONS):
        state.add_subscription(sub, f"Subscription {'ABC'[n]}", locations=LOCATIONS + ("europe",))
        state.subscriptions[sub.lower()].locations[-1]["metadata"] = {"regionType": "Logical"}
        state.add_group(sub, "rg-fixture", "westeurope")
        state.add_group(sub, "rg-web", "westeurope", tags={"team": "web"})
        state.add_group(sub, "RG-Data", "northeurope")
        add_kinds(state, sub)
        _vm(state, sub, "rg-web", "vm-1", "vm-1-os", ["vm-1-data"])
        _disk(state, sub, "rg-web", "vm-1-os", 30, "Attached", vm_id(sub, "rg-web", "vm-1"))
        _disk(state, sub, "rg-web", "vm-1-data", 128, "Attached", vm_id(sub, "rg-web", "vm-1"))
        _disk(state, sub, "RG-Data", "orphan", 64, "Unattached")
        state.add_resource(sub, "RG-Data", "Microsoft.Storage/storageAccounts", f"store{n}", "northeurope",
                           sku={"name": "Standard_LRS", "tier": "Standard"}, kind="StorageV2")
        state.add_resource(sub, "rg-web", "Microsoft.Network/dnszones", "example.org", "global")
    state.add_catalog("/providers/Microsoft.Compute/operations",
                      [json.loads((FIXTURES / "azure_compute_operation_value.json").read_text())["item"]])
    state.add_subscription(SUB_DISABLED, "Old subscription", state="Disabled")
    return state


def collected_kinds() -> Dict[str, int]:
    """Per subscription: kind → how many nodes the estate gives."""
    counts = {k.name: 1 for k in KINDS if (FIXTURES / f"{k.name}.json").exists()}
    counts.update({"azure_location": len(LOCATIONS) + 1, "azure_resource_group": 3, "azure_virtual_machine": 2,
                   "azure_disk": 4, "azure_generic_resource": 2,
                   # per physical location; VM sizes only where a VM uses one (both VMs: Standard_B2s, westeurope)
                   "azure_usage": len(LOCATIONS), "azure_available_service_alias": len(LOCATIONS)})
    return counts
