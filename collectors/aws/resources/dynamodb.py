"""DynamoDB tables."""
from __future__ import annotations

from typing import List

from collectors.aws.model import prefixed
from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.shaped import Ref, Scope, Shaped, encrypted_with, pick, tag_dict

TABLE = "aws_dynamodb_table"


def _tags(ddb: Client, arn: str) -> list:
    tags: list = []
    params = {"ResourceArn": arn}
    while True:  # ListTagsOfResource pages by NextToken and has no paginator
        page = ddb.list_tags_of_resource(**params)
        tags.extend(page.get("Tags") or [])
        if not page.get("NextToken"):
            return tags
        params["NextToken"] = page["NextToken"]


def get_tables(ddb: Client) -> List[Json]:
    tables = []
    for name in paginate(ddb, "list_tables", "TableNames"):
        table = ddb.describe_table(TableName=name)["Table"]
        table["Tags"] = _tags(ddb, table["TableArn"])
        tables.append(table)
    return tables


def transform_tables(tables: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in tables:
        arn = item["TableArn"]
        out.node({**prefixed(item, TABLE, "dynamodb_"),
                  "kind": TABLE, "id": item.get("TableId") or item["TableName"], "name": item["TableName"],
                  "tags": tag_dict(item.get("Tags")), "ctime": item.get("CreationDateTime"), "arn": arn})
        key_arn = pick(item, "SSEDescription.KMSMasterKeyArn")
        if key_arn:
            encrypted_with(out, Ref(TABLE, arn), key_arn)
    return out


def update_tag(ddb: Client, reported: Json, key: str, value: str) -> None:
    ddb.tag_resource(ResourceArn=reported["arn"], Tags=[{"Key": key, "Value": value}])


def delete_tag(ddb: Client, reported: Json, key: str) -> None:
    ddb.untag_resource(ResourceArn=reported["arn"], TagKeys=[key])


def delete_table(ddb: Client, reported: Json) -> None:
    ddb.delete_table(TableName=reported["name"])


RESOURCE_TYPES = [ResourceType("dynamodb_tables", "dynamodb", get_tables, transform_tables)]

ACTIONS = {TABLE: KindActions("dynamodb", update_tag, delete_tag, delete_table)}
