"""EC2 resources share one tagging API (CreateTags/DeleteTags on the resource id)."""
from __future__ import annotations

from collectors.aws.kind import Client, Json, Tagging


def ec2_resource_id(reported: Json) -> str:
    """The id EC2's tag calls take: elastic IPs are tagged by allocation id, not by address."""
    if reported.get("kind") == "aws_ec2_elastic_ip":
        return str(reported.get("ip_allocation_id") or reported["id"])
    return str(reported["id"])


def update_ec2_tag(client: Client, reported: Json, key: str, value: str) -> None:
    client.create_tags(Resources=[ec2_resource_id(reported)], Tags=[{"Key": key, "Value": value}])


def delete_ec2_tag(client: Client, reported: Json, key: str) -> None:
    client.delete_tags(Resources=[ec2_resource_id(reported)], Tags=[{"Key": key}])


EC2_TAGS = Tagging("Tags", update=update_ec2_tag, delete=delete_ec2_tag)
NIC_TAGS = Tagging("TagSet", update=update_ec2_tag, delete=delete_ec2_tag)  # interfaces list theirs as TagSet
