"""EFS file systems, their mount targets, and access points: one fetch per region."""
from __future__ import annotations

import math
import time
from typing import List, Optional, Tuple, Union

from botocore.exceptions import ClientError

from collectors.aws.clients import error_code
from collectors.aws.kind import UNTAGGED, Client, Json, Kind, by_property, inside, seen_by, tagging, used_by, uses
from collectors.aws.resources.base import Partial, for_each, optional, paginate
from collectors.common.model import sorted_json

FILE_SYSTEM = "aws_efs_file_system"
MOUNT_TARGET = "aws_efs_mount_target"
ACCESS_POINT = "aws_efs_access_point"
NETWORK_INTERFACE = "aws_ec2_network_interface"
KMS_KEY = "aws_kms_key"
GONE = {"FileSystemNotFound"}  # deleted since it was listed
NO_POLICY = {"PolicyNotFound"} | GONE
MOUNT_TARGETS_GONE_WAIT = (30, 2.0)  # polls, seconds apart: deleting a mount target takes AWS a while


def _policy(efs: Client, fs: Json) -> Tuple[Optional[str], Optional[str]]:
    """The policy document, and what went wrong reading it. The policy is a detail: whatever the error (moto
    answers 500 for a file system it no longer has), the file system keeps its node."""
    try:
        return efs.describe_file_system_policy(FileSystemId=fs["FileSystemId"]).get("Policy"), None
    except ClientError as e:
        code = error_code(e)
        return None, None if code in NO_POLICY else f"policy of {fs['FileSystemId']} left out: {code}"


def _mount_targets(efs: Client, fs: Json) -> List[Json]:
    return optional(paginate, GONE, client=efs, operation="describe_mount_targets", result_key="MountTargets",
                    FileSystemId=fs["FileSystemId"]) or []


def get_file_systems(efs: Client) -> Union[Json, Partial]:
    """File systems with their policy and mount targets (two detail calls per file system), and the region's
    access points (one list for all file systems)."""
    systems = paginate(efs, "describe_file_systems", "FileSystems")
    details = for_each(systems, lambda fs: (_policy(efs, fs), _mount_targets(efs, fs)))
    problems = []
    for fs, ((policy, problem), _) in zip(systems, details):
        fs["Policy"] = policy
        if problem:
            problems.append(problem)
    result = {"FileSystems": systems, "MountTargets": [t for _, targets in details for t in targets],
              "AccessPoints": paginate(efs, "describe_access_points", "AccessPoints")}
    return Partial(result, problems) if problems else result


def _size_gib(item: Json) -> Optional[int]:
    size = (item.get("SizeInBytes") or {}).get("Value")
    return math.ceil(size / 1024 ** 3) if isinstance(size, (int, float)) else None


def _throughput(item: Json) -> Optional[float]:
    mibps = item.get("ProvisionedThroughputInMibps")
    return mibps * 1024 ** 2 if isinstance(mibps, (int, float)) else None


def delete_file_system(efs: Client, reported: Json) -> None:
    """AWS deletes a file system only once it has no mount targets: those go first (the reference leaves
    that to the user, and its delete fails while they exist)."""
    targets = paginate(efs, "describe_mount_targets", "MountTargets", FileSystemId=reported["id"])
    for target in targets:
        efs.delete_mount_target(MountTargetId=target["MountTargetId"])
    polls, pause = MOUNT_TARGETS_GONE_WAIT
    for _ in range(polls if targets else 0):
        if not paginate(efs, "describe_mount_targets", "MountTargets", FileSystemId=reported["id"]):
            break
        time.sleep(pause)
    efs.delete_file_system(FileSystemId=reported["id"])


EFS_TAGS = tagging("Tags", "tag_resource", "untag_resource", by_property("ResourceId", "id"))

KINDS = [
    Kind(FILE_SYSTEM, "efs", get_file_systems, items="FileSystems", id="FileSystemId", name_of="Name",
         arn="FileSystemArn",
         props={"ctime": "CreationTime", "share_status": "LifeCycleState", "share_size": _size_gib,
                "share_type": lambda _: "",  # the reference's default
                "share_encrypted": "Encrypted", "share_throughput": _throughput,
                "file_system_policy": lambda item: sorted_json(item["Policy"]) if item.get("Policy") else None},
         edges=(uses(KMS_KEY, "KmsKeyId"),), tags=EFS_TAGS, delete=delete_file_system),
    # the reference neither tags nor deletes mount targets; they carry no tags
    Kind(MOUNT_TARGET, "efs", get_file_systems, items="MountTargets", id="MountTargetId",
         edges=(seen_by(FILE_SYSTEM, "FileSystemId"), used_by(NETWORK_INTERFACE, "NetworkInterfaceId")),
         tags=UNTAGGED),
    # the reference does not delete access points
    Kind(ACCESS_POINT, "efs", get_file_systems, items="AccessPoints", id="AccessPointId", name_of="Name",
         arn="AccessPointArn", edges=(inside(FILE_SYSTEM, "FileSystemId"),), tags=EFS_TAGS),
]
