"""S3 buckets (listed once per account, under the global region, as the reference does) and the account's
S3 settings (its public access block)."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from collectors.aws.kind import GLOBAL, UNTAGGED, Client, Json, Kind, Tagging, seen_by
from collectors.aws.resources.base import for_each, optional
from collectors.common.model import sorted_json
from collectors.common.tags import tag_dict

DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys

# per bucket: the item's field, the call, and the error codes that mean "not configured"
BUCKET_DETAILS = {
    "Tagging": ("get_bucket_tagging", {"NoSuchTagSet"}),
    "Encryption": ("get_bucket_encryption", {"ServerSideEncryptionConfigurationNotFoundError"}),
    "Versioning": ("get_bucket_versioning", set()),
    "Acl": ("get_bucket_acl", set()),
    "Policy": ("get_bucket_policy", {"NoSuchBucketPolicy"}),
    "PublicAccessBlock": ("get_public_access_block", {"NoSuchPublicAccessBlockConfiguration"}),
    "Logging": ("get_bucket_logging", set()),
}
GONE = {"NoSuchBucket"}  # deleted between the list and the detail call
NO_PUBLIC_ACCESS_BLOCK = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
                          "RestrictPublicBuckets": False}


def get_buckets(s3: Client) -> List[Json]:
    """Every bucket with its tags, encryption, versioning, ACL, policy, public access block and logging:
    seven detail calls per bucket, run a few at a time over all buckets."""
    buckets = s3.list_buckets().get("Buckets", [])  # no MaxBuckets: moto truncates without a token
    calls = [(bucket, field) for bucket in buckets for field in BUCKET_DETAILS]

    def detail(bucket_field: Tuple[Json, str]) -> Optional[Json]:
        bucket, field = bucket_field
        operation, codes = BUCKET_DETAILS[field]
        return optional(getattr(s3, operation), codes | GONE, Bucket=bucket["Name"])
    for (bucket, field), answer in zip(calls, for_each(calls, detail)):
        bucket[field] = answer
    return buckets


def get_account_settings(s3control: Client, account: Json) -> List[Json]:
    """The account's public access block (all off when none is set). The call names the account and the
    node is named like it (``account``: the account node's ``reported``)."""
    answer = optional(s3control.get_public_access_block, {"NoSuchPublicAccessBlockConfiguration"},
                      AccountId=account["id"])
    return [{"AccountId": account["id"], "Name": account.get("name") or account["id"],
             "PublicAccessBlockConfiguration": (answer or {}).get("PublicAccessBlockConfiguration")
             or NO_PUBLIC_ACCESS_BLOCK}]


def _policy(item: Json) -> Optional[dict]:
    text = (item.get("Policy") or {}).get("Policy")
    return sorted_json(text) if text else None


def _versioning(field: str):
    return lambda item: (item.get("Versioning") or {}).get(field) == "Enabled"


def _tags(s3: Client, bucket: str) -> Dict[str, str]:
    return tag_dict((optional(s3.get_bucket_tagging, {"NoSuchTagSet"}, Bucket=bucket) or {}).get("TagSet"))


def _put_tags(s3: Client, bucket: str, tags: Dict[str, str]) -> None:
    if tags:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    else:
        s3.delete_bucket_tagging(Bucket=bucket)


def update_tag(s3: Client, reported: Json, key: str, value: str) -> None:
    # S3 replaces the whole tag set: read, change, write
    tags = _tags(s3, reported["id"])
    tags[key] = value
    _put_tags(s3, reported["id"], tags)


def delete_tag(s3: Client, reported: Json, key: str) -> None:
    tags = _tags(s3, reported["id"])
    if tags.pop(key, None) is not None:
        _put_tags(s3, reported["id"], tags)


def delete_bucket(s3: Client, reported: Json) -> None:
    """A bucket must be empty to go: delete every object version and delete marker first."""
    bucket = reported["id"]
    batch: List[Json] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in (page.get("Versions") or []) + (page.get("DeleteMarkers") or []):
            batch.append({"Key": item["Key"], "VersionId": item["VersionId"]})
            if len(batch) == DELETE_BATCH:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                batch = []
    if batch:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


KINDS = [
    Kind("aws_s3_bucket", "s3", get_buckets, id="Name", scope=GLOBAL, derive=False,
         arn_template="arn:{partition}:s3:::{name}",  # the reference's own, not its template's
         props={"ctime": "CreationDate",
                "bucket_encryption_rules": "Encryption.ServerSideEncryptionConfiguration.Rules",
                "bucket_policy": _policy,
                "bucket_versioning": _versioning("Status"), "bucket_mfa_delete": _versioning("MFADelete"),
                "bucket_public_access_block_configuration": "PublicAccessBlock.PublicAccessBlockConfiguration",
                "bucket_acl": "Acl", "bucket_logging": "Logging.LoggingEnabled"},
         tags=Tagging(path="Tagging.TagSet", update=update_tag, delete=delete_tag), delete=delete_bucket),
    # one per account, named like the account: it describes the account rather than being a resource
    Kind("aws_s3_account_settings", "s3control", get_account_settings, id="AccountId", name_of="Name", scope=GLOBAL,
         props={"bucket_public_access_block_configuration": "PublicAccessBlockConfiguration"},
         edges=(seen_by("aws_account", "AccountId"),), tags=UNTAGGED),
]
