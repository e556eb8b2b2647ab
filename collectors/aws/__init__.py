"""The AWS collector: this module is the pluggy plugin (entry point ``aws = collectors.aws``).

Every hook answers for ``cloud == "aws"`` only and returns None otherwise. See README.md for the
config keys, how accounts are found and the endpoint override.
"""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.accounts import list_accounts
from collectors.aws.collect import collect_account
from collectors.aws.config import AwsConfig, config_schema
from collectors.aws.kinds import ACCOUNT_KIND
from collectors.aws.model import model_kinds
from collectors.aws import mutate
from hookspecs import Account, Builder, CollectorInfo, Json, Progress, hookimpl

CLOUD = "aws"


@hookimpl
def resotoworker_collector() -> CollectorInfo:
    return CollectorInfo(cloud=CLOUD, config_schema=config_schema(), model=model_kinds(), account_kind=ACCOUNT_KIND,
                         description="Amazon Web Services: EC2, ELBv2, S3, IAM, RDS, DynamoDB, Lambda, CloudWatch, "
                                     "EKS, SQS, SNS, KMS")


@hookimpl
def resotoworker_list_accounts(cloud: str, config: Json) -> Optional[List[Account]]:
    if cloud != CLOUD:
        return None
    return list_accounts(AwsConfig.from_section(config))


@hookimpl
def resotoworker_collect_account(cloud: str, config: Json, account: Account, builder: Builder, progress: Progress,
                                 task: Json) -> Optional[bool]:
    if cloud != CLOUD:
        return None
    collect_account(AwsConfig.from_section(config), account, builder, progress)
    return True


@hookimpl
def resotoworker_update_tag(cloud: str, config: Json, node: Json, key: str, value: Optional[str]) -> Optional[bool]:
    if cloud != CLOUD:
        return None
    return mutate.update_tag(AwsConfig.from_section(config), node, key, value)


@hookimpl
def resotoworker_delete_tag(cloud: str, config: Json, node: Json, key: str) -> Optional[bool]:
    if cloud != CLOUD:
        return None
    return mutate.delete_tag(AwsConfig.from_section(config), node, key)


@hookimpl
def resotoworker_delete_resource(cloud: str, config: Json, node: Json) -> Optional[bool]:
    if cloud != CLOUD:
        return None
    return mutate.delete_resource(AwsConfig.from_section(config), node)
