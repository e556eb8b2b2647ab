"""Faults: a subscription the credential may not read fails alone; a type (or catalog) refused with 403 or a
provider not registered costs that kind only and is reported once; throttling (429 + Retry-After) is absorbed by
azure-core's retry policy and loses nothing; a type with more resources than one page lands whole; a value of an
odd type costs that property only; a refused token fails the listing clearly."""
from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError

from collectors.azure import plugin
from collectors.azure.collect import SubscriptionCollectError

from azure_arm.arm_estate import SUB_A, SUB_B, SUBSCRIPTIONS, collected_kinds, disk_id
from azure_arm.azure_harness import collect_into_file

pytestmark = pytest.mark.e2e


def _collect_all(section, tmp_path, tag):
    accounts = plugin.resotoworker_list_accounts(cloud="azure", config=section)
    results, failures = {}, {}
    for account in accounts:
        try:
            results[account.id] = collect_into_file(section, account, tmp_path / f"{tag}-{account.id}.ndjson")
        except SubscriptionCollectError as ex:
            failures[account.id] = str(ex)
    return results, failures


def _collect_a(section, tmp_path, tag="a"):
    account = next(a for a in plugin.resotoworker_list_accounts(cloud="azure", config=section) if a.id == SUB_A)
    return collect_into_file(section, account, tmp_path / f"{tag}.ndjson")


def test_a_forbidden_subscription_raises_and_the_others_land(arm, section, tmp_path):
    arm.forbidden.add(SUB_B)
    results, failures = _collect_all(section, tmp_path, "forbidden")
    assert sorted(results) == [s for s in SUBSCRIPTIONS if s != SUB_B]
    assert list(failures) == [SUB_B]
    assert "AuthorizationFailed" in failures[SUB_B] and SUB_B in failures[SUB_B]
    for graph in results.values():
        assert len(graph.of_kind("azure_virtual_machine")) == 2


@pytest.mark.parametrize("status, code", [(403, "AuthorizationFailed"), (409, "MissingSubscriptionRegistration"),
                                          (400, "NoRegisteredProviderFound")])
def test_a_refused_type_costs_its_kind_only_and_is_reported_once(arm, section, tmp_path, status, code):
    arm.refused_types["microsoft.network/loadbalancers"] = (status, code)
    graph = _collect_a(section, tmp_path)
    assert graph.of_kind("azure_load_balancer") == []
    errors = [e for e in graph.progress.errors if "azure_load_balancer" in e]
    assert len(errors) == 1 and code in errors[0] and "not available or not allowed" in errors[0]
    assert len(graph.progress.errors) == 1
    expected = {k: n for k, n in collected_kinds().items() if k != "azure_load_balancer"}
    assert {k: len(graph.of_kind(k)) for k in expected} == expected
    assert arm.requests("POST") == []  # the SDK's provider registration is off: nothing is changed, nobody waits


def test_a_catalog_refused_in_every_location_is_reported_once(arm, section, tmp_path):
    for sub in arm.subscriptions.values():
        for path in list(sub.catalogs):
            if path.endswith("/usages"):
                del sub.catalogs[path]  # answers 404 NotFound
    graph = _collect_a(section, tmp_path)
    errors = [e for e in graph.progress.errors if "azure_usage" in e]
    assert len(errors) == 1 and "2 calls" in errors[0], graph.progress.errors
    assert graph.of_kind("azure_usage") == [] and len(graph.of_kind("azure_virtual_machine")) == 2


def test_failing_metrics_cost_the_figures_only(arm, section, tmp_path):
    arm.refused_types["microsoft.insights/metrics"] = (403, "AuthorizationFailed")
    graph = _collect_a(section, tmp_path)
    assert all("usage" not in n for n in graph.of_kind("azure_virtual_machine") + graph.of_kind("azure_disk"))
    assert len(graph.of_kind("azure_virtual_machine")) == 2 and len(graph.of_kind("azure_disk")) == 4
    errors = [e for e in graph.progress.errors if "figures of" in e]
    assert len(errors) == 2 and all("AuthorizationFailed" in e for e in errors), graph.progress.errors


def _signature(graph):
    return sorted((n["id"], tuple(sorted(n["reported"].items(), key=str)).__repr__()) for n in graph.nodes.values()
                  if n["reported"]["kind"] != "azure_subscription"), sorted(map(str, graph.edges))


def test_one_request_in_five_throttled_loses_nothing(arm, section, tmp_path):
    calm, _ = _collect_all(section, tmp_path, "calm")
    arm.throttle_every = 5  # 20 % of all requests answer 429 with Retry-After
    before = len(arm.log)
    throttled, failures = _collect_all(section, tmp_path, "throttled")
    assert failures == {} and sorted(throttled) == SUBSCRIPTIONS
    assert arm.throttled >= (len(arm.log) - before) // 5 - 1 and arm.throttled > 3
    for sub in SUBSCRIPTIONS:
        assert throttled[sub].progress.errors == []
        assert _signature(throttled[sub]) == _signature(calm[sub])
        assert calm[sub].progress.retries == {}
    retried = sum(graph.progress.retries.get("throttled", 0) for graph in throttled.values())
    assert set().union(*(graph.progress.retries for graph in throttled.values())) == {"throttled"}
    assert 0 < retried <= arm.throttled


def test_more_resources_of_a_type_than_a_page_holds_land_whole(arm, section, tmp_path):
    for n in range(25):
        arm.add_resource(SUB_A, "RG-Data", "Microsoft.Compute/disks", f"bulk-{n:02d}", "northeurope",
                         properties={"diskSizeGB": n, "diskState": "Unattached"})
    graph = _collect_a(section, tmp_path)
    bulk = sorted(n["reported"]["name"] for n in graph.of_kind("azure_disk") if n["reported"]["name"].startswith("bulk"))
    assert bulk == [f"bulk-{n:02d}" for n in range(25)]
    pages = [r for r in arm.requests("GET", f"/subscriptions/{SUB_A}/providers/Microsoft.Compute/disks")]
    assert len(pages) == 10  # 29 disks, 3 a page: every nextLink followed


def test_a_value_of_an_odd_type_costs_that_property_only(arm, section, tmp_path):
    orphan = arm.resource(disk_id(SUB_A, "RG-Data", "orphan"))
    orphan["properties"]["diskSizeGB"] = "a lot"
    graph = _collect_a(section, tmp_path)
    disk = graph.by_name("azure_disk", "orphan")["reported"]
    assert "disk_size_gb" not in disk and "volume_size" not in disk and disk["disk_state"] == "Unattached"
    errors = graph.progress.errors
    assert len(errors) == 2 and all("not a number: 'a lot'" in e for e in errors), errors
    assert {"azure_disk.disk_size_gb", "azure_disk.volume_size"} == {e.split(": ")[1] for e in errors}


def test_throttled_tag_update_still_lands(arm, section):
    arm.throttle_every = 2
    disk = f"/subscriptions/{SUB_B}/resourceGroups/RG-Data/providers/Microsoft.Compute/disks/orphan"
    node = {"id": "n", "reported": {"id": disk}, "ancestors": {"account": {"reported": {"id": SUB_B}}}}
    assert plugin.resotoworker_update_tag(cloud="azure", config=section, node=node, key="k", value="v") is True
    assert arm.resource(disk)["tags"]["k"] == "v" and arm.throttled >= 1


def test_a_refused_token_fails_the_listing_clearly(arm, section):
    with pytest.raises(ClientAuthenticationError, match="InvalidAuthenticationToken"):
        plugin.resotoworker_list_accounts(cloud="azure", config={**section, "static_token": "wrong"})
