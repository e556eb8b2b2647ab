"""The ``aws`` config section: its keys, defaults, descriptions (the JSON schema the worker registers) and
a typed view of it.

Every key the reference worker stored is still declared, with its name, type and default, because the
core validates stored configs against the declared model and rejects undeclared keys: a config written
for the reference keeps working. Keys that no longer steer anything here say so in their description.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from collectors.common import config as section
from collectors.common.config import NULLABLE_STRINGS, STRINGS, nullable as _nullable, option as _option

RETRY_MODES = ["standard", "adaptive"]
COMPAT = " Accepted for compatibility with stored configs; "


@dataclass(frozen=True)
class AwsConfig:
    # ---- credentials and accounts -------------------------------------------------------------
    access_key_id: Optional[str] = _option(
        None, "AWS Access Key ID (null to load from env - recommended)", _nullable("string"))
    secret_access_key: Optional[str] = _option(
        None, "AWS Secret Access Key (null to load from env - recommended)", _nullable("string"))
    profiles: Optional[List[str]] = _option(
        None, "List of AWS profiles to collect (null: the default credential chain)", NULLABLE_STRINGS)
    account: Optional[List[str]] = _option(
        None, "List of AWS Account ID(s) to collect (null for all if scrape_org is true). Accounts other than the "
              "caller's own are reached by assuming `role` in them.", NULLABLE_STRINGS)
    role: Optional[str] = _option(None, "IAM role name to assume in every collected account", _nullable("string"))
    role_external_id: Optional[str] = _option(
        None, "External id to pass when assuming `role` (null: none)", _nullable("string"))
    role_session_name: str = _option(
        "resoto", "Session name used when assuming roles (shows up in CloudTrail)", {"type": "string"})
    role_duration_seconds: int = _option(
        3600, "Lifetime of assumed-role credentials in seconds. They are cached per account and refreshed "
              "shortly before they expire.", {"type": "integer", "minimum": 900, "maximum": 43200})
    role_override: bool = _option(
        False, "Override any stored role names (e.g. from remote graphs)." + COMPAT + "the configured role is "
               "always used.", {"type": "boolean"})
    assume_current: bool = _option(
        False, "Assume given role in current account", {"type": "boolean"})
    do_not_scrape_current: bool = _option(
        False, "Do not scrape current account", {"type": "boolean"})
    scrape_org: bool = _option(False, "Scrape the entire AWS organization", {"type": "boolean"})
    scrape_org_role_arn: Optional[str] = _option(
        None, "Role ARN to assume when listing AWS org accounts. If set to null Resoto will use the default "
              "credentials it was started with to call organizations:ListAccounts", _nullable("string"))
    scrape_exclude_account: List[str] = _option(
        [], "List of accounts to exclude when scraping the org (or from `account`)", STRINGS)
    prefer_account_alias_as_name: bool = _option(
        True, "Prefer the account alias as the account name instead of the organization's name for it.",
        {"type": "boolean"})
    prefer_profile_as_account_name: bool = _option(
        False, "Prefer the profile name as the account name, if a profile was used.", {"type": "boolean"})
    # ---- what to collect ----------------------------------------------------------------------
    region: Optional[List[str]] = _option(
        None, "List of AWS Regions to collect (null for all enabled regions)", NULLABLE_STRINGS)
    collect: List[str] = _option(
        [], "List of AWS services to collect (default: all).\nYou can use GLOB patterns like ? and * to match "
            "multiple services.", STRINGS)
    no_collect: List[str] = _option(
        [], "List of AWS services to exclude (default: none).\nYou can use GLOB patterns like ? and * to match "
            "multiple services.", STRINGS)
    discard_account_on_resource_error: bool = _option(
        False, "Fail the whole account if collecting a resource fails. If false, the error is reported and the "
               "resource is skipped.", {"type": "boolean"})
    # ---- concurrency and retries --------------------------------------------------------------
    resource_pool_size: int = _option(
        64, "Number of threads per account collecting regions and services in parallel.",
        {"type": "integer", "minimum": 1})
    resource_pool_tasks_per_service_default: int = _option(
        20, "Number of collector threads to run in parallel per service and region.\nNote that the total number "
            "of collector threads is limited by resource_pool_size.", {"type": "integer", "minimum": 1})
    resource_pool_tasks_per_service: Dict[str, int] = _option(
        {"sagemaker": 6, "elb": 6}, "Define the number of collector threads allowed for an individual service.\n"
        "If the service is not defined here, the default value is used.\nExample: {\"ec2\": 10, \"rds\": 5}",
        {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}})
    retry_mode: str = _option(
        "standard", "botocore retry mode for every AWS call: standard or adaptive (adds client-side rate "
                    "limiting after throttling). There is no other retry layer.", {"type": "string",
                                                                                 "enum": RETRY_MODES})
    retry_max_attempts: int = _option(
        10, "Attempts per AWS call, the first one included (throttling and transient errors are retried with "
            "exponential backoff).", {"type": "integer", "minimum": 1})
    connect_timeout: int = _option(10, "Seconds to wait for a connection to an AWS endpoint.",
                                   {"type": "integer", "minimum": 1})
    read_timeout: int = _option(60, "Seconds to wait for an AWS response.", {"type": "integer", "minimum": 1})
    command_read_only: bool = _option(
        False, "The aws work-queue command (`search ... | aws <service> <operation> ...`) runs only operations "
               "that read: describe, list and get ones.", {"type": "boolean"})
    # ---- kept for stored configs ----------------------------------------------------------------
    fork_process: bool = _option(
        True, "Fork collector process instead of using threads." + COMPAT + "the worker always runs one "
              "process per account.", {"type": "boolean"})
    account_pool_size: int = _option(
        max(2, os.cpu_count() or 2), "Number of accounts to scrape in parallel." + COMPAT + "resotoworker.pool_size "
        "decides.", {"type": "integer", "minimum": 1})
    cloudwatch_metrics_for_atime_mtime_period: str = _option(
        "60d", "How far back to look in CloudWatch for the last read and write of volumes and databases that are "
               "not in use (their atime and mtime); without any, the later of their creation and the start of "
               "this period. A duration such as 60d or 12h.", {"type": "string", "pattern": r"^\s*(\d+\s*[smhdw]\s*)+$"})
    cloudwatch_metrics_for_atime_mtime_granularity: str = _option(
        "1h", "Granularity of atime and mtime (CloudWatch period). Finer costs more datapoints per query.",
        {"type": "string", "pattern": r"^\s*(\d+\s*[smhdw]\s*)+$"})
    collect_usage_metrics: bool = _option(
        True, "Collect usage figures (CPU, network, disk, requests: the usage section of a node) and atime/mtime "
              "from CloudWatch, with one batched GetMetricData per region and kind.", {"type": "boolean"})

    @classmethod
    def from_section(cls, values: Optional[Dict[str, Any]]) -> "AwsConfig":
        """The config from the worker's ``aws`` section; missing or null keys take their default
        (null stays null where null means something)."""
        return section.from_section(cls, values)

    def tasks_per_service(self, service: str) -> int:
        return int((self.resource_pool_tasks_per_service or {}).get(service,
                                                                     self.resource_pool_tasks_per_service_default))


def config_schema() -> Dict[str, Any]:
    """JSON schema (draft 2020-12) of the ``aws`` section, every property with default and description."""
    return section.config_schema(AwsConfig, "aws", "Amazon Web Services collector")


def default_section() -> Dict[str, Any]:
    return section.default_section(AwsConfig)
