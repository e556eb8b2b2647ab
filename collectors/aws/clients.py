"""One boto3 client per (account, region, service), made on first use and kept for the life of the
process (a child collects one account; the cleanup child reuses them node after node).

Retries are botocore's own (``standard`` or ``adaptive`` mode, ``retry_max_attempts``): there is no
second retry layer on top. Each ``Clients`` counts the retries its clients made (``RetryAttempts`` of
every response, read by an ``after-call`` handler) for ``progress.retried``.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Dict, Tuple

import boto3
from botocore.config import Config

from collectors.aws.config import AwsConfig

# boto3 sessions are not thread-safe while they build clients; the clients themselves are
_create_lock = threading.RLock()
_by_session: Dict[Tuple, "Clients"] = {}


def client_config(config: AwsConfig, pool_size: int = 10) -> Config:
    return Config(retries={"mode": config.retry_mode, "total_max_attempts": config.retry_max_attempts},
                  connect_timeout=config.connect_timeout, read_timeout=config.read_timeout,
                  max_pool_connections=max(10, pool_size), user_agent_extra="resotoworker")


def new_client(session: boto3.Session, service: str, region: str, config: AwsConfig, pool_size: int = 10) -> Any:
    with _create_lock:
        return session.client(service, region_name=region, config=client_config(config, pool_size))


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
