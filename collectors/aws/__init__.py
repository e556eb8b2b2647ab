"""The AWS collector: ``plugin`` is its pluggy plugin (entry point ``aws = collectors.aws:plugin``).

Every hook answers for ``cloud == "aws"`` only. See README.md for the config keys, how accounts are
found, the kinds collected and the endpoint override.
"""
from __future__ import annotations

from collectors.aws import mutate, prices
from collectors.aws.account_info import ACCOUNT_KIND
from collectors.aws.accounts import list_accounts
from collectors.aws.clients import preload_service_models
from collectors.aws.collect import collect_account
from collectors.aws.config import AwsConfig, config_schema
from collectors.aws.model import model_kinds
from collectors.aws.table import services
from collectors.common.plugin import CloudPlugin
from hookspecs import CollectorInfo

CLOUD = "aws"


def info() -> CollectorInfo:
    return CollectorInfo(cloud=CLOUD, config_schema=config_schema(), model=model_kinds(), account_kind=ACCOUNT_KIND,
                         description="Amazon Web Services: " + ", ".join(services()))


def preload() -> None:
    """Parse what every child needs before the fork server forks: the SDK's service descriptions, the
    instance type facts."""
    preload_service_models(services() + ["sts", "organizations", "iam", "cloudwatch"])
    prices.preload()


plugin = CloudPlugin(CLOUD, info=info, config=AwsConfig.from_section, list_accounts=list_accounts,
                     collect_account=collect_account, update_tag=mutate.update_tag, delete_tag=mutate.delete_tag,
                     delete_resource=mutate.delete_resource,
                     preload=preload)
