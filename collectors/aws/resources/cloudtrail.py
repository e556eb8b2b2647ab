"""CloudTrail trails, each collected in its home region only."""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.kind import Client, Json, Kind, Tagging, call, points_at
from collectors.aws.resources.base import for_each, optional, paginate

TRAIL = "aws_cloud_trail"
NO_TAGS = {"CloudTrailARNInvalidException", "AccessDeniedException"}  # as the reference, tags are optional
NO_INSIGHTS = {"InsightNotEnabledException"}
TRAIL_GONE = {"TrailNotFoundException"}  # deleted since it was listed


def _without_empty(answer: Json) -> Json:
    # moto (and older trails) answer "" for times that never happened
    return {k: v for k, v in answer.items() if v != "" and k != "ResponseMetadata"}


def get_trails(cloudtrail: Client, account: Json) -> List[Json]:
    """The trails whose home is this region and account (ListTrails lists every trail that logs here), each
    with its status and tags, its event and insight selectors when it has custom ones (up to five detail calls
    per trail)."""
    region = cloudtrail.meta.region_name
    arns = [t["TrailARN"] for t in paginate(cloudtrail, "list_trails", "Trails")
            if t.get("HomeRegion") == region and f":{account['id']}:" in str(t.get("TrailARN"))]

    def details(arn: str) -> Optional[Json]:
        trail = (optional(cloudtrail.get_trail, TRAIL_GONE, Name=arn) or {}).get("Trail")
        if trail is None:
            return None
        trail["Status"] = _without_empty(cloudtrail.get_trail_status(Name=arn))
        tags = optional(cloudtrail.list_tags, NO_TAGS, ResourceIdList=[arn]) or {}
        trail["Tags"] = [t for found in tags.get("ResourceTagList") or [] for t in found.get("TagsList") or []]
        if trail.get("HasCustomEventSelectors"):
            selectors = cloudtrail.get_event_selectors(TrailName=arn)
            trail["EventSelectors"] = {k: selectors.get(k) or [] for k in ("EventSelectors", "AdvancedEventSelectors")}
        if trail.get("HasInsightSelectors"):
            insights = optional(cloudtrail.get_insight_selectors, NO_INSIGHTS, TrailName=arn) or {}
            trail["InsightSelectors"] = [s["InsightType"] for s in insights.get("InsightSelectors") or []
                                         if s.get("InsightType")]
        return trail
    return [t for t in for_each(arns, details) if t is not None]


def update_tag(cloudtrail: Client, reported: Json, key: str, value: str) -> None:
    cloudtrail.add_tags(ResourceId=reported["arn"], TagsList=[{"Key": key, "Value": value}])


def delete_tag(cloudtrail: Client, reported: Json, key: str) -> None:
    cloudtrail.remove_tags(ResourceId=reported["arn"], TagsList=[{"Key": key}])


KINDS = [
    # the reference also links a region to the trails that log there from another home: a link outside the
    # account's regions it cannot resolve here
    Kind(TRAIL, "cloudtrail", get_trails, id="Name", name_of="Name", arn="TrailARN", prefix="trail_",
         props={"ctime": "Status.StartLoggingTime", "mtime": "Status.LatestDeliveryTime",
                "trail_status": "Status",
                "trail_event_selectors": "EventSelectors", "trail_insight_selectors": "InsightSelectors"},
         edges=(points_at("aws_s3_bucket", "S3BucketName"), points_at("aws_sns_topic", "SnsTopicARN"),
                points_at("aws_kms_key", "KmsKeyId"),
                points_at("aws_cloudwatch_log_group", "CloudWatchLogsLogGroupArn"),
                points_at("aws_iam_role", "CloudWatchLogsRoleArn")),
         tags=Tagging(path="Tags", update=update_tag, delete=delete_tag),
         delete=call("delete_trail", Name="name")),  # in its home region, where the name is enough
]
