"""Microsoft.Network: virtual networks and subnets, interfaces, gateways, firewalls, load balancers, virtual WANs,
and the network catalogs and quotas (usages, service aliases, FQDN tags, web categories, appliance SKUs, WAF
rule sets, ExpressRoute port locations). Api-versions are the reference's."""
from __future__ import annotations

import re
from typing import Any, Optional

from collectors.azure.kind import (LOCATION, SUBSCRIPTION, PARENT, Json, Kind, Via, holds, inside, points_at,
                                   seen_by, serves, uses)

APPLICATION_GATEWAY = "azure_application_gateway"
DSCP_CONFIGURATION = "azure_dscp_configuration"
EXPRESS_ROUTE_GATEWAY = "azure_express_route_gateway"
EXPRESS_ROUTE_PORT = "azure_express_route_port"
EXPRESS_ROUTE_PORTS_LOCATION = "azure_express_route_ports_location"
FIREWALL_POLICY = "azure_firewall_policy"
LOAD_BALANCER = "azure_load_balancer"
NAT_GATEWAY = "azure_nat_gateway"
NETWORK_INTERFACE = "azure_network_interface"
NETWORK_SECURITY_GROUP = "azure_network_security_group"
NVA_SKU = "azure_network_virtual_appliance_sku"
PRIVATE_LINK_SERVICE = "azure_private_link_service"
PUBLIC_IP_ADDRESS = "azure_public_ip_address"
PUBLIC_IP_PREFIX = "azure_public_ip_prefix"
SUBNET = "azure_subnet"
VIRTUAL_HUB = "azure_virtual_hub"
VIRTUAL_NETWORK = "azure_virtual_network"
VIRTUAL_NETWORK_TAP = "azure_virtual_network_tap"
VIRTUAL_WAN = "azure_virtual_wan"
VPN_GATEWAY = "azure_vpn_gateway"
WAF_POLICY = "azure_web_application_firewall_policy"
VIRTUAL_MACHINE = "azure_virtual_machine"  # declared in compute.py

