"""EC2 instances, volumes, snapshots and key pairs."""
from __future__ import annotations

from typing import List

from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.resources.ec2_tags import delete_ec2_tag, name_and_tags, update_ec2_tag
from collectors.aws.shaped import Ref, Scope, Shaped, encrypted_with, mapped, non_empty, pick

INSTANCE = "aws_ec2_instance"
VOLUME = "aws_ec2_volume"
SNAPSHOT = "aws_ec2_snapshot"
KEYPAIR = "aws_ec2_keypair"
SUBNET = "aws_ec2_subnet"
TYPES_PER_CALL = 100

INSTANCE_STATUS = {"pending": "busy", "running": "running", "shutting-down": "busy", "terminated": "terminated",
                   "stopping": "busy", "stopped": "stopped"}
VOLUME_STATUS = {"creating": "busy", "available": "available", "in-use": "in-use", "deleting": "busy",
                 "deleted": "deleted", "error": "error"}

INSTANCE_FIELDS = {
    "instance_type": "InstanceType",
    "instance_ami_launch_index": "AmiLaunchIndex",
    "instance_image_id": "ImageId",
    "instance_kernel_id": "KernelId",
    "instance_key_name": "KeyName",
    "instance_launch_time": "LaunchTime",
    "instance_monitoring": "Monitoring.State",
    "instance_placement": "Placement",
    "instance_platform": "Platform",
    "instance_private_dns_name": "PrivateDnsName",
    "instance_private_ip_address": "PrivateIpAddress",
    "instance_product_codes": "ProductCodes",
    "instance_public_dns_name": "PublicDnsName",
    "instance_public_ip_address": "PublicIpAddress",
    "instance_ramdisk_id": "RamdiskId",
    "instance_state": "State",
    "instance_state_transition_reason": "StateTransitionReason",
    "instance_subnet_id": "SubnetId",
    "instance_architecture": "Architecture",
    "instance_block_device_mappings": "BlockDeviceMappings",
    "instance_client_token": "ClientToken",
    "instance_ebs_optimized": "EbsOptimized",
    "instance_ena_support": "EnaSupport",
    "instance_hypervisor": "Hypervisor",
    "instance_iam_instance_profile": "IamInstanceProfile",
    "instance_lifecycle": "InstanceLifecycle",
    "instance_elastic_gpu_associations": "ElasticGpuAssociations",
    "instance_elastic_inference_accelerator_associations": "ElasticInferenceAcceleratorAssociations",
    "instance_network_interfaces": "NetworkInterfaces",
    "instance_outpost_arn": "OutpostArn",
    "instance_root_device_name": "RootDeviceName",
    "instance_root_device_type": "RootDeviceType",
    "instance_security_groups": "SecurityGroups",
    "instance_source_dest_check": "SourceDestCheck",
    "instance_spot_instance_request_id": "SpotInstanceRequestId",
    "instance_sriov_net_support": "SriovNetSupport",
    "instance_state_reason": "StateReason",
    "instance_virtualization_type": "VirtualizationType",
    "instance_cpu_options": "CpuOptions",
    "instance_capacity_reservation_id": "CapacityReservationId",
    "instance_capacity_reservation_specification": "CapacityReservationSpecification",
    "instance_hibernation_options": "HibernationOptions.Configured",
    "instance_metadata_options": "MetadataOptions",
    "instance_enclave_options": "EnclaveOptions.Enabled",
    "instance_boot_mode": "BootMode",
    "instance_platform_details": "PlatformDetails",
    "instance_usage_operation": "UsageOperation",
    "instance_usage_operation_update_time": "UsageOperationUpdateTime",
    "instance_private_dns_name_options": "PrivateDnsNameOptions",
    "instance_ipv6_address": "Ipv6Address",
    "instance_tpm_support": "TpmSupport",
    "instance_maintenance_options": "MaintenanceOptions.AutoRecovery",
}

