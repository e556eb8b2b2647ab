"""SNS topics."""
from __future__ import annotations

from typing import List

from collectors.aws.kind import Client, Json, Kind, by_arn, call, tagging, uses
from collectors.aws.resources.base import for_each, paginate
from collectors.common.model import sorted_json


def get_topics(sns: Client) -> List[Json]:
    """Every topic's attributes and tags (two detail calls per topic)."""
    def details(topic: Json) -> Json:
        arn = topic["TopicArn"]
        attributes = sns.get_topic_attributes(TopicArn=arn).get("Attributes") or {}
        tags = sns.list_tags_for_resource(ResourceArn=arn).get("Tags") or []
        return {**attributes, "TopicArn": arn, "Tags": tags}
    return for_each(paginate(sns, "list_topics", "Topics"), details)


KINDS = [
    # the name is the display name (often empty), as in the reference; the topic's own name ends the ARN
    Kind("aws_sns_topic", "sns", get_topics, id="TopicArn", name_of="DisplayName", arn="TopicArn", prefix="topic_",
         props={"topic_policy": lambda item: sorted_json(item["Policy"]) if item.get("Policy") else None},
         edges=(uses("aws_kms_key", "KmsMasterKeyId"),),
         tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceArn")),
         delete=call("delete_topic", TopicArn="arn")),
]
