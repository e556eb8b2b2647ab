"""IAM users and their access keys, groups, roles, customer managed policies and instance profiles: global
kinds, fetched together once per account; the root user (and its access keys) from the credential report;
server certificates."""
from __future__ import annotations

import csv
import time
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from botocore.exceptions import ClientError

from collectors.aws.clients import error_code
from collectors.aws.kind import (GLOBAL, UNTAGGED, Client, Json, Kind, by_arn, by_property, call, holds,
                                 last_segment, points_at, seen_by, tagging, uses)
from collectors.aws.resources.base import Partial, for_each, optional, paginate
from collectors.common.model import parse_time, sorted_json

USER = "aws_iam_user"
GROUP = "aws_iam_group"
ROLE = "aws_iam_role"
POLICY = "aws_iam_policy"
INSTANCE_PROFILE = "aws_iam_instance_profile"
ACCESS_KEY = "aws_iam_access_key"
ROOT_USER = "aws_root_user"
SERVER_CERTIFICATE = "aws_iam_server_certificate"
ROOT_ROW = "<root_account>"  # the credential report's row of the account's root user

DETAIL_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
GONE = {"NoSuchEntity"}  # deleted between the list and the detail call
NOT_ALLOWED = {"AccessDenied", "AccessDeniedException"}
# AWS builds the credential report asynchronously; it is worth a short wait, not the collect's time
REPORT_POLLS = 5
REPORT_WAIT = 1.0
REPORT_PENDING = {"STARTED", "INPROGRESS"}
# what the credential report writes where it has no value
NO_VALUE = {"", "N/A", "not_supported", "no_information"}



# ---- fetch -----------------------------------------------------------------------------------------

def get_iam(iam: Client) -> Union[Json, Partial]:
    """Users, groups, roles and local policies (one paginated call) with what it leaves out: policy tags,
    instance profiles, each user's access keys (and when each was last used), virtual MFA devices, and
    the credential report's row of each user (asked for first: AWS builds it while the rest is listed)."""
    report_state = _report_state(iam)
    details: Dict[str, list] = {key: [] for key in DETAIL_LISTS}
    pages = iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["User", "Role", "Group", "LocalManagedPolicy"])
    for page in pages:
        for key in DETAIL_LISTS:
            details[key].extend(page.get(key) or [])
    for policy in details["Policies"]:
        policy["Tags"] = optional(lambda: paginate(iam, "list_policy_tags", "Tags", PolicyArn=policy["Arn"]),
                                  GONE) or []
    details["InstanceProfiles"] = paginate(iam, "list_instance_profiles", "InstanceProfiles")
    details["AccessKeys"] = [key for keys in for_each(details["UserDetailList"], lambda u: _access_keys(iam, u))
                             for key in keys]
    devices = _mfa_devices(iam)
    rows, missing = credential_report(iam, report_state)
    for user in details["UserDetailList"]:
        if devices.get(user.get("Arn")):
            user["VirtualMFADevices"] = devices[user["Arn"]]
        row = rows.get(user["UserName"])
        user["CredentialReport"] = row
        if row is None:
            user["CredentialReportMissing"] = missing or "the user is not in the report (newer than the report)"
        for position, key in enumerate(user["AccessKeys"]):
            key.update(CredentialReport=row, ReportPosition=position)
    details["RootUser"] = []
    if rows.get(ROOT_ROW):
        root = root_user(rows[ROOT_ROW], devices)
        details["RootUser"].append(root)
        details["AccessKeys"].extend(root["AccessKeys"])
    if missing:
        return Partial(details, [f"credential report left out ({missing}): users without password and MFA facts"])
    return details


def _access_keys(iam: Client, user: Json) -> List[Json]:
    """The user's keys (also kept in ``AccessKeys`` of the user), each with when it was last used."""
    keys = optional(lambda: paginate(iam, "list_access_keys", "AccessKeyMetadata", UserName=user["UserName"]),
                    GONE) or []
    for key in keys:
        used = optional(iam.get_access_key_last_used, GONE, AccessKeyId=key["AccessKeyId"]) or {}
        key["LastUsed"] = used.get("AccessKeyLastUsed")
    user["AccessKeys"] = keys
    return keys


def _mfa_devices(iam: Client) -> Dict[str, List[Json]]:
    """Virtual MFA devices by the ARN of their user (none when the collecting role may not list them)."""
    devices = optional(lambda: paginate(iam, "list_virtual_mfa_devices", "VirtualMFADevices"), NOT_ALLOWED) or []
    by_user: Dict[str, List[Json]] = {}
    for device in devices:
        arn = (device.get("User") or {}).get("Arn")
        if arn:
            by_user.setdefault(arn, []).append(device)
    return by_user


