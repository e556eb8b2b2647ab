"""DynamoDB tables."""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.kind import Client, Json, Kind, by_arn, call, tagging, uses
from collectors.aws.resources.base import for_each, optional, paginate

TABLE = "aws_dynamodb_table"
KMS_KEY = "aws_kms_key"
GONE = {"ResourceNotFoundException"}  # deleted since it was listed


def _tags(ddb: Client, arn: str) -> list:
    tags: list = []
    params = {"ResourceArn": arn}
    while True:  # ListTagsOfResource pages by NextToken and has no paginator
        page = ddb.list_tags_of_resource(**params)
        tags.extend(page.get("Tags") or [])
        if not page.get("NextToken"):
            return tags
        params["NextToken"] = page["NextToken"]


def _table(ddb: Client, name: str) -> Optional[Json]:
    table = (optional(ddb.describe_table, GONE, TableName=name) or {}).get("Table")
    if table:
        table["Tags"] = _tags(ddb, table["TableArn"])
    return table


def get_tables(ddb: Client) -> List[Json]:
    names = paginate(ddb, "list_tables", "TableNames")
    return [table for table in for_each(names, lambda name: _table(ddb, name)) if table]


def _keys(item: Json) -> List[str]:
    found = [r.get("KMSMasterKeyId") for r in item.get("Replicas") or []]
    found.append((item.get("SSEDescription") or {}).get("KMSMasterKeyArn"))
    return sorted({key for key in found if key})


def table_id(item: Json) -> Optional[str]:
    """`TableId`, else `TableName`"""
    # the reference's id is TableId; without one (moto sends none) the name, unique in a region, stands in
    return item.get("TableId") or item.get("TableName")


KINDS = [
    Kind(TABLE, "dynamodb", get_tables, id=table_id, name_of="TableName", arn="TableArn", prefix="dynamodb_",
         props={"ctime": "CreationDateTime"},
         # the reference also points at a Kinesis stream by LatestStreamArn, a DynamoDB stream's ARN that no
         # Kinesis stream has
         edges=(uses(KMS_KEY, _keys),),
         tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceArn")),
         delete=call("delete_table", TableName="name")),
]
