"""The moto world's management and audit resources, beside what ``world.py`` makes, in every account and region:
a CloudFormation stack that made a log group, a stack set (without stack instances: moto makes up a new stack id
for an instance on every ListStackInstances, so they would change their node ids from one collect to the next), a
trail into the account's first bucket (multi-region in the first region, so the second region lists it too and
must leave it out), a log group encrypted with the region's KMS key with a metric filter, a configuration recorder
and an SSM document.

Not here (moto does not serve them; ``recorded/`` answers for them): service quotas, SSM managed instances and
compliance summaries; ``test_kinds_management.py`` records stack instances."""
from __future__ import annotations

import json

import boto3

from .world import REGIONS, AccountEstate, RegionEstate

OWNER = [{"Key": "owner", "Value": "ops"}]
STACK = "shop-infra"
STACK_LOG_GROUP = "/shop/stack"
STACK_SET = "baseline"
TRAIL = "audit"
LOG_GROUP = "/shop/web"
METRIC_FILTER = "errors"
RECORDER = "default"
DOCUMENT = "restart-web"
STACK_TEMPLATE = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup",
                                         "Properties": {"LogGroupName": STACK_LOG_GROUP, "RetentionInDays": 7}}}}
# the stack set's template (a log group of a name CloudFormation makes up), deployed nowhere
STACK_SET_TEMPLATE = {"Resources": {"Logs": {"Type": "AWS::Logs::LogGroup"}}}
DOCUMENT_CONTENT = {"schemaVersion": "2.2", "description": "Restarts the web service",
                    "parameters": {"service": {"type": "String", "default": "web"}},
                    "mainSteps": [{"action": "aws:runShellScript", "name": "restart",
                                   "inputs": {"runCommand": ["systemctl restart {{ service }}"]}}]}


def populate_region(session: boto3.Session, endpoint: str, region: str, estate: AccountEstate,
                    here: RegionEstate) -> None:
    def client(service: str):
        return session.client(service, region_name=region, endpoint_url=endpoint)

    account = estate.account_id
    cf = client("cloudformation")
    stack = cf.create_stack(StackName=STACK, TemplateBody=json.dumps(STACK_TEMPLATE), Tags=OWNER)["StackId"]
    stack_set = cf.create_stack_set(StackSetName=STACK_SET, TemplateBody=json.dumps(STACK_SET_TEMPLATE),
                                    Description="account baseline", Tags=OWNER)["StackSetId"]

    trail = client("cloudtrail")
    trail_arn = trail.create_trail(Name=TRAIL, S3BucketName=estate.buckets[0], IsMultiRegionTrail=region == REGIONS[0],
                                   SnsTopicName=here.topic_arn.rsplit(":", 1)[-1], KmsKeyId=here.key_id,
                                   TagsList=OWNER)["TrailARN"]
    trail.start_logging(Name=trail_arn)

    logs = client("logs")
    logs.create_log_group(logGroupName=LOG_GROUP, kmsKeyId=f"arn:aws:kms:{region}:{account}:key/{here.key_id}",
                          tags={"owner": "ops"})
    logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=30)
    logs.put_metric_filter(logGroupName=LOG_GROUP, filterName=METRIC_FILTER, filterPattern="ERROR",
                           metricTransformations=[{"metricName": "Errors", "metricNamespace": "Shop",
                                                   "metricValue": "1", "defaultValue": 0.0, "unit": "Count"}])

    config = client("config")
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": RECORDER, "roleARN": f"arn:aws:iam::{account}:role/fn-role",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == REGIONS[0]}})
    config.put_delivery_channel(DeliveryChannel={"name": RECORDER, "s3BucketName": estate.buckets[0]})
    config.start_configuration_recorder(ConfigurationRecorderName=RECORDER)

    client("ssm").create_document(Name=DOCUMENT, Content=json.dumps(DOCUMENT_CONTENT), DocumentType="Command",
                                  DocumentFormat="JSON", Tags=OWNER)

    here.more.update({"aws_cloudformation_stack": [stack], "aws_cloudformation_stack_set": [stack_set],
                      "aws_cloud_trail": [TRAIL], "aws_cloudwatch_log_group": [LOG_GROUP],
                      "aws_cloudwatch_metric_filter": [METRIC_FILTER], "aws_config_recorder": [RECORDER],
                      "aws_ssm_document": [DOCUMENT]})
