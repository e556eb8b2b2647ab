"""SQS queues."""
from __future__ import annotations

from typing import List

from collectors.aws.model import prefixed
from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.shaped import Ref, Scope, Shaped, encrypted_with, tag_dict

QUEUE = "aws_sqs_queue"


def get_queues(sqs: Client) -> List[Json]:
    queues = []
    for url in paginate(sqs, "list_queues", "QueueUrls"):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags") or {}
        queues.append({"QueueUrl": url, "Attributes": attributes, "Tags": tags})
    return queues


def transform_queues(queues: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in queues:
        url, attributes = item["QueueUrl"], item.get("Attributes") or {}
        name = url.rstrip("/").rsplit("/", 1)[-1]
        arn = attributes.get("QueueArn") or scope.arn("sqs", name)
        out.node({
            **prefixed(attributes, QUEUE, "sqs_"),
            "kind": QUEUE, "id": name, "name": name, "tags": tag_dict(item.get("Tags")), "arn": arn,
            "ctime": attributes.get("CreatedTimestamp"), "mtime": attributes.get("LastModifiedTimestamp"),
            "sqs_queue_url": url, "sqs_managed_sse_enabled": attributes.get("SqsManagedSseEnabled"),
        })
        if attributes.get("KmsMasterKeyId"):
            encrypted_with(out, Ref(QUEUE, arn), attributes["KmsMasterKeyId"])
    return out


def update_tag(sqs: Client, reported: Json, key: str, value: str) -> None:
    sqs.tag_queue(QueueUrl=reported["sqs_queue_url"], Tags={key: value})


def delete_tag(sqs: Client, reported: Json, key: str) -> None:
    sqs.untag_queue(QueueUrl=reported["sqs_queue_url"], TagKeys=[key])


def delete_queue(sqs: Client, reported: Json) -> None:
    sqs.delete_queue(QueueUrl=reported["sqs_queue_url"])


RESOURCE_TYPES = [ResourceType("sqs_queues", "sqs", get_queues, transform_queues)]

ACTIONS = {QUEUE: KindActions("sqs", update_tag, delete_tag, delete_queue)}
