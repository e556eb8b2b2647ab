"""The pure parts on literal REST dicts: the plan of a subscription's lists, power states, Azure Monitor answers,
shaping rules the fixtures do not single out, ARM ids, api-version choice, subscription choice."""
from __future__ import annotations

from datetime import datetime, timezone

from collectors.azure.accounts import choose_subscriptions
from collectors.azure.api_versions import api_version_from_provider, newest_api_version
from collectors.azure.arm_ids import parse_arm_id
from collectors.azure.collect import plan, power_state
from collectors.azure.config import AzureConfig
from collectors.azure.metrics import metrics_query, usage_of
from collectors.azure.registry import BY_NAME, KINDS
from collectors.azure.resources.compute import VM_USAGE
from collectors.azure.resources.network import size_in_bytes
from collectors.azure.shape import node, with_times

SUB = "/subscriptions/s1"
VM_ID = f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
LOCATIONS = {"westeurope": {"name": "westeurope"}, "europe": {"name": "europe", "metadata": {"regionType": "Logical"}},
             "northeurope": {"name": "northeurope", "metadata": {"regionType": "Physical"}}}


def _planned(tasks):
    return sorted((t.kind.name, t.what, t.location) for t in tasks)


def test_plan_lists_the_types_the_subscription_has_and_the_catalogs_where_they_apply():
    tasks = plan(KINDS, {"microsoft.compute/virtualmachines", "microsoft.network/virtualnetworks",
                         "microsoft.storage/storageaccounts"}, LOCATIONS, {"westeurope"})
    planned = _planned(tasks)
    collections = [p for p in planned if BY_NAME[p[0]].arm_type and BY_NAME[p[0]].source == "collection"]
    assert collections == [("azure_virtual_machine", "list", None), ("azure_virtual_machine", "status", None),
                           ("azure_virtual_network", "list", None)]
    assert ("azure_usage", "list", "westeurope") in planned and ("azure_usage", "list", "northeurope") in planned
    assert not [p for p in planned if p[2] == "europe"]  # a logical location holds nothing
    assert [p for p in planned if p[0] == "azure_virtual_machine_size"] == [
        ("azure_virtual_machine_size", "list", "westeurope")]
    assert ("azure_firewall_fqdn_tag", "list", None) in planned
    # the reference's plan: every type, whatever the subscription has; a filter: no catalogs
    every = plan(KINDS, set(), LOCATIONS, set(), every_type=True)
    assert len([t for t in every if t.kind.source == "collection"]) == len([k for k in KINDS
                                                                           if k.source == "collection"]) + 1
    assert [t.kind.name for t in plan(KINDS, {"microsoft.compute/disks"}, LOCATIONS, set(), catalogs=False)] == \
        ["azure_disk"]


def test_power_states_as_the_reference_maps_them():
    def vm(*codes):
        return {"properties": {"instanceView": {"statuses": [{"code": c} for c in codes]}}}
    assert power_state(vm("ProvisioningState/succeeded", "PowerState/running")) == "running"
    assert power_state(vm("PowerState/deallocated")) == "terminated"
    assert power_state(vm("PowerState/deallocating")) == "busy"
    assert power_state(vm("PowerState/hibernated")) == "unknown"
    assert power_state(vm("ProvisioningState/succeeded")) == power_state({}) == "unknown"


def test_one_metrics_query_per_resource_and_its_figures():
    query = metrics_query(VM_USAGE, datetime(2024, 1, 1, 12, tzinfo=timezone.utc))
    assert query["metricnames"].split(",") == list(VM_USAGE.metrics)
    assert query["timespan"] == "2024-01-01T11:00:00Z/2024-01-01T12:00:00Z" and query["interval"] == "PT1H"
    assert query["aggregation"] == "average,minimum,maximum"
    answer = {"value": [
        {"name": {"value": "Percentage CPU"}, "timeseries": [{"data": [
            {"timeStamp": "t1", "average": 1.23456, "minimum": 0.5, "maximum": 2},
            {"timeStamp": "t2", "average": 2.0, "minimum": None}]}]},
        {"name": {"value": "Network In"}, "timeseries": [{"data": []}]},  # no datapoints: left out
        {"name": {"value": "Something Else"}, "timeseries": [{"data": [{"average": 1}]}]}]}
    assert usage_of(VM_USAGE, answer) == {"cpu_utilization": {"avg": 1.617, "min": 0.5, "max": 2.0}}
    assert usage_of(VM_USAGE, {}) == {}


