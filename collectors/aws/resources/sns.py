"""SNS topics."""
from __future__ import annotations

from typing import List

from collectors.aws.model import prefixed
from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.shaped import Ref, Scope, Shaped, encrypted_with, tag_dict

TOPIC = "aws_sns_topic"


def get_topics(sns: Client) -> List[Json]:
    topics = []
    for topic in paginate(sns, "list_topics", "Topics"):
        arn = topic["TopicArn"]
        topics.append({"TopicArn": arn,
                       "Attributes": sns.get_topic_attributes(TopicArn=arn).get("Attributes", {}),
                       "Tags": sns.list_tags_for_resource(ResourceArn=arn).get("Tags") or []})
    return topics


def transform_topics(topics: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in topics:
        arn, attributes = item["TopicArn"], item.get("Attributes") or {}
        # the id is the ARN, as in the reference; the name is the topic's, not its (often empty) display name
        out.node({**prefixed(attributes, TOPIC, "topic_"),
                  "kind": TOPIC, "id": arn, "name": arn.rsplit(":", 1)[-1], "tags": tag_dict(item.get("Tags")),
                  "arn": arn})
        if attributes.get("KmsMasterKeyId"):
            encrypted_with(out, Ref(TOPIC, arn), attributes["KmsMasterKeyId"])
    return out


def update_tag(sns: Client, reported: Json, key: str, value: str) -> None:
    sns.tag_resource(ResourceArn=reported["arn"], Tags=[{"Key": key, "Value": value}])


def delete_tag(sns: Client, reported: Json, key: str) -> None:
    sns.untag_resource(ResourceArn=reported["arn"], TagKeys=[key])


def delete_topic(sns: Client, reported: Json) -> None:
    sns.delete_topic(TopicArn=reported["arn"])


RESOURCE_TYPES = [ResourceType("sns_topics", "sns", get_topics, transform_topics)]

ACTIONS = {TOPIC: KindActions("sns", update_tag, delete_tag, delete_topic)}
