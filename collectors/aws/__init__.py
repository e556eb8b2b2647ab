"""The AWS collector: ``plugin`` is its pluggy plugin (entry point ``aws = collectors.aws:plugin``).

Every hook answers for ``cloud == "aws"`` only. See README.md for the config keys, how accounts are
found, the kinds collected and the endpoint override. Nothing here imports boto3: the hooks name their
functions, imported where they run (the supervisor never needs the SDK).
"""
from __future__ import annotations

from collectors.aws.config import AwsConfig, config_schema
from collectors.aws.model import ACCOUNT_KIND, model_kinds
from collectors.common.plugin import CloudPlugin
from hookspecs import CollectorInfo, Command

CLOUD = "aws"

COMMAND = Command(
    cloud="aws", name="aws", info="Run an AWS API operation, on every resource a search pipes in or once",
    description=(
        "Runs one AWS API operation, written as on the AWS command line: `aws <service> <operation> "
        "[--parameter value ...]`.\n\nPiped from a search (`search is(aws_ec2_volume) | aws ec2 "
        "describe-volume-attribute --volume-id {id} --attribute autoEnableIO`), it runs once per resource, in "
        "the resource's account and region, with {placeholders} filled from the resource. Called alone "
        "(`aws sts get-caller-identity`), it runs once with the worker's own AWS credentials.\n\n"
        "A list parameter takes several values or a JSON list; a structure or map takes a JSON document. The "
        "answer is the operation's result, all pages of it. With the config key aws.command_read_only, only "
        "describe, list and get operations run."),
    args_description={
        "service": "The AWS service: ec2, s3 (or s3api), iam, ...",
        "operation": "The operation, as the AWS CLI names it: describe-instances, list-buckets, ...",
        "operation_args": "The operation's parameters, as the AWS CLI spells them: --instance-ids i-1 i-2",
        "--account": "[optional] The account to run in (reached with the collector's role)",
        "--role": "[optional] The role to assume in that account (default: the collector's role)",
        "--profile": "[optional] The AWS profile whose credentials to use",
        "--region": "[optional] The region to run in (default: the resource's, or the collector's first)"},
    allowed_on_kind="aws_resource")


def info() -> CollectorInfo:
    return CollectorInfo(cloud=CLOUD, config_schema=config_schema(), model=model_kinds(), account_kind=ACCOUNT_KIND,
                         description="Amazon Web Services: every kind of the reference collector of its services "
                                     "(see the kinds table of collectors/aws/README.md)")


plugin = CloudPlugin(CLOUD, info=info, config=AwsConfig.from_section,
                     list_accounts="collectors.aws.accounts:list_accounts",
                     collect_account="collectors.aws.collect:collect_account",
                     update_tag="collectors.aws.mutate:update_tag", delete_tag="collectors.aws.mutate:delete_tag",
                     delete_resource="collectors.aws.mutate:delete_resource", preload="collectors.aws.preload:preload",
                     commands=(COMMAND,), run_command="collectors.aws.command:run")
