"""VPCs, subnets, security groups, internet and NAT gateways, network interfaces, elastic IPs, route tables,
network ACLs, flow logs, VPC endpoints and peering connections."""
from __future__ import annotations

from typing import Any, Callable, List, Optional

from collectors.aws.kind import Client, Json, Kind, call, inside, points_at, seen_by, tag_value, used_by, uses
from collectors.aws.resources.base import paginate
from collectors.aws.resources.ec2_tags import EC2_TAGS, NIC_TAGS

VPC = "aws_vpc"
SUBNET = "aws_ec2_subnet"
SECURITY_GROUP = "aws_ec2_security_group"
INSTANCE = "aws_ec2_instance"
NETWORK_INTERFACE = "aws_ec2_network_interface"
ROUTE_TABLE = "aws_ec2_route_table"
S3_BUCKET = "aws_s3_bucket"


def get_vpcs(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_vpcs", "Vpcs")


def get_subnets(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_subnets", "Subnets")


def get_security_groups(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_security_groups", "SecurityGroups")


def get_internet_gateways(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_internet_gateways", "InternetGateways")


def get_nat_gateways(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_nat_gateways", "NatGateways")


def get_network_interfaces(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_network_interfaces", "NetworkInterfaces")


def get_addresses(ec2: Client) -> List[Json]:
    return ec2.describe_addresses().get("Addresses", [])


def get_route_tables(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_route_tables", "RouteTables")


def get_network_acls(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_network_acls", "NetworkAcls")


def get_flow_logs(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_flow_logs", "FlowLogs")


def get_vpc_endpoints(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_vpc_endpoints", "VpcEndpoints")


def get_vpc_peering_connections(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_vpc_peering_connections", "VpcPeeringConnections")


def delete_internet_gateway(ec2: Client, reported: Json) -> None:
    # a gateway attached to a VPC cannot be deleted: detach it first
    for attachment in reported.get("gateway_attachments") or []:
        if attachment.get("vpc_id"):
            ec2.detach_internet_gateway(InternetGatewayId=reported["id"], VpcId=attachment["vpc_id"])
    ec2.delete_internet_gateway(InternetGatewayId=reported["id"])


def release_address(ec2: Client, reported: Json) -> None:
    if reported.get("ip_association_id"):
        ec2.disassociate_address(AssociationId=reported["ip_association_id"])
    if reported.get("ip_allocation_id"):
        ec2.release_address(AllocationId=reported["ip_allocation_id"])
    else:
        ec2.release_address(PublicIp=reported["id"])


def delete_route_table(ec2: Client, reported: Json) -> None:
    # a table still associated with subnets cannot go; the main association goes with the VPC
    for association in reported.get("route_table_associations") or []:
        if association.get("route_table_association_id") and not association.get("main"):
            ec2.disassociate_route_table(AssociationId=association["route_table_association_id"])
    ec2.delete_route_table(RouteTableId=reported["id"])


def _eip_name(item: Json) -> Optional[str]:
    return item.get("InstanceId") or tag_value("Name")(item) or item.get("NetworkInterfaceId")


def _flow_log_bucket(item: Json) -> Optional[str]:
    """The bucket a flow log writes to, by ARN: without the key prefix the destination may name."""
    destination = item.get("LogDestination")
    if item.get("LogDestinationType") != "s3" or not isinstance(destination, str):
        return None
    return destination.split("/", 1)[0]


def _peer_vpc(path: str) -> Callable[[Json], Any]:
    """A side of a peering connection, its CIDR block sets as plain lists of blocks (as the reference)."""
    def get(item: Json) -> Any:
        info = item.get(path)
        if not isinstance(info, dict):
            return info
        return {**info, "CidrBlockSet": [c.get("CidrBlock") for c in info.get("CidrBlockSet") or []],
                "Ipv6CidrBlockSet": [c.get("Ipv6CidrBlock") for c in info.get("Ipv6CidrBlockSet") or []]}
    return get


KINDS = [
    Kind("aws_vpc", "ec2", get_vpcs, id="VpcId", name_of=tag_value("Name", fallback="VpcId"), prefix="vpc_",
         tags=EC2_TAGS, delete=call("delete_vpc", VpcId="id")),
    Kind("aws_ec2_subnet", "ec2", get_subnets, id="SubnetId", name_of=tag_value("Name", fallback="SubnetId"),
         arn="SubnetArn", prefix="subnet_", edges=(inside(VPC, "VpcId"),),
         tags=EC2_TAGS, delete=call("delete_subnet", SubnetId="id")),
    Kind("aws_ec2_security_group", "ec2", get_security_groups, id="GroupId", name_of="GroupName",
         arn="SecurityGroupArn", prefix="group_", props={"description": "Description"},
         edges=(inside(VPC, "VpcId"),), tags=EC2_TAGS, delete=call("delete_security_group", GroupId="id")),
    Kind("aws_ec2_internet_gateway", "ec2", get_internet_gateways, id="InternetGatewayId",
         name_of=tag_value("Name", fallback="InternetGatewayId"), prefix="gateway_",
         edges=(inside(VPC, "Attachments[].VpcId"),), tags=EC2_TAGS, delete=delete_internet_gateway),
    # listed for an hour after deletion; no longer a resource then
    Kind("aws_ec2_nat_gateway", "ec2", get_nat_gateways, id="NatGatewayId", name_of=tag_value("Name"), prefix="nat_",
         props={"ctime": "CreateTime"}, only=lambda item: item.get("State") != "deleted",
         edges=(uses(VPC, "VpcId"), uses(SUBNET, "SubnetId"),
                uses(NETWORK_INTERFACE, "NatGatewayAddresses[].NetworkInterfaceId")),
         tags=EC2_TAGS, delete=call("delete_nat_gateway", NatGatewayId="id")),
    Kind("aws_ec2_network_interface", "ec2", get_network_interfaces, id="NetworkInterfaceId",
         name_of=tag_value("Name", path="TagSet"), prefix="nic_", tags=NIC_TAGS,
         props={"network_interface_status": "Status", "network_interface_type": "InterfaceType", "mac": "MacAddress",
                "description": "Description", "private_ips": "PrivateIpAddresses[].PrivateIpAddress",
                "public_ips": "PrivateIpAddresses[].Association.PublicIp", "v6_ips": "Ipv6Addresses[].Ipv6Address",
                "nic_ipv4_prefixes": "Ipv4Prefixes[].Ipv4Prefix", "nic_ipv6_prefixes": "Ipv6Prefixes[].Ipv6Prefix"},
         edges=(inside(VPC, "VpcId"), seen_by(SUBNET, "SubnetId"), used_by(INSTANCE, "Attachment.InstanceId"),
                seen_by(SECURITY_GROUP, "Groups[].GroupId")),
         delete=call("delete_network_interface", NetworkInterfaceId="id")),
    Kind("aws_ec2_elastic_ip", "ec2", get_addresses, id="PublicIp", name_of=_eip_name, prefix="ip_",
         props={"ip_address": "PublicIp", "ip_address_family": lambda _: "ipv4"},
         edges=(used_by(INSTANCE, "InstanceId"), used_by(NETWORK_INTERFACE, "NetworkInterfaceId")),
         tags=EC2_TAGS, delete=release_address),
    Kind("aws_ec2_route_table", "ec2", get_route_tables, id="RouteTableId",
         name_of=tag_value("Name", fallback="RouteTableId"), prefix="route_table_",
         props={"route_table_propagating_vgws": "PropagatingVgws[].GatewayId"},
         edges=(inside(VPC, "VpcId"),), tags=EC2_TAGS, delete=delete_route_table),
    Kind("aws_ec2_network_acl", "ec2", get_network_acls, id="NetworkAclId", name_of=tag_value("Name"),
         prefix="acl_", edges=(inside(VPC, "VpcId"), used_by(SUBNET, "Associations[].SubnetId")),
         tags=EC2_TAGS, delete=call("delete_network_acl", NetworkAclId="id")),
    # the resource may be a subnet or an interface too: only a VPC's id finds a node
    Kind("aws_ec2_flow_log", "ec2", get_flow_logs, id="FlowLogId", name_of=tag_value("Name", fallback="FlowLogId"),
         props={"ctime": "CreationTime"},
         edges=(inside(VPC, "ResourceId"), points_at(S3_BUCKET, _flow_log_bucket)),
         tags=EC2_TAGS, delete=call("delete_flow_logs", FlowLogIds=lambda r: [r["id"]])),
    # deleted endpoints and peering connections are listed for a while; no longer resources then
    Kind("aws_vpc_endpoint", "ec2", get_vpc_endpoints, id="VpcEndpointId", name_of=tag_value("Name"),
         prefix="endpoint_", props={"endpoint_dns_options": "DnsOptions.DnsRecordIpType"},
         only=lambda item: str(item.get("State")).lower() != "deleted",
         edges=(inside(VPC, "VpcId"), inside(ROUTE_TABLE, "RouteTableIds[]"), inside(SUBNET, "SubnetIds[]"),
                uses(NETWORK_INTERFACE, "NetworkInterfaceIds[]"), inside(SECURITY_GROUP, "Groups[].GroupId")),
         tags=EC2_TAGS, delete=call("delete_vpc_endpoints", VpcEndpointIds=lambda r: [r["id"]])),
    Kind("aws_vpc_peering_connection", "ec2", get_vpc_peering_connections, id="VpcPeeringConnectionId",
         name_of=tag_value("Name", fallback="VpcPeeringConnectionId"), prefix="connection_",
         only=lambda item: (item.get("Status") or {}).get("Code") != "deleted",
         props={"connection_requester_vpc_info": _peer_vpc("RequesterVpcInfo"),
                "connection_accepter_vpc_info": _peer_vpc("AccepterVpcInfo"), "peering_connection_status": "Status"},
         edges=(inside(VPC, "RequesterVpcInfo.VpcId"), inside(VPC, "AccepterVpcInfo.VpcId")),
         tags=EC2_TAGS, delete=call("delete_vpc_peering_connection", VpcPeeringConnectionId="id")),
]
