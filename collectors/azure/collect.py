"""One subscription into the graph builder:

    azure_subscription → azure_location → azure_resource_group → resources

Resources hang under their resource group (``default``) and must go before it (``delete``); a virtual
machine points to its managed disks (``default``) and goes before them (``delete``). Node ids use the
resource's location as region.

Listing subscription locations, resource groups or resources failing fails the subscription (raised:
the worker reports it, the other subscriptions still land). The second listing that adds properties
to virtual machines and disks failing is reported with ``progress.error`` and those resources keep
their listing fields.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from azure.core.exceptions import AzureError

from collectors.azure.api_versions import api_version_for
from collectors.azure.arm_ids import parse_arm_id
from collectors.azure.clients import resource_client, subscription_client, take_retries
from collectors.azure.config import AzureConfig
from collectors.azure.listing import get_locations, get_provider_collection, get_resource_groups, get_resources
from collectors.azure.transform import (DETAILED_TYPES, VIRTUAL_MACHINE_TYPE, attached_disk_ids, transform_location,
                                        transform_resource, transform_resource_group, transform_subscription)
from collectors.common.plugin import report_retries
from hookspecs import Account, Builder, Progress

Json = Dict[str, Any]
PARTS = ["locations", "resource_groups", "resources"]


class SubscriptionCollectError(Exception):
    """Collecting one subscription failed; the text says which and why."""


def _error_text(ex: Exception) -> str:
    return getattr(ex, "message", None) or str(ex)


def get_details(client: Any, config: AzureConfig, subscription_id: str, resources: List[Json],
                progress: Progress) -> Dict[str, Json]:
    """Full documents (with ``properties``) of the listed resources of the detailed types, by lower id."""
    present = {str(r.get("type", "")).lower(): r["type"] for r in resources
               if str(r.get("type", "")).lower() in DETAILED_TYPES}
    details: Dict[str, Json] = {}
    for full_type in present.values():
        arm = parse_arm_id(f"/providers/{full_type}/x")
        try:
            version = api_version_for(client, subscription_id, arm.namespace, arm.resource_type)
            for item in get_provider_collection(client, config.base_url, subscription_id, full_type, version):
                details[str(item.get("id", "")).lower()] = item
        except (AzureError, LookupError) as ex:
            progress.error(f"azure subscription {subscription_id}: listing {full_type} failed, its resources keep "
                           f"only their listing fields: {_error_text(ex)}")
    return details


class _Regions:
    """Region nodes by location name, made on first use for locations the listing did not name."""

    def __init__(self, builder: Builder, subscription_id: str) -> None:
        self.builder = builder
        self.subscription_id = subscription_id
        self.nodes: Dict[str, str] = {}

    def add(self, raw: Json) -> None:
        reported = transform_location(raw, self.subscription_id)
        if reported["id"] not in self.nodes:
            self.nodes[reported["id"]] = self.builder.add_region(reported)

    def node(self, location: Optional[str]) -> Optional[str]:
        if not location:
            return None
        name = location.lower()
        if name not in self.nodes:
            self.add({"name": name, "displayName": location})
        return self.nodes[name]


def collect_account(config: AzureConfig, account: Account, builder: Builder, progress: Progress) -> None:
    subscription_id = account.id
    raw_sub = dict(account.extra.get("subscription") or {})
    raw_sub.setdefault("subscriptionId", subscription_id)
    raw_sub.setdefault("displayName", account.name)
    account_node = builder.add_account(transform_subscription(raw_sub))
    progress.parts(PARTS)
    client = resource_client(config, subscription_id)
    try:
        _collect(config, account, builder, progress, subscription_id, account_node, client)
    finally:
        try:
            report_retries(progress, take_retries(client, subscription_client(config)))
        except Exception:  # counting retries must never fail or mask the collect
            pass


def _collect(config: AzureConfig, account: Account, builder: Builder, progress: Progress, subscription_id: str,
             account_node: str, client: Any) -> None:
    try:
        locations = get_locations(subscription_client(config), subscription_id)
        groups = get_resource_groups(client)
        resources = get_resources(client, config.resources_filter)
    except AzureError as ex:
        raise SubscriptionCollectError(f"azure subscription {subscription_id} ({account.name}): "
                                       f"{_error_text(ex)}") from ex
    details = get_details(client, config, subscription_id, resources, progress)

    regions = _Regions(builder, subscription_id)
    for raw in locations:
        regions.add(raw)
    progress.done("locations")

    group_nodes: Dict[str, str] = {}
    for raw in groups:
        parent = regions.node(raw.get("location")) or account_node
        group_nodes[str(raw["name"]).lower()] = builder.add_node(transform_resource_group(raw), parent=parent)
    progress.done("resource_groups")

    nodes_by_id: Dict[str, str] = {}
    for raw in resources:
        lower_id = str(raw["id"]).lower()
        location = (raw.get("location") or "").lower() or None
        group = (parse_arm_id(raw["id"]).resource_group or "").lower()
        group_node = group_nodes.get(group)
        parent = group_node or regions.node(location) or account_node
        region_node = regions.node(location)  # makes the region node for unlisted locations
        node = builder.add_node(transform_resource(raw, details.get(lower_id)), region=location if region_node else None,
                                parent=parent)
        nodes_by_id[lower_id] = node
        if group_node:
            builder.add_edge(group_node, node, "delete")
    _link_disks(builder, resources, details, nodes_by_id)
    progress.done("resources")


def _link_disks(builder: Builder, resources: List[Json], details: Dict[str, Json], nodes: Dict[str, str]) -> None:
    for raw in resources:
        if str(raw.get("type", "")).lower() != VIRTUAL_MACHINE_TYPE.lower():
            continue
        vm_node = nodes[str(raw["id"]).lower()]
        for disk_id in attached_disk_ids(details.get(str(raw["id"]).lower())):
            disk_node = nodes.get(disk_id.lower())
            if disk_node:
                builder.add_edge(vm_node, disk_node)
                builder.add_edge(disk_node, vm_node, "delete")
