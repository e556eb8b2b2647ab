"""One boto3 client per (account, region, service), made on first use and kept for the life of the
process (a child collects one account; the cleanup child reuses them node after node).

Retries are botocore's own (``standard`` or ``adaptive`` mode, ``retry_max_attempts``): there is no
second retry layer on top. Each ``Clients`` counts the retries its clients made (``RetryAttempts`` of
every response, read by an ``after-call`` handler) for ``progress.retried``.
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any, Dict, List, Optional, Tuple

import boto3
import botocore.loaders
import botocore.exceptions
import botocore.session
from botocore.config import Config

from collectors.aws.config import AwsConfig

# boto3 sessions are not thread-safe while they build clients; the clients themselves are
_create_lock = threading.RLock()
_by_session: Dict[Tuple, "Clients"] = {}
_loader: Optional[botocore.loaders.Loader] = None
# what a client of any service reads besides its own service description
SHARED_DATA = ("endpoints", "partitions", "sdk-default-configuration", "_retry")
SERVICE_DATA = ("service-2", "endpoint-rule-set-1", "paginators-1")
DOCUMENTATION = {"documentation", "documentationUrl"}


class _ModelFiles(botocore.loaders.JSONFileLoader):
    """botocore's service descriptions read without their documentation texts (more than half of their
    memory; a daemon never shows a docstring), into plain dicts. A member named ``documentation`` is an
    object, never a string: only the texts go. Other data files (endpoint rules use their texts) as they are."""

    def _load_file(self, full_path: str, open_method: Any) -> Any:
        if not os.path.basename(full_path).startswith("service-2."):
            return super()._load_file(full_path, open_method)
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as f:
            return json.loads(f.read().decode("utf-8"), object_pairs_hook=_without_documentation)


def _without_documentation(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    # emptied, not removed: botocore reads some of them by key (client context parameters)
    return {k: "" if k in DOCUMENTATION and isinstance(v, str) else v for k, v in pairs}


def shared_loader() -> botocore.loaders.Loader:
    """The process's one botocore data loader: it caches every service description it parsed, so that
    sessions sharing it parse each only once (and forked children find them parsed)."""
    global _loader
    with _create_lock:
        if _loader is None:
            # as botocore's own: $AWS_DATA_PATH directories come first
            data_path = os.environ.get("AWS_DATA_PATH")
            extra = [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)] if data_path else []
            _loader = botocore.loaders.Loader(extra_search_paths=extra, file_loader=_ModelFiles())
        return _loader


def core_session() -> botocore.session.Session:
    """A new botocore session that uses the shared loader."""
    session = botocore.session.Session()
    session.register_component("data_loader", shared_loader())
    return session


def preload_service_models(services: List[str]) -> None:
    """Parse the descriptions of ``services`` now (in the fork server), so that every child shares them."""
    loader = shared_loader()
    for name in SHARED_DATA:
        loader.load_data(name)
    for service in sorted(set(services)):
        for type_name in SERVICE_DATA:
            try:
                loader.load_service_model(service, type_name)
            except botocore.exceptions.DataNotFoundError:
                pass  # not every service has paginators


def client_config(config: AwsConfig, pool_size: int = 10) -> Config:
    return Config(retries={"mode": config.retry_mode, "total_max_attempts": config.retry_max_attempts},
                  connect_timeout=config.connect_timeout, read_timeout=config.read_timeout,
                  max_pool_connections=max(10, pool_size), user_agent_extra="resotoworker")


def new_client(session: boto3.Session, service: str, region: str, config: AwsConfig, pool_size: int = 10) -> Any:
    with _create_lock:
        client = session.client(service, region_name=region, config=client_config(config, pool_size))
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if service == "s3control" and endpoint:
        _call_endpoint_as_is(client, endpoint)
    return client


def _call_endpoint_as_is(client: Any, endpoint: str) -> None:
    """botocore's endpoint rules put the account id in front of the s3control host even under an endpoint
    override (``123456789012.127.0.0.1:5000``), which a private endpoint (or moto) does not answer."""
    def strip_account(request: Any, **_: Any) -> None:
        path = request.url.split("://", 1)[-1].partition("/")[2]
        request.url = f"{endpoint.rstrip('/')}/{path}"
    client.meta.events.register("before-send.s3-control.*", strip_account, unique_id="resotoworker-s3control-host")


class RetryCounter:
    """Thread-safe count of the retries botocore made, read and reset with ``take``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def add(self, count: int) -> None:
        if count > 0:
            with self._lock:
                self._count += count

    def take(self) -> int:
        with self._lock:
            count, self._count = self._count, 0
            return count

    def after_call(self, parsed: Any = None, **_: Any) -> None:
        """botocore ``after-call`` handler: ``parsed`` is the answer of a call that succeeded."""
        try:
            self.add(int(parsed["ResponseMetadata"].get("RetryAttempts") or 0))
        except (TypeError, KeyError, AttributeError, ValueError):
            pass

    def watch(self, client: Any) -> Any:
        client.meta.events.register("after-call", self.after_call)
        return client


class Clients:
    """The clients of one account (one session)."""

    def __init__(self, session: boto3.Session, config: AwsConfig) -> None:
        self.session = session
        self._config = config
        self._clients: Dict[Tuple[str, str], Any] = {}
        self.retries = RetryCounter()

    def get(self, service: str, region: str) -> Any:
        key = (service, region)
        client = self._clients.get(key)
        if client is None:
            with _create_lock:
                client = self._clients.get(key)
                if client is None:
                    client = self.retries.watch(
                        new_client(self.session, service, region, self._config, self._config.resource_pool_size))
                    self._clients[key] = client
        return client


def clients_for(session: boto3.Session, config: AwsConfig) -> Clients:
    """The process-wide ``Clients`` of ``session`` for these client settings."""
    # the endpoint override is read when a client is made, so clients made under another one are not reused
    key = (id(session), config.retry_mode, config.retry_max_attempts, config.connect_timeout, config.read_timeout,
           config.resource_pool_size, os.environ.get("AWS_ENDPOINT_URL"))
    with _create_lock:
        found = _by_session.get(key)
        if found is None:
            found = _by_session[key] = Clients(session, config)
        return found


def forget_clients() -> None:
    with _create_lock:
        _by_session.clear()


def error_code(exc: BaseException) -> str:
    """The AWS error code of a failed call (``AccessDenied``, …), else the exception's class name."""
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or type(exc).__name__)
