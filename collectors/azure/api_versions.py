"""API versions of resource types, as ``providers.get(namespace)`` lists them: looked up once per
(subscription, namespace) and process, then cached. ``*_by_id`` calls and provider collections need
the resource type's own version, not the SDK's."""
from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional, Tuple

from collectors.azure.listing import get_provider

Json = Dict[str, Any]

_lock = threading.Lock()
_providers: Dict[Tuple[str, str], Json] = {}


def newest_api_version(versions: List[str]) -> Optional[str]:
    """The newest stable version (``2023-03-01``), else the newest preview (pure)."""
    stable = [v for v in versions if "preview" not in v.lower()]
    pool = stable or list(versions)
    return max(pool) if pool else None


def api_version_from_provider(provider: Json, resource_type: str) -> Optional[str]:
    """The version for ``resource_type`` (``virtualMachines``, ``servers/databases``) in a provider
    document (pure; type names compare case-insensitively)."""
    for entry in provider.get("resourceTypes") or []:
        if str(entry.get("resourceType", "")).lower() == resource_type.lower():
            return newest_api_version(entry.get("apiVersions") or [])
    return None


def provider_document(resource_client: Any, subscription_id: str, namespace: str) -> Json:
    key = (subscription_id.lower(), namespace.lower())
    with _lock:
        found = _providers.get(key)
    if found is None:
        found = get_provider(resource_client, namespace)
        with _lock:
            _providers[key] = found
    return found


def api_version_for(resource_client: Any, subscription_id: str, namespace: str, resource_type: str) -> str:
    version = api_version_from_provider(provider_document(resource_client, subscription_id, namespace), resource_type)
    if version is None:
        raise LookupError(f"azure: provider {namespace} lists no API version for resource type {resource_type}")
    return version


def forget_api_versions() -> None:
    with _lock:
        _providers.clear()
