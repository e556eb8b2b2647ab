"""EC2 instances and the instance types they use, volumes and their types, snapshots and key pairs; the
account's own images, launch templates, dedicated hosts and reserved instances."""
from __future__ import annotations

from typing import Any, Dict, List

from collectors.aws.kind import (UNTAGGED, Client, Json, Kind, Tagging, call, holds, inside, seen_by, tag_value,
                                 used_by, uses)
from collectors.aws.metrics import Activity, Metric, Usage
from collectors.aws.prices import instance_type_facts
from collectors.aws.resources.base import paginate
from collectors.aws.resources.ec2_tags import EC2_TAGS

INSTANCE = "aws_ec2_instance"
INSTANCE_TYPE = "aws_ec2_instance_type"
VOLUME = "aws_ec2_volume"
VOLUME_TYPE = "aws_ec2_volume_type"
KEYPAIR = "aws_ec2_keypair"
IMAGE = "aws_ec2_image"
LAUNCH_TEMPLATE = "aws_ec2_launch_template"
KMS_KEY = "aws_kms_key"
TYPES_PER_CALL = 100
RELEASED_HOST = ("released", "released-permanent-failure")
TEMPLATE_TYPE = "launch-template"  # the resource type EC2 tags launch templates with

# looked up with what the API sent, None included
INSTANCE_STATUS: Dict[Any, str] = {"pending": "busy", "running": "running", "shutting-down": "busy",
                                   "terminated": "terminated", "stopping": "busy", "stopped": "stopped"}
VOLUME_STATUS: Dict[Any, str] = {"creating": "busy", "available": "available", "in-use": "in-use", "deleting": "busy",
                                 "deleted": "deleted", "error": "error"}


def get_instances(ec2: Client) -> Json:
    """Instances, and the types they use (cores and memory come from the type; asked once for the types
    in use, at most 100 per call)."""
    instances = [i for r in paginate(ec2, "describe_instances", "Reservations") for i in r.get("Instances", [])]
    types = sorted({i["InstanceType"] for i in instances if i.get("InstanceType")})
    type_info: List[Json] = []
    for start in range(0, len(types), TYPES_PER_CALL):
        type_info += paginate(ec2, "describe_instance_types", "InstanceTypes",
                              InstanceTypes=types[start:start + TYPES_PER_CALL])
    by_name = {t["InstanceType"]: t for t in type_info}
    for instance in instances:
        instance["InstanceTypeInfo"] = by_name.get(instance.get("InstanceType"))
    for info in type_info:
        info["Facts"] = instance_type_facts(info["InstanceType"], ec2.meta.region_name)
    return {"Instances": instances, "InstanceTypes": type_info}


