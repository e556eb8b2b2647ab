"""Regenerate ``model.json`` from the reference Azure model (kinds resoto-plugin-azure 3.9.0 exports):

    python -m collectors.azure.gen_model /work/shared/reference/capture-3.9.0/model-azure.json

Keeps the kinds this collector emits with the properties it fills (names and types unchanged), the
complex kinds those properties use (whole), successor kinds pruned to emitted kinds, and adds the
collector's own generic kind for every resource type without a typed kind.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional

from collectors.azure.transform import GENERIC_KIND

OUT = Path(__file__).with_name("model.json")
SIMPLE = {"string", "int32", "int64", "float", "double", "boolean", "datetime", "date", "duration", "any"}

# kind -> properties kept (None: all of them)
EMITTED: Dict[str, Optional[List[str]]] = {
    "azure_resource": None,
    "azure_subscription": [
        "authorization_source", "display_name", "managed_by_tenants", "state", "subscription_id",
        "subscription_policies", "tenant_id"],
    "azure_location": ["display_name", "regional_display_name", "subscription_id"],
    "azure_resource_group": None,
    "azure_virtual_machine": [
        "location", "vm_id", "provisioning_state", "time_created", "license_type", "eviction_policy",
        "virtual_machine_priority", "availability_set", "virtual_machine_scale_set", "host", "host_group",
        "proximity_placement_group", "platform_fault_domain", "extensions_time_budget", "hardware_profile"],
    "azure_disk": [
        "disk_size_gb", "disk_size_bytes", "disk_state", "disk_iops_read_write", "disk_m_bps_read_write",
        "disk_iops_read_only", "disk_m_bps_read_only", "managed_by", "os_type", "hyper_v_generation",
        "provisioning_state", "time_created", "unique_id", "tier", "network_access_policy",
        "public_network_access", "max_shares", "bursting_enabled", "supports_hibernation", "disk_sku"],
}


def _prop(name: str, kind: str, description: str) -> dict:
    return {"name": name, "kind": kind, "required": False, "description": description}


GENERIC = {
    "fqn": GENERIC_KIND, "bases": ["azure_resource"],
    "properties": [
        _prop("type", "string", "The Resource Manager type, e.g. Microsoft.Network/virtualNetworks."),
        _prop("location", "string", "The location (region) of the resource."),
        _prop("sku", "azure_sku", "The SKU of the resource, if it has one."),
        _prop("provisioning_state", "string", "The provisioning state of the resource."),
        _prop("managed_by", "string", "The id of the resource that manages this resource."),
    ],
    "allow_unknown_props": False, "successor_kinds": None, "aggregate_root": True,
    "metadata": {"icon": "resource", "group": "misc",
                 "description": "Any Azure resource type this collector has no dedicated kind for."},
}


def _referenced(kind_type: str) -> Optional[str]:
    name = kind_type[:-2] if kind_type.endswith("[]") else kind_type
    match = re.match(r"^dictionary\[[^,]+,\s*(.+)\]$", name)
    name = match.group(1) if match else name
    return None if name in SIMPLE else name


def build(reference: List[dict]) -> List[dict]:
    by_name = {k["fqn"]: k for k in reference}
    out: Dict[str, dict] = {}
    pending: List[str] = []
    for fqn, keep in EMITTED.items():
        kind = json.loads(json.dumps(by_name[fqn]))
        if keep is not None:
            props = {p["name"]: p for p in kind["properties"]}
            missing = [n for n in keep if n not in props]
            if missing:
                raise KeyError(f"{fqn} has no properties {missing}")
            kind["properties"] = [props[n] for n in keep]
        out[fqn] = kind
    out[GENERIC_KIND] = json.loads(json.dumps(GENERIC))
    for kind in list(out.values()):
        pending.extend(r for p in kind["properties"] if (r := _referenced(p["kind"])))
    while pending:
        name = pending.pop()
        if name in out or name not in by_name:
            continue
        out[name] = json.loads(json.dumps(by_name[name]))
        pending.extend(r for p in out[name].get("properties") or [] if (r := _referenced(p["kind"])))
    emitted = set(EMITTED) | {GENERIC_KIND}
    for kind in out.values():
        successors = kind.get("successor_kinds")
        if successors:
            pruned = {edge: [k for k in kinds if k in emitted] for edge, kinds in successors.items()}
            kind["successor_kinds"] = {edge: kinds for edge, kinds in pruned.items() if kinds} or None
    return sorted(out.values(), key=lambda k: k["fqn"])


def main(argv: List[str]) -> None:
    reference = json.loads(Path(argv[1]).read_text())
    OUT.write_text(json.dumps(build(reference), indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv)
