"""Service Quotas: the quotas the reference collects, those that bound a kind it collects, each in the place its
resources live (IAM's once per account, the others in every region)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern, Union

from collectors.aws.kind import GLOBAL, REGIONAL, Client, Json, Kind, by_arn, points_at, tagging
from collectors.aws.resources.base import paginate

QUOTA = "aws_service_quota"
VOLUME_TYPE = "aws_ec2_volume_type"


@dataclass(frozen=True)
class Bound:
    """Quotas of ``service`` named ``name`` (a name or a pattern) bound the resources of ``kind`` (of its
    ``volume_type`` or ``instance_family``, the instance types whose name matches that pattern)."""

    name: Union[str, Pattern[str]]
    kind: str
    volume_type: Optional[str] = None
    instance_family: Optional[str] = None

    def matches(self, quota_name: str) -> bool:
        return self.name == quota_name if isinstance(self.name, str) else bool(self.name.match(quota_name))


# the reference's choice, by service code (e.g. "Running On-Demand F instances" bounds the f* instance types)
REGIONAL_BOUNDS: Dict[str, List[Bound]] = {
    "ec2": [Bound(f"Running On-Demand {name} instances", "aws_ec2_instance_type", instance_family=f"^{start}\\d")
            for name, start in (("Standard (A, C, D, H, I, M, R, T, Z)", "[acdhimrtz]"), ("F", "f"),
                                ("G and VT", "g"), ("P", "p"), ("Inf", "inf"), ("X", "x"),
                                ("High Memory instances", "u"), ("DL", "dl"))],
    "ebs": [Bound(re.compile(f"^Storage for.*{volume_type}"), VOLUME_TYPE, volume_type=volume_type)
            for volume_type in ("gp2", "gp3", "standard", "io1", "io2", "sc1", "st1")],
    "vpc": [Bound("Internet gateways per Region", "aws_vpc")],
    "elasticloadbalancing": [Bound("Application Load Balancers per Region", "aws_alb"),
                             Bound("Classic Load Balancers per Region", "aws_elb")],
}
GLOBAL_BOUNDS: Dict[str, List[Bound]] = {
    "iam": [Bound("Server certificates per account", "aws_iam_server_certificate")],
}


def _quotas(client: Client, bounds: Dict[str, List[Bound]]) -> List[Json]:
    """The quotas of each service that one of its bounds names (one paginated call per service), each with what
    the bound that chose it bounds (``Bounds``)."""
    found = []
    for service, service_bounds in bounds.items():
        for quota in paginate(client, "list_service_quotas", "Quotas", ServiceCode=service):
            bound = next((b for b in service_bounds if b.matches(quota.get("QuotaName") or "")), None)
            if bound is not None:
                found.append({**quota, "Bounds": {"Kind": bound.kind, "VolumeType": bound.volume_type,
                                                  "InstanceFamily": bound.instance_family}})
    return found


def get_regional_quotas(quotas: Client) -> List[Json]:
    return _quotas(quotas, REGIONAL_BOUNDS)


def get_global_quotas(quotas: Client) -> List[Json]:
    return _quotas(quotas, GLOBAL_BOUNDS)


def quota(scope: str, get) -> Kind:
    # the reference also links a quota to every VPC, load balancer or server certificate of its place and to the
    # instance types of its family: the kinds table cannot declare links by the other end's properties yet
    return Kind(QUOTA, "service-quotas", get, id="QuotaCode", name_of="QuotaName", arn="QuotaArn", scope=scope,
                prefix="quota_", props={"quota": "Value", "quota_global": "GlobalQuota"},
                link="https://{region_id}.console.aws.amazon.com/servicequotas/home/services/{ServiceCode}/quotas/{id}",
                edges=(points_at(VOLUME_TYPE, "Bounds.VolumeType"),),
                tags=tagging("Tags", "tag_resource", "untag_resource", by_arn("ResourceARN")), moto=False)


KINDS = [quota(REGIONAL, get_regional_quotas), quota(GLOBAL, get_global_quotas)]