def get_volumes(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_volumes", "Volumes")


def volume_types(volumes: List[Json]) -> List[Json]:
    return [{"VolumeType": name} for name in sorted({v["VolumeType"] for v in volumes if v.get("VolumeType")})]


def get_snapshots(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_snapshots", "Snapshots", OwnerIds=["self"])


def get_key_pairs(ec2: Client) -> List[Json]:
    return ec2.describe_key_pairs().get("KeyPairs", [])


def get_images(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_images", "Images", Owners=["self"])


def get_launch_templates(ec2: Client) -> List[Json]:
    """One item per template: its default version (asked for with the latest one, as the reference asks),
    with the template's tags, which versions do not carry (all of the region's in one listing)."""
    versions = paginate(ec2, "describe_launch_template_versions", "LaunchTemplateVersions",
                        Versions=["$Default", "$Latest"])
    tags: Dict[str, List[Json]] = {}
    for tag in paginate(ec2, "describe_tags", "Tags", Filters=[{"Name": "resource-type", "Values": [TEMPLATE_TYPE]}]):
        tags.setdefault(tag.get("ResourceId"), []).append({"Key": tag.get("Key"), "Value": tag.get("Value")})
    chosen: Dict[str, Json] = {}
    for version in versions:
        template = version.get("LaunchTemplateId")
        if template not in chosen or version.get("DefaultVersion"):
            chosen[template] = version
    return [{**version, "Tags": tags.get(template, [])} for template, version in chosen.items()]


def get_hosts(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_hosts", "Hosts")


def get_reserved_instances(ec2: Client) -> List[Json]:
    return ec2.describe_reserved_instances().get("ReservedInstances", [])


def _memory_gib(path: str):
    def get(item: Json) -> Any:
        mib: Any = item
        for step in path.split("."):
            mib = mib.get(step) if isinstance(mib, dict) else None
        return mib / 1024 if isinstance(mib, (int, float)) else None
    return get


def _with_fact(path: str, fact: str):
    """A nested API value completed with one of the type's facts (the processor's name, the GPU's model)."""
    def get(item: Json) -> Any:
        found = item.get(path)
        known = (item.get("Facts") or {}).get(fact)
        return {**found, fact: known} if isinstance(found, dict) and known else found
    return get


def _template_data(item: Json) -> Any:
    """The template's data, its GPU and license specifications as plain lists of types and ARNs (as the
    reference)."""
    data = item.get("LaunchTemplateData")
    if not isinstance(data, dict):
        return data
    gpus = data.get("ElasticGpuSpecifications") or []
    licenses = data.get("LicenseSpecifications") or []
    return {**data, "ElasticGpuSpecifications": [g.get("Type") for g in gpus],
            "LicenseSpecifications": [spec.get("LicenseConfigurationArn") for spec in licenses]}


def delete_key_pair(ec2: Client, reported: Json) -> None:
    if reported.get("name"):  # every implementation takes the name; not all take the id
        ec2.delete_key_pair(KeyName=reported["name"])
    else:
        ec2.delete_key_pair(KeyPairId=reported["id"])


INSTANCE_PROPS: Dict[str, Any] = {
    "ctime": "LaunchTime",
    "instance_type": "InstanceType",
    "instance_cores": "InstanceTypeInfo.VCpuInfo.DefaultVCpus",
    "instance_memory": _memory_gib("InstanceTypeInfo.MemoryInfo.SizeInMiB"),
    "instance_status": lambda item: INSTANCE_STATUS.get((item.get("State") or {}).get("Name"), "unknown"),
    "instance_monitoring": "Monitoring.State",
    "instance_hibernation_options": "HibernationOptions.Configured",
    "instance_licenses": "Licenses[].LicenseConfigurationArn",
    "instance_enclave_options": "EnclaveOptions.Enabled",
    "instance_maintenance_options": "MaintenanceOptions.AutoRecovery",
}

MIN_AVG_MAX = ("Minimum", "Average", "Maximum")
INSTANCE_USAGE = Usage(
    "AWS/EC2", lambda i: {"InstanceId": i["InstanceId"]} if (i.get("State") or {}).get("Name") == "running" else None,
    (Metric("CPUUtilization", "cpu_utilization", "Percent", MIN_AVG_MAX, digits=3),
     Metric("NetworkIn", "network_in", "Bytes"), Metric("NetworkOut", "network_out", "Bytes"),
     Metric("DiskReadOps", "disk_read_ops", "Count"), Metric("DiskWriteOps", "disk_write_ops", "Count"),
     Metric("DiskReadBytes", "disk_read_bytes", "Bytes"), Metric("DiskWriteBytes", "disk_write_bytes", "Bytes")))
VOLUME_USAGE = Usage(
    "AWS/EBS", lambda v: {"VolumeId": v["VolumeId"]},
    (Metric("VolumeWriteBytes", "volume_write_bytes", "Bytes"), Metric("VolumeReadBytes", "volume_read_bytes", "Bytes"),
     Metric("VolumeWriteOps", "volume_write_ops", "Count"), Metric("VolumeReadOps", "volume_read_ops", "Count"),
     Metric("VolumeTotalWriteTime", "volume_total_write_time", "Seconds"),
     Metric("VolumeIdleTime", "volume_idle_time", "Seconds"),
     Metric("VolumeQueueLength", "volume_queue_length", "Count", MIN_AVG_MAX, digits=3)))
# a volume in use is being used now; an unattached one was last used when it was last read or written
VOLUME_ACTIVITY = Activity(
    "AWS/EBS", lambda v: {"VolumeId": v["VolumeId"]} if v.get("State") in ("in-use", "available") else None,
    read="VolumeReadOps", write="VolumeWriteOps", busy=lambda v: v.get("State") == "in-use",
    created=lambda v: v.get("CreateTime"))

KINDS = [
    Kind(INSTANCE, "ec2", get_instances, items="Instances", id="InstanceId", name_of=tag_value("Name"),
         prefix="instance_", props=INSTANCE_PROPS,
         edges=(inside("aws_vpc", "VpcId"), inside("aws_ec2_subnet", "SubnetId"),
                uses(KEYPAIR, "KeyName", by="name"), seen_by(INSTANCE_TYPE, "InstanceType"),
                seen_by(IMAGE, "ImageId"), seen_by(LAUNCH_TEMPLATE, tag_value("aws:ec2launchtemplate:id"))),
         usage=INSTANCE_USAGE, tags=EC2_TAGS, delete=call("terminate_instances", InstanceIds=lambda r: [r["id"]])),
    # the reference names the global region in the ARN of every instance type, whichever region lists it
    Kind(INSTANCE_TYPE, "ec2", get_instances, items="InstanceTypes", id="InstanceType", prefix="instance_type_",
         arn_template="arn:{partition}:ec2:global:{account}:instance/{id}",
         props={"instance_type": "InstanceType", "instance_cores": "VCpuInfo.DefaultVCpus",
                "instance_memory": _memory_gib("MemoryInfo.SizeInMiB"), "memory_info": "MemoryInfo.SizeInMiB",
                "ondemand_cost": "Facts.ondemand_cost", "pretty_name": "Facts.pretty_name", "ecu": "Facts.ecu",
                "instance_type_processor_info": _with_fact("ProcessorInfo", "physical_processor"),
                "instance_type_gpu_info": _with_fact("GpuInfo", "gpu_model")},
         tags=UNTAGGED),
    Kind(VOLUME, "ec2", get_volumes, id="VolumeId", name_of=tag_value("Name"), prefix="volume_",
         props={"ctime": "CreateTime", "volume_size": "Size", "volume_type": "VolumeType",
                "availability_zone": "AvailabilityZone", "snapshot_before_delete": lambda _: False,
                "volume_status": lambda item: VOLUME_STATUS.get(item.get("State"), "unknown")},
         edges=(used_by(INSTANCE, "Attachments[].InstanceId"), uses(KMS_KEY, "KmsKeyId"),
                seen_by(VOLUME_TYPE, "VolumeType")),
         usage=VOLUME_USAGE, activity=VOLUME_ACTIVITY, tags=EC2_TAGS, delete=call("delete_volume", VolumeId="id")),
    Kind(VOLUME_TYPE, "ec2", get_volumes, items=volume_types, id="VolumeType", props={"volume_type": "VolumeType"},
         tags=UNTAGGED),
    Kind("aws_ec2_snapshot", "ec2", get_snapshots, id="SnapshotId", name_of=tag_value("Name", fallback="SnapshotId"),
         prefix="snapshot_",
         props={"ctime": "StartTime", "snapshot_status": "State", "description": "Description",
                "volume_id": "VolumeId", "volume_size": "VolumeSize", "encrypted": "Encrypted", "owner_id": "OwnerId",
                "owner_alias": "OwnerAlias"},
         edges=(seen_by(VOLUME, "VolumeId"), uses(KMS_KEY, "KmsKeyId")),
         tags=EC2_TAGS, delete=call("delete_snapshot", SnapshotId="id")),
    Kind(KEYPAIR, "ec2", get_key_pairs, id=lambda item: item.get("KeyPairId") or item.get("KeyName"),
         name_of="KeyName", props={"key_fingerprint": "KeyFingerprint", "key_type": "KeyType",
                                   "public_key": "PublicKey", "ctime": "CreateTime"},
         tags=EC2_TAGS, delete=delete_key_pair),
    # the reference neither tags nor deletes images
    Kind(IMAGE, "ec2", get_images, id="ImageId", name_of="Name", props={"ctime": "CreationDate"},
         tags=Tagging("Tags")),
    Kind(LAUNCH_TEMPLATE, "ec2", get_launch_templates, id="LaunchTemplateId", name_of="LaunchTemplateName",
         props={"ctime": "CreateTime", "is_default_version": "DefaultVersion", "launch_template_data": _template_data},
         tags=EC2_TAGS),
    # a released host is listed for a while; no longer a resource then
    Kind("aws_ec2_host", "ec2", get_hosts, id="HostId", name_of=tag_value("Name", fallback="HostId"), prefix="host_",
         props={"ctime": "AllocationTime"}, only=lambda item: item.get("State") not in RELEASED_HOST,
         edges=(holds(INSTANCE, "Instances[].InstanceId"),),
         tags=EC2_TAGS, delete=call("release_hosts", HostIds=lambda r: [r["id"]])),
    Kind("aws_ec2_reserved_instances", "ec2", get_reserved_instances, id="ReservedInstancesId",
         name_of=tag_value("Name"), prefix="reservation_", edges=(seen_by(INSTANCE_TYPE, "InstanceType"),),
         tags=EC2_TAGS, moto=False),
]
