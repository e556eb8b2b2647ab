"""The Azure collector: this module is the pluggy plugin (entry point ``azure = collectors.azure``).

Every hook answers for ``cloud == "azure"`` only and returns None otherwise. See README.md for the
config keys, the graph it draws and how to point it at another endpoint.
"""
from __future__ import annotations

from typing import List, Optional

from collectors.azure import mutate
from collectors.azure.accounts import list_accounts
from collectors.azure.collect import collect_account
from collectors.azure.config import AzureConfig, config_schema
from collectors.azure.model import model_kinds
from collectors.azure.transform import SUBSCRIPTION_KIND
from hookspecs import Account, Builder, CollectorInfo, Json, Progress, hookimpl

CLOUD = "azure"


@hookimpl
def resotoworker_collector() -> CollectorInfo:
    return CollectorInfo(cloud=CLOUD, config_schema=config_schema(), model=model_kinds(),
                         account_kind=SUBSCRIPTION_KIND,
                         description="Microsoft Azure: subscriptions, locations, resource groups, virtual machines, "
                                     "disks and every other resource type (generic kind)")


@hookimpl
def resotoworker_list_accounts(cloud: str, config: Json) -> Optional[List[Account]]:
    if cloud != CLOUD:
        return None
    return list_accounts(AzureConfig.from_section(config))


@hookimpl
def resotoworker_collect_account(cloud: str, config: Json, account: Account, builder: Builder, progress: Progress,
                                 task: Json) -> Optional[bool]:
    if cloud != CLOUD:
        return None
    collect_account(AzureConfig.from_section(config), account, builder, progress)
    return True


@hookimpl
def resotoworker_update_tag(cloud: str, config: Json, node: Json, key: str, value: Optional[str]) -> Optional[bool]:
    if cloud != CLOUD:
        return None
    return mutate.update_tag(AzureConfig.from_section(config), node, key, value)


@hookimpl
def resotoworker_delete_tag(cloud: str, config: Json, node: Json, key: str) -> Optional[bool]:
    if cloud != CLOUD:
        return None
    return mutate.delete_tag(AzureConfig.from_section(config), node, key)


@hookimpl
def resotoworker_delete_resource(cloud: str, config: Json, node: Json) -> Optional[bool]:
    if cloud != CLOUD:
        return None
    return mutate.delete_resource(AzureConfig.from_section(config), node)
