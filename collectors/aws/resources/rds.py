"""RDS database instances."""
from __future__ import annotations

from typing import List

from collectors.aws.model import prefixed
from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.shaped import Ref, Scope, Shaped, encrypted_with, pick, tag_dict

DB_INSTANCE = "aws_rds_instance"
VPC = "aws_vpc"
SUBNET = "aws_ec2_subnet"
SECURITY_GROUP = "aws_ec2_security_group"


def get_db_instances(rds: Client) -> List[Json]:
    return paginate(rds, "describe_db_instances", "DBInstances")  # tags come along in TagList


def transform_db_instances(instances: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in instances:
        db_id = item["DBInstanceIdentifier"]
        arn = item.get("DBInstanceArn") or scope.arn("rds", f"db:{db_id}")
        endpoint = item.get("Endpoint") or {}
        reported = {
            **prefixed(item, DB_INSTANCE, "rds_"),
            "kind": DB_INSTANCE, "id": db_id, "name": db_id, "tags": tag_dict(item.get("TagList")),
            "ctime": item.get("InstanceCreateTime"), "arn": arn,
            "db_type": item.get("Engine"), "db_status": item.get("DBInstanceStatus"),
            "db_endpoint": f"{endpoint['Address']}:{endpoint.get('Port')}" if endpoint.get("Address") else None,
            "db_version": item.get("EngineVersion"), "db_publicly_accessible": item.get("PubliclyAccessible"),
            "instance_type": item.get("DBInstanceClass"), "volume_size": item.get("AllocatedStorage"),
            "volume_iops": item.get("Iops"), "volume_encrypted": item.get("StorageEncrypted"),
            "rds_db_instance_automated_backups_replications":
                [r.get("DBInstanceAutomatedBackupsArn") for r in item.get("DBInstanceAutomatedBackupsReplications")
                 or []],
        }
        out.node(reported)
        me = Ref(DB_INSTANCE, arn)
        vpc_id = pick(item, "DBSubnetGroup.VpcId")
        if vpc_id:
            out.link_both(Ref(VPC, vpc_id), me)
        for subnet in pick(item, "DBSubnetGroup.Subnets") or []:
            if subnet.get("SubnetIdentifier"):
                out.link_both(Ref(SUBNET, subnet["SubnetIdentifier"]), me)
        for group in item.get("VpcSecurityGroups") or []:
            if group.get("VpcSecurityGroupId"):
                out.link_both(Ref(SECURITY_GROUP, group["VpcSecurityGroupId"]), me)
        if item.get("KmsKeyId"):
            encrypted_with(out, me, item["KmsKeyId"])
    return out


def update_tag(rds: Client, reported: Json, key: str, value: str) -> None:
    rds.add_tags_to_resource(ResourceName=reported["arn"], Tags=[{"Key": key, "Value": value}])


def delete_tag(rds: Client, reported: Json, key: str) -> None:
    rds.remove_tags_from_resource(ResourceName=reported["arn"], TagKeys=[key])


def delete_db_instance(rds: Client, reported: Json) -> None:
    # cleanup removes what nobody wants any more: no final snapshot
    rds.delete_db_instance(DBInstanceIdentifier=reported["id"], SkipFinalSnapshot=True)


RESOURCE_TYPES = [ResourceType("rds_instances", "rds", get_db_instances, transform_db_instances)]

ACTIONS = {DB_INSTANCE: KindActions("rds", update_tag, delete_tag, delete_db_instance)}
