"""The Azure collector: ``plugin`` is its pluggy plugin (entry point ``azure = collectors.azure:plugin``).

Every hook answers for ``cloud == "azure"`` only. See README.md for the kinds collected, the config keys and
how to point it at another endpoint. Nothing here imports the Azure SDK: the hooks name their functions,
imported where they run (the supervisor never needs the SDK); the fork server preloads them for the children.
"""
from __future__ import annotations

import importlib

from collectors.azure.config import AzureConfig, config_schema
from collectors.azure.model import model_kinds
from collectors.azure.resources.base import SUBSCRIPTION
from collectors.common.plugin import CloudPlugin
from hookspecs import CollectorInfo

CLOUD = "azure"


def info() -> CollectorInfo:
    return CollectorInfo(cloud=CLOUD, config_schema=config_schema(), model=model_kinds(), account_kind=SUBSCRIPTION,
                         description="Microsoft Azure: every kind of the reference collector (compute, network, "
                                     "their catalogs and quotas; see the kinds table of collectors/azure/README.md), "
                                     "and every other resource type as a generic kind")


def preload() -> None:
    """In the fork server: the SDK, the collect and tag modules, the model, so that children share them."""
    for name in ("collectors.azure.collect", "collectors.azure.mutate"):
        importlib.import_module(name)
    from collectors.azure.model import model

    model()


plugin = CloudPlugin(CLOUD, info=info, config=AzureConfig.from_section,
                     list_accounts="collectors.azure.accounts:list_accounts",
                     collect_account="collectors.azure.collect:collect_account",
                     update_tag="collectors.azure.mutate:update_tag", delete_tag="collectors.azure.mutate:delete_tag",
                     delete_resource="collectors.azure.mutate:delete_resource", preload=preload)
