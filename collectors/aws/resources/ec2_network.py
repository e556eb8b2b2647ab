"""VPCs, subnets, security groups, internet and NAT gateways, network interfaces, elastic IPs."""
from __future__ import annotations

from typing import List

from collectors.aws.resources.base import Client, Json, KindActions, ResourceType, paginate
from collectors.aws.resources.ec2_tags import delete_ec2_tag, name_and_tags, update_ec2_tag
from collectors.aws.shaped import Ref, Scope, Shaped, mapped

VPC = "aws_vpc"
SUBNET = "aws_ec2_subnet"
SECURITY_GROUP = "aws_ec2_security_group"
INTERNET_GATEWAY = "aws_ec2_internet_gateway"
NAT_GATEWAY = "aws_ec2_nat_gateway"
NETWORK_INTERFACE = "aws_ec2_network_interface"
ELASTIC_IP = "aws_ec2_elastic_ip"
INSTANCE = "aws_ec2_instance"

VPC_FIELDS = {
    "vpc_cidr_block": "CidrBlock",
    "vpc_dhcp_options_id": "DhcpOptionsId",
    "vpc_state": "State",
    "vpc_instance_tenancy": "InstanceTenancy",
    "vpc_ipv6_cidr_block_association_set": "Ipv6CidrBlockAssociationSet",
    "vpc_cidr_block_association_set": "CidrBlockAssociationSet",
    "vpc_is_default": "IsDefault",
}

SUBNET_FIELDS = {
    "subnet_availability_zone": "AvailabilityZone",
    "subnet_availability_zone_id": "AvailabilityZoneId",
    "subnet_available_ip_address_count": "AvailableIpAddressCount",
    "subnet_cidr_block": "CidrBlock",
    "subnet_default_for_az": "DefaultForAz",
    "subnet_enable_lni_at_device_index": "EnableLniAtDeviceIndex",
    "subnet_map_public_ip_on_launch": "MapPublicIpOnLaunch",
    "subnet_map_customer_owned_ip_on_launch": "MapCustomerOwnedIpOnLaunch",
    "subnet_customer_owned_ipv4_pool": "CustomerOwnedIpv4Pool",
    "subnet_state": "State",
    "subnet_assign_ipv6_address_on_creation": "AssignIpv6AddressOnCreation",
    "subnet_ipv6_cidr_block_association_set": "Ipv6CidrBlockAssociationSet",
    "subnet_outpost_arn": "OutpostArn",
    "subnet_enable_dns64": "EnableDns64",
    "subnet_ipv6_native": "Ipv6Native",
    "subnet_private_dns_name_options_on_launch": "PrivateDnsNameOptionsOnLaunch",
}

NAT_FIELDS = {
    "ctime": "CreateTime",
    "nat_delete_time": "DeleteTime",
    "nat_failure_code": "FailureCode",
    "nat_failure_message": "FailureMessage",
    "nat_gateway_addresses": "NatGatewayAddresses",
    "nat_provisioned_bandwidth": "ProvisionedBandwidth",
    "nat_state": "State",
    "nat_connectivity_type": "ConnectivityType",
}

NIC_FIELDS = {
    "network_interface_status": "Status",
    "network_interface_type": "InterfaceType",
    "mac": "MacAddress",
    "description": "Description",
    "nic_association": "Association",
    "nic_attachment": "Attachment",
    "nic_availability_zone": "AvailabilityZone",
    "nic_groups": "Groups",
    "nic_outpost_arn": "OutpostArn",
    "nic_private_dns_name": "PrivateDnsName",
    "nic_private_ip_address": "PrivateIpAddress",
    "nic_private_ip_addresses": "PrivateIpAddresses",
    "nic_requester_id": "RequesterId",
    "nic_requester_managed": "RequesterManaged",
    "nic_source_dest_check": "SourceDestCheck",
    "nic_subnet_id": "SubnetId",
    "nic_tag_set": "TagSet",
    "nic_deny_all_igw_traffic": "DenyAllIgwTraffic",
    "nic_ipv6_native": "Ipv6Native",
    "nic_ipv6_address": "Ipv6Address",
}

ELASTIC_IP_FIELDS = {
    "ip_address": "PublicIp",
    "public_ip": "PublicIp",
    "private_ip_address": "PrivateIpAddress",
    "ip_allocation_id": "AllocationId",
    "ip_association_id": "AssociationId",
    "ip_domain": "Domain",
    "ip_network_interface_id": "NetworkInterfaceId",
    "ip_public_ipv4_pool": "PublicIpv4Pool",
    "ip_network_border_group": "NetworkBorderGroup",
    "ip_customer_owned_ip": "CustomerOwnedIp",
    "ip_customer_owned_ipv4_pool": "CustomerOwnedIpv4Pool",
    "ip_carrier_ip": "CarrierIp",
}


# ---- VPCs and subnets ---------------------------------------------------------------------------

