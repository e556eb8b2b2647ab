"""EKS clusters (their node groups are not collected yet)."""
from __future__ import annotations

from typing import List

from collectors.aws.kind import Client, Json, Kind, by_arn, call, inside, tagging
from collectors.aws.resources.base import for_each, optional, paginate

CLUSTER = "aws_eks_cluster"
ROLE = "aws_iam_role"
GONE = {"ResourceNotFoundException"}  # deleted since it was listed


def get_clusters(eks: Client) -> List[Json]:
    names = paginate(eks, "list_clusters", "clusters")
    found = for_each(names, lambda name: (optional(eks.describe_cluster, GONE, name=name) or {}).get("cluster"))
    return [cluster for cluster in found if cluster]


KINDS = [
    Kind(CLUSTER, "eks", get_clusters, id="name", arn="arn", prefix="cluster_",
         props={"ctime": "createdAt", "cluster_certificate_authority": "certificateAuthority.data"},
         edges=(inside(ROLE, "roleArn"),),
         tags=tagging("tags", "tag_resource", "untag_resource", by_arn("resourceArn"), tags_as="map",
                      keys_param="tagKeys", tags_param="tags"),
         delete=call("delete_cluster", name="name")),
]
