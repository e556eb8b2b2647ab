"""The credential handed to the Azure SDK clients.

``static_token`` (tests, private endpoints): a fixed bearer token. A service principal from
``tenant_id``/``client_id``/``client_secret``. Otherwise ``DefaultAzureCredential``. azure-identity is
imported only when one of the last two is used, so a static token needs nothing but azure-core.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Dict, Tuple

from azure.core.credentials import AccessToken

from collectors.azure.config import AzureConfig

STATIC_TOKEN_LIFETIME = 3600

_lock = threading.Lock()
_cache: Dict[Tuple, Any] = {}


class StaticTokenCredential:
    """A TokenCredential that always answers with the same token (whatever the scopes)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + STATIC_TOKEN_LIFETIME)

    def close(self) -> None:
        pass


def _identity_credential(config: AzureConfig) -> Any:
    import azure.identity  # only needed when no static token is configured

    kwargs: Dict[str, Any] = {}
    if config.authority_host:
        kwargs["authority"] = config.authority_host
    if config.client_id and config.client_secret and config.tenant_id:
        return azure.identity.ClientSecretCredential(config.tenant_id, config.client_id, config.client_secret,
                                                     **kwargs)
    return azure.identity.DefaultAzureCredential(**kwargs)


def credential_for(config: AzureConfig) -> Any:
    """One credential per distinct credential setting and process: azure-identity caches tokens in it."""
    key = (config.static_token, config.tenant_id, config.client_id, config.client_secret, config.authority_host)
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = StaticTokenCredential(config.static_token) if config.static_token else _identity_credential(config)
            _cache[key] = found
        return found


def forget_credentials() -> None:
    with _lock:
        _cache.clear()
