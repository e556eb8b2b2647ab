"""KMS keys."""
from __future__ import annotations

from typing import Callable, List, Optional

from collectors.aws.kind import Client, Json, Kind, by_property, tagging
from collectors.aws.resources.base import for_each, optional, paginate
from collectors.common.model import sorted_json

KEY = "aws_kms_key"
DELETION_WINDOW_DAYS = 7  # the shortest KMS allows; a key cannot be deleted at once

# details a key may not offer (AWS managed keys, asymmetric keys, key policies that exclude us), or a key
# deleted since it was listed
NOT_AVAILABLE = {"UnsupportedOperationException", "AccessDeniedException", "NotFoundException",
                 "KMSInvalidStateException"}


def _describe(kms: Client, listed: Json) -> Optional[Json]:
    return (optional(kms.describe_key, NOT_AVAILABLE, KeyId=listed["KeyId"]) or {}).get("KeyMetadata")


def _tags(kms: Client, key: Json) -> None:
    key["Tags"] = (optional(kms.list_resource_tags, NOT_AVAILABLE, KeyId=key["KeyId"]) or {}).get("Tags") or []


def _policy(kms: Client, key: Json) -> None:
    found = optional(kms.get_key_policy, NOT_AVAILABLE, KeyId=key["KeyId"], PolicyName="default") or {}
    key["KeyPolicy"] = found.get("Policy")


def _rotation(kms: Client, key: Json) -> None:
    # the reference asks only for enabled customer keys (AWS rotates its own)
    if key.get("KeyManager") == "CUSTOMER" and key.get("KeyState") == "Enabled":
        found = optional(kms.get_key_rotation_status, NOT_AVAILABLE, KeyId=key["KeyId"]) or {}
        key["KeyRotationEnabled"] = found.get("KeyRotationEnabled")


DETAILS: List[Callable[[Client, Json], None]] = [_tags, _policy, _rotation]


def get_keys(kms: Client) -> List[Json]:
    """Keys (DescribeKey), then their tags, policy and rotation status; each detail sets its own key."""
    keys = [k for k in for_each(paginate(kms, "list_keys", "Keys"), lambda listed: _describe(kms, listed)) if k]
    for_each([(key, detail) for key in keys for detail in DETAILS], lambda job: job[1](kms, job[0]))
    return keys


def schedule_key_deletion(kms: Client, reported: Json) -> None:
    if reported.get("access_key_status") == "PendingDeletion":
        return  # already on its way: asking again fails
    kms.schedule_key_deletion(KeyId=reported["id"], PendingWindowInDays=DELETION_WINDOW_DAYS)


KINDS = [
    Kind(KEY, "kms", get_keys, id="KeyId", arn="Arn", prefix="kms_",
         props={"ctime": "CreationDate", "access_key_status": "KeyState",
                "kms_key_rotation_enabled": "KeyRotationEnabled",
                "kms_key_policy": lambda item: sorted_json(item["KeyPolicy"]) if item.get("KeyPolicy") else None},
         tags=tagging("Tags", "tag_resource", "untag_resource", by_property("KeyId", "id"), key="TagKey",
                      value_key="TagValue"),
         delete=schedule_key_deletion),
]
