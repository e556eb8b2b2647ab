"""Every resource type the collector knows, and how to change each kind it emits.

A resource module holds, for one AWS service: ``get_*`` (the API calls), ``transform_*`` (pure: API
dicts → nodes and links), the tag and delete calls for its kinds, and two tables, ``RESOURCE_TYPES``
and ``ACTIONS``, collected here.
"""
from __future__ import annotations

from typing import Dict, List

from collectors.aws.resources import (awslambda, cloudwatch, dynamodb, ec2_compute, ec2_network, eks, elbv2, iam,
                                      kms, rds, s3, sns, sqs)
from collectors.aws.resources.base import KindActions, ResourceType

MODULES = [ec2_compute, ec2_network, elbv2, s3, iam, rds, dynamodb, awslambda, cloudwatch, eks, sqs, sns, kms]

RESOURCE_TYPES: List[ResourceType] = [t for m in MODULES for t in m.RESOURCE_TYPES]
ACTIONS: Dict[str, KindActions] = {kind: a for m in MODULES for kind, a in m.ACTIONS.items()}
SERVICES = sorted({t.service for t in RESOURCE_TYPES})

__all__ = ["ACTIONS", "KindActions", "MODULES", "RESOURCE_TYPES", "ResourceType", "SERVICES"]
