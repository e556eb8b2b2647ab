"""ElastiCache cache clusters and replication groups."""
from __future__ import annotations

from typing import List

from collectors.aws.kind import Client, Json, Kind, by_arn, call, inside, points_at, tagging, uses
from collectors.aws.resources.base import for_each, optional, paginate

CACHE_CLUSTER = "aws_elasticache_cache_cluster"
REPLICATION_GROUP = "aws_elasticache_replication_group"
# a resource deleted since it was listed, or one whose tags cannot be read in its current state
NO_TAGS = {"CacheClusterNotFound", "ReplicationGroupNotFoundFault", "InvalidReplicationGroupState", "InvalidARN"}


def _with_tags(elasticache: Client, items: List[Json]) -> List[Json]:
    """Each item with its tags: the describe calls send none (one detail call per item)."""
    def tagged(item: Json) -> Json:
        found = optional(elasticache.list_tags_for_resource, NO_TAGS, ResourceName=item["ARN"]) or {}
        return {**item, "Tags": found.get("TagList") or []}
    return for_each(items, tagged)


def get_cache_clusters(elasticache: Client) -> List[Json]:
    # as the reference: without ShowCacheNodeInfo, so without the nodes
    return _with_tags(elasticache, paginate(elasticache, "describe_cache_clusters", "CacheClusters"))


def get_replication_groups(elasticache: Client) -> List[Json]:
    return _with_tags(elasticache, paginate(elasticache, "describe_replication_groups", "ReplicationGroups"))


ELASTICACHE_TAGS = tagging("Tags", "add_tags_to_resource", "remove_tags_from_resource", by_arn("ResourceName"))

KINDS = [
    Kind(CACHE_CLUSTER, "elasticache", get_cache_clusters, id="CacheClusterId", arn="ARN", prefix="cluster_",
         props={"ctime": "CacheClusterCreateTime"},
         edges=(inside("aws_ec2_security_group", "SecurityGroups[].SecurityGroupId"),
                points_at("aws_sns_topic", "NotificationConfiguration.TopicArn")),
         tags=ELASTICACHE_TAGS, delete=call("delete_cache_cluster", CacheClusterId="id")),
    Kind(REPLICATION_GROUP, "elasticache", get_replication_groups, id="ReplicationGroupId", arn="ARN",
         prefix="replication_group_", props={"ctime": "ReplicationGroupCreateTime"},
         # member clusters by id: the reference looks them up by name, which is their id
         edges=(uses(CACHE_CLUSTER, "MemberClusters[]"), uses("aws_kms_key", "KmsKeyId")),
         tags=ELASTICACHE_TAGS,
         delete=call("delete_replication_group", ReplicationGroupId="id", RetainPrimaryCluster=lambda _: False)),
]
