"""EKS clusters and their managed node groups, fetched together."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

from collectors.aws.kind import Client, Json, Kind, by_arn, call, inside, tagging, uses
from collectors.aws.resources.base import for_each, optional, paginate

CLUSTER = "aws_eks_cluster"
NODEGROUP = "aws_eks_nodegroup"
ROLE = "aws_iam_role"
GONE = {"ResourceNotFoundException"}  # deleted since it was listed


def get_clusters(eks: Client) -> Json:
    """Clusters (one describe each), then every cluster's node groups (one list per cluster, one describe
    per group), a few calls at a time. Node groups are listed only for clusters that were just described:
    moto answers ListNodegroups for an unknown cluster with a 500."""
    names = paginate(eks, "list_clusters", "clusters")
    found = for_each(names, lambda name: (optional(eks.describe_cluster, GONE, name=name) or {}).get("cluster"))
    clusters = [cluster for cluster in found if cluster]

    def groups_of(cluster: Json) -> List[Tuple[str, str]]:
        listed = optional(paginate, GONE, client=eks, operation="list_nodegroups", result_key="nodegroups",
                          clusterName=cluster["name"]) or []
        return [(cluster["name"], group) for group in listed]

    def describe(pair: Tuple[str, str]) -> Optional[Json]:
        answer = optional(eks.describe_nodegroup, GONE, clusterName=pair[0], nodegroupName=pair[1]) or {}
        return answer.get("nodegroup")
    pairs = [pair for pairs in for_each(clusters, groups_of) for pair in pairs]
    return {"Clusters": clusters, "Nodegroups": [group for group in for_each(pairs, describe) if group]}


def _group_resources(item: Json) -> Any:
    """The node group's Auto Scaling groups by name (the API gives ``{name: …}`` objects)."""
    resources = item.get("resources")
    if not isinstance(resources, dict):
        return None
    return {**resources, "autoScalingGroups": [g.get("name") for g in resources.get("autoScalingGroups") or []
                                               if isinstance(g, dict)]}


EKS_TAGS = tagging("tags", "tag_resource", "untag_resource", by_arn("resourceArn"), tags_as="map",
                   keys_param="tagKeys", tags_param="tags")

KINDS = [
    Kind(CLUSTER, "eks", get_clusters, items="Clusters", id="name", arn="arn", prefix="cluster_",
         props={"ctime": "createdAt", "cluster_certificate_authority": "certificateAuthority.data"},
         edges=(inside(ROLE, "roleArn"),),
         tags=EKS_TAGS,
         delete=call("delete_cluster", name="name")),
    # group_version and group_nodegroup_arn stay empty, as in the reference (its mapping fills other names)
    Kind(NODEGROUP, "eks", get_clusters, items="Nodegroups", id="nodegroupName", arn="nodegroupArn", prefix="group_",
         props={"ctime": "createdAt", "group_resources": _group_resources, "group_version": lambda _: None,
                "group_nodegroup_arn": lambda _: None},
         edges=(inside(CLUSTER, "clusterName"), uses("aws_autoscaling_group", "resources.autoScalingGroups[].name")),
         tags=EKS_TAGS, delete=call("delete_nodegroup", clusterName="cluster_name", nodegroupName="name")),
]
