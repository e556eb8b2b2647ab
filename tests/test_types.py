"""The contract between the worker and its collectors is checked, not only documented: mypy checks
``hookspecs/`` and ``collectors/`` (and that the worker's builder and progress are what the hookspecs
promise, tests/contract_types.py), and a plugin whose ``@hookimpl`` matches no spec stops the worker at
start instead of being silently never called."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from hookspecs import hookimpl
from worker.core.errors import FatalError
from worker.plugins import plugin_manager

ENV = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_")}

MISSPELLED = '''from hookspecs import hookimpl

@hookimpl
def resotoworker_colect_account(cloud, config, account, builder, progress, task):
    return True
'''


def test_hookspecs_and_collectors_type_check(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy"), "hookspecs",
                           "collectors", "tests/contract_types.py"], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


class Misspelled:
    @hookimpl
    def resotoworker_colect_account(self, cloud, config, account, builder, progress, task):
        return True


class ExtraArgument:
    @hookimpl
    def resotoworker_list_accounts(self, cloud, config, region):
        return []


@pytest.mark.parametrize("plugin", [Misspelled(), ExtraArgument()], ids=["unknown hook", "unknown argument"])
def test_a_hookimpl_that_matches_no_spec_is_refused_at_load(plugin):
    with pytest.raises(FatalError):
        plugin_manager((plugin,))


@pytest.mark.e2e
def test_the_cli_stops_at_start_on_a_collector_that_matches_no_spec(tmp_path):
    site = tmp_path / "site"
    dist = site / "misspelled_collector-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: misspelled-collector\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[resotoworker.collectors]\nmisspelled = misspelled_collector\n")
    (site / "misspelled_collector.py").write_text(MISSPELLED)
    done = subprocess.run([sys.executable, "-m", "worker", "collect", "--collector", "example", "-o",
                           str(tmp_path / "out.ndjson")], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**ENV, "PYTHONPATH": os.pathsep.join([str(site), ROOT])})
    assert done.returncode == 2, done.stderr
    assert "resotoworker_colect_account" in done.stderr
    assert not (tmp_path / "out.ndjson").exists()
