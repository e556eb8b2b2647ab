"""Fixtures: one local Resource Manager over HTTPS for this directory (its CA from trustme), a fresh
estate per test, the ``azure`` config section pointing at it."""
from __future__ import annotations

import ssl

import pytest
import trustme

from collectors.azure.api_versions import forget_api_versions
from collectors.azure.clients import forget_clients
from collectors.azure.credentials import forget_credentials

from azure_arm.arm_estate import build_state
from azure_arm.azure_harness import section_for, use_state
from azure_arm.local_arm import ArmServer, ArmState

@pytest.fixture(scope="package")
def ca_bundle(tmp_path_factory) -> tuple:
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    path = tmp_path_factory.mktemp("azure-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path), context


@pytest.fixture(scope="package")
def arm_server(ca_bundle):
    server = ArmServer(build_state(), ca_bundle[1]).start()
    yield server
    server.stop()


@pytest.fixture
def arm(arm_server) -> ArmState:
    """A fresh estate on the server for this test."""
    return use_state(arm_server, build_state())


@pytest.fixture(autouse=True)
def fresh_collector_caches():
    forget_clients()
    forget_credentials()
    forget_api_versions()
    yield
    forget_clients()
    forget_credentials()
    forget_api_versions()


@pytest.fixture
def section(arm_server, ca_bundle, arm) -> dict:
    return section_for(arm_server, ca_bundle[0])
