"""Elastic Load Balancing v2: load balancers (``aws_alb``, whatever their type, as the reference names them
all) and their target groups."""
from __future__ import annotations

from typing import Any, List, Optional

from collectors.aws.kind import Client, Json, Kind, by_arn, call, inside, tagging, used_by, uses
from collectors.aws.metrics import Metric, Usage
from collectors.aws.resources.base import for_each, load_balancing_tags, optional, paginate

ALB = "aws_alb"
TARGET_GROUP = "aws_alb_target_group"
VPC = "aws_vpc"
SUBNET = "aws_ec2_subnet"
SECURITY_GROUP = "aws_ec2_security_group"
INSTANCE = "aws_ec2_instance"
GONE = {"LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound"}  # deleted since it was listed


def _listeners(elb: Client, balancer: Json) -> List[Json]:
    return optional(paginate, GONE, client=elb, operation="describe_listeners", result_key="Listeners",
                    LoadBalancerArn=balancer["LoadBalancerArn"]) or []


def _target_health(elb: Client, group: Json) -> List[Json]:
    found = optional(elb.describe_target_health, GONE, TargetGroupArn=group["TargetGroupArn"]) or {}
    return found.get("TargetHealthDescriptions") or []


def get_load_balancers(elb: Client) -> Json:
    """Load balancers with their listeners, target groups with their targets' health, each with its tags."""
    balancers = paginate(elb, "describe_load_balancers", "LoadBalancers")
    groups = paginate(elb, "describe_target_groups", "TargetGroups")
    listeners = for_each(balancers, lambda lb: _listeners(elb, lb))
    health = for_each(groups, lambda group: _target_health(elb, group))
    arns = [lb["LoadBalancerArn"] for lb in balancers] + [g["TargetGroupArn"] for g in groups]
    tags = load_balancing_tags(elb, arns, "ResourceArns", "ResourceArn", GONE)
    for balancer, found in zip(balancers, listeners):
        balancer.update(Listeners=found, Tags=tags.get(balancer["LoadBalancerArn"], []))
    for group, found in zip(groups, health):
        group.update(TargetHealth=found, Tags=tags.get(group["TargetGroupArn"], []))
    return {"LoadBalancers": balancers, "TargetGroups": groups}


def _targets(group: Json) -> List[str]:
    """What a group sends traffic to (instance ids, addresses, functions), once a load balancer uses it."""
    if not group.get("LoadBalancerArns"):
        return []
    return [h["Target"]["Id"] for h in group.get("TargetHealth") or [] if (h.get("Target") or {}).get("Id")]


def balancers_with_backends(result: Json) -> List[Json]:
    """The load balancers, each with the targets of the groups it uses in group order (``backends``)."""
    groups = result.get("TargetGroups") or []
    return [{**lb, "Backends": [target for group in groups if lb["LoadBalancerArn"] in group.get("LoadBalancerArns", [])
                                for target in _targets(group)]}
            for lb in result.get("LoadBalancers") or []]


def _public_ip(item: Json) -> Optional[Any]:
    zones = item.get("AvailabilityZones") or [{}]
    addresses = zones[0].get("LoadBalancerAddresses") or [{}]
    return addresses[0].get("IpAddress")


def _lb_dimension(arn: str) -> str:
    """CloudWatch names a load balancer by the last three parts of its ARN (``app/<name>/<id>``)."""
    return "/".join(arn.split("/")[-3:])


MIN_AVG_MAX = ("Minimum", "Average", "Maximum")
STATUS_COUNTS = (Metric("HTTPCode_Target_2XX_Count", "status_code_2xx_count", "Count"),
                 Metric("HTTPCode_Target_4XX_Count", "status_code_4xx_count", "Count"),
                 Metric("HTTPCode_Target_5XX_Count", "status_code_5xx_count", "Count"))
LATENCY = Metric("TargetResponseTime", "latency_seconds", "Seconds", MIN_AVG_MAX, digits=3)
ALB_USAGE = Usage(
    "AWS/ApplicationELB", lambda lb: {"LoadBalancer": _lb_dimension(lb.get("LoadBalancerArn") or "")},
    (Metric("RequestCount", "request_count", "Count"),
     Metric("ActiveConnectionCount", "active_connection_count", "Count"), *STATUS_COUNTS, LATENCY,
     Metric("ProcessedBytes", "processed_bytes", "Bytes")))
# a target group has figures only as seen by a load balancer: the first one it serves
TARGET_GROUP_USAGE = Usage(
    "AWS/ApplicationELB",
    lambda tg: {"LoadBalancer": _lb_dimension(tg["LoadBalancerArns"][0]),
                "TargetGroup": (tg.get("TargetGroupArn") or "").split(":")[-1]} if tg.get("LoadBalancerArns") else None,
    (Metric("RequestCount", "request_count", "Count"), Metric("HealthyHostCount", "healthy_host_count", "Count"),
     Metric("UnHealthyHostCount", "unhealthy_host_count", "Count"), *STATUS_COUNTS, LATENCY,
     Metric("HealthyStateRouting", "healthy_state_routing", "Bytes"),
     Metric("UnhealthyStateRouting", "unhealthy_state_routing", "Bytes"),
     Metric("HealthyStateDNS", "healthy_state_dns", "Bytes"),
     Metric("UnhealthyStateDNS", "unhealthy_state_dns", "Bytes")))

ELB_TAGS = tagging("Tags", "add_tags", "remove_tags", by_arn("ResourceArns", as_list=True))

KINDS = [
    # the reference calls every load balancer an "alb", network and gateway ones too
    Kind(ALB, "elbv2", get_load_balancers, items=balancers_with_backends, id="LoadBalancerName",
         arn="LoadBalancerArn", prefix="alb_",
         props={"ctime": "CreatedTime", "lb_type": lambda _: "alb", "alb_listener": "Listeners",
                "backends": "Backends", "public_ip_address": _public_ip},
         edges=(inside(VPC, "VpcId"), inside(SUBNET, "AvailabilityZones[].SubnetId"),
                inside(SECURITY_GROUP, "SecurityGroups[]")),
         usage=ALB_USAGE, tags=ELB_TAGS, delete=call("delete_load_balancer", LoadBalancerArn="arn")),
    Kind(TARGET_GROUP, "elbv2", get_load_balancers, items="TargetGroups", id="TargetGroupName",
         arn="TargetGroupArn", prefix="alb_",
         props={"alb_lb_arns": "LoadBalancerArns", "alb_target_health": "TargetHealth"},
         edges=(inside(VPC, "VpcId"), used_by(ALB, "LoadBalancerArns[]"), uses(INSTANCE, _targets)),
         usage=TARGET_GROUP_USAGE, tags=ELB_TAGS, delete=call("delete_target_group", TargetGroupArn="arn")),
]
