"""The Azure collector: ``plugin`` is its pluggy plugin (entry point ``azure = collectors.azure:plugin``).

Every hook answers for ``cloud == "azure"`` only. See README.md for the config keys, the graph it draws and
how to point it at another endpoint.
"""
from __future__ import annotations

from collectors.azure import mutate
from collectors.azure.accounts import list_accounts
from collectors.azure.collect import collect_account
from collectors.azure.config import AzureConfig, config_schema
from collectors.azure.model import model_kinds
from collectors.azure.resources.base import SUBSCRIPTION
from collectors.common.plugin import CloudPlugin
from hookspecs import CollectorInfo

CLOUD = "azure"


def info() -> CollectorInfo:
    return CollectorInfo(cloud=CLOUD, config_schema=config_schema(), model=model_kinds(), account_kind=SUBSCRIPTION,
                         description="Microsoft Azure: subscriptions, locations, resource groups, the compute and "
                                     "network resource types of resoto-plugin-azure, their catalogs and quotas, and "
                                     "every other resource type (generic kind)")


plugin = CloudPlugin(CLOUD, info=info, config=AzureConfig.from_section, list_accounts=list_accounts,
                     collect_account=collect_account, update_tag=mutate.update_tag, delete_tag=mutate.delete_tag,
                     delete_resource=mutate.delete_resource)