def root_user(row: Dict[str, str], devices: Dict[str, List[Json]]) -> Json:
    """The root user's item, from its report row: with the report's two access key column groups as keys
    ``root_key_1`` and ``root_key_2`` (those active or ever used or rotated, as the reference keeps them)."""
    keys = []
    for position, columns in enumerate(_key_columns(row)):
        # the reference names root keys by their ids: no UserName (nor a console link made of it)
        key = {"AccessKeyId": f"root_key_{position + 1}", "RootKey": True,
               "Status": "Active" if columns["active"] == "true" else "Inactive", "CredentialReport": row,
               "ReportPosition": position}
        if key["Status"] == "Active" or _key_last_used(key) is not None:
            keys.append(key)
    found: Json = {"Arn": _known(row.get("arn")), "CredentialReport": row, "AccessKeys": keys}
    if devices.get(found["Arn"]):
        found["VirtualMFADevices"] = devices[found["Arn"]]
    return found


def get_server_certificates(iam: Client) -> List[Json]:
    return paginate(iam, "list_server_certificates", "ServerCertificateMetadataList")


def _report_state(iam: Client) -> str:
    """Asks for the credential report: its state, or the error code when it may not be made."""
    try:
        return str(iam.generate_credential_report().get("State"))
    except ClientError as e:
        return error_code(e)


def credential_report(iam: Client, state: str) -> Tuple[Dict[str, Dict[str, str]], Optional[str]]:
    """The report's rows by user name, and why there are none (not ready after a few polls, not allowed)."""
    polls = 0
    while state in REPORT_PENDING and polls < REPORT_POLLS:
        if polls:  # the first poll follows the listing, which took its time
            time.sleep(REPORT_WAIT)
        state = _report_state(iam)
        polls += 1
    if state != "COMPLETE":
        return {}, f"not ready after {polls} polls" if state in REPORT_PENDING else state
    try:
        content = iam.get_credential_report().get("Content") or b""
    except ClientError as e:
        return {}, error_code(e)
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
    return {row["user"]: row for row in csv.DictReader(text.splitlines()) if row.get("user")}, None


# ---- values ----------------------------------------------------------------------------------------

def _known(text: Any) -> Any:
    return None if text is None or text in NO_VALUE else text


def _report_flag(column: str) -> Callable[[Json], Optional[bool]]:
    # as the reference: a row says true or false, whatever else the column holds
    return lambda item: None if item.get("CredentialReport") is None else item["CredentialReport"].get(column) == "true"


def _report_time(column: str) -> Callable[[Json], Optional[str]]:
    return lambda item: parse_time((item.get("CredentialReport") or {}).get(column))


def _key_columns(row: Dict[str, str]) -> List[Dict[str, Optional[str]]]:
    """The report's two access key column groups (``access_key_1_…``, ``access_key_2_…``)."""
    return [{name: row.get(f"access_key_{i}_{name}") for name in ("active", "last_rotated", "last_used_date",
                                                                   "last_used_region", "last_used_service")}
            for i in (1, 2)]


def _report_key(item: Json) -> Dict[str, Optional[str]]:
    """The report columns of this key: those rotated when it was made, else the ones at its position in
    the user's list (the reference's rule)."""
    row = item.get("CredentialReport")
    if not row:
        return {}
    columns = _key_columns(row)
    created = parse_time(item.get("CreateDate"))
    same = [c for c in columns if created and parse_time(c["last_rotated"]) == created]
    position = item.get("ReportPosition") or 0
    return same[0] if same else columns[position] if position < len(columns) else {}


def _key_last_used(item: Json) -> Optional[Json]:
    """When and where the key was last used (the detail call, else the report) and when it was rotated."""
    used = item.get("LastUsed") or {}
    report = _report_key(item)
    found = {"LastUsedDate": parse_time(used.get("LastUsedDate")) or parse_time(report.get("last_used_date")),
             "ServiceName": _known(used.get("ServiceName")) or _known(report.get("last_used_service")),
             "Region": _known(used.get("Region")) or _known(report.get("last_used_region")),
             "LastRotated": parse_time(report.get("last_rotated"))}
    return {k: v for k, v in found.items() if v is not None} or None


def _root(_item: Json) -> str:
    """`root`, the reference's id and name of the root user"""
    return "root"


def _root_key_atime(item: Json) -> Optional[str]:
    """The root user's keys have their last use as access time (the reference's rule; IAM users' keys none)."""
    return (_key_last_used(item) or {}).get("LastUsedDate") if item.get("RootKey") else None


