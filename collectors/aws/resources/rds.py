"""RDS database instances and clusters, and their snapshots."""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.kind import (Client, Json, Kind, Tagging, by_arn, call, holds, inside, points_at, seen_by,
                                 tag_value, tagging, uses)
from collectors.aws.metrics import Activity
from collectors.aws.resources.base import for_each, optional, paginate

DB_INSTANCE = "aws_rds_instance"
DB_SNAPSHOT = "aws_rds_snapshot"
DB_CLUSTER = "aws_rds_cluster"
DB_CLUSTER_SNAPSHOT = "aws_rds_cluster_snapshot"
KINESIS_STREAM = "aws_kinesis_stream"
VPC = "aws_vpc"
SUBNET = "aws_ec2_subnet"
SECURITY_GROUP = "aws_ec2_security_group"
KMS_KEY = "aws_kms_key"
# snapshot attributes are a detail: a snapshot gone since it was listed, or not readable, keeps its node
ATTRIBUTES_UNAVAILABLE = {"DBSnapshotNotFound", "InvalidDBSnapshotState", "AccessDenied", "AccessDeniedException"}
CLUSTER_ATTRIBUTES_UNAVAILABLE = {"DBClusterSnapshotNotFoundFault", "InvalidDBClusterSnapshotStateFault",
                                  "AccessDenied", "AccessDeniedException"}


def get_db_instances(rds: Client) -> List[Json]:
    # TagList comes with every instance: the reference's ListTagsForResource per instance adds nothing
    return paginate(rds, "describe_db_instances", "DBInstances")


def _attributes(rds: Client, snapshot: Json) -> Optional[List[Json]]:
    found = optional(rds.describe_db_snapshot_attributes, ATTRIBUTES_UNAVAILABLE,
                     DBSnapshotIdentifier=snapshot["DBSnapshotIdentifier"]) or {}
    return (found.get("DBSnapshotAttributesResult") or {}).get("DBSnapshotAttributes")


def get_db_snapshots(rds: Client) -> List[Json]:
    snapshots = paginate(rds, "describe_db_snapshots", "DBSnapshots")
    for snapshot, attributes in zip(snapshots, for_each(snapshots, lambda s: _attributes(rds, s))):
        snapshot["Attributes"] = attributes
    return snapshots


def get_db_clusters(rds: Client) -> List[Json]:
    # TagList comes with every cluster
    return paginate(rds, "describe_db_clusters", "DBClusters")


def _cluster_attributes(rds: Client, snapshot: Json) -> Optional[List[Json]]:
    found = optional(rds.describe_db_cluster_snapshot_attributes, CLUSTER_ATTRIBUTES_UNAVAILABLE,
                     DBClusterSnapshotIdentifier=snapshot["DBClusterSnapshotIdentifier"]) or {}
    return (found.get("DBClusterSnapshotAttributesResult") or {}).get("DBClusterSnapshotAttributes")


def get_db_cluster_snapshots(rds: Client) -> List[Json]:
    snapshots = paginate(rds, "describe_db_cluster_snapshots", "DBClusterSnapshots")
    for snapshot, attributes in zip(snapshots, for_each(snapshots, lambda s: _cluster_attributes(rds, s))):
        snapshot["Attributes"] = attributes
    return snapshots


def _endpoint(item: Json) -> Optional[str]:
    endpoint = item.get("Endpoint") or {}
    return f"{endpoint['Address']}:{endpoint.get('Port')}" if endpoint.get("Address") else None


def _keys(item: Json) -> List[str]:
    found = (item.get("KmsKeyId"), item.get("PerformanceInsightsKMSKeyId"), item.get("ActivityStreamKmsKeyId"))
    return sorted({key for key in found if key})


def _pairs(items: Optional[list], key: str, value: str) -> Optional[Json]:
    return {i[key]: i.get(value) for i in items if key in i} if isinstance(items, list) else None


RDS_TAGS = tagging("TagList", "add_tags_to_resource", "remove_tags_from_resource", by_arn("ResourceName"))

# a database was last read and written when it last had a connection
DB_ACTIVITY = Activity("AWS/RDS", lambda item: {"DBInstanceIdentifier": item["DBInstanceIdentifier"]},
                       read="DatabaseConnections", write="DatabaseConnections",
                       created=lambda item: item.get("InstanceCreateTime"))

