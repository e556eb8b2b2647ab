"""CloudWatch Logs log groups and their metric filters."""
from __future__ import annotations

from typing import Callable, List, Optional

from collectors.aws.kind import UNTAGGED, Client, Json, Kind, Tagging, used_by, uses
from collectors.aws.resources.base import for_each, optional, paginate

LOG_GROUP = "aws_cloudwatch_log_group"
METRIC_FILTER = "aws_cloudwatch_metric_filter"
GONE = {"ResourceNotFoundException"}  # deleted since it was listed


def group_arn(arn: Optional[str]) -> Optional[str]:
    """The group's ARN as the tag calls want it: without the ``:*`` that DescribeLogGroups appends."""
    return arn[:-2] if arn and arn.endswith(":*") else arn or None


def get_log_groups(logs: Client) -> List[Json]:
    """Every log group with its tags (one detail call per group: DescribeLogGroups has none, so the reference
    shows none, though it changes them)."""
    groups = paginate(logs, "describe_log_groups", "logGroups")

    def tags(group: Json) -> None:
        arn = group.get("logGroupArn") or group_arn(group.get("arn"))
        group["Tags"] = (optional(logs.list_tags_for_resource, GONE, resourceArn=arn) or {}).get("tags") or {}
    for_each(groups, tags)
    return groups


def get_metric_filters(logs: Client) -> List[Json]:
    return paginate(logs, "describe_metric_filters", "metricFilters")


def millis(field: str) -> Callable[[Json], Optional[int]]:
    """A time in epoch milliseconds, in whole seconds as the reference keeps it."""
    def get(item: Json) -> Optional[int]:
        found = item.get(field)
        return found // 1000 if isinstance(found, int) and not isinstance(found, bool) else None
    return get


def update_group_tag(logs: Client, reported: Json, key: str, value: str) -> None:
    logs.tag_resource(resourceArn=group_arn(reported.get("arn")), tags={key: value})


def delete_group_tag(logs: Client, reported: Json, key: str) -> None:
    logs.untag_resource(resourceArn=group_arn(reported.get("arn")), tagKeys=[key])


def delete_metric_filter(logs: Client, reported: Json) -> None:
    """The node does not name its log group: found by the filter's name and pattern, which must be unique in the
    region (names are unique only per group). None found: gone with its group, which takes its filters along."""
    name = reported["name"]
    found = [f for f in paginate(logs, "describe_metric_filters", "metricFilters", filterNamePrefix=name)
             if f.get("filterName") == name and f.get("filterPattern", "") == (reported.get("filter_pattern") or "")]
    groups = sorted({f["logGroupName"] for f in found})
    if len(groups) > 1:
        raise ValueError(f"metric filter {name}: log groups {', '.join(groups)} all have such a filter")
    if groups:
        logs.delete_metric_filter(logGroupName=groups[0], filterName=name)


KINDS = [
    Kind(LOG_GROUP, "logs", get_log_groups, id="logGroupName", name_of="logGroupName", arn="arn", prefix="group_",
         props={"ctime": millis("creationTime")}, edges=(uses("aws_kms_key", "kmsKeyId"),),
         tags=Tagging(path="Tags", update=update_group_tag, delete=delete_group_tag),
         delete=lambda logs, reported: logs.delete_log_group(logGroupName=reported["name"])),
    # the reference also links a filter to the alarms on its metrics (found by namespace and metric name): the
    # kinds table cannot declare a link by the other end's properties yet
    Kind(METRIC_FILTER, "logs", get_metric_filters, id="filterName", name_of="filterName", prefix="filter_",
         props={"ctime": millis("creationTime"), "filter_transformations": "metricTransformations"},
         edges=(used_by(LOG_GROUP, "logGroupName"),), tags=UNTAGGED, delete=delete_metric_filter),
]
