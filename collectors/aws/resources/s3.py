"""S3 buckets: listed once per account, hung under the global region as the reference does."""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional

from botocore.exceptions import ClientError

from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, error_code
from collectors.aws.shaped import Scope, Shaped, tag_dict

BUCKET = "aws_s3_bucket"
DELETE_BATCH = 1000  # DeleteObjects takes at most 1000 keys

# a bucket without the setting answers with one of these: not a failure, just "not configured"
NOT_CONFIGURED = {
    "NoSuchTagSet", "NoSuchBucketPolicy", "NoSuchPublicAccessBlockConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError", "NoSuchBucket",
}


def _optional(call: Callable[..., Json], **params: Any) -> Optional[Json]:
    try:
        return call(**params)
    except ClientError as e:
        if error_code(e) in NOT_CONFIGURED:
            return None
        raise


def get_buckets(s3: Client) -> List[Json]:
    """Every bucket with its tags, encryption, versioning, ACL, policy, public access block and logging."""
    buckets = s3.list_buckets().get("Buckets", [])  # no MaxBuckets: moto truncates without a token
    for bucket in buckets:
        name = bucket["Name"]
        bucket["Tagging"] = _optional(s3.get_bucket_tagging, Bucket=name)
        bucket["Encryption"] = _optional(s3.get_bucket_encryption, Bucket=name)
        bucket["Versioning"] = _optional(s3.get_bucket_versioning, Bucket=name)
        bucket["Acl"] = _optional(s3.get_bucket_acl, Bucket=name)
        bucket["Policy"] = _optional(s3.get_bucket_policy, Bucket=name)
        bucket["PublicAccessBlock"] = _optional(s3.get_public_access_block, Bucket=name)
        bucket["Logging"] = _optional(s3.get_bucket_logging, Bucket=name)
    return buckets


def _policy(raw: Optional[Json]) -> Optional[dict]:
    text = (raw or {}).get("Policy")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def transform_buckets(buckets: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in buckets:
        name = item["Name"]
        versioning = item.get("Versioning") or {}
        encryption = ((item.get("Encryption") or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
        acl = item.get("Acl") or {}
        out.node({
            "kind": BUCKET, "id": name, "name": name, "ctime": item.get("CreationDate"),
            "tags": tag_dict((item.get("Tagging") or {}).get("TagSet")),
            "arn": f"arn:{scope.partition}:s3:::{name}",
            "bucket_encryption_rules": [{**(r.get("ApplyServerSideEncryptionByDefault") or {}),
                                         "BucketKeyEnabled": r.get("BucketKeyEnabled")} for r in encryption],
            "bucket_policy": _policy(item.get("Policy")),
            "bucket_versioning": versioning.get("Status") == "Enabled",
            "bucket_mfa_delete": versioning.get("MFADelete") == "Enabled",
            "bucket_public_access_block_configuration":
                (item.get("PublicAccessBlock") or {}).get("PublicAccessBlockConfiguration"),
            "bucket_acl": {"Owner": acl.get("Owner"), "Grants": acl.get("Grants")} if acl else None,
            "bucket_logging": (item.get("Logging") or {}).get("LoggingEnabled"),
        })
    return out


def _tags(s3: Client, bucket: str) -> Dict[str, str]:
    return tag_dict((_optional(s3.get_bucket_tagging, Bucket=bucket) or {}).get("TagSet"))


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


RESOURCE_TYPES = [ResourceType("s3_buckets", "s3", get_buckets, transform_buckets, is_global=True)]

ACTIONS = {BUCKET: KindActions("s3", update_tag, delete_tag, delete_bucket, is_global=True)}
