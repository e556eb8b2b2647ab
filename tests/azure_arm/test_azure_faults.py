"""Faults: a subscription the credential may not read fails alone; throttling (429 + Retry-After) is
absorbed by azure-core's retry policy and loses nothing; a refused token fails the listing clearly."""
from __future__ import annotations

import pytest
from azure.core.exceptions import ClientAuthenticationError

from collectors.azure import plugin
from collectors.azure.collect import SubscriptionCollectError

from azure_arm.arm_estate import SUB_B, SUBSCRIPTIONS
from azure_arm.azure_harness import collect_into_file


def _collect_all(section, tmp_path, tag):
    accounts = plugin.resotoworker_list_accounts(cloud="azure", config=section)
    results, failures = {}, {}
    for account in accounts:
        try:
            results[account.id] = collect_into_file(section, account, tmp_path / f"{tag}-{account.id}.ndjson")
        except SubscriptionCollectError as ex:
            failures[account.id] = str(ex)
    return results, failures


def test_a_forbidden_subscription_raises_and_the_others_land(arm, section, tmp_path):
    arm.forbidden.add(SUB_B)
    results, failures = _collect_all(section, tmp_path, "forbidden")
    assert sorted(results) == [s for s in SUBSCRIPTIONS if s != SUB_B]
    assert list(failures) == [SUB_B]
    assert "AuthorizationFailed" in failures[SUB_B] and SUB_B in failures[SUB_B]
    for graph in results.values():
        assert len(graph.of_kind("azure_virtual_machine")) == 1


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


def test_throttled_tag_update_still_lands(arm, section):
    arm.throttle_every = 2
    disk = f"/subscriptions/{SUB_B}/resourceGroups/RG-Data/providers/Microsoft.Compute/disks/orphan"
    node = {"id": "n", "reported": {"id": disk}, "ancestors": {"account": {"reported": {"id": SUB_B}}}}
    assert plugin.resotoworker_update_tag(cloud="azure", config=section, node=node, key="k", value="v") is True
    assert arm.resource(disk)["tags"]["k"] == "v" and arm.throttled >= 1


def test_a_refused_token_fails_the_listing_clearly(arm, section):
    with pytest.raises(ClientAuthenticationError, match="InvalidAuthenticationToken"):
        plugin.resotoworker_list_accounts(cloud="azure", config={**section, "static_token": "wrong"})
