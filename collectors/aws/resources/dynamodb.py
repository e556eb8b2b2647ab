"""DynamoDB tables, and global tables (version 2017.11.29; once per account, as the reference)."""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.kind import GLOBAL, Client, Json, Kind, by_arn, call, tagging, uses
from collectors.aws.resources.base import for_each, optional, paginate

TABLE = "aws_dynamodb_table"
GLOBAL_TABLE = "aws_dynamodb_global_table"
KMS_KEY = "aws_kms_key"
GONE = {"ResourceNotFoundException"}  # deleted since it was listed
GLOBAL_TABLE_GONE = {"GlobalTableNotFoundException"}
NO_GLOBAL_TABLE_TAGS = GONE | {"ValidationException"}  # AWS keeps the tags on the replicas' tables


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


def _global_table(ddb: Client, name: str) -> Optional[Json]:
    table = (optional(ddb.describe_global_table, GLOBAL_TABLE_GONE, GlobalTableName=name) or {}).get(
        "GlobalTableDescription")
    if table:
        table["Tags"] = optional(_tags, NO_GLOBAL_TABLE_TAGS, ddb=ddb, arn=table["GlobalTableArn"]) or []
    return table


def get_global_tables(ddb: Client) -> List[Json]:
    """Global tables, each described and with its tags (two detail calls per table)."""
    names: List[str] = []
    params: Json = {}
    while True:  # ListGlobalTables pages by the last name and has no paginator
        page = ddb.list_global_tables(**params)
        names += [t["GlobalTableName"] for t in page.get("GlobalTables") or [] if t.get("GlobalTableName")]
        if not page.get("LastEvaluatedGlobalTableName"):
            break
        params["ExclusiveStartGlobalTableName"] = page["LastEvaluatedGlobalTableName"]
    return [table for table in for_each(names, lambda name: _global_table(ddb, name)) if table]


def replica_keys(item: Json) -> List[str]:
    """The replicas' KMS keys as key ARNs: the table sits in the global region and its keys in the replicas'
    regions, where a bare key id would not be found."""
    arn = (item.get("GlobalTableArn") or "").split(":")
    found = set()
    for replica in item.get("ReplicationGroup") or []:
        key = replica.get("KMSMasterKeyId")
        if key and not key.startswith("arn:") and len(arn) > 4 and replica.get("RegionName"):
            key = f"arn:{arn[1]}:kms:{replica['RegionName']}:{arn[4]}:key/{key}"
        if key:
            found.add(key)
    return sorted(found)


# moto does not serve ListGlobalTables (it answers 500); the tests' estate answers it from tests/aws/recorded/.
# Deleting one deletes its replica table in the global region, as the reference does.
GLOBAL_TABLES = Kind(
    GLOBAL_TABLE, "dynamodb", get_global_tables, id="GlobalTableName", arn="GlobalTableArn", scope=GLOBAL,
    prefix="dynamodb_", props={"ctime": "CreationDateTime"}, edges=(uses(KMS_KEY, replica_keys),),
    tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceArn")),
    delete=call("delete_table", TableName="name"), moto=False)

KINDS = [
    Kind(TABLE, "dynamodb", get_tables, id=table_id, name_of="TableName", arn="TableArn", prefix="dynamodb_",
         props={"ctime": "CreationDateTime"},
         # the reference also points at a Kinesis stream by LatestStreamArn, a DynamoDB stream's ARN that no
         # Kinesis stream has
         edges=(uses(KMS_KEY, _keys),),
         tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceArn")),
         delete=call("delete_table", TableName="name")),
    GLOBAL_TABLES,
]

