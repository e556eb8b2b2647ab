"""Every kind the collector knows, in one list, and the fetches they make.

A fetch is one ``get`` function with the kinds that take their items from it: the plan runs it once per
region (once per account for global kinds), whatever number of kinds it feeds.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Tuple

from collectors.aws.kind import GLOBAL, Get, Json, Kind
from collectors.aws.resources import (acm, apigateway, athena, autoscaling, awsconfig, awslambda, beanstalk,
                                      cloudformation, cloudfront, cloudtrail, cloudwatch, cognito, dynamodb,
                                      ec2_compute, ec2_network, ecr, ecs, efs, eks, elasticache, elb, elbv2, glacier,
                                      iam, kinesis, kms, logs, opensearch, organizations, rds, redshift, route53, s3,
                                      sagemaker, secretsmanager, service_quotas, sns, sqs, ssm, waf)

KINDS: List[Kind] = [
    *sagemaker.KINDS,
    *ec2_compute.KINDS,
    *ec2_network.KINDS,
    *autoscaling.KINDS,
    *elb.KINDS,
    *elbv2.KINDS,
    *ecs.KINDS,
    *ecr.KINDS,
    *beanstalk.KINDS,
    *efs.KINDS,
    *glacier.KINDS,
    *s3.KINDS,
    *iam.KINDS,
    *organizations.KINDS,
    *cognito.KINDS,
    *secretsmanager.KINDS,
    *route53.KINDS,
    *cloudfront.KINDS,
    *acm.KINDS,
    *waf.KINDS,
    *apigateway.KINDS,
    *rds.KINDS,
    *dynamodb.KINDS,
    *redshift.KINDS,
    *elasticache.KINDS,
    *kinesis.KINDS,
    *opensearch.KINDS,
    *awslambda.KINDS,
    *cloudwatch.KINDS,
    *logs.KINDS,
    *cloudformation.KINDS,
    *cloudtrail.KINDS,
    *awsconfig.KINDS,
    *service_quotas.KINDS,
    *ssm.KINDS,
    *eks.KINDS,
    *sqs.KINDS,
    *sns.KINDS,
    *kms.KINDS,
    *athena.KINDS,
]

BY_NAME: Dict[str, Kind] = {k.name: k for k in KINDS}


@dataclass(frozen=True)
class Fetch:
    service: str
    get: Get
    scope: str
    kinds: Tuple[Kind, ...]

    @property
    def name(self) -> str:
        return self.get.__name__.removeprefix("get_")

    @property
    def is_global(self) -> bool:
        return self.scope == GLOBAL

    @property
    def wants_account(self) -> bool:
        """Whether the get takes ``account`` (the account node's ``reported``): its calls name the account."""
        return "account" in inspect.signature(self.get).parameters


@lru_cache(maxsize=1)
def fetches() -> Tuple[Fetch, ...]:
    """The kinds grouped by their ``get`` function, in table order."""
    grouped: Dict[Any, List[Kind]] = {}
    for kind in KINDS:
        if kind.get is not None:
            grouped.setdefault((kind.service, kind.get, kind.scope), []).append(kind)
    return tuple(Fetch(service, get, scope, tuple(kinds)) for (service, get, scope), kinds in grouped.items())


def items_of(kind: Kind, result: Any) -> List[Json]:
    """The API items of ``kind`` in what its fetch returned."""
    if kind.items is None:
        items = result
    elif callable(kind.items):
        items = kind.items(result)
    else:
        items = (result or {}).get(kind.items)
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"{kind.name}: expected a list of items, got {type(items).__name__}")
    return [i for i in items if kind.only is None or not isinstance(i, dict) or kind.only(i)]


def services() -> List[str]:
    return sorted({k.service for k in KINDS})