NETWORK = "2023-05-01"
IP_CONFIG_SUBNETS = "properties.ipConfigurations[].properties.subnet.id"
SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTP]?i?B)?\s*$", re.IGNORECASE)
SIZE_UNITS = {"b": 1, "kb": 10 ** 3, "mb": 10 ** 6, "gb": 10 ** 9, "tb": 10 ** 12, "pb": 10 ** 15,
              "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30, "tib": 2 ** 40, "pib": 2 ** 50}


def size_in_bytes(item: Json) -> Any:
    """The policy's size (``0.5 MB``) in bytes."""
    text = (item.get("properties") or {}).get("size")
    found = SIZE.match(text) if isinstance(text, str) else None
    if found is None:
        return text  # the model's type check reports what cannot be a number
    return int(float(found.group(1)) * SIZE_UNITS[(found.group(2) or "B").lower()])


def named(item: Json) -> Optional[str]:
    """Found by name."""
    return item.get("name")


def at_location(item: Json) -> Optional[str]:
    """Found by location."""
    location = item.get("location")
    return location.lower() if isinstance(location, str) else None


KINDS = [
    Kind(APPLICATION_GATEWAY, NETWORK, arm_type="Microsoft.Network/applicationGateways", prefixes=("gateway_",),
         props={"application_gateway_ip_configurations": "properties.gatewayIPConfigurations"},
         edges=(uses(WAF_POLICY, "properties.firewallPolicy.id"),
                inside(SUBNET, "properties.privateLinkConfigurations[].properties.ipConfigurations[]"
                               ".properties.subnet.id"),
                inside(SUBNET, "properties.gatewayIPConfigurations[].properties.subnet.id"))),
    Kind("azure_application_gateway_firewall_rule_set", NETWORK, source=SUBSCRIPTION, id="name",
         path="/subscriptions/{subscription}/providers/Microsoft.Network/applicationGatewayAvailableWafRuleSets",
         taggable=False, deletable=False),
    Kind("azure_available_service_alias", NETWORK, source=LOCATION,
         path="/subscriptions/{subscription}/providers/Microsoft.Network/locations/{location}"
              "/availableServiceAliases", taggable=False, deletable=False),
    Kind("azure_bastion_host", NETWORK, arm_type="Microsoft.Network/bastionHosts", prefixes=("bastion_host_",),
         props={"sku": "sku.name"},
         edges=(inside(VIRTUAL_NETWORK, "properties.virtualNetwork.id"), inside(SUBNET, IP_CONFIG_SUBNETS),
                uses(PUBLIC_IP_ADDRESS, "properties.ipConfigurations[].properties.publicIPAddress.id"))),
    Kind("azure_custom_ip_prefix", NETWORK, arm_type="Microsoft.Network/customIpPrefixes"),
    Kind("azure_ddos_protection_plan", NETWORK, arm_type="Microsoft.Network/ddosProtectionPlans",
         edges=(holds(VIRTUAL_NETWORK, "properties.virtualNetworks[].id"),
                holds(PUBLIC_IP_ADDRESS, "properties.publicIPAddresses[].id"))),
    # the subnets of the interfaces it is associated with
    Kind(DSCP_CONFIGURATION, NETWORK, arm_type="Microsoft.Network/dscpConfigurations",
         edges=(seen_by(SUBNET, "properties.associatedNetworkInterfaces[].id",
                        via=Via(NETWORK_INTERFACE, IP_CONFIG_SUBNETS)),)),
    Kind("azure_express_route_circuit", NETWORK, arm_type="Microsoft.Network/expressRouteCircuits",
         prefixes=("circuit_", "azure_"),
         edges=(uses(EXPRESS_ROUTE_PORT, "properties.expressRoutePort.id"),
                points_at(EXPRESS_ROUTE_PORTS_LOCATION, "properties.serviceProviderProperties.peeringLocation",
                          by="name"))),
    # the reference lists it in its model without collecting it; cheap here: listed only where it exists
    Kind("azure_express_route_cross_connection", NETWORK, arm_type="Microsoft.Network/expressRouteCrossConnections",
         prefixes=("cross_connection_",)),
    Kind(EXPRESS_ROUTE_GATEWAY, NETWORK, arm_type="Microsoft.Network/expressRouteGateways"),
    Kind(EXPRESS_ROUTE_PORT, NETWORK, arm_type="Microsoft.Network/ExpressRoutePorts"),
    Kind(EXPRESS_ROUTE_PORTS_LOCATION, NETWORK, source=SUBSCRIPTION,
         path="/subscriptions/{subscription}/providers/Microsoft.Network/ExpressRoutePortsLocations",
         keys={"name": named}, taggable=False, deletable=False),
    Kind("azure_firewall", NETWORK, arm_type="Microsoft.Network/azureFirewalls", prefixes=("firewall_",),
         edges=(uses(FIREWALL_POLICY, "properties.firewallPolicy.id"), inside(SUBNET, IP_CONFIG_SUBNETS),
                uses(VIRTUAL_HUB, "properties.virtualHub.id"))),
    Kind("azure_firewall_fqdn_tag", NETWORK, source=SUBSCRIPTION, id="name",
         path="/subscriptions/{subscription}/providers/Microsoft.Network/azureFirewallFqdnTags",
         taggable=False, deletable=False),
    Kind(FIREWALL_POLICY, NETWORK, arm_type="Microsoft.Network/firewallPolicies", prefixes=("firewall_policy_",),
         props={"size": size_in_bytes, "sku": "properties.sku.tier", "sql": "properties.sql.allowSqlRedirect"}),
    Kind("azure_ip_allocation", NETWORK, arm_type="Microsoft.Network/IpAllocations",
         edges=(inside(VIRTUAL_NETWORK, "properties.virtualNetwork.id"), inside(SUBNET, "properties.subnet.id"))),
    # the virtual networks whose address space holds one of its addresses
    Kind("azure_ip_group", NETWORK, arm_type="Microsoft.Network/ipGroups",
         edges=(seen_by(VIRTUAL_NETWORK, "properties.ipAddresses[]", by="address_prefix"),)),
    Kind(LOAD_BALANCER, NETWORK, arm_type="Microsoft.Network/loadBalancers", prefixes=("lb_", "azure_"),
         props={"lb_type": "type", "backends": "properties.backendAddressPools[].properties.virtualNetwork.id"},
         edges=(inside(VIRTUAL_NETWORK, "properties.backendAddressPools[].properties.virtualNetwork.id"),
                inside(SUBNET, "properties.backendAddressPools[].properties.loadBalancerBackendAddresses[]"
                               ".properties.subnet.id"))),
    Kind(NAT_GATEWAY, NETWORK, arm_type="Microsoft.Network/natGateways",
         props={"sku": "sku.name", "subnet_ids": "properties.subnets[].id"}),
    Kind(NETWORK_INTERFACE, NETWORK, arm_type="Microsoft.Network/networkInterfaces", prefixes=("interface_",),
         keys={"name": named, "ip_configuration": "properties.ipConfigurations[].id"},
         edges=(uses(DSCP_CONFIGURATION, "properties.dscpConfiguration.id"),
                inside(VIRTUAL_NETWORK_TAP, "properties.tapConfigurations[].properties.virtualNetworkTap.id"),
                inside(NETWORK_SECURITY_GROUP, "properties.networkSecurityGroup.id"),
                seen_by(PRIVATE_LINK_SERVICE, "properties.privateLinkService.id"))),
    # the subnets its containers sit in, and the VMs of the interfaces whose IP configurations it names
    Kind("azure_network_profile", NETWORK, arm_type="Microsoft.Network/networkProfiles",
         edges=(inside(SUBNET, "properties.containerNetworkInterfaceConfigurations[].properties"
                               ".ipConfigurations[].properties.subnet.id"),
                points_at(VIRTUAL_MACHINE, "properties.containerNetworkInterfaceConfigurations[].properties"
                                           ".ipConfigurations[].id",
                          via=Via(NETWORK_INTERFACE, "properties.virtualMachine.id", by="ip_configuration")))),
    Kind(NETWORK_SECURITY_GROUP, NETWORK, arm_type="Microsoft.Network/networkSecurityGroups"),
    # its SKU by vendor, and the subnets of the interfaces its NICs are
    Kind("azure_network_virtual_appliance", NETWORK, arm_type="Microsoft.Network/networkVirtualAppliances",
         edges=(points_at(NVA_SKU, "properties.nvaSku.vendor", by="vendor"),
                seen_by(SUBNET, "properties.virtualApplianceNics[].instanceName",
                        via=Via(NETWORK_INTERFACE, IP_CONFIG_SUBNETS, by="name")))),
    Kind(NVA_SKU, "2023-04-01", source=SUBSCRIPTION, id="name",
         path="/subscriptions/{subscription}/providers/Microsoft.Network/networkVirtualApplianceSkus",
         keys={"vendor": "properties.vendor"}, taggable=False, deletable=False),
    # the virtual networks of its location
    Kind("azure_network_watcher", NETWORK, arm_type="Microsoft.Network/networkWatchers",
         props={"properties": "properties.provisioningState"},
         edges=(seen_by(VIRTUAL_NETWORK, at_location, by="location"),)),
    Kind("azure_p2_s_vpn_gateway", NETWORK, arm_type="Microsoft.Network/p2svpnGateways",
         edges=(uses(VIRTUAL_HUB, "properties.virtualHub.id"),)),
    Kind(PRIVATE_LINK_SERVICE, NETWORK, arm_type="Microsoft.Network/privateLinkServices",
         prefixes=("link_service_",)),
    Kind(PUBLIC_IP_ADDRESS, NETWORK, arm_type="Microsoft.Network/publicIPAddresses", prefixes=("ip_", "azure_"),
         edges=(inside(PUBLIC_IP_PREFIX, "properties.publicIPPrefix.id"),
                serves(NAT_GATEWAY, "properties.natGateway.id"))),
    Kind(PUBLIC_IP_PREFIX, NETWORK, arm_type="Microsoft.Network/publicIPPrefixes", prefixes=("azure_",)),
    Kind("azure_route_filter", NETWORK, arm_type="Microsoft.Network/routeFilters", prefixes=("filter_",)),
    Kind("azure_security_partner_provider", NETWORK, arm_type="Microsoft.Network/securityPartnerProviders"),
    # from each virtual network's document, which holds its subnets whole
    Kind(SUBNET, NETWORK, arm_type="Microsoft.Network/virtualNetworks/subnets", source=PARENT,
         parent=VIRTUAL_NETWORK, items="properties.subnets[]", taggable=False,
         edges=(uses(NAT_GATEWAY, "properties.natGateway.id"),
                uses(NETWORK_SECURITY_GROUP, "properties.networkSecurityGroup.id"))),
    Kind("azure_usage", NETWORK, source=LOCATION, prefixes=("usage_",),
         path="/subscriptions/{subscription}/providers/Microsoft.Network/locations/{location}/usages",
         name_of="id", taggable=False, deletable=False),
    Kind(VIRTUAL_HUB, NETWORK, arm_type="Microsoft.Network/virtualHubs", prefixes=("hub_", "virtual_hub_"),
         props={"ip_configuration_ids": "properties.ipConfigurations[].id",
                "virtual_router_auto_scale_configuration": "properties.virtualRouterAutoScaleConfiguration"
                                                           ".minCapacity"},
         edges=(serves(EXPRESS_ROUTE_GATEWAY, "properties.expressRouteGateway.id"),
                serves(VPN_GATEWAY, "properties.vpnGateway.id"),
                inside(VIRTUAL_WAN, "properties.virtualWan.id"),
                points_at(PUBLIC_IP_ADDRESS, "properties.ipConfigurations[].id",
                          via=Via(NETWORK_INTERFACE, "properties.ipConfigurations[].properties.publicIPAddress.id",
                                  by="ip_configuration")))),
    Kind(VIRTUAL_NETWORK, NETWORK, arm_type="Microsoft.Network/virtualNetworks", prefixes=("virtual_network_",),
         keys={"address_prefix": "properties.addressSpace.addressPrefixes[]", "location": at_location},
         edges=(holds(SUBNET, "properties.subnets[].id"),)),
    Kind(VIRTUAL_NETWORK_TAP, NETWORK, arm_type="Microsoft.Network/virtualNetworkTaps"),
    Kind("azure_virtual_router", NETWORK, arm_type="Microsoft.Network/virtualRouters"),
    Kind(VIRTUAL_WAN, NETWORK, arm_type="Microsoft.Network/virtualWans"),
    Kind(VPN_GATEWAY, NETWORK, arm_type="Microsoft.Network/vpnGateways", prefixes=("gateway_",)),
    Kind("azure_vpn_server_configuration", NETWORK, arm_type="Microsoft.Network/vpnServerConfigurations"),
    Kind("azure_vpn_site", NETWORK, arm_type="Microsoft.Network/vpnSites",
         edges=(inside(VIRTUAL_WAN, "properties.virtualWan.id"),)),
    Kind(WAF_POLICY, NETWORK, arm_type="Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies",
         prefixes=("gateway_",)),
    Kind("azure_web_category", NETWORK, source=SUBSCRIPTION, id="name",
         path="/subscriptions/{subscription}/providers/Microsoft.Network/azureWebCategories",
         props={"properties": "properties.group"}, taggable=False, deletable=False),
]
