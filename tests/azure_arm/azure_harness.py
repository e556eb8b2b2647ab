"""Helpers of the Azure tests: the config section for the local server, a recording progress sink, and
collecting one subscription into a real GraphBuilder (parsed back from its spool file)."""
from __future__ import annotations

from pathlib import Path

from azure_arm.arm_estate import TOKEN
from collector_harness import Collected
from collector_harness import collect_into_file as collect_into


def section_for(server, ca: str, **overrides) -> dict:
    """The ``azure`` section the tests start from: the local endpoint, its CA, the test token, no waits."""
    section = {"base_url": server.url, "ca_bundle": ca, "static_token": TOKEN, "polling_interval": 0,
               "retry_backoff_factor": 0.01, "retry_total": 10}
    section.update(overrides)
    return section

def use_state(server, state):
    """Serve ``state`` from now on (the server keeps running)."""
    server.state = server.app.state = state
    return state


def collect_into_file(section: dict, account, path: Path) -> Collected:
    """Run the azure ``resotoworker_collect_account`` hook into a GraphBuilder writing ``path``."""
    from collectors.azure import plugin

    return collect_into(plugin, "azure", section, account, path)
