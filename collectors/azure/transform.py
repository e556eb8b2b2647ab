"""``transform_*``: Resource Manager JSON (plain dicts, REST shape) → ``reported`` documents of the
model's kinds. Pure: no I/O, no SDK, testable on literal dicts."""
from __future__ import annotations

from typing import Any, Dict, Optional

from collectors.common.model import parse_time
from collectors.common.tags import tag_dict

Json = Dict[str, Any]

SUBSCRIPTION_KIND = "azure_subscription"
LOCATION_KIND = "azure_location"
RESOURCE_GROUP_KIND = "azure_resource_group"
VIRTUAL_MACHINE_KIND = "azure_virtual_machine"
DISK_KIND = "azure_disk"
GENERIC_KIND = "azure_generic_resource"

VIRTUAL_MACHINE_TYPE = "Microsoft.Compute/virtualMachines"
DISK_TYPE = "Microsoft.Compute/disks"
# resource types listed a second time through their provider collection, for their properties
DETAILED_TYPES = {VIRTUAL_MACHINE_TYPE.lower(): VIRTUAL_MACHINE_KIND, DISK_TYPE.lower(): DISK_KIND}

DISK_STATE_TO_VOLUME_STATUS = {
    "attached": "in-use", "reserved": "in-use", "unattached": "available", "activesas": "busy",
    "activesasfrozen": "busy", "activeupload": "busy", "readytoupload": "busy", "frozen": "busy",
}
POWER_STATE_TO_INSTANCE_STATUS = {
    "running": "running", "starting": "busy", "stopping": "busy", "deallocating": "busy",
    "stopped": "stopped", "deallocated": "stopped",
}


def _int(value: Any) -> Optional[int]:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def _ref_id(value: Any) -> Optional[str]:
    """A sub-resource reference ``{"id": …}`` → its id."""
    return value.get("id") if isinstance(value, dict) else None


def _common(raw: Json, kind: str) -> Json:
    return {"kind": kind, "id": raw["id"], "name": raw.get("name") or raw["id"], "tags": tag_dict(raw.get("tags")),
            "ctime": parse_time(raw.get("createdTime")), "mtime": parse_time(raw.get("changedTime"))}


# ---- subscription, locations, resource groups ----------------------------------------------------


def transform_subscription(raw: Json) -> Json:
    sub_id = raw["subscriptionId"]
    policies = raw.get("subscriptionPolicies") or {}
    return {
        "kind": SUBSCRIPTION_KIND, "id": sub_id, "name": raw.get("displayName") or sub_id, "tags": tag_dict(raw.get("tags")),
        "subscription_id": sub_id, "display_name": raw.get("displayName"), "state": raw.get("state"),
        "tenant_id": raw.get("tenantId"), "authorization_source": raw.get("authorizationSource"),
        "managed_by_tenants": [t["tenantId"] for t in raw.get("managedByTenants") or [] if t.get("tenantId")],
        "subscription_policies": {"location_placement_id": policies.get("locationPlacementId"),
                                  "quota_id": policies.get("quotaId"),
                                  "spending_limit": policies.get("spendingLimit")} if policies else None,
    }


def transform_location(raw: Json, subscription_id: str) -> Json:
    name = raw["name"]
    return {"kind": LOCATION_KIND, "id": name, "name": name, "display_name": raw.get("displayName"),
            "regional_display_name": raw.get("regionalDisplayName"), "subscription_id": subscription_id}


def transform_resource_group(raw: Json) -> Json:
    return {**_common(raw, RESOURCE_GROUP_KIND), "managed_by": raw.get("managedBy"),
            "provisioning_state": (raw.get("properties") or {}).get("provisioningState")}


# ---- resources -----------------------------------------------------------------------------------


def transform_generic_resource(raw: Json) -> Json:
    sku = raw.get("sku") or None
    return {**_common(raw, GENERIC_KIND), "type": raw.get("type"), "location": raw.get("location"),
            "sku": {"name": sku.get("name"), "tier": sku.get("tier"), "family": sku.get("family"),
                    "capacity": _int(sku.get("capacity"))} if sku else None,
            "provisioning_state": raw.get("provisioningState"), "managed_by": raw.get("managedBy")}


def _power_state(props: Json) -> Optional[str]:
    for status in (props.get("instanceView") or {}).get("statuses") or []:
        code = str(status.get("code", ""))
        if code.lower().startswith("powerstate/"):
            return POWER_STATE_TO_INSTANCE_STATUS.get(code.split("/", 1)[1].lower(), "unknown")
    return None


