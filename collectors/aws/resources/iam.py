"""IAM users, groups, roles, customer managed policies and instance profiles (global: one set per account)."""
from __future__ import annotations

from typing import Dict

from botocore.exceptions import ClientError

from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, error_code, paginate
from collectors.aws.shaped import Ref, Scope, Shaped, tag_dict

USER = "aws_iam_user"
GROUP = "aws_iam_group"
ROLE = "aws_iam_role"
POLICY = "aws_iam_policy"
INSTANCE_PROFILE = "aws_iam_instance_profile"
DETAIL_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def get_iam(iam: Client) -> Json:
    """Users, groups, roles and local policies in one paginated call, plus instance profiles and the tags
    the authorization details leave out."""
    details: Dict[str, list] = {key: [] for key in DETAIL_LISTS}
    pages = iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["User", "Role", "Group", "LocalManagedPolicy"])
    for page in pages:
        for key in DETAIL_LISTS:
            details[key].extend(page.get(key) or [])
    for policy in details["Policies"]:
        policy["Tags"] = iam.list_policy_tags(PolicyArn=policy["Arn"]).get("Tags", [])
    details["InstanceProfiles"] = paginate(iam, "list_instance_profiles", "InstanceProfiles")
    return details


def _attached(out: Shaped, holder: Ref, item: Json) -> None:
    for policy in item.get("AttachedManagedPolicies") or []:
        out.link_both(holder, Ref(POLICY, policy["PolicyArn"]))


def transform_iam(raw: Json, scope: Scope) -> Shaped:
    out = Shaped()
    group_arns = {g["GroupName"]: g["Arn"] for g in raw.get("GroupDetailList", [])}
    for item in raw.get("UserDetailList", []):
        me = Ref(USER, item["Arn"])
        out.node({"kind": USER, "id": item["UserId"], "name": item["UserName"], "ctime": item.get("CreateDate"),
                  "tags": tag_dict(item.get("Tags")), "arn": item["Arn"], "path": item.get("Path"),
                  "user_policies": item.get("UserPolicyList"),
                  "user_permissions_boundary": item.get("PermissionsBoundary")})
        _attached(out, me, item)
        for group in item.get("GroupList") or []:
            if group in group_arns:
                out.link(Ref(GROUP, group_arns[group]), me)
    for item in raw.get("GroupDetailList", []):
        out.node({"kind": GROUP, "id": item["GroupId"], "name": item["GroupName"], "ctime": item.get("CreateDate"),
                  "arn": item["Arn"], "path": item.get("Path"), "group_policies": item.get("GroupPolicyList")})
        _attached(out, Ref(GROUP, item["Arn"]), item)
    for item in raw.get("RoleDetailList", []):
        me = Ref(ROLE, item["Arn"])
        last_used = item.get("RoleLastUsed") or {}
        out.node({"kind": ROLE, "id": item["RoleId"], "name": item["RoleName"], "ctime": item.get("CreateDate"),
                  "tags": tag_dict(item.get("Tags")), "arn": item["Arn"], "path": item.get("Path"),
                  "description": item.get("Description"),
                  "role_assume_role_policy_document": item.get("AssumeRolePolicyDocument"),
                  "role_max_session_duration": item.get("MaxSessionDuration"),
                  "role_permissions_boundary": item.get("PermissionsBoundary"),
                  "role_last_used": {"last_used": last_used.get("LastUsedDate"), "region": last_used.get("Region")}
                  if last_used else None,
                  "role_policies": item.get("RolePolicyList")})
        _attached(out, me, item)
        for profile in item.get("InstanceProfileList") or []:
            out.link_both(me, Ref(INSTANCE_PROFILE, profile["Arn"]))
    for item in raw.get("Policies", []):
        default = next((v for v in item.get("PolicyVersionList") or [] if v.get("IsDefaultVersion")), None)
        # some implementations (moto) leave name and id out of the details: the ARN ends with the name
        name = item.get("PolicyName") or item["Arn"].rsplit("/", 1)[-1]
        out.node({"kind": POLICY, "id": item.get("PolicyId") or name, "name": name, "ctime": item.get("CreateDate"),
                  "mtime": item.get("UpdateDate"), "tags": tag_dict(item.get("Tags")), "arn": item["Arn"],
                  "path": item.get("Path"), "policy_default_version_id": item.get("DefaultVersionId"),
                  "policy_attachment_count": item.get("AttachmentCount"),
                  "policy_permissions_boundary_usage_count": item.get("PermissionsBoundaryUsageCount"),
                  "policy_is_attachable": item.get("IsAttachable"), "policy_description": item.get("Description"),
                  "policy_document": default})
    for item in raw.get("InstanceProfiles", []):
        out.node({"kind": INSTANCE_PROFILE, "id": item["InstanceProfileId"], "name": item["InstanceProfileName"],
                  "ctime": item.get("CreateDate"), "tags": tag_dict(item.get("Tags")), "arn": item["Arn"],
                  "instance_profile_path": item.get("Path")})
    return out


# ---- tags ---------------------------------------------------------------------------------------

def _tag_args(reported: Json) -> Json:
    kind = reported["kind"]
    if kind == USER:
        return {"UserName": reported["name"]}
    if kind == ROLE:
        return {"RoleName": reported["name"]}
    if kind == POLICY:
        return {"PolicyArn": reported["arn"]}
    return {"InstanceProfileName": reported["name"]}


TAG_CALLS = {USER: ("tag_user", "untag_user"), ROLE: ("tag_role", "untag_role"),
             POLICY: ("tag_policy", "untag_policy"),
             INSTANCE_PROFILE: ("tag_instance_profile", "untag_instance_profile")}


def update_tag(iam: Client, reported: Json, key: str, value: str) -> None:
    getattr(iam, TAG_CALLS[reported["kind"]][0])(**_tag_args(reported), Tags=[{"Key": key, "Value": value}])


def delete_tag(iam: Client, reported: Json, key: str) -> None:
    getattr(iam, TAG_CALLS[reported["kind"]][1])(**_tag_args(reported), TagKeys=[key])


# ---- deletion: IAM refuses to delete anything still attached, so detach first --------------------

def _ignore_missing(call, **params) -> None:
    try:
        call(**params)
    except ClientError as e:
        if error_code(e) != "NoSuchEntity":
            raise


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


def delete_group(iam: Client, reported: Json) -> None:
    group = reported["name"]
    for user in iam.get_group(GroupName=group).get("Users", []):
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
    entities = iam.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn)
    for page in entities:
        for group in page.get("PolicyGroups") or []:
            iam.detach_group_policy(GroupName=group["GroupName"], PolicyArn=arn)
        for user in page.get("PolicyUsers") or []:
            iam.detach_user_policy(UserName=user["UserName"], PolicyArn=arn)
        for role in page.get("PolicyRoles") or []:
            iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
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


RESOURCE_TYPES = [ResourceType("iam", "iam", get_iam, transform_iam, is_global=True)]

ACTIONS = {
    USER: KindActions("iam", update_tag, delete_tag, delete_user, is_global=True),
    GROUP: KindActions("iam", None, None, delete_group, is_global=True),  # IAM groups cannot carry tags
    ROLE: KindActions("iam", update_tag, delete_tag, delete_role, is_global=True),
    POLICY: KindActions("iam", update_tag, delete_tag, delete_policy, is_global=True),
    INSTANCE_PROFILE: KindActions("iam", update_tag, delete_tag, delete_instance_profile, is_global=True),
}
