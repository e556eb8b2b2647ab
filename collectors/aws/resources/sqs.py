"""SQS queues."""
from __future__ import annotations

from typing import Any, List, Optional

from collectors.aws.kind import Client, Json, Kind, call, tagging, uses
from collectors.aws.resources.base import for_each, paginate
from collectors.common.model import json_text, sorted_json


def get_queues(sqs: Client) -> List[Json]:
    """Every queue's attributes, URL, name and tags (two detail calls per queue)."""
    def details(url: str) -> Json:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes") or {}
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags") or {}
        return {**attributes, "QueueUrl": url, "QueueName": url.rstrip("/").rsplit("/", 1)[-1], "Tags": tags}
    return for_each(paginate(sqs, "list_queues", "QueueUrls"), details)


def epoch_seconds(field: str):
    """A time the API sends as epoch seconds in text. Only whole seconds count, as in the reference: AWS
    sends those, moto sends fractions (``"1796114825.858653"``), which the reference drops."""
    def get(item: Json) -> Optional[int]:
        text = item.get(field)
        try:
            return int(text) if text is not None else None
        except (TypeError, ValueError):
            return None
    return get


def redrive_permission(item: Json) -> Any:
    policy = json_text(item.get("RedriveAllowPolicy"))
    return policy.get("redrivePermission") if isinstance(policy, dict) else None


KINDS = [
    Kind("aws_sqs_queue", "sqs", get_queues, id="QueueName", arn="QueueArn", prefix="sqs_",
         props={"ctime": epoch_seconds("CreatedTimestamp"), "mtime": epoch_seconds("LastModifiedTimestamp"),
                "sqs_policy": lambda item: sorted_json(item["Policy"]) if item.get("Policy") else None,
                "sqs_redrive_allow_policy": redrive_permission},
         edges=(uses("aws_kms_key", "KmsMasterKeyId"),),
         tags=tagging("Tags", "tag_queue", "untag_queue", lambda r: {"QueueUrl": r["sqs_queue_url"]}, tags_as="map"),
         delete=call("delete_queue", QueueUrl="sqs_queue_url")),
]
