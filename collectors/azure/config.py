"""The ``azure`` config section: keys, defaults, descriptions (the JSON schema the worker registers) and
a typed, read-only view of it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from collectors.common import config as section
from collectors.common.config import NULLABLE_STRING, NULLABLE_STRINGS, option as _option

PUBLIC_CLOUD_URL = "https://management.azure.com"


@dataclass(frozen=True)
class AzureConfig:
    # ---- credentials ---------------------------------------------------------------------------
    tenant_id: Optional[str] = _option(
        None, "Tenant (directory) id for a service principal. With client_id and client_secret set, that "
              "principal is used; otherwise DefaultAzureCredential (environment AZURE_TENANT_ID / AZURE_CLIENT_ID "
              "/ AZURE_CLIENT_SECRET, workload or managed identity, Azure CLI login, ...).", NULLABLE_STRING)
    client_id: Optional[str] = _option(None, "Client (application) id of the service principal.", NULLABLE_STRING)
    client_secret: Optional[str] = _option(None, "Client secret of the service principal (null: use the "
                                                 "environment - recommended).", NULLABLE_STRING)
    authority_host: Optional[str] = _option(
        None, "Microsoft Entra authority host for sovereign clouds, e.g. https://login.microsoftonline.us "
              "(null: the public cloud, or AZURE_AUTHORITY_HOST).", NULLABLE_STRING)
    static_token: Optional[str] = _option(
        None, "A fixed bearer token sent as is instead of asking azure-identity for one. Meant for tests and "
              "private endpoints that accept a pre-issued token; it is never refreshed.", NULLABLE_STRING)
    # ---- endpoint -----------------------------------------------------------------------------
    base_url: str = _option(
        PUBLIC_CLOUD_URL, "Resource Manager endpoint, e.g. https://management.usgovcloudapi.net for a sovereign "
                          "cloud. Tokens are requested for <base_url>/.default.", {"type": "string"})
    ca_bundle: Optional[str] = _option(
        None, "Path of a PEM CA bundle to verify the Resource Manager endpoint with (null: the system's / "
              "certifi's).", NULLABLE_STRING)
    # ---- what to collect ----------------------------------------------------------------------
    subscriptions: Optional[List[str]] = _option(
        None, "Subscription ids to collect (null: every subscription the credential can see).", NULLABLE_STRINGS)
    exclude_subscriptions: List[str] = _option(
        [], "Subscription ids never to collect.", {"type": "array", "items": {"type": "string"}})
    resources_filter: Optional[str] = _option(
        None, "OData $filter passed to the resource listing, e.g. \"resourceType eq 'Microsoft.Compute/disks'\": "
              "only the resources it returns are collected, without the catalogs and quotas (null: every "
              "resource).", NULLABLE_STRING)
    collect_usage_metrics: bool = _option(
        True, "Read usage figures of virtual machines and disks from Azure Monitor (one call per resource).",
        {"type": "boolean"})
    # ---- parallelism ----------------------------------------------------------------------------
    resource_pool_size: int = _option(
        16, "Lists (and metrics reads) running at once per subscription.", {"type": "integer", "minimum": 1})
    resource_pool_tasks_per_namespace: int = _option(
        8, "Of those, at most this many at once per resource provider namespace (Microsoft.Compute, "
           "Microsoft.Network, Microsoft.Insights, ...), which throttle on their own.",
        {"type": "integer", "minimum": 1})
    # ---- retries and waits (azure-core's RetryPolicy is the only retry layer) -----------------
    retry_total: int = _option(
        10, "Retries per Resource Manager call (throttling with Retry-After, 5xx, connection errors).",
        {"type": "integer", "minimum": 0})
    retry_backoff_factor: float = _option(
        0.8, "Exponential backoff factor in seconds between retries when no Retry-After is given.",
        {"type": "number", "minimum": 0})
    retry_backoff_max: int = _option(
        120, "Longest backoff between two retries in seconds.", {"type": "integer", "minimum": 0})
    connection_timeout: int = _option(10, "Seconds to wait for a connection.", {"type": "integer", "minimum": 1})
    read_timeout: int = _option(60, "Seconds to wait for a response.", {"type": "integer", "minimum": 1})
    polling_interval: float = _option(
        10, "Seconds between polls of a long-running operation (tag change, delete) when the service sends "
            "no Retry-After.", {"type": "number", "minimum": 0})
    operation_timeout: int = _option(
        900, "Seconds a long-running operation may take before it is reported as failed.",
        {"type": "integer", "minimum": 1})

    @classmethod
    def from_section(cls, values: Optional[Dict[str, Any]]) -> "AzureConfig":
        """The config from the worker's ``azure`` section; missing keys (and nulls where null means
        nothing) take their default."""
        return section.from_section(cls, values)


def config_schema() -> Dict[str, Any]:
    """JSON schema (draft 2020-12) of the ``azure`` section, every property with default and description."""
    return section.config_schema(AzureConfig, "azure", "Microsoft Azure collector")


def default_section() -> Dict[str, Any]:
    return section.default_section(AzureConfig)
