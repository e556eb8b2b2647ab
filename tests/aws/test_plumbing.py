"""Paging (fed by botocore's Stubber, since moto answers most list calls in one page), region choice,
service filters and client reuse."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from collectors.aws.clients import clients_for
from collectors.aws.collect import plan, wanted
from collectors.aws.config import AwsConfig
from collectors.aws.credentials import base_session
from collectors.aws.regions import enabled_regions
from collectors.aws.table import services
from collectors.aws.resources import base, dynamodb, ec2_compute

pytestmark = pytest.mark.e2e


def offline(service: str):
    return boto3.client(service, region_name="us-east-1", endpoint_url="https://example.invalid",
                        aws_access_key_id="k", aws_secret_access_key="s")


def test_instances_are_read_across_pages():
    ec2 = offline("ec2")
    with Stubber(ec2) as stub:
        stub.add_response("describe_instances", {"Reservations": [{"Instances": [{"InstanceId": "i-1",
                                                                                  "InstanceType": "t3.micro"}]}],
                                                 "NextToken": "page-2"}, {})
        stub.add_response("describe_instances", {"Reservations": [{"Instances": [{"InstanceId": "i-2",
                                                                                  "InstanceType": "t3.micro"}]}]},
                          {"NextToken": "page-2"})
        stub.add_response("describe_instance_types", {"InstanceTypes": [{"InstanceType": "t3.micro"}]},
                          {"InstanceTypes": ["t3.micro"]})
        raw = ec2_compute.get_instances(ec2)
    assert [i["InstanceId"] for i in raw["Instances"]] == ["i-1", "i-2"]
    assert raw["Instances"][0]["InstanceTypeInfo"]["InstanceType"] == "t3.micro"
    assert raw["InstanceTypes"][0]["Facts"]["ondemand_cost"] > 0  # from the bundled price list


def test_dynamodb_tags_follow_next_token():
    client = offline("dynamodb")
    with Stubber(client) as stub:
        stub.add_response("list_tags_of_resource", {"Tags": [{"Key": "a", "Value": "1"}], "NextToken": "t"},
                          {"ResourceArn": "arn:t"})
        stub.add_response("list_tags_of_resource", {"Tags": [{"Key": "b", "Value": "2"}]},
                          {"ResourceArn": "arn:t", "NextToken": "t"})
        assert [t["Key"] for t in dynamodb._tags(client, "arn:t")] == ["a", "b"]


def test_an_operation_without_a_paginator_in_this_botocore_is_followed_by_its_next_token():
    client = offline("sagemaker")
    with Stubber(client) as stub:
        stub.add_response("list_projects", {"ProjectSummaryList": [_project("a")], "NextToken": "t"},
                          {"MaxResults": 2})
        stub.add_response("list_projects", {"ProjectSummaryList": [_project("b")]}, {"MaxResults": 2, "NextToken": "t"})
        found = base._follow_next_token(client, "list_projects", "ProjectSummaryList",
                                        PaginationConfig={"PageSize": 2})
    assert [p["ProjectName"] for p in found] == ["a", "b"]


def _project(name: str) -> dict:
    return {"ProjectName": name, "ProjectArn": f"arn:aws:sagemaker:us-east-1:1:project/{name}", "ProjectId": name,
            "CreationTime": "2024-01-01T00:00:00Z", "ProjectStatus": "CreateCompleted"}


def test_enabled_regions_stay_in_the_partition(aws_env):
    regions = enabled_regions(boto3.client("ec2", region_name="us-east-1"), "aws")
    assert {"us-east-1", "eu-central-1"} <= set(regions)
    assert not any(r.startswith(("us-gov-", "cn-")) for r in regions)


def test_service_filters_take_globs():
    config = AwsConfig.from_section({"collect": ["ec2", "s*"], "no_collect": ["sqs"]})
    assert wanted("ec2", config) and wanted("s3", config) and wanted("sns", config)
    assert not wanted("sqs", config) and not wanted("iam", config)
    tasks = plan(config, ["eu-west-1", "eu-north-1"], "us-east-1")
    assert {t.part for t in tasks if t.fetch.is_global} == {"global"}
    assert {t.region for t in tasks if not t.fetch.is_global} == {"eu-west-1", "eu-north-1"}
    assert {t.fetch.service for t in tasks} == {s for s in services() if s == "ec2" or (s[0] == "s" and s != "sqs")}
    assert {"s3", "s3control", "sns"} <= {t.fetch.service for t in tasks}


def test_one_client_per_account_region_and_service(aws_env):
    config = AwsConfig.from_section({})
    clients = clients_for(base_session(config), config)
    assert clients_for(base_session(config), config) is clients
    assert clients.get("ec2", "us-east-1") is clients.get("ec2", "us-east-1")
    assert clients.get("ec2", "us-east-1") is not clients.get("ec2", "eu-central-1")
    retries = clients.get("s3", "us-east-1").meta.config.retries
    assert retries == {"mode": "standard", "total_max_attempts": 10}
