"""Microsoft.Compute: virtual machines and what they use (disks, images, sizes, placement), the catalogs of
compute operations and VM sizes. Api-versions are the reference's."""
from __future__ import annotations

from typing import Any, Optional

from collectors.azure.kind import (LOCATION, SUBSCRIPTION, Json, Kind, Usage, arm_parent, holds, inside, points_at,
                                   uses, values)

AVAILABILITY_SET = "azure_availability_set"
CAPACITY_RESERVATION_GROUP = "azure_capacity_reservation_group"
DISK = "azure_disk"
DISK_ACCESS = "azure_disk_access"
DISK_ENCRYPTION_SET = "azure_disk_encryption_set"
IMAGE = "azure_image"
PROXIMITY_PLACEMENT_GROUP = "azure_proximity_placement_group"
VIRTUAL_MACHINE = "azure_virtual_machine"
VIRTUAL_MACHINE_SCALE_SET = "azure_virtual_machine_scale_set"
VIRTUAL_MACHINE_SIZE = "azure_virtual_machine_size"
# network kinds compute kinds point at (declared in network.py)
LOAD_BALANCER = "azure_load_balancer"
NETWORK_INTERFACE = "azure_network_interface"
NETWORK_SECURITY_GROUP = "azure_network_security_group"
SUBNET = "azure_subnet"

VOLUME_STATUS = {"ActiveSAS": "in-use", "ActiveSASFrozen": "in-use", "ActiveUpload": "busy", "Attached": "in-use",
                 "Frozen": "in-use", "ReadyToUpload": "busy", "Reserved": "in-use", "Unattached": "available"}


def volume_status(item: Json) -> Optional[str]:
    """The disk state as a volume status (in-use, available, busy, unknown)."""
    state = (item.get("properties") or {}).get("diskState")
    return None if state is None else VOLUME_STATUS.get(state, "unknown")


def memory_in_gib(item: Json) -> Any:
    """``memoryInMB`` in GiB."""
    memory = item.get("memoryInMB")
    return int(memory) / 1024 if isinstance(memory, (int, float, str)) and str(memory).isdigit() else None


def size_at(item: Json) -> Optional[str]:
    """A VM size by name and location (sizes are listed per location)."""
    name = item.get("name")
    location = item.get("location")
    return f"{name}@{location}".lower() if name and location else None


def vm_size_at(item: Json) -> Optional[str]:
    """The size of a VM, by name and the VM's location."""
    size = ((item.get("properties") or {}).get("hardwareProfile") or {}).get("vmSize")
    location = item.get("location")
    return f"{size}@{location}".lower() if size and location else None


NETWORK_CONFIGS = "properties.networkProfile.networkInterfaceConfigurations[]"
VMSS_NETWORK_CONFIGS = "properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[]"
IP_CONFIGS = "properties.ipConfigurations[]"


def vm_load_balancers(item: Json) -> list:
    """The load balancers whose backend pools the VM's network interface configurations join (a pool's id less
    its last two segments)."""
    pools = values(item, f"{NETWORK_CONFIGS}.{IP_CONFIGS}.properties.loadBalancerBackendAddressPools[].id")
    return [arm_parent(p) for p in pools]


def scale_set_load_balancers(item: Json) -> list:
    """The load balancers whose backend pools the scale set's network configurations join."""
    pools = values(item, f"{VMSS_NETWORK_CONFIGS}.{IP_CONFIGS}.properties.loadBalancerBackendAddressPools[].id")
    return [arm_parent(p) for p in pools]


VM_USAGE = Usage(
    namespace="Microsoft.Compute/virtualMachines",
    metrics={"Percentage CPU": "cpu_utilization", "Network In": "network_in", "Network Out": "network_out",
             "Disk Read Operations/Sec": "disk_read_ops", "Disk Write Operations/Sec": "disk_write_ops",
             "Disk Read Bytes": "disk_read_bytes", "Disk Write Bytes": "disk_write_bytes"},
    aggregations=("average", "minimum", "maximum"), rounding={"Percentage CPU": 3})
DISK_USAGE = Usage(
    namespace="Microsoft.Compute/disks",
    metrics={"Composite Disk Write Bytes/sec": "volume_write_bytes",
             "Composite Disk Read Bytes/sec": "volume_read_bytes",
             "Composite Disk Write Operations/sec": "volume_write_ops",
             "Composite Disk Read Operations/sec": "volume_read_ops"})

