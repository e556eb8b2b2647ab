"""EC2 resources share one tagging API (CreateTags/DeleteTags on the resource id)."""
from __future__ import annotations

from typing import Any, Dict, Optional

from collectors.aws.resources.base import Client, Json
from collectors.aws.shaped import tag_dict


def ec2_resource_id(reported: Json) -> str:
    """The id EC2's tag calls take: elastic IPs are tagged by allocation id, not by address."""
    if reported.get("kind") == "aws_ec2_elastic_ip":
        return str(reported.get("ip_allocation_id") or reported["id"])
    return str(reported["id"])


def update_ec2_tag(client: Client, reported: Json, key: str, value: str) -> None:
    client.create_tags(Resources=[ec2_resource_id(reported)], Tags=[{"Key": key, "Value": value}])


def delete_ec2_tag(client: Client, reported: Json, key: str) -> None:
    client.delete_tags(Resources=[ec2_resource_id(reported)], Tags=[{"Key": key}])


def name_and_tags(item: Dict[str, Any], fallback: Optional[str] = None, tag_key: str = "Tags"):
    """The ``Name`` tag is the resource's name in the EC2 console; without one, its id."""
    tags = tag_dict(item.get(tag_key))
    return tags.get("Name") or fallback, tags
