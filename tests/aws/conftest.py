"""Fixtures: one moto server for this test package (server mode, loopback), the fake organization built
on it, and helpers to collect an account into a real GraphBuilder.

The environment points boto3 (ours and the tests') at the server with AWS_ENDPOINT_URL and fake
credentials; the credential and client caches of the collector are emptied before every test, so a
test that puts a proxy in front of moto gets clients that go through it.
"""
from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest
from collector_harness import Collected, RecordingProgress  # noqa: F401 (used by tests)
from collector_harness import collect_into_file as collect_into

# moto reads this when it loads: without it, describe_snapshots lists ~1,300 public AMI snapshots
os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"

from collectors.aws.clients import forget_clients  # noqa: E402
from collectors.aws.credentials import forget_cached_credentials  # noqa: E402

from .faults import FaultProxy  # noqa: E402
from .recorded import Recorded  # noqa: E402
from .world import ORG_ROLE, REGIONS, World, build_world  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="package")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="package")
def estate_endpoint(moto_endpoint):
    """moto, with the recorded answers (``recorded/``) for the operations it does not serve: the AWS the
    tests collect, where every kind of the table answers."""
    with FaultProxy(moto_endpoint, recorded=Recorded(), recorded_first=False) as proxy:
        yield proxy.start()


@pytest.fixture(scope="package")
def aws_env(estate_endpoint, tmp_path_factory):
    """AWS variables for this package only (undone after its last test)."""
    home = tmp_path_factory.mktemp("aws-home")
    credentials = home / "credentials"
    # a named profile with the same fake keys: the profiles code path, against the same moto account
    credentials.write_text("[ops]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    (home / "config").write_text("[profile ops]\nregion = us-east-1\n")
    patch = pytest.MonkeyPatch()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        patch.delenv(name, raising=False)
    patch.setenv("AWS_ACCESS_KEY_ID", "testing")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    patch.setenv("AWS_ENDPOINT_URL", estate_endpoint)
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield estate_endpoint
    patch.undo()


@pytest.fixture(scope="package")
def world(aws_env) -> World:
    return build_world(aws_env)


@pytest.fixture(autouse=True)
def fresh_collector_caches():
    forget_cached_credentials()
    forget_clients()
    yield
    forget_cached_credentials()
    forget_clients()


def org_config(**overrides) -> dict:
    """The ``aws`` section the tests start from: the organization, both regions, a small pool."""
    section = {"scrape_org": True, "role": ORG_ROLE, "region": list(REGIONS), "resource_pool_size": 8,
               "retry_max_attempts": 10}
    section.update(overrides)
    return section


def collect_into_file(section: dict, account, path: Path, progress: RecordingProgress = None) -> Collected:
    """Run the aws ``resotoworker_collect_account`` hook into a GraphBuilder writing ``path``."""
    from collectors.aws import plugin

    return collect_into(plugin, "aws", section, account, path, progress)


def accounts_of(section: dict) -> dict:
    """account id → the account, as the plugin lists them for ``section``."""
    from collectors.aws import plugin

    return {a.id: a for a in plugin.resotoworker_list_accounts(cloud="aws", config=section)}


def route_to(monkeypatch, endpoint: str) -> None:
    """Later clients, STS's too, go to ``endpoint`` (a proxy, or moto itself): as in a fresh child."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    forget_cached_credentials()
    forget_clients()


def collect_account(account_id: str, path: Path, **section) -> Collected:
    """One account of the organization, collected afresh with ``org_config(**section)``."""
    config = org_config(**section)
    forget_cached_credentials()
    forget_clients()
    return collect_into_file(config, accounts_of(config)[account_id], path)


def collect_through_proxy(monkeypatch, aws_env, account_id: str, path: Path, recorded: Recorded, rewrite=None,
                          **section) -> Collected:
    """One account with every call through a fault proxy that answers ``recorded`` operations."""
    with FaultProxy(aws_env, recorded=recorded, rewrite=rewrite) as proxy:
        route_to(monkeypatch, proxy.start())
        return collect_account(account_id, path, **section)
