"""Athena work groups and data catalogs."""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.kind import Client, Json, Kind, by_arn, call, points_at, tagging, uses
from collectors.aws.resources.base import for_each, optional, paginate

# moto answers this for a work group that never had tags; AWS for an ARN it does not know
NO_TAGS = {"InvalidRequestException"}
DEFAULT_CATALOG = "AwsDataCatalog"  # every account's Glue catalog: the reference leaves it out


def work_group_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:athena:{region}:{account}:workgroup/{name}"


def get_work_groups(athena: Client, account: Json) -> List[Json]:
    """Every work group with its configuration and tags (two detail calls per group; tags are asked by ARN,
    which names the account: ``account`` is the account node's ``reported``)."""
    names, token = [], None
    while True:  # no paginator for ListWorkGroups
        page = athena.list_work_groups(**({"NextToken": token} if token else {}))
        names += [g["Name"] for g in page.get("WorkGroups") or [] if g.get("Name")]
        token = page.get("NextToken")
        if not token:
            break

    def details(name: str) -> Json:
        group = athena.get_work_group(WorkGroup=name).get("WorkGroup") or {"Name": name}
        arn = work_group_arn(athena.meta.partition, athena.meta.region_name, account["id"], name)
        group["Tags"] = optional(paginate, NO_TAGS, client=athena, operation="list_tags_for_resource",
                                 result_key="Tags", ResourceARN=arn) or []
        return group
    return for_each(names, details)


def get_data_catalogs(athena: Client, account: Json) -> List[Json]:
    """Every data catalog but the account's default one, with its details and tags (two detail calls each;
    tags are asked by ARN, which names the account)."""
    names = [c["CatalogName"] for c in paginate(athena, "list_data_catalogs", "DataCatalogsSummary")
             if c.get("CatalogName") and c["CatalogName"] != DEFAULT_CATALOG]

    def details(name: str) -> Json:
        catalog = athena.get_data_catalog(Name=name).get("DataCatalog") or {"Name": name}
        arn = f"arn:{athena.meta.partition}:athena:{athena.meta.region_name}:{account['id']}:datacatalog/{name}"
        tags = optional(paginate, NO_TAGS, client=athena, operation="list_tags_for_resource", result_key="Tags",
                        ResourceARN=arn) or []
        return {**catalog, "Arn": arn, "Tags": tags}
    return for_each(names, details)


def bucket_of(location: Optional[str]) -> Optional[str]:
    """The bucket of an S3 location: ``s3://bucket/key``, ``https://s3.<region>.amazonaws.com/bucket/key``
    or ``https://bucket.s3.<region>.amazonaws.com/key``."""
    if not location:
        return None
    if location.lower().startswith("s3://"):
        return location[5:].split("/", 1)[0] or None
    if location.startswith("https://s3"):
        return location.split("amazonaws.com/", 1)[-1].split("/", 1)[0] or None
    if location.startswith("https://"):
        return location[8:].split(".", 1)[0] or None
    return location


KINDS = [
    Kind("aws_athena_work_group", "athena", get_work_groups, id="Name", name_of="Name", prefix="workgroup_",
         props={"ctime": "CreationTime"},
         edges=(uses("aws_kms_key", "Configuration.ResultConfiguration.EncryptionConfiguration.KmsKey"),
                points_at("aws_s3_bucket",
                          lambda item: bucket_of(((item.get("Configuration") or {}).get("ResultConfiguration")
                                                  or {}).get("OutputLocation")))),
         tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceARN")),
         delete=call("delete_work_group", WorkGroup="name", RecursiveDeleteOption=lambda _: True)),
    # moto cannot delete data catalogs: the tests use a recorded answer
    Kind("aws_athena_data_catalog", "athena", get_data_catalogs, id="Name", name_of="Name", arn="Arn",
         prefix="datacatalog_", tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceARN")),
         delete=call("delete_data_catalog", Name="name")),
]
