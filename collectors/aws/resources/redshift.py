"""Redshift clusters."""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.kind import Client, Json, Kind, by_arn, call, inside, tagging, uses
from collectors.aws.resources.base import for_each, optional, paginate

CLUSTER = "aws_redshift_cluster"
GONE = {"ClusterNotFound"}  # deleted since it was listed


def _logging_status(redshift: Client, cluster: Json) -> Optional[Json]:
    found = optional(redshift.describe_logging_status, GONE, ClusterIdentifier=cluster["ClusterIdentifier"])
    if found:
        found.pop("ResponseMetadata", None)
    return found


def get_clusters(redshift: Client) -> List[Json]:
    """Clusters (with their tags) and each one's logging status (one detail call per cluster)."""
    clusters = paginate(redshift, "describe_clusters", "Clusters")
    for cluster, status in zip(clusters, for_each(clusters, lambda c: _logging_status(redshift, c))):
        cluster["LoggingStatus"] = status
    return clusters


KINDS = [
    # the API gives no ARN; the reference makes one with ':' before the id, unlike its template
    Kind(CLUSTER, "redshift", get_clusters, id="ClusterIdentifier", prefix="redshift_",
         arn_template="arn:{partition}:redshift:{region}:{account}:cluster:{id}",
         props={"ctime": "ClusterCreateTime", "redshift_logging_status": "LoggingStatus"},
         # subnets by name: the reference looks for a subnet named like the cluster's subnet group
         edges=(inside("aws_vpc", "VpcId"), inside("aws_ec2_security_group", "VpcSecurityGroups[].VpcSecurityGroupId"),
                inside("aws_iam_role", "IamRoles[].IamRoleArn"),
                inside("aws_ec2_subnet", "ClusterSubnetGroupName", by="name"), uses("aws_kms_key", "KmsKeyId")),
         tags=tagging("Tags", "create_tags", "delete_tags", by_arn("ResourceName")),
         delete=call("delete_cluster", ClusterIdentifier="id", SkipFinalClusterSnapshot=lambda _: True)),
]