KINDS = [
    Kind(AVAILABILITY_SET, "2023-03-01", arm_type="Microsoft.Compute/availabilitySets", prefixes=("azure_",),
         props={"virtual_machines_availability": "properties.virtualMachines[].id"},
         edges=(uses(PROXIMITY_PLACEMENT_GROUP, "properties.proximityPlacementGroup.id"),
                holds(VIRTUAL_MACHINE, "properties.virtualMachines[].id"))),
    Kind(CAPACITY_RESERVATION_GROUP, "2023-03-01", arm_type="Microsoft.Compute/capacityReservationGroups",
         prefixes=("reservation_group_",),
         edges=(holds(VIRTUAL_MACHINE, "properties.virtualMachinesAssociated[].id"),)),
    Kind("azure_cloud_service", "2022-09-04", arm_type="Microsoft.Compute/cloudServices"),
    Kind("azure_compute_operation_value", "2023-03-01", source=SUBSCRIPTION,
         path="/providers/Microsoft.Compute/operations", id="name", taggable=False, deletable=False),
    Kind("azure_dedicated_host_group", "2023-03-01", arm_type="Microsoft.Compute/hostGroups",
         prefixes=("host_group_",), props={"ultra_ssd_enabled": "properties.additionalCapabilities.ultraSSDEnabled"}),
    Kind(DISK, "2023-01-02", arm_type="Microsoft.Compute/disks", prefixes=("disk_",),
         ctime="properties.timeCreated",
         props={"property_updates_in_progress": "properties.propertyUpdatesInProgress.targetTier",
                "share_info": "properties.shareInfo[].vmUri", "volume_size": "properties.diskSizeGB",
                "volume_type": "sku.name", "volume_status": volume_status,
                "volume_iops": "properties.diskIOPSReadWrite", "volume_throughput": "properties.diskMBpsReadWrite",
                "volume_encrypted": "properties.encryptionSettingsCollection.enabled"},
         defaults={"snapshot_before_delete": False},
         edges=(inside(DISK_ACCESS, "properties.diskAccessId"),
                uses(DISK_ENCRYPTION_SET, "properties.encryption.diskEncryptionSetId")),
         usage=DISK_USAGE),
    # the reference reads ctime from a field the API does not have: never set
    Kind(DISK_ACCESS, "2023-01-02", arm_type="Microsoft.Compute/diskAccesses"),
    Kind(DISK_ENCRYPTION_SET, "2023-01-02", arm_type="Microsoft.Compute/diskEncryptionSets",
         prefixes=("encryption_set_",)),
    Kind("azure_gallery", "2022-03-03", arm_type="Microsoft.Compute/galleries",
         props={"identifier": "properties.identifier.uniqueName",
                "soft_delete_policy": "properties.softDeletePolicy.isSoftDeleteEnabled"}),
    Kind(IMAGE, "2023-03-01", arm_type="Microsoft.Compute/images"),
    Kind(PROXIMITY_PLACEMENT_GROUP, "2023-03-01", arm_type="Microsoft.Compute/proximityPlacementGroups",
         props={"virtual_machines_status": "properties.virtualMachines"},
         edges=(holds(VIRTUAL_MACHINE_SCALE_SET, "properties.virtualMachineScaleSets[].id"),)),
    Kind("azure_restore_point_collection", "2023-03-01", arm_type="Microsoft.Compute/restorePointCollections",
         edges=(uses(VIRTUAL_MACHINE, "properties.source.id"),)),
    Kind("azure_snapshot", "2023-01-02", arm_type="Microsoft.Compute/snapshots", prefixes=("snapshot_", "volume_"),
         ctime="properties.timeCreated",
         props={"snapshot_status": "properties.diskState", "volume_size": "properties.diskSizeGB", "volume_id": "id",
                "encrypted": "properties.encryptionSettingsCollection.enabled",
                "owner_id": "properties.creationData.storageAccountId"},
         edges=(inside(DISK, "properties.creationData.sourceResourceId"),)),
    Kind("azure_ssh_public_key_resource", "2023-03-01", arm_type="Microsoft.Compute/sshPublicKeys",
         props={"properties": "properties.publicKey"}),
    Kind(VIRTUAL_MACHINE, "2023-03-01", arm_type="Microsoft.Compute/virtualMachines",
         prefixes=("virtual_machine_", "azure_"), ctime="properties.timeCreated",
         props={"virtual_machine_capabilities": "properties.additionalCapabilities",
                "billing_profile": "properties.billingProfile.maxPrice",
                "instance_type": "properties.hardwareProfile.vmSize"},
         defaults={"instance_cores": 0.0, "instance_memory": 0.0},
         edges=(inside(PROXIMITY_PLACEMENT_GROUP, "properties.proximityPlacementGroup.id"),
                uses(IMAGE, "properties.storageProfile.imageReference.id"),
                uses(DISK, "properties.storageProfile.osDisk.managedDisk.id"),
                uses(DISK, "properties.storageProfile.dataDisks[].managedDisk.id"),
                inside(NETWORK_SECURITY_GROUP, f"{NETWORK_CONFIGS}.properties.networkSecurityGroup.id"),
                inside(SUBNET, f"{NETWORK_CONFIGS}.{IP_CONFIGS}.properties.subnet.id"),
                inside(LOAD_BALANCER, vm_load_balancers),
                uses(NETWORK_INTERFACE, "properties.networkProfile.networkInterfaces[].id"),
                points_at(VIRTUAL_MACHINE_SIZE, vm_size_at, by="size_at")),
         usage=VM_USAGE),
    Kind(VIRTUAL_MACHINE_SCALE_SET, "2023-03-01", arm_type="Microsoft.Compute/virtualMachineScaleSets",
         prefixes=("scale_set_", "azure_"), ctime="properties.timeCreated",
         props={"scale_set_capabilities": "properties.additionalCapabilities"},
         defaults={"min_size": -1, "max_size": -1},
         edges=(inside(LOAD_BALANCER, scale_set_load_balancers),)),
    # listed where the subscription's VMs are, and kept only where a VM uses it (as the reference)
    Kind(VIRTUAL_MACHINE_SIZE, "2023-03-01", source=LOCATION,
         path="/subscriptions/{subscription}/providers/Microsoft.Compute/locations/{location}/vmSizes",
         id="name", props={"instance_type": "name", "instance_cores": "numberOfCores",
                           "instance_memory": memory_in_gib},
         keys={"size_at": size_at}, only_used=True, taggable=False, deletable=False),
]
