"""Kinesis data streams."""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.kind import Client, Json, Kind, by_property, call, tagging, uses
from collectors.aws.resources.base import for_each, optional

STREAM = "aws_kinesis_stream"
GONE = {"ResourceNotFoundException"}  # deleted since it was listed


def _description(kinesis: Client, name: str) -> Optional[Json]:
    """The stream with all its shards (DescribeStream pages them, 100 a page)."""
    found: Optional[Json] = None
    for page in kinesis.get_paginator("describe_stream").paginate(StreamName=name):
        description = page.get("StreamDescription") or {}
        if found is None:
            found = description
        else:
            found["Shards"] = (found.get("Shards") or []) + (description.get("Shards") or [])
    return found


def _tags(kinesis: Client, name: str) -> list:
    tags: list = []
    params = {"StreamName": name}
    while True:  # ListTagsForStream pages by the last key and has no paginator
        page = kinesis.list_tags_for_stream(**params)
        tags.extend(page.get("Tags") or [])
        if not page.get("HasMoreTags") or not tags:
            return tags
        params["ExclusiveStartTagKey"] = tags[-1]["Key"]


def _stream(kinesis: Client, name: str) -> Optional[Json]:
    stream = optional(_description, GONE, kinesis=kinesis, name=name)
    if stream:
        stream["Tags"] = optional(_tags, GONE, kinesis=kinesis, name=name) or []
    return stream


def get_streams(kinesis: Client) -> List[Json]:
    """Streams, each described and with its tags (two detail calls per stream)."""
    names = [n for page in kinesis.get_paginator("list_streams").paginate() for n in page.get("StreamNames") or []]
    return [stream for stream in for_each(names, lambda name: _stream(kinesis, name)) if stream]


KINDS = [
    # the reference has no better times than the creation
    Kind(STREAM, "kinesis", get_streams, id="StreamName", arn="StreamARN", prefix="kinesis_",
         props={"ctime": "StreamCreationTimestamp", "mtime": "StreamCreationTimestamp",
                "atime": "StreamCreationTimestamp", "kinesis_stream_mode_details": "StreamModeDetails.StreamMode"},
         edges=(uses("aws_kms_key", "KeyId"),),
         tags=tagging("Tags", "add_tags_to_stream", "remove_tags_from_stream", by_property("StreamName", "name"),
                      tags_as="map"),
         delete=call("delete_stream", StreamName="name")),
]
