"""Sessions that reach an account: the default credential chain or a named profile (the "base"), and
roles assumed from a base.

Assumed-role credentials are made once per (base, role ARN, external id) in a process and handed to
botocore as refreshable credentials: botocore renews them shortly before they expire (15 minutes
ahead, or a quarter of their lifetime for short ones), and every client of the account shares them.
Collecting an account thus costs one AssumeRole per credential lifetime, never one per API call.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import boto3
from botocore.credentials import CredentialProvider, RefreshableCredentials

from collectors.aws.clients import core_session, new_client
from collectors.aws.config import AwsConfig

DEFAULT_STS_REGION = "us-east-1"
ADVISORY_REFRESH_SECONDS = 15 * 60  # try to renew assumed-role credentials this long before they expire
MANDATORY_REFRESH_SECONDS = 10 * 60  # and block until renewed from this long before

_lock = threading.Lock()
_assume_lock = threading.Lock()
_base_sessions: Dict[Tuple[Optional[str], Optional[str]], boto3.Session] = {}
_assumed: Dict[Tuple, boto3.Session] = {}
_identities: Dict[int, "Identity"] = {}


@dataclass(frozen=True)
class Identity:
    account_id: str
    arn: str

    @property
    def partition(self) -> str:
        parts = self.arn.split(":")
        return parts[1] if len(parts) > 1 and parts[1] else "aws"


def home_region(config: AwsConfig) -> str:
    """The region for account-level calls (STS, Organizations, DescribeRegions)."""
    return (config.region or [DEFAULT_STS_REGION])[0]


def base_session(config: AwsConfig, profile: Optional[str] = None) -> boto3.Session:
    """The default chain (``profile`` None) or a profile; explicit access keys in the config win."""
    key = (profile, config.access_key_id)
    with _lock:
        session = _base_sessions.get(key)
        if session is None:
            session = boto3.Session(profile_name=profile, aws_access_key_id=config.access_key_id,
                                    aws_secret_access_key=config.secret_access_key if config.access_key_id else None,
                                    region_name=home_region(config), botocore_session=core_session())
            _base_sessions[key] = session
        return session


def identity(session: boto3.Session, config: AwsConfig) -> Identity:
    """Who the session's credentials belong to (asked once per session)."""
    with _lock:
        known = _identities.get(id(session))
    if known is not None:
        return known
    answer = new_client(session, "sts", home_region(config), config).get_caller_identity()
    found = Identity(account_id=str(answer["Account"]), arn=str(answer["Arn"]))
    with _lock:
        _identities[id(session)] = found
    return found


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


class _AssumedRoleProvider(CredentialProvider):
    """Hands one cached set of refreshable credentials to a botocore session."""

    METHOD = "assume-role"
    CANONICAL_NAME = "resotoworker-assume-role"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials


def assumed_session(base: boto3.Session, config: AwsConfig, arn: str,
                    external_id: Optional[str] = None) -> boto3.Session:
    """A session in the role ``arn``, assumed from ``base``; the same session (and credentials) for the
    same role for the life of the process."""
    key = (id(base), arn, external_id, config.role_session_name, config.role_duration_seconds)
    with _assume_lock:  # one AssumeRole per role, even when several threads ask at once
        cached = _assumed.get(key)
        if cached is None:
            cached = _assumed[key] = _new_assumed_session(base, config, arn, external_id)
        return cached


def _new_assumed_session(base: boto3.Session, config: AwsConfig, arn: str, external_id: Optional[str]):
    sts = new_client(base, "sts", home_region(config), config)

    def fetch() -> dict:
        params = {"RoleArn": arn, "RoleSessionName": config.role_session_name,
                  "DurationSeconds": config.role_duration_seconds}
        if external_id:
            params["ExternalId"] = external_id
        creds = sts.assume_role(**params)["Credentials"]
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()}

    # botocore's defaults (refresh from 15 minutes before expiry, must at 10) would mean a refresh on every
    # call for short-lived credentials: scale them to the lifetime
    lifetime = config.role_duration_seconds
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method=_AssumedRoleProvider.METHOD,
        advisory_timeout=min(ADVISORY_REFRESH_SECONDS, lifetime // 4),
        mandatory_timeout=min(MANDATORY_REFRESH_SECONDS, lifetime // 6))
    core = core_session()
    core.get_component("credential_provider").insert_before("env", _AssumedRoleProvider(credentials))
    return boto3.Session(botocore_session=core, region_name=home_region(config))


def forget_cached_credentials() -> None:
    """Drop every cached session and credential (tests; a config change of credentials)."""
    with _assume_lock, _lock:
        _base_sessions.clear()
        _assumed.clear()
        _identities.clear()