def _inline_policies(path: str) -> Callable[[Json], List[Json]]:
    return lambda item: [{"PolicyName": p.get("PolicyName"), "PolicyDocument": sorted_json(p.get("PolicyDocument"))}
                         for p in item.get(path) or []]


def _default_version(item: Json) -> Optional[Json]:
    for version in item.get("PolicyVersionList") or []:
        if version.get("VersionId") == item.get("DefaultVersionId"):
            return {**version, "Document": sorted_json(version.get("Document"))}
    return None


def _policy_id(item: Json) -> Optional[str]:
    """`PolicyId`, else the ARN's last segment.

    Some implementations (moto) leave id and name out of the details: the ARN ends with the name."""
    return item.get("PolicyId") or last_segment("Arn")(item)


def _policy_name(item: Json) -> Optional[str]:
    """`PolicyName`, else the ARN's last segment."""
    return item.get("PolicyName") or last_segment("Arn")(item)


# ---- deletion: IAM refuses to delete anything still attached, so detach first ----------------------

def _ignore_missing(operation: Callable[..., Any], **params: Any) -> None:
    optional(operation, GONE, **params)


def delete_user(iam: Client, reported: Json) -> None:
    user = reported["name"]
    for key in paginate(iam, "list_access_keys", "AccessKeyMetadata", UserName=user):
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    _ignore_missing(iam.delete_login_profile, UserName=user)
    for policy in paginate(iam, "list_attached_user_policies", "AttachedPolicies", UserName=user):
        iam.detach_user_policy(UserName=user, PolicyArn=policy["PolicyArn"])
    for name in paginate(iam, "list_user_policies", "PolicyNames", UserName=user):
        iam.delete_user_policy(UserName=user, PolicyName=name)
    for group in paginate(iam, "list_groups_for_user", "Groups", UserName=user):
        iam.remove_user_from_group(UserName=user, GroupName=group["GroupName"])
    for device in paginate(iam, "list_mfa_devices", "MFADevices", UserName=user):
        iam.deactivate_mfa_device(UserName=user, SerialNumber=device["SerialNumber"])
    iam.delete_user(UserName=user)


def delete_access_key(iam: Client, reported: Json) -> None:
    if str(reported.get("id", "")).startswith("root_key_"):
        # IAM calls cannot reach them (they would answer NoSuchEntity, which means "done" below)
        raise ValueError("the root user's access keys can be deleted only by the root user itself")
    # a cleanup deletes the user first (the delete edge key → user), and the user's keys with it
    _ignore_missing(iam.delete_access_key, UserName=reported["name"], AccessKeyId=reported["id"])


def delete_group(iam: Client, reported: Json) -> None:
    group = reported["name"]
    for user in paginate(iam, "get_group", "Users", GroupName=group):
        iam.remove_user_from_group(GroupName=group, UserName=user["UserName"])
    for policy in paginate(iam, "list_attached_group_policies", "AttachedPolicies", GroupName=group):
        iam.detach_group_policy(GroupName=group, PolicyArn=policy["PolicyArn"])
    for name in paginate(iam, "list_group_policies", "PolicyNames", GroupName=group):
        iam.delete_group_policy(GroupName=group, PolicyName=name)
    iam.delete_group(GroupName=group)


def delete_role(iam: Client, reported: Json) -> None:
    role = reported["name"]
    for profile in paginate(iam, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=role):
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=role)
    for policy in paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role):
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    for name in paginate(iam, "list_role_policies", "PolicyNames", RoleName=role):
        iam.delete_role_policy(RoleName=role, PolicyName=name)
    iam.delete_role(RoleName=role)


def delete_policy(iam: Client, reported: Json) -> None:
    arn = reported["arn"]
    for page in iam.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn):
        for group in page.get("PolicyGroups") or []:
            iam.detach_group_policy(GroupName=group["GroupName"], PolicyArn=arn)
        for user in page.get("PolicyUsers") or []:
            iam.detach_user_policy(UserName=user["UserName"], PolicyArn=arn)
        for role in page.get("PolicyRoles") or []:
            iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
    # a policy goes only without its other versions; the default one goes with it
    for version in paginate(iam, "list_policy_versions", "Versions", PolicyArn=arn):
        if not version.get("IsDefaultVersion"):
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    iam.delete_policy(PolicyArn=arn)


def delete_instance_profile(iam: Client, reported: Json) -> None:
    name = reported["name"]
    profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    for role in profile.get("Roles") or []:
        iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    iam.delete_instance_profile(InstanceProfileName=name)


ATTACHED = holds(POLICY, "AttachedManagedPolicies[].PolicyArn")

