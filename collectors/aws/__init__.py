"""The AWS collector: ``plugin`` is its pluggy plugin (entry point ``aws = collectors.aws:plugin``).

Every hook answers for ``cloud == "aws"`` only. See README.md for the config keys, how accounts are
found, the kinds collected and the endpoint override. Nothing here imports boto3: the hooks name their
functions, imported where they run (the supervisor never needs the SDK).
"""
from __future__ import annotations

from collectors.aws.config import AwsConfig, config_schema
from collectors.aws.model import ACCOUNT_KIND, model_kinds
from collectors.common.plugin import CloudPlugin
from hookspecs import CollectorInfo

CLOUD = "aws"


def info() -> CollectorInfo:
    return CollectorInfo(cloud=CLOUD, config_schema=config_schema(), model=model_kinds(), account_kind=ACCOUNT_KIND,
                         description="Amazon Web Services: every kind of the reference collector of its services "
                                     "(see the kinds table of collectors/aws/README.md)")


plugin = CloudPlugin(CLOUD, info=info, config=AwsConfig.from_section,
                     list_accounts="collectors.aws.accounts:list_accounts",
                     collect_account="collectors.aws.collect:collect_account",
                     update_tag="collectors.aws.mutate:update_tag", delete_tag="collectors.aws.mutate:delete_tag",
                     delete_resource="collectors.aws.mutate:delete_resource", preload="collectors.aws.preload:preload")
