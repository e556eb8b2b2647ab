"""Classic load balancers (Elastic Load Balancing, the ``elb`` API)."""
from __future__ import annotations

from typing import List, Optional

from collectors.aws.kind import Client, Json, Kind, Tagging, call, inside, uses
from collectors.aws.metrics import Metric, Usage
from collectors.aws.resources.base import for_each, load_balancing_tags, optional, paginate

GONE = {"LoadBalancerNotFound"}  # deleted since it was listed


def _attributes(elb: Client, balancer: Json) -> Optional[Json]:
    found = optional(elb.describe_load_balancer_attributes, GONE, LoadBalancerName=balancer["LoadBalancerName"])
    return (found or {}).get("LoadBalancerAttributes")


def get_load_balancers(elb: Client) -> List[Json]:
    """Classic load balancers with their attributes (per balancer, a few at a time) and tags."""
    balancers = paginate(elb, "describe_load_balancers", "LoadBalancerDescriptions")
    attributes = for_each(balancers, lambda balancer: _attributes(elb, balancer))
    tags = load_balancing_tags(elb, [balancer["LoadBalancerName"] for balancer in balancers], "LoadBalancerNames",
                               "LoadBalancerName", GONE)
    for balancer, found in zip(balancers, attributes):
        balancer.update(Attributes=found, Tags=tags.get(balancer["LoadBalancerName"], []))
    return balancers


def update_elb_tag(elb: Client, reported: Json, key: str, value: str) -> None:
    elb.add_tags(LoadBalancerNames=[reported["name"]], Tags=[{"Key": key, "Value": value}])


def delete_elb_tag(elb: Client, reported: Json, key: str) -> None:
    elb.remove_tags(LoadBalancerNames=[reported["name"]], Tags=[{"Key": key}])


def _count(metric: str, name: str) -> Metric:
    return Metric(metric, name, "Count")


# the reference's figures: counts summed, latency at its minimum, average and maximum
ELB_USAGE = Usage(
    "AWS/ELB", lambda lb: {"LoadBalancerName": lb["LoadBalancerName"]} if lb.get("LoadBalancerName") else None,
    (_count("RequestCount", "request_count"), _count("HealthyHostCount", "healthy_host_count"),
     _count("UnHealthyHostCount", "unhealthy_host_count"),
     _count("EstimatedALBActiveConnectionCount", "active_connection_count"),
     _count("HTTPCode_Backend_2XX_Count", "status_code_2xx_count"),
     _count("HTTPCode_Backend_4XX_Count", "status_code_4xx_count"),
     _count("HTTPCode_Backend_5XX_Count", "status_code_5xx_count"),
     Metric("Latency", "latency_seconds", "Seconds", ("Minimum", "Average", "Maximum"), digits=3),
     Metric("EstimatedProcessedBytes", "processed_bytes", "Bytes")))

KINDS = [
    # the reference's id is the DNS name (its ARN template too); tags and deletion go by name
    Kind("aws_elb", "elb", get_load_balancers, id="DNSName", name_of="LoadBalancerName", prefix="elb_",
         props={"ctime": "CreatedTime", "lb_type": lambda _: "elb", "backends": "Instances[].InstanceId",
                "elb_attributes": "Attributes"},
         edges=(inside("aws_vpc", "VPCId"), inside("aws_ec2_subnet", "Subnets[]"),
                inside("aws_ec2_security_group", "SecurityGroups[]"),
                uses("aws_ec2_instance", "Instances[].InstanceId")),
         usage=ELB_USAGE, tags=Tagging("Tags", update=update_elb_tag, delete=delete_elb_tag),
         delete=call("delete_load_balancer", LoadBalancerName="name")),
]