VOLUME_FIELDS = {
    "ctime": "CreateTime",
    "volume_size": "Size",
    "volume_type": "VolumeType",
    "volume_iops": "Iops",
    "volume_throughput": "Throughput",
    "volume_encrypted": "Encrypted",
    "volume_attachments": "Attachments",
    "availability_zone": "AvailabilityZone",
    "volume_kms_key_id": "KmsKeyId",
    "volume_outpost_arn": "OutpostArn",
    "volume_snapshot_id": "SnapshotId",
    "volume_fast_restored": "FastRestored",
    "volume_multi_attach_enabled": "MultiAttachEnabled",
}

SNAPSHOT_FIELDS = {
    "ctime": "StartTime",
    "snapshot_status": "State",
    "description": "Description",
    "volume_id": "VolumeId",
    "volume_size": "VolumeSize",
    "encrypted": "Encrypted",
    "owner_id": "OwnerId",
    "owner_alias": "OwnerAlias",
    "snapshot_data_encryption_key_id": "DataEncryptionKeyId",
    "snapshot_kms_key_id": "KmsKeyId",
    "snapshot_progress": "Progress",
    "snapshot_state_message": "StateMessage",
    "snapshot_outpost_arn": "OutpostArn",
    "snapshot_storage_tier": "StorageTier",
    "snapshot_restore_expiry_time": "RestoreExpiryTime",
}


# ---- instances ----------------------------------------------------------------------------------

def get_instances(ec2: Client) -> Json:
    instances = [i for r in paginate(ec2, "describe_instances", "Reservations") for i in r.get("Instances", [])]
    types = sorted({i["InstanceType"] for i in instances if i.get("InstanceType")})
    # cores and memory come from the instance type, asked once for the types in use (at most 100 per call)
    type_info: List[Json] = []
    for start in range(0, len(types), TYPES_PER_CALL):
        type_info += paginate(ec2, "describe_instance_types", "InstanceTypes",
                              InstanceTypes=types[start:start + TYPES_PER_CALL])
    return {"instances": instances, "instance_types": type_info}


def transform_instances(raw: Json, scope: Scope) -> Shaped:
    sizes = {t["InstanceType"]: t for t in raw.get("instance_types", [])}
    out = Shaped()
    for item in raw.get("instances", []):
        iid = item["InstanceId"]
        name, tags = name_and_tags(item, iid)
        size = sizes.get(item.get("InstanceType"), {})
        memory_mib = pick(size, "MemoryInfo.SizeInMiB")
        reported = {
            "kind": INSTANCE, "id": iid, "name": name, "tags": tags, "ctime": item.get("LaunchTime"),
            "arn": scope.arn("ec2", f"instance/{iid}"),
            "instance_cores": pick(size, "VCpuInfo.DefaultVCpus"),
            "instance_memory": memory_mib / 1024 if memory_mib else None,
            "instance_status": INSTANCE_STATUS.get(pick(item, "State.Name"), "unknown"),
            "instance_licenses": [lic.get("LicenseConfigurationArn") for lic in item.get("Licenses") or []],
            **mapped(item, INSTANCE_FIELDS),
        }
        reported["instance_kernel_id"] = non_empty(reported["instance_kernel_id"])
        me = Ref(INSTANCE, iid)
        out.node(reported)
        if item.get("SubnetId"):
            out.link_both(Ref(SUBNET, item["SubnetId"]), me)
        if item.get("KeyName"):
            key = Ref(KEYPAIR, keypair_arn(scope, item["KeyName"]))
            out.link(me, key)
            out.link(key, me, "delete")
        for mapping in item.get("BlockDeviceMappings") or []:
            volume_id = pick(mapping, "Ebs.VolumeId")
            if volume_id:
                out.link(me, Ref(VOLUME, volume_id))
                out.link(Ref(VOLUME, volume_id), me, "delete")
    return out