def get_vpcs(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_vpcs", "Vpcs")


def transform_vpcs(vpcs: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in vpcs:
        vid = item["VpcId"]
        name, tags = name_and_tags(item, vid)
        out.node({"kind": VPC, "id": vid, "name": name, "tags": tags, "arn": scope.arn("ec2", f"vpc/{vid}"),
                  **mapped(item, VPC_FIELDS)})
    return out


def delete_vpc(ec2: Client, reported: Json) -> None:
    ec2.delete_vpc(VpcId=reported["id"])


def get_subnets(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_subnets", "Subnets")


def transform_subnets(subnets: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in subnets:
        sid = item["SubnetId"]
        name, tags = name_and_tags(item, sid)
        out.node({"kind": SUBNET, "id": sid, "name": name, "tags": tags,
                  "arn": item.get("SubnetArn") or scope.arn("ec2", f"subnet/{sid}"), **mapped(item, SUBNET_FIELDS)})
        if item.get("VpcId"):
            out.link_both(Ref(VPC, item["VpcId"]), Ref(SUBNET, sid))
    return out


def delete_subnet(ec2: Client, reported: Json) -> None:
    ec2.delete_subnet(SubnetId=reported["id"])


# ---- security groups ----------------------------------------------------------------------------

def get_security_groups(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_security_groups", "SecurityGroups")


def transform_security_groups(groups: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in groups:
        gid = item["GroupId"]
        _, tags = name_and_tags(item)
        out.node({"kind": SECURITY_GROUP, "id": gid, "name": item.get("GroupName") or gid, "tags": tags,
                  "arn": item.get("SecurityGroupArn") or scope.arn("ec2", f"security-group/{gid}"),
                  "description": item.get("Description"), "group_ip_permissions": item.get("IpPermissions"),
                  "group_ip_permissions_egress": item.get("IpPermissionsEgress")})
        if item.get("VpcId"):
            out.link_both(Ref(VPC, item["VpcId"]), Ref(SECURITY_GROUP, gid))
    return out


def delete_security_group(ec2: Client, reported: Json) -> None:
    ec2.delete_security_group(GroupId=reported["id"])


# ---- gateways -----------------------------------------------------------------------------------

def get_internet_gateways(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_internet_gateways", "InternetGateways")


def transform_internet_gateways(gateways: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in gateways:
        gid = item["InternetGatewayId"]
        name, tags = name_and_tags(item, gid)
        out.node({"kind": INTERNET_GATEWAY, "id": gid, "name": name, "tags": tags,
                  "arn": scope.arn("ec2", f"internet-gateway/{gid}"), "gateway_attachments": item.get("Attachments")})
        for attachment in item.get("Attachments") or []:
            if attachment.get("VpcId"):
                out.link_both(Ref(VPC, attachment["VpcId"]), Ref(INTERNET_GATEWAY, gid))
    return out


def delete_internet_gateway(ec2: Client, reported: Json) -> None:
    # a gateway attached to a VPC cannot be deleted: detach it first
    for attachment in reported.get("gateway_attachments") or []:
        if attachment.get("vpc_id"):
            ec2.detach_internet_gateway(InternetGatewayId=reported["id"], VpcId=attachment["vpc_id"])
    ec2.delete_internet_gateway(InternetGatewayId=reported["id"])


def get_nat_gateways(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_nat_gateways", "NatGateways")


def transform_nat_gateways(gateways: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in gateways:
        if item.get("State") == "deleted":  # listed for an hour after deletion; no longer a resource
            continue
        gid = item["NatGatewayId"]
        name, tags = name_and_tags(item, gid)
        me = Ref(NAT_GATEWAY, gid)
        out.node({"kind": NAT_GATEWAY, "id": gid, "name": name, "tags": tags,
                  "arn": scope.arn("ec2", f"natgateway/{gid}"), **mapped(item, NAT_FIELDS)})
        # the reference model draws the NAT gateway above its VPC, subnet and interfaces, and has those
        # wait for the gateway's deletion
        for target in ([Ref(VPC, item["VpcId"])] if item.get("VpcId") else []) + \
                      ([Ref(SUBNET, item["SubnetId"])] if item.get("SubnetId") else []) + \
                      [Ref(NETWORK_INTERFACE, a["NetworkInterfaceId"])
                       for a in item.get("NatGatewayAddresses") or [] if a.get("NetworkInterfaceId")]:
            out.link(me, target)
            out.link(target, me, "delete")
    return out


def delete_nat_gateway(ec2: Client, reported: Json) -> None:
    ec2.delete_nat_gateway(NatGatewayId=reported["id"])


# ---- network interfaces and elastic IPs ---------------------------------------------------------

def get_network_interfaces(ec2: Client) -> List[Json]:
    return paginate(ec2, "describe_network_interfaces", "NetworkInterfaces")


def transform_network_interfaces(interfaces: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in interfaces:
        nid = item["NetworkInterfaceId"]
        name, tags = name_and_tags(item, nid, tag_key="TagSet")
        me = Ref(NETWORK_INTERFACE, nid)
        out.node({
            "kind": NETWORK_INTERFACE, "id": nid, "name": name, "tags": tags,
            "arn": scope.arn("ec2", f"network-interface/{nid}"),
            "private_ips": [a["PrivateIpAddress"] for a in item.get("PrivateIpAddresses") or []
                            if a.get("PrivateIpAddress")],
            "public_ips": [a["Association"]["PublicIp"] for a in item.get("PrivateIpAddresses") or []
                           if (a.get("Association") or {}).get("PublicIp")],
            "v6_ips": [a["Ipv6Address"] for a in item.get("Ipv6Addresses") or [] if a.get("Ipv6Address")],
            "nic_ipv4_prefixes": [p.get("Ipv4Prefix") for p in item.get("Ipv4Prefixes") or []],
            "nic_ipv6_prefixes": [p.get("Ipv6Prefix") for p in item.get("Ipv6Prefixes") or []],
            **mapped(item, NIC_FIELDS),
        })
        if item.get("VpcId"):
            out.link_both(Ref(VPC, item["VpcId"]), me)
        if item.get("SubnetId"):
            out.link(Ref(SUBNET, item["SubnetId"]), me)
        for group in item.get("Groups") or []:
            out.link(Ref(SECURITY_GROUP, group["GroupId"]), me)
        instance_id = (item.get("Attachment") or {}).get("InstanceId")
        if instance_id:
            out.link(Ref(INSTANCE, instance_id), me)
            out.link(me, Ref(INSTANCE, instance_id), "delete")
    return out


def delete_network_interface(ec2: Client, reported: Json) -> None:
    ec2.delete_network_interface(NetworkInterfaceId=reported["id"])


def get_addresses(ec2: Client) -> List[Json]:
    return ec2.describe_addresses().get("Addresses", [])


def transform_addresses(addresses: List[Json], scope: Scope) -> Shaped:
    out = Shaped()
    for item in addresses:
        ip = item["PublicIp"]
        allocation = item.get("AllocationId") or ip
        name, tags = name_and_tags(item, item.get("InstanceId") or allocation)
        me = Ref(ELASTIC_IP, ip)
        out.node({"kind": ELASTIC_IP, "id": ip, "name": name, "tags": tags, "ip_address_family": "ipv4",
                  "arn": scope.arn("ec2", f"elastic-ip/{allocation}"), **mapped(item, ELASTIC_IP_FIELDS)})
        for owner in ([Ref(INSTANCE, item["InstanceId"])] if item.get("InstanceId") else []) + \
                     ([Ref(NETWORK_INTERFACE, item["NetworkInterfaceId"])] if item.get("NetworkInterfaceId") else []):
            out.link(owner, me)
            out.link(me, owner, "delete")
    return out


def release_address(ec2: Client, reported: Json) -> None:
    if reported.get("ip_association_id"):
        ec2.disassociate_address(AssociationId=reported["ip_association_id"])
    if reported.get("ip_allocation_id"):
        ec2.release_address(AllocationId=reported["ip_allocation_id"])
    else:
        ec2.release_address(PublicIp=reported["id"])


RESOURCE_TYPES = [
    ResourceType("ec2_vpcs", "ec2", get_vpcs, transform_vpcs),
    ResourceType("ec2_subnets", "ec2", get_subnets, transform_subnets),
    ResourceType("ec2_security_groups", "ec2", get_security_groups, transform_security_groups),
    ResourceType("ec2_internet_gateways", "ec2", get_internet_gateways, transform_internet_gateways),
    ResourceType("ec2_nat_gateways", "ec2", get_nat_gateways, transform_nat_gateways),
    ResourceType("ec2_network_interfaces", "ec2", get_network_interfaces, transform_network_interfaces),
    ResourceType("ec2_elastic_ips", "ec2", get_addresses, transform_addresses),
]

ACTIONS = {
    VPC: KindActions("ec2", update_ec2_tag, delete_ec2_tag, delete_vpc),
    SUBNET: KindActions("ec2", update_ec2_tag, delete_ec2_tag, delete_subnet),
    SECURITY_GROUP: KindActions("ec2", update_ec2_tag, delete_ec2_tag, delete_security_group),
    INTERNET_GATEWAY: KindActions("ec2", update_ec2_tag, delete_ec2_tag, delete_internet_gateway),
    NAT_GATEWAY: KindActions("ec2", update_ec2_tag, delete_ec2_tag, delete_nat_gateway),
    NETWORK_INTERFACE: KindActions("ec2", update_ec2_tag, delete_ec2_tag, delete_network_interface),
    ELASTIC_IP: KindActions("ec2", update_ec2_tag, delete_ec2_tag, release_address),
}
