"""The plugin as the worker loads it (pluggy checks the hook signatures), its config schema, the
credential choice and the retry settings."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from azure.core.exceptions import HttpResponseError

from collectors.azure import plugin
from collectors.azure.config import AzureConfig, config_schema, default_section
from collectors.azure.credentials import StaticTokenCredential, credential_for
from worker.plugins import Collectors, plugin_manager

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def test_the_worker_registers_the_plugin_and_routes_by_cloud(arm, section):
    collectors = Collectors(plugin_manager())  # found through its entry point
    assert "azure" in collectors.names
    info = collectors.infos["azure"]
    assert info.account_kind == "azure_subscription"
    assert {k["fqn"] for k in collectors.model(["azure"])} >= {"azure_subscription", "azure_virtual_machine",
                                                                "azure_disk", "azure_generic_resource"}
    accounts = collectors.hook.resotoworker_list_accounts(cloud="azure", config=section)
    assert len(accounts) == 3


def test_config_schema_has_defaults_and_descriptions_and_rejects_unknown_keys():
    schema = config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for name, prop in schema["properties"].items():
        assert "default" in prop and prop["description"], name
    jsonschema.validate(default_section(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"subscription": ["x"]}, schema)
    config = AzureConfig.from_section({"retry_total": 3, "subscriptions": None, "base_url": None})
    assert config.retry_total == 3 and config.subscriptions is None
    assert config.base_url == "https://management.azure.com"


def test_static_token_needs_no_azure_identity():
    code = ("import sys\n"
            "from collectors.azure.config import AzureConfig\n"
            "from collectors.azure.credentials import credential_for\n"
            "import collectors.azure\n"
            "token = credential_for(AzureConfig(static_token='t')).get_token('https://management.azure.com/.default')\n"
            "assert token.token == 't'\n"
            "assert 'azure.identity' not in sys.modules, 'azure.identity was imported'\n")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


def test_the_supervisor_never_imports_the_azure_sdk():
    code = ("import sys\n"
            "import collectors.azure\n"
            "collectors.azure.plugin.resotoworker_collector()\n"
            "assert not [m for m in sys.modules if m.startswith('azure')], 'the Azure SDK was imported'\n"
            "collectors.azure.plugin.resotoworker_preload()\n"
            "assert 'azure.mgmt.resource' in sys.modules and 'collectors.azure.collect' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


def test_credential_choice():
    assert isinstance(credential_for(AzureConfig(static_token="t")), StaticTokenCredential)
    principal = credential_for(AzureConfig(tenant_id="t", client_id="c", client_secret="s"))
    assert type(principal).__name__ == "ClientSecretCredential"
    assert credential_for(AzureConfig(tenant_id="t", client_id="c", client_secret="s")) is principal
    assert type(credential_for(AzureConfig())).__name__ == "DefaultAzureCredential"


def test_retries_are_azure_cores_alone_and_bounded_by_retry_total(arm, section):
    arm.throttle_every = 1  # every request answers 429
    with pytest.raises(HttpResponseError, match="TooManyRequests"):
        plugin.resotoworker_list_accounts(cloud="azure", config={**section, "retry_total": 2})
    assert len(arm.log) == 3  # the first try and two retries, no second retry layer