def test_shaping_rules_on_literal_documents():
    problems = []
    made = node(BY_NAME["azure_virtual_machine"], {
        "id": VM_ID, "name": "vm", "location": "WestEurope", "tags": {"k": None},
        "properties": {"hardwareProfile": {"vmSize": "Standard_B2s"}, "platformFaultDomain": "two",
                       "availabilitySet": {"id": f"{SUB}/resourceGroups/rg/providers/Microsoft.Compute/"
                                                 f"availabilitySets/as"},
                       "timeCreated": "2024-01-01T00:00:00.1234567+01:00"}}, problems=problems)
    reported = made.reported
    assert reported["instance_type"] == "Standard_B2s" and reported["hardware_profile"] == {"vm_size": "Standard_B2s"}
    assert reported["availability_set"].endswith("/availabilitySets/as")  # a sub-resource is its id
    assert reported["ctime"] == reported["time_created"] == "2023-12-31T23:00:00Z"
    assert reported["tags"] == {"k": ""} and made.location == "westeurope"
    assert "platform_fault_domain" not in reported  # an odd value costs that property only
    assert [str(p) for p in problems] == ["azure_virtual_machine.platform_fault_domain: not a number: 'two'"]
    assert [(link.other.kind, link.edge_type, link.outgoing) for link in made.links] == [
        ("azure_virtual_machine_size", "default", True)]
    assert made.links[0].other.key == "standard_b2s@westeurope"
    # the listing's times where the kind has none of its own
    listed = {"createdTime": "2024-05-01T00:00:00Z", "changedTime": "2024-05-02T00:00:00Z"}
    assert with_times({"ctime": "2023-01-01T00:00:00Z"}, listed) == {"ctime": "2023-01-01T00:00:00Z",
                                                                       "mtime": "2024-05-02T00:00:00Z"}


def test_firewall_policy_sizes_in_bytes():
    def size(text):
        return size_in_bytes({"properties": {"size": text}})
    assert size("0.5 MB") == 500_000 and size("2 KiB") == 2048 and size("17") == 17 and size("many") == "many"


def test_arm_ids():
    arm = parse_arm_id(f"{SUB}/resourceGroups/rg/providers/Microsoft.Sql/servers/s/databases/db")
    assert (arm.subscription, arm.resource_group, arm.namespace, arm.resource_type) == \
        ("s1", "rg", "Microsoft.Sql", "servers/databases")
    assert parse_arm_id(f"{SUB}/resourcegroups/rg").is_resource_group
    assert parse_arm_id(VM_ID).full_type == "Microsoft.Compute/virtualMachines"
    assert parse_arm_id("/subscriptions/s1").subscription == "s1"


def test_api_version_choice():
    assert newest_api_version(["2021-01-01", "2024-01-01-preview", "2023-05-01"]) == "2023-05-01"
    assert newest_api_version(["2024-01-01-preview"]) == "2024-01-01-preview"
    provider = {"resourceTypes": [{"resourceType": "virtualMachines", "apiVersions": ["2023-03-01", "2024-07-01"]}]}
    assert api_version_from_provider(provider, "VIRTUALMACHINES") == "2024-07-01"
    assert api_version_from_provider(provider, "disks") is None


def test_choose_subscriptions():
    visible = [{"subscriptionId": "a", "displayName": "A", "state": "Enabled"},
               {"subscriptionId": "b", "displayName": "B", "state": "Warned"},
               {"subscriptionId": "c", "displayName": "C", "state": "Disabled"}]
    assert [a.id for a in choose_subscriptions(visible, AzureConfig())] == ["a", "b"]
    assert [a.id for a in choose_subscriptions(visible, AzureConfig(exclude_subscriptions=["B"]))] == ["a"]
    chosen = choose_subscriptions(visible, AzureConfig(subscriptions=["c", "zz", "C"]))
    assert [(a.id, a.name) for a in chosen] == [("c", "C"), ("zz", "zz")]
