"""A collector for the logging tests, installed as a third party would ship one (an entry point; the test
writes its dist-info): one account whose collect logs at DEBUG, INFO and WARNING, logs an exception and
warns through ``warnings``, all in the child that runs the hook."""
import logging
import os
import warnings

from collectors.common.plugin import CloudPlugin
from hookspecs import Account, CollectorInfo

CLOUD = "logtest"
ACCOUNT_KIND = "logtest_account"
log = logging.getLogger("logtest.collector")

MODEL = [{"fqn": ACCOUNT_KIND, "bases": ["account"], "properties": [], "allow_unknown_props": False,
          "successor_kinds": None, "aggregate_root": True, "metadata": None}]

DIST_INFO = {"METADATA": "Metadata-Version: 2.1\nName: logtest-collector\nVersion: 1.0\n",
             "entry_points.txt": "[resotoworker.collectors]\nlogtest = log_collector:plugin\n"}


def install(directory):
    """Write the dist-info that makes ``directory`` (on PYTHONPATH, with this folder) provide the plugin."""
    dist = os.path.join(directory, "logtest_collector-1.0.dist-info")
    os.makedirs(dist, exist_ok=True)
    for name, text in DIST_INFO.items():
        with open(os.path.join(dist, name), "w") as f:
            f.write(text)


def list_accounts(config):
    return [Account(id="log-0001", name="Log Account")]


def collect_account(config, account, builder, progress):
    log.debug("debug from the child of %s", account.id)
    log.info("info from the child of %s", account.id)
    log.warning("warning from the child of %s", account.id)
    try:
        raise ValueError("a bad answer")
    except ValueError:
        log.exception("an exception in the child of %s", account.id)
    warnings.warn("a library's warning", UserWarning)
    builder.add_account({"kind": ACCOUNT_KIND, "id": account.id, "name": account.name})


plugin = CloudPlugin(CLOUD, info=lambda: CollectorInfo(cloud=CLOUD, config_schema={"type": "object", "properties": {}},
                                                        model=MODEL, account_kind=ACCOUNT_KIND),
                     config=lambda section: dict(section or {}), list_accounts=list_accounts,
                     collect_account=collect_account)