KINDS = [
    Kind(USER, "iam", get_iam, scope=GLOBAL, items="UserDetailList", id="UserId", name_of="UserName", arn="Arn",
         prefix="user_", keep_absent=frozenset({"user_virtual_mfa_devices"}),
         props={"ctime": "CreateDate", "user_policies": _inline_policies("UserPolicyList"),
                "password_enabled": _report_flag("password_enabled"), "mfa_active": _report_flag("mfa_active"),
                "password_last_used": _report_time("password_last_used"),
                "atime": _report_time("password_last_used"),
                "password_last_changed": _report_time("password_last_changed"),
                "password_next_rotation": _report_time("password_next_rotation")},
         # GroupList holds group names (the reference looks them up as ARNs and never finds them)
         edges=(ATTACHED, seen_by(GROUP, "GroupList[]", by="name"),
                uses(ACCESS_KEY, "AccessKeys[].AccessKeyId")),
         tags=tagging("Tags", "tag_user", "untag_user", by_property("UserName", "name")), delete=delete_user),
    Kind(ACCESS_KEY, "iam", get_iam, scope=GLOBAL, items="AccessKeys", id="AccessKeyId", name_of="UserName",
         prefix="access_key_", props={"ctime": "CreateDate", "access_key_last_used": _key_last_used,
                                      "atime": _root_key_atime},
         tags=UNTAGGED, delete=delete_access_key),
    # IAM groups cannot carry tags
    Kind(GROUP, "iam", get_iam, scope=GLOBAL, items="GroupDetailList", id="GroupId", name_of="GroupName", arn="Arn",
         props={"ctime": "CreateDate", "group_policies": _inline_policies("GroupPolicyList")},
         edges=(ATTACHED,), tags=UNTAGGED, delete=delete_group),
    Kind(ROLE, "iam", get_iam, scope=GLOBAL, items="RoleDetailList", id="RoleId", name_of="RoleName", arn="Arn",
         prefix="role_",
         props={"ctime": "CreateDate", "role_policies": _inline_policies("RolePolicyList"),
                "role_assume_role_policy_document": lambda item: sorted_json(item.get("AssumeRolePolicyDocument"))},
         # the reference looks the profiles up among EC2's instance profile values and never finds them
         edges=(ATTACHED, holds(INSTANCE_PROFILE, "InstanceProfileList[].Arn")),
         tags=tagging("Tags", "tag_role", "untag_role", by_property("RoleName", "name")), delete=delete_role),
    Kind(POLICY, "iam", get_iam, scope=GLOBAL, items="Policies", id=_policy_id, name_of=_policy_name, arn="Arn",
         prefix="policy_", props={"ctime": "CreateDate", "mtime": "UpdateDate", "policy_document": _default_version},
         tags=tagging("Tags", "tag_policy", "untag_policy", by_arn("PolicyArn")), delete=delete_policy),
    Kind(INSTANCE_PROFILE, "iam", get_iam, scope=GLOBAL, items="InstanceProfiles", id="InstanceProfileId",
         name_of="InstanceProfileName", arn="Arn", prefix="instance_profile_", props={"ctime": "CreateDate"},
         tags=tagging("Tags", "tag_instance_profile", "untag_instance_profile",
                      by_property("InstanceProfileName", "name")),
         delete=delete_instance_profile),
    # moto's credential report has no root row: the tests give one as IAM sends it
    Kind(ROOT_USER, "iam", get_iam, scope=GLOBAL, items="RootUser", id=_root, name_of=_root,
         arn="Arn", derive=False, keep_absent=frozenset({"user_virtual_mfa_devices"}),
         props={"ctime": _report_time("user_creation_time"), "password_enabled": _report_flag("password_enabled"),
                "mfa_active": _report_flag("mfa_active"), "password_last_used": _report_time("password_last_used"),
                "password_last_changed": _report_time("password_last_changed"),
                "password_next_rotation": _report_time("password_next_rotation"),
                "user_virtual_mfa_devices": "VirtualMFADevices"},
         edges=(points_at(ACCESS_KEY, "AccessKeys[].AccessKeyId"),), tags=UNTAGGED, moto=False),
    # ListServerCertificates carries no tags (nor does the reference's node), though the tag calls work;
    # moto lists certificates but has no tag calls: those are tested with recorded answers
    Kind(SERVER_CERTIFICATE, "iam", get_server_certificates, scope=GLOBAL, id="ServerCertificateId",
         name_of="ServerCertificateName", arn="Arn", keep_absent=frozenset({"dns_names"}),
         props={"ctime": "UploadDate", "expires": "Expiration"},
         tags=tagging("Tags", "tag_server_certificate", "untag_server_certificate",
                      by_property("ServerCertificateName", "name")),
         delete=call("delete_server_certificate", ServerCertificateName="name")),
]
