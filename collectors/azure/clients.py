"""Azure SDK clients with the configured endpoint, CA bundle, timeouts and retry settings.

Retries are azure-core's ``RetryPolicy`` alone (it honours ``Retry-After`` on 429 and 503): no second
retry layer on top. Clients are made on first use and kept for the life of the process.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, Tuple

from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.core.exceptions import ARMErrorFormat
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from collectors.azure.config import AzureConfig
from collectors.azure.credentials import credential_for

_lock = threading.Lock()
_clients: Dict[Tuple, Any] = {}


def client_kwargs(config: AzureConfig) -> Dict[str, Any]:
    """Keyword arguments for every management client built from ``config``."""
    base_url = config.base_url.rstrip("/")
    kwargs: Dict[str, Any] = {
        "base_url": base_url,
        "credential_scopes": [base_url + "/.default"],
        "retry_total": config.retry_total,
        "retry_backoff_factor": config.retry_backoff_factor,
        "retry_backoff_max": config.retry_backoff_max,
        "connection_timeout": config.connection_timeout,
        "read_timeout": config.read_timeout,
        "polling_interval": config.polling_interval,
    }
    if config.ca_bundle:
        kwargs["connection_verify"] = config.ca_bundle
    return kwargs


def _cached(key: Tuple, make) -> Any:
    with _lock:
        found = _clients.get(key)
        if found is None:
            found = _clients[key] = make()
        return found


def _settings_key(config: AzureConfig) -> Tuple:
    kwargs = client_kwargs(config)
    kwargs["credential_scopes"] = tuple(kwargs["credential_scopes"])
    return (id(credential_for(config)),) + tuple(sorted(kwargs.items()))


def subscription_client(config: AzureConfig) -> SubscriptionClient:
    return _cached(("subscriptions",) + _settings_key(config),
                   lambda: SubscriptionClient(credential_for(config), **client_kwargs(config)))


def resource_client(config: AzureConfig, subscription_id: str) -> ResourceManagementClient:
    return _cached(("resources", subscription_id) + _settings_key(config),
                   lambda: ResourceManagementClient(credential_for(config), subscription_id, **client_kwargs(config)))


def send(client: Any, method: str, url: str) -> Any:
    """Send one raw request through ``client``'s pipeline (same auth, retries, CA) and return the
    response; raises ``HttpResponseError`` for an error status."""
    sender = getattr(client, "send_request", None) or getattr(client, "_send_request")
    response = sender(HttpRequest(method, url))
    if response.status_code >= 400:
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)
    return response


def forget_clients() -> None:
    with _lock:
        _clients.clear()