KINDS = [
    Kind(DB_INSTANCE, "rds", get_db_instances, id="DBInstanceIdentifier", name_of="DBName", arn="DBInstanceArn",
         prefix="rds_",
         props={"ctime": "InstanceCreateTime", "db_type": "Engine", "db_status": "DBInstanceStatus",
                "db_endpoint": _endpoint, "db_version": "EngineVersion", "db_publicly_accessible": "PubliclyAccessible",
                "instance_type": "DBInstanceClass", "volume_size": "AllocatedStorage", "volume_iops": "Iops",
                "volume_encrypted": "StorageEncrypted",
                "rds_db_instance_automated_backups_replications":
                    "DBInstanceAutomatedBackupsReplications[].DBInstanceAutomatedBackupsArn"},
         edges=(inside(SECURITY_GROUP, "VpcSecurityGroups[].VpcSecurityGroupId"), inside(VPC, "DBSubnetGroup.VpcId"),
                inside(SUBNET, "DBSubnetGroup.Subnets[].SubnetIdentifier"), uses(KMS_KEY, _keys)),
         activity=DB_ACTIVITY, tags=RDS_TAGS,
         # cleanup removes what nobody wants any more: no final snapshot
         delete=call("delete_db_instance", DBInstanceIdentifier="id", SkipFinalSnapshot=lambda _: True)),
    # name: the reference reads the Name tag from a field RDS does not send, so its name is always the id;
    # volume_size and encrypted: it leaves the snapshot defaults (the values are in rds_allocated_storage and
    # rds_encrypted). It cannot delete snapshots either.
    Kind(DB_SNAPSHOT, "rds", get_db_snapshots, id="DBSnapshotIdentifier", arn="DBSnapshotArn", prefix="rds_",
         props={"ctime": "SnapshotCreateTime", "snapshot_status": "Status", "volume_size": lambda _: 0,
                "encrypted": lambda _: False,
                "rds_processor_features": lambda item: _pairs(item.get("ProcessorFeatures", []), "Name", "Value"),
                "rds_attributes": lambda item: _pairs(item.get("Attributes"), "AttributeName", "AttributeValues")},
         edges=(seen_by(DB_INSTANCE, "DBInstanceIdentifier"), seen_by(VPC, "VpcId")),
         tags=RDS_TAGS),
    # instance_type and volume_size: the reference sends its defaults ("" and 0; the storage is in
    # rds_allocated_storage)
    Kind(DB_CLUSTER, "rds", get_db_clusters, id="DBClusterIdentifier", arn="DBClusterArn", prefix="rds_",
         props={"ctime": "ClusterCreateTime", "db_type": "Engine", "db_status": "Status",
                "db_endpoint": lambda item: f"{item['Endpoint']}:{item.get('Port')}" if item.get("Endpoint") else None,
                "db_version": "EngineVersion", "db_publicly_accessible": "PubliclyAccessible", "volume_iops": "Iops",
                "volume_encrypted": "StorageEncrypted", "instance_type": lambda _: "", "volume_size": lambda _: 0,
                "rds_db_subnet_group_name": "DBSubnetGroup",
                "rds_cluster_pending_modified_values": "PendingModifiedValues"},
         edges=(points_at(KMS_KEY, "KmsKeyId"), holds(DB_INSTANCE, "DBClusterMembers[].DBInstanceIdentifier"),
                inside(SECURITY_GROUP, "VpcSecurityGroups[].VpcSecurityGroupId"),
                points_at(KINESIS_STREAM, "ActivityStreamKinesisStreamName")),
         tags=RDS_TAGS,
         delete=call("delete_db_cluster", DBClusterIdentifier="id", SkipFinalSnapshot=lambda _: True)),
    # no ARN in the reference's reading (rds_db_cluster_snapshot_arn holds it): its ARN comes from the template
    # and the name; it neither tags nor deletes cluster snapshots
    Kind(DB_CLUSTER_SNAPSHOT, "rds", get_db_cluster_snapshots, id="DBClusterSnapshotIdentifier",
         name_of=tag_value("Name", "TagList"), prefix="rds_",
         props={"ctime": "SnapshotCreateTime",
                "rds_attributes": lambda item: _pairs(item.get("Attributes"), "AttributeName", "AttributeValues")},
         edges=(seen_by(DB_CLUSTER, "DBClusterIdentifier"), seen_by(VPC, "VpcId"), points_at(KMS_KEY, "KmsKeyId")),
         tags=Tagging("TagList")),
]