def terminate_instance(ec2: Client, reported: Json) -> None:
    ec2.terminate_instances(InstanceIds=[reported["id"]])


# ---- volumes ------------------------------------------------------------------------------------

def get_volumes(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_volumes", "Volumes")


def transform_volumes(volumes: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in volumes:
        vid = item["VolumeId"]
        name, tags = name_and_tags(item, vid)
        out.node({
            "kind": VOLUME, "id": vid, "name": name, "tags": tags, "arn": scope.arn("ec2", f"volume/{vid}"),
            "volume_status": VOLUME_STATUS.get(item.get("State"), "unknown"), "snapshot_before_delete": False,
            **mapped(item, VOLUME_FIELDS),
        })
        if item.get("KmsKeyId"):
            encrypted_with(out, Ref(VOLUME, vid), item["KmsKeyId"])
    return out


def delete_volume(ec2: Client, reported: Json) -> None:
    ec2.delete_volume(VolumeId=reported["id"])


# ---- snapshots ----------------------------------------------------------------------------------

def get_snapshots(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"])


def transform_snapshots(snapshots: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in snapshots:
        sid = item["SnapshotId"]
        name, tags = name_and_tags(item, sid)
        me = Ref(SNAPSHOT, sid)
        out.node({"kind": SNAPSHOT, "id": sid, "name": name, "tags": tags,
                  "arn": scope.arn("ec2", f"snapshot/{sid}"), **mapped(item, SNAPSHOT_FIELDS)})
        if item.get("VolumeId"):
            out.link(Ref(VOLUME, item["VolumeId"]), me)
        if item.get("KmsKeyId"):
            encrypted_with(out, me, item["KmsKeyId"])
    return out


def delete_snapshot(ec2: Client, reported: Json) -> None:
    ec2.delete_snapshot(SnapshotId=reported["id"])


# ---- key pairs ----------------------------------------------------------------------------------

def keypair_arn(scope: Scope, key_name: str) -> str:
    # named by key name (not id), as the reference does, so instances (which only know the name) find it
    return scope.arn("ec2", f"keypair/{key_name}")


def get_key_pairs(ec2: Client) -> List[Json]:
    return ec2.describe_key_pairs().get("KeyPairs", [])


def transform_key_pairs(key_pairs: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in key_pairs:
        _, tags = name_and_tags(item)
        out.node({"kind": KEYPAIR, "id": item.get("KeyPairId") or item["KeyName"], "name": item["KeyName"],
                  "tags": tags, "ctime": item.get("CreateTime"), "arn": keypair_arn(scope, item["KeyName"]),
                  "key_fingerprint": item.get("KeyFingerprint"), "key_type": item.get("KeyType"),
                  "public_key": item.get("PublicKey")})
    return out


def delete_key_pair(ec2: Client, reported: Json) -> None:
    if reported.get("name"):  # every implementation takes the name; not all take the id
        ec2.delete_key_pair(KeyName=reported["name"])
    else:
        ec2.delete_key_pair(KeyPairId=reported["id"])


RESOURCE_TYPES = [
    ResourceType("ec2_instances", "ec2", get_instances, transform_instances),
    ResourceType("ec2_volumes", "ec2", get_volumes, transform_volumes),
    ResourceType("ec2_snapshots", "ec2", get_snapshots, transform_snapshots),
    ResourceType("ec2_key_pairs", "ec2", get_key_pairs, transform_key_pairs),
]

ACTIONS = {
    INSTANCE: KindActions("ec2", update_ec2_tag, delete_ec2_tag, terminate_instance),
    VOLUME: KindActions("ec2", update_ec2_tag, delete_ec2_tag, delete_volume),
    SNAPSHOT: KindActions("ec2", update_ec2_tag, delete_ec2_tag, delete_snapshot),
    KEYPAIR: KindActions("ec2", update_ec2_tag, delete_ec2_tag, delete_key_pair),
}