def transform_virtual_machine(raw: Json, detail: Optional[Json] = None) -> Json:
    """``raw`` from the resource listing, ``detail`` (if any) from the provider collection."""
    props = (detail or {}).get("properties") or {}
    vm_size = (props.get("hardwareProfile") or {}).get("vmSize")
    created = parse_time(props.get("timeCreated"))
    node = _common(raw, VIRTUAL_MACHINE_KIND)
    node.update({
        "ctime": node["ctime"] or created, "location": raw.get("location"), "instance_type": vm_size,
        "instance_status": _power_state(props), "vm_id": props.get("vmId"),
        "provisioning_state": props.get("provisioningState") or raw.get("provisioningState"),
        "time_created": created, "license_type": props.get("licenseType"),
        "eviction_policy": props.get("evictionPolicy"), "virtual_machine_priority": props.get("priority"),
        "availability_set": _ref_id(props.get("availabilitySet")),
        "virtual_machine_scale_set": _ref_id(props.get("virtualMachineScaleSet")),
        "host": _ref_id(props.get("host")), "host_group": _ref_id(props.get("hostGroup")),
        "proximity_placement_group": _ref_id(props.get("proximityPlacementGroup")),
        "platform_fault_domain": _int(props.get("platformFaultDomain")),
        "extensions_time_budget": props.get("extensionsTimeBudget"),
        "hardware_profile": {"vm_size": vm_size} if vm_size else None,
    })
    return node


def attached_disk_ids(detail: Optional[Json]) -> list:
    """Ids of the managed disks a VM's storage profile names (OS disk first)."""
    storage = ((detail or {}).get("properties") or {}).get("storageProfile") or {}
    disks = [storage.get("osDisk") or {}] + list(storage.get("dataDisks") or [])
    return [d["managedDisk"]["id"] for d in disks if (d.get("managedDisk") or {}).get("id")]


def transform_disk(raw: Json, detail: Optional[Json] = None) -> Json:
    props = (detail or {}).get("properties") or {}
    sku = (detail or {}).get("sku") or raw.get("sku") or {}
    state = props.get("diskState")
    created = parse_time(props.get("timeCreated"))
    node = _common(raw, DISK_KIND)
    node.update({
        "ctime": node["ctime"] or created,
        "volume_size": _int(props.get("diskSizeGB")), "volume_type": sku.get("name"),
        "volume_status": DISK_STATE_TO_VOLUME_STATUS.get(str(state).lower(), "unknown") if state else None,
        "volume_iops": _int(props.get("diskIOPSReadWrite")), "volume_throughput": _int(props.get("diskMBpsReadWrite")),
        "volume_encrypted": bool(props.get("encryption")) if detail else None,
        "disk_size_gb": _int(props.get("diskSizeGB")), "disk_size_bytes": _int(props.get("diskSizeBytes")),
        "disk_state": state, "disk_iops_read_write": _int(props.get("diskIOPSReadWrite")),
        "disk_m_bps_read_write": _int(props.get("diskMBpsReadWrite")),
        "disk_iops_read_only": _int(props.get("diskIOPSReadOnly")),
        "disk_m_bps_read_only": _int(props.get("diskMBpsReadOnly")),
        "managed_by": (detail or {}).get("managedBy") or raw.get("managedBy"), "os_type": props.get("osType"),
        "hyper_v_generation": props.get("hyperVGeneration"),
        "provisioning_state": props.get("provisioningState") or raw.get("provisioningState"),
        "time_created": created, "unique_id": props.get("uniqueId"), "tier": props.get("tier"),
        "network_access_policy": props.get("networkAccessPolicy"),
        "public_network_access": props.get("publicNetworkAccess"), "max_shares": _int(props.get("maxShares")),
        "bursting_enabled": props.get("burstingEnabled"), "supports_hibernation": props.get("supportsHibernation"),
        "disk_sku": {"name": sku.get("name"), "tier": sku.get("tier")} if sku else None,
    })
    return node


def transform_resource(raw: Json, detail: Optional[Json] = None) -> Json:
    """Any listed resource → its typed kind, or the generic kind."""
    kind = DETAILED_TYPES.get(str(raw.get("type", "")).lower())
    if kind == VIRTUAL_MACHINE_KIND:
        return transform_virtual_machine(raw, detail)
    if kind == DISK_KIND:
        return transform_disk(raw, detail)
    return transform_generic_resource(raw)
