"""Azure SDK clients with the configured endpoint, CA bundle, timeouts and retry settings.

Retries are azure-core's ``RetryPolicy`` alone (it honours ``Retry-After`` on 429 and 503): no second
retry layer on top. Clients are made on first use and kept for the life of the process. Each client's
``CountingRetryPolicy`` counts the retries it made, for ``progress.retried``.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, List, Tuple

from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import RetryPolicy, SansIOHTTPPolicy
from azure.core.rest import HttpRequest
from azure.mgmt.core.exceptions import ARMErrorFormat
from azure.mgmt.core.policies import ARMAutoResourceProviderRegistrationPolicy
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
        # azure-core stops retrying an answer's status (429, 503, …) after 3 unless told: retry_total is the bound
        "retry_status": config.retry_total,
        "retry_backoff_factor": config.retry_backoff_factor,
        "retry_backoff_max": config.retry_backoff_max,
        "connection_timeout": config.connection_timeout,
        "read_timeout": config.read_timeout,
        "polling_interval": config.polling_interval,
    }
    if config.ca_bundle:
        kwargs["connection_verify"] = config.ca_bundle
    return kwargs


class CountingRetryPolicy(RetryPolicy):
    """azure-core's RetryPolicy, counting each retry it decides to make (thread-safe): ``throttled`` for
    429 and 503 answers, ``transient`` for other retried statuses and connection errors."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._count_lock = threading.Lock()
        self._counts: Dict[str, int] = {}

    def increment(self, settings: Dict[str, Any], response: Any = None, error: Any = None) -> bool:
        retrying = super().increment(settings, response=response, error=error)
        if retrying:
            status = getattr(getattr(response, "http_response", None), "status_code", None) if error is None else None
            reason = "throttled" if status in (429, 503) else "transient"
            with self._count_lock:
                self._counts[reason] = self._counts.get(reason, 0) + 1
        return retrying

    def take(self) -> Dict[str, int]:
        """The retries counted since the last ``take``, by reason."""
        with self._count_lock:
            counts, self._counts = self._counts, {}
            return counts


class CountingRequests(SansIOHTTPPolicy):
    """Counts the requests a client sends (every attempt, retries included), by method, thread-safe: a collect
    reports how many Resource Manager reads it took."""

    def __init__(self) -> None:
        self._count_lock = threading.Lock()
        self._counts: Dict[str, int] = {}

    def on_request(self, request: Any) -> None:
        method = request.http_request.method
        with self._count_lock:
            self._counts[method] = self._counts.get(method, 0) + 1

    def take(self) -> Dict[str, int]:
        with self._count_lock:
            counts, self._counts = self._counts, {}
            return counts


def _retry_policy(config: AzureConfig) -> CountingRetryPolicy:
    return CountingRetryPolicy(**client_kwargs(config))  # as the clients' own RetryPolicy(**kwargs)


def take_retries(*clients: Any) -> Dict[str, int]:
    """The retries ``clients`` made since the last call, by reason (clients made here only)."""
    total: Dict[str, int] = {}
    seen: List[int] = []
    for client in clients:
        policy = getattr(client, "_resotoworker_retry_policy", None)
        if policy is None or id(policy) in seen:
            continue
        seen.append(id(policy))
        for reason, count in policy.take().items():
            total[reason] = total.get(reason, 0) + count
    return total


def take_requests(client: Any) -> Dict[str, int]:
    """The requests ``client`` sent since the last call, by method (clients made here only)."""
    counter = getattr(client, "_resotoworker_requests", None)
    return counter.take() if counter is not None else {}


def _without_provider_registration(client: Any) -> Any:
    """On an answer ``MissingSubscriptionRegistration`` the SDK registers the resource provider for the
    subscription (a POST) and polls until it is registered, without end. A collector must neither change the
    subscription nor wait unbounded: that policy passes the answer on, and the collect reports it."""
    for policy in getattr(getattr(getattr(client, "_client", None), "_pipeline", None), "_impl_policies", []):
        if isinstance(policy, ARMAutoResourceProviderRegistrationPolicy):
            policy.send = lambda request, policy=policy: policy.next.send(request)  # type: ignore[method-assign,misc]
    return client


def _with_counting_retries(make_client, config: AzureConfig) -> Any:
    policy = _retry_policy(config)
    requests = CountingRequests()
    client = _without_provider_registration(make_client(policy, requests))
    client._resotoworker_retry_policy = policy
    client._resotoworker_requests = requests
    return client


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
    return _cached(("subscriptions",) + _settings_key(config), lambda: _with_counting_retries(
        lambda policy, requests: SubscriptionClient(credential_for(config), retry_policy=policy,
                                                    per_retry_policies=[requests], **client_kwargs(config)),
        config))


def resource_client(config: AzureConfig, subscription_id: str) -> ResourceManagementClient:
    return _cached(("resources", subscription_id) + _settings_key(config), lambda: _with_counting_retries(
        lambda policy, requests: ResourceManagementClient(credential_for(config), subscription_id, retry_policy=policy,
                                                          per_retry_policies=[requests], **client_kwargs(config)),
        config))


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
