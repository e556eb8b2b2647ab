"""EKS clusters."""
from __future__ import annotations

from typing import List

from collectors.aws.model import prefixed
from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.shaped import Ref, Scope, Shaped, pick, tag_dict

CLUSTER = "aws_eks_cluster"
ROLE = "aws_iam_role"


def get_clusters(eks: Client) -> List[Json]:
    return [eks.describe_cluster(name=name)["cluster"] for name in paginate(eks, "list_clusters", "clusters")]


def transform_clusters(clusters: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in clusters:
        arn = item["arn"]
        out.node({
            **prefixed(item, CLUSTER, "cluster_"),
            "kind": CLUSTER, "id": item["name"], "name": item["name"], "tags": tag_dict(item.get("tags")),
            "ctime": item.get("createdAt"), "arn": arn,
            "cluster_identity": {"oidc": pick(item, "identity.oidc.issuer")} if item.get("identity") else None,
            "cluster_certificate_authority": pick(item, "certificateAuthority.data"),
            "cluster_encryption_config": [{"resources": c.get("resources"),
                                           "provider": pick(c, "provider.keyArn")}
                                          for c in item.get("encryptionConfig") or []],
        })
        if item.get("roleArn"):
            out.link_both(Ref(ROLE, item["roleArn"]), Ref(CLUSTER, arn))
    return out


def update_tag(eks: Client, reported: Json, key: str, value: str) -> None:
    eks.tag_resource(resourceArn=reported["arn"], tags={key: value})


def delete_tag(eks: Client, reported: Json, key: str) -> None:
    eks.untag_resource(resourceArn=reported["arn"], tagKeys=[key])


def delete_cluster(eks: Client, reported: Json) -> None:
    eks.delete_cluster(name=reported["name"])


RESOURCE_TYPES = [ResourceType("eks_clusters", "eks", get_clusters, transform_clusters)]

ACTIONS = {CLUSTER: KindActions("eks", update_tag, delete_tag, delete_cluster)}
