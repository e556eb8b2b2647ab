"""KMS keys."""
from __future__ import annotations

from typing import Any, Callable, List, Optional

from botocore.exceptions import ClientError

from collectors.aws.model import prefixed
from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, error_code, paginate
from collectors.aws.shaped import Scope, Shaped, tag_dict

KEY = "aws_kms_key"
DELETION_WINDOW_DAYS = 7  # the shortest KMS allows; a key cannot be deleted at once

# details a key may not offer (AWS managed keys, asymmetric keys, key policies that exclude us)
NOT_AVAILABLE = {"UnsupportedOperationException", "AccessDeniedException", "NotFoundException",
                 "KMSInvalidStateException"}


def _optional(call: Callable[..., Json], **params: Any) -> Optional[Json]:
    try:
        return call(**params)
    except ClientError as e:
        if error_code(e) in NOT_AVAILABLE:
            return None
        raise


def get_keys(kms: Client) -> List[Json]:
    keys = []
    for listed in paginate(kms, "list_keys", "Keys"):
        key_id = listed["KeyId"]
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        tags = _optional(kms.list_resource_tags, KeyId=key_id) or {}
        policy = _optional(kms.get_key_policy, KeyId=key_id, PolicyName="default") or {}
        rotation = None
        if meta.get("KeyManager") == "CUSTOMER" and meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT":
            rotation = (_optional(kms.get_key_rotation_status, KeyId=key_id) or {}).get("KeyRotationEnabled")
        keys.append({**meta, "Tags": tags.get("Tags") or [], "KeyPolicy": policy.get("Policy"),
                     "KeyRotationEnabled": rotation})
    return keys


def transform_keys(keys: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in keys:
        out.node({**prefixed(item, KEY, "kms_"),
                  "kind": KEY, "id": item["KeyId"], "name": item["KeyId"], "ctime": item.get("CreationDate"),
                  "tags": tag_dict(item.get("Tags"), "TagKey", "TagValue"), "arn": item.get("Arn"),
                  "access_key_status": item.get("KeyState")})
    return out


def update_tag(kms: Client, reported: Json, key: str, value: str) -> None:
    kms.tag_resource(KeyId=reported["id"], Tags=[{"TagKey": key, "TagValue": value}])


def delete_tag(kms: Client, reported: Json, key: str) -> None:
    kms.untag_resource(KeyId=reported["id"], TagKeys=[key])


def schedule_key_deletion(kms: Client, reported: Json) -> None:
    kms.schedule_key_deletion(KeyId=reported["id"], PendingWindowInDays=DELETION_WINDOW_DAYS)


RESOURCE_TYPES = [ResourceType("kms_keys", "kms", get_keys, transform_keys)]

ACTIONS = {KEY: KindActions("kms", update_tag, delete_tag, schedule_key_deletion)}
