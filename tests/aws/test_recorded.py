"""The recorded answers reach boto3 through the fault proxy as the service sends them, for operations moto
does not serve; the others still go to moto."""
from __future__ import annotations

import boto3
import pytest

from .faults import FaultProxy
from .recorded import Recorded, operation_of

pytestmark = pytest.mark.e2e


def test_operations_are_found_as_aws_routes_them():
    assert operation_of("ec2", "POST", "/", {}, b"Action=DescribeReservedInstances&Version=2016-11-15") == \
        "DescribeReservedInstances"
    assert operation_of("dynamodb", "POST", "/", {"X-Amz-Target": "DynamoDB_20120810.ListGlobalTables"}, b"") == \
        "ListGlobalTables"
    assert operation_of("eks", "GET", "/clusters/apps/node-groups", {}, b"") == "ListNodegroups"
    assert operation_of("eks", "GET", "/clusters/apps/node-groups/ng-1", {}, b"") == "DescribeNodegroup"
    assert operation_of("s3", "GET", "/bucket?tagging", {}, b"") == "GetBucketTagging"


def test_recorded_answers_are_parsed_by_boto3_and_the_rest_goes_to_moto(aws_env):
    with FaultProxy(aws_env, recorded=Recorded()) as proxy:
        endpoint = proxy.start()
        ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=endpoint)
        (reserved,) = ec2.describe_reserved_instances()["ReservedInstances"]
        assert reserved["InstanceCount"] == 2 and reserved["Tags"] == [{"Key": "team", "Value": "ops"}]
        assert reserved["RecurringCharges"] == [{"Frequency": "Hourly", "Amount": 0.062}]
        ddb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
        assert ddb.list_global_tables()["GlobalTables"][0]["GlobalTableName"] == "orders"
        assert "Vpcs" in ec2.describe_vpcs()  # moto's
    assert proxy.counts["recorded"] == 2 and proxy.counts["passed"] >= 1
