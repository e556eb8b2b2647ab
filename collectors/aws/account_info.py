"""The account node: its name (alias, organization name or profile) and IAM/organization facts."""
from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional

from botocore.exceptions import BotoCoreError, ClientError

from collectors.aws.clients import error_code
from collectors.aws.config import AwsConfig
from collectors.aws.kind import value
from collectors.aws.model import ACCOUNT_KIND, model
from hookspecs import Account

log = logging.getLogger(__name__)
NOT_SET = {"NoSuchEntity", "AWSOrganizationsNotInUseException"}
# a collecting role often may not read these account-level facts; the account's resources matter more
NOT_ALLOWED = {"AccessDenied", "AccessDeniedException"}

SUMMARY_FIELDS = {
    "users": "Users",
    "groups": "Groups",
    "account_mfa_enabled": "AccountMFAEnabled",
    "account_access_keys_present": "AccountAccessKeysPresent",
    "account_signing_certificates_present": "AccountSigningCertificatesPresent",
    "mfa_devices": "MFADevices",
    "mfa_devices_in_use": "MFADevicesInUse",
    "policies": "Policies",
    "policy_versions_in_use": "PolicyVersionsInUse",
    "global_endpoint_token_version": "GlobalEndpointTokenVersion",
    "server_certificates": "ServerCertificates",
}

PASSWORD_POLICY_FIELDS = {
    "minimum_password_length": "MinimumPasswordLength",
    "require_symbols": "RequireSymbols",
    "require_numbers": "RequireNumbers",
    "require_uppercase_characters": "RequireUppercaseCharacters",
    "require_lowercase_characters": "RequireLowercaseCharacters",
    "allow_users_to_change_password": "AllowUsersToChangePassword",
    "expire_passwords": "ExpirePasswords",
    "max_password_age": "MaxPasswordAge",
    "password_reuse_prevention": "PasswordReusePrevention",
    "hard_expiry": "HardExpiry",
}


# what the reference sends for an account without a password policy: no limits
NO_PASSWORD_POLICY = {"max_password_age": 0, "password_reuse_prevention": 0}
# and for a field a password policy leaves out (AWS omits MaxPasswordAge, PasswordReusePrevention and
# HardExpiry when they are not set): 0 for numbers, false for the rest
POLICY_WITHOUT = {prop: 0 if prop in ("minimum_password_length", "max_password_age", "password_reuse_prevention")
                  else False for prop in PASSWORD_POLICY_FIELDS}


def get_account_info(iam: Any, org: Any, report: Callable[[str, str, BaseException], None]) -> Dict[str, Any]:
    """Alias, IAM summary, password policy and organization, each optional: a failing call is reported
    (``report(service, what, error)``) and left out, the account is collected anyway."""
    info: Dict[str, Any] = {}
    calls = [
        ("iam", "aliases", lambda: iam.list_account_aliases().get("AccountAliases") or []),
        ("iam", "summary", lambda: iam.get_account_summary().get("SummaryMap") or {}),
        ("iam", "password_policy", lambda: iam.get_account_password_policy().get("PasswordPolicy") or {}),
        ("organizations", "organization", lambda: org.describe_organization().get("Organization") or {}),
    ]
    for service, what, call in calls:
        try:
            info[what] = call()
        except ClientError as e:
            code = error_code(e)
            if code in NOT_ALLOWED:
                log.info("account %s left out: %s", what, code)
            elif code not in NOT_SET:
                report(service, what, e)
        except BotoCoreError as e:
            report(service, what, e)
    return info


def account_name(config: AwsConfig, account: Account, aliases: List[str]) -> str:
    if config.prefer_profile_as_account_name and account.extra.get("profile"):
        return str(account.extra["profile"])
    if config.prefer_account_alias_as_name and aliases:
        return aliases[0]
    return account.name or account.id


def transform_account(info: Dict[str, Any], config: AwsConfig, account: Account) -> Dict[str, Any]:
    """The account node; the IAM summary counts are 0 and the two password limits 0 (none) when IAM does
    not say, and a password policy's missing fields 0 or false, as the reference sends them."""
    aliases = info.get("aliases") or []
    organization: Optional[dict] = info.get("organization")
    password_policy = info.get("password_policy")
    role_arn = account.extra.get("role_arn")
    return model().shape_reported({
        "kind": ACCOUNT_KIND, "id": account.id, "name": account_name(config, account, aliases), "tags": {},
        "account_alias": aliases[0] if aliases else "", "partition": account.extra.get("partition", "aws"),
        "role": role_arn.rsplit("/", 1)[-1] if role_arn else None, "profile": account.extra.get("profile"),
        "is_organization_member": bool(organization),
        "is_organization_master": bool(organization) and (organization or {}).get("MasterAccountId") == account.id,
        "organization_id": (organization or {}).get("Id"), "organization_arn": (organization or {}).get("Arn"),
        **_fields(info.get("summary"), SUMMARY_FIELDS, {prop: 0 for prop in SUMMARY_FIELDS}),
        **_fields(password_policy, PASSWORD_POLICY_FIELDS, POLICY_WITHOUT if password_policy else NO_PASSWORD_POLICY),
    })


def _fields(found: Optional[Dict[str, Any]], paths: Dict[str, str], defaults: Dict[str, Any]) -> Dict[str, Any]:
    out = {prop: value(found or {}, path) for prop, path in paths.items()}
    return {prop: defaults.get(prop) if v is None else v for prop, v in out.items()}
