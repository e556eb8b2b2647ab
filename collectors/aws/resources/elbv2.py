"""Application/network load balancers (``aws_alb``) and their target groups."""
from __future__ import annotations

from typing import Dict, List

from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.shaped import Ref, Scope, Shaped, mapped, tag_dict

ALB = "aws_alb"
TARGET_GROUP = "aws_alb_target_group"
VPC = "aws_vpc"
SUBNET = "aws_ec2_subnet"
SECURITY_GROUP = "aws_ec2_security_group"
INSTANCE = "aws_ec2_instance"
TAGS_PER_CALL = 20  # DescribeTags takes at most 20 ARNs

ALB_FIELDS = {
    "ctime": "CreatedTime",
    "alb_dns_name": "DNSName",
    "alb_canonical_hosted_zone_id": "CanonicalHostedZoneId",
    "alb_scheme": "Scheme",
    "alb_state": "State",
    "alb_availability_zones": "AvailabilityZones",
    "alb_security_groups": "SecurityGroups",
    "alb_ip_address_type": "IpAddressType",
    "alb_customer_owned_ipv4_pool": "CustomerOwnedIpv4Pool",
    "alb_type": "Type",
    "alb_listener": "Listeners",
}

TARGET_GROUP_FIELDS = {
    "target_type": "TargetType",
    "protocol": "Protocol",
    "port": "Port",
    "alb_health_check_protocol": "HealthCheckProtocol",
    "alb_health_check_port": "HealthCheckPort",
    "alb_health_check_enabled": "HealthCheckEnabled",
    "alb_health_check_interval_seconds": "HealthCheckIntervalSeconds",
    "alb_health_check_timeout_seconds": "HealthCheckTimeoutSeconds",
    "alb_healthy_threshold_count": "HealthyThresholdCount",
    "alb_unhealthy_threshold_count": "UnhealthyThresholdCount",
    "alb_health_check_path": "HealthCheckPath",
    "alb_matcher": "Matcher",
    "alb_protocol_version": "ProtocolVersion",
    "alb_ip_address_type": "IpAddressType",
    "alb_target_health": "TargetHealth",
    "alb_lb_arns": "LoadBalancerArns",
}


def _tags_by_arn(elb: Client, arns: List[str]) -> Dict[str, list]:
    tags: Dict[str, list] = {}
    for start in range(0, len(arns), TAGS_PER_CALL):
        for desc in elb.describe_tags(ResourceArns=arns[start:start + TAGS_PER_CALL]).get("TagDescriptions", []):
            tags[desc["ResourceArn"]] = desc.get("Tags") or []
    return tags


def get_load_balancers(elb: Client) -> Json:
    """Load balancers with their listeners and target groups with their targets' health, each with tags."""
    balancers = [lb for lb in paginate(elb, "describe_load_balancers", "LoadBalancers")
                 if lb.get("Type", "application") in ("application", "network")]
    for lb in balancers:
        lb["Listeners"] = paginate(elb, "describe_listeners", "Listeners", LoadBalancerArn=lb["LoadBalancerArn"])
    groups = paginate(elb, "describe_target_groups", "TargetGroups")
    for group in groups:
        group["TargetHealth"] = elb.describe_target_health(
            TargetGroupArn=group["TargetGroupArn"]).get("TargetHealthDescriptions", [])
    tags = _tags_by_arn(elb, [lb["LoadBalancerArn"] for lb in balancers] + [g["TargetGroupArn"] for g in groups])
    for item in balancers:
        item["Tags"] = tags.get(item["LoadBalancerArn"], [])
    for item in groups:
        item["Tags"] = tags.get(item["TargetGroupArn"], [])
    return {"load_balancers": balancers, "target_groups": groups}


def _instance_targets(group: Json) -> List[str]:
    if group.get("TargetType", "instance") != "instance":
        return []
    return [h["Target"]["Id"] for h in group.get("TargetHealth") or [] if (h.get("Target") or {}).get("Id")]


def transform_load_balancers(raw: Json, scope: Scope) -> Shaped:
    out = Shaped()
    groups = raw.get("target_groups", [])
    for item in raw.get("load_balancers", []):
        arn = item["LoadBalancerArn"]
        backends = sorted({i for g in groups if arn in (g.get("LoadBalancerArns") or []) for i in _instance_targets(g)})
        out.node({"kind": ALB, "id": item["LoadBalancerName"], "name": item["LoadBalancerName"],
                  "tags": tag_dict(item.get("Tags")), "arn": arn, "lb_type": "alb" if item.get("Type") !=
                  "network" else "nlb", "backends": backends, **mapped(item, ALB_FIELDS)})
        me = Ref(ALB, arn)
        if item.get("VpcId"):
            out.link_both(Ref(VPC, item["VpcId"]), me)
        for zone in item.get("AvailabilityZones") or []:
            if zone.get("SubnetId"):
                out.link_both(Ref(SUBNET, zone["SubnetId"]), me)
        for group_id in item.get("SecurityGroups") or []:
            out.link_both(Ref(SECURITY_GROUP, group_id), me)
    for item in groups:
        arn = item["TargetGroupArn"]
        me = Ref(TARGET_GROUP, arn)
        out.node({"kind": TARGET_GROUP, "id": item["TargetGroupName"], "name": item["TargetGroupName"],
                  "tags": tag_dict(item.get("Tags")), "arn": arn, **mapped(item, TARGET_GROUP_FIELDS)})
        if item.get("VpcId"):
            out.link_both(Ref(VPC, item["VpcId"]), me)
        for lb_arn in item.get("LoadBalancerArns") or []:
            out.link(Ref(ALB, lb_arn), me)
            out.link(me, Ref(ALB, lb_arn), "delete")
        for instance_id in _instance_targets(item):
            out.link(me, Ref(INSTANCE, instance_id))
            out.link(Ref(INSTANCE, instance_id), me, "delete")
    return out


def update_tag(elb: Client, reported: Json, key: str, value: str) -> None:
    elb.add_tags(ResourceArns=[reported["arn"]], Tags=[{"Key": key, "Value": value}])


def delete_tag(elb: Client, reported: Json, key: str) -> None:
    elb.remove_tags(ResourceArns=[reported["arn"]], TagKeys=[key])


def delete_load_balancer(elb: Client, reported: Json) -> None:
    elb.delete_load_balancer(LoadBalancerArn=reported["arn"])


def delete_target_group(elb: Client, reported: Json) -> None:
    elb.delete_target_group(TargetGroupArn=reported["arn"])


RESOURCE_TYPES = [ResourceType("elbv2_load_balancers", "elbv2", get_load_balancers, transform_load_balancers)]

ACTIONS = {
    ALB: KindActions("elbv2", update_tag, delete_tag, delete_load_balancer),
    TARGET_GROUP: KindActions("elbv2", update_tag, delete_tag, delete_target_group),
}
