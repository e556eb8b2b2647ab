"""Which regions to collect, and the ``global`` region that holds account-wide resources (IAM, S3).

The reference gives the global region the id of its partition's main region (``us-east-1`` in ``aws``)
and the name ``global``; node ids depend on both, so they are kept.
"""
from __future__ import annotations

from typing import Any, List

import boto3

from collectors.aws.config import AwsConfig
from collectors.aws.model import REGION_KIND

GLOBAL_REGION_NAME = "global"
GLOBAL_REGION_BY_PARTITION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}
REGION_CTIME = "2006-03-19T00:00:00Z"  # what the reference reports for every region: the launch of AWS


def global_region_id(partition: str) -> str:
    return GLOBAL_REGION_BY_PARTITION.get(partition, "us-east-1")


def enabled_regions(ec2: Any, partition: str) -> List[str]:
    """Regions the account has enabled (DescribeRegions lists only those by default), in its partition."""
    names = sorted(r["RegionName"] for r in ec2.describe_regions().get("Regions", []))
    resolver = boto3.session.Session()
    return [n for n in names if resolver.get_partition_for_region(n) == partition]


def regions_to_collect(config: AwsConfig, ec2: Any, partition: str) -> List[str]:
    if config.region:
        return list(dict.fromkeys(config.region))
    return enabled_regions(ec2, partition)


def region_node(region_id: str, name: str) -> dict:
    return {"kind": REGION_KIND, "id": region_id, "name": name, "ctime": REGION_CTIME}
