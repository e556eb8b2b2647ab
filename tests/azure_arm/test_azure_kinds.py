"""Every kind of the registry against its fixture (``fixtures/<kind>.json``, made by ``record_reference.py``): a
Resource Manager document of the kind and the node resoto-plugin-azure 3.9.0 makes of it. The node must pass an
independent check against the model and carry the reference's id, name, provider link and every property; the
same holds for the document without its lists (``sparse``). Resolved over all fixtures at once (one small estate
whose resources name each other), the edges must be the reference's. What differs on purpose is listed below,
each with its reason.
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

from collectors.azure.collect import Entry, Index
from collectors.azure.model import model_kinds
from collectors.azure.registry import KINDS
from collectors.azure.resources.base import GENERIC
from collectors.azure.shape import node

from aws.model_check import load_kinds, reported_problems

FIXTURES = Path(__file__).with_name("fixtures")
REPO = Path(__file__).resolve().parents[2]
MODEL = load_kinds(model_kinds())
WITH_FIXTURES = [k for k in KINDS if k.name != GENERIC]

# default edges this collector draws and the reference does not, by (kind, direction, other kind)
DIFFERENT_LINKS = {
    ("azure_disk", "in", "azure_disk_access"): "the reference looks for a disk access whose id is the disk's "
                                               "own; ours is the one the disk names (diskAccessId)",
    ("azure_network_interface", "in", "azure_virtual_network_tap"): "the reference takes the tap configuration's "
                                                                    "own id for the tap's; ours is the tap it names",
    ("azure_virtual_machine_scale_set", "in", "azure_load_balancer"): "the reference takes a backend pool's id for "
                                                                      "its load balancer's; ours is the pool's "
                                                                      "load balancer",
}


def fixture(kind_name: str) -> dict:
    return json.loads((FIXTURES / f"{kind_name}.json").read_text())


def as_the_reference_sends(reported: Dict[str, Any]) -> Dict[str, Any]:
    """Our node with what differs on purpose made as the reference sends it: the reference reads user-assigned
    identities without their fields (camel-case keys it never maps), so each of them is ``{}`` there."""
    out = copy.deepcopy(reported)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "user_assigned_identities" and isinstance(item, dict):
                    value[key] = {name: {} for name in item}
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(out)
    return out


def test_every_kind_has_a_fixture_and_every_fixture_a_kind():
    files = {p.stem for p in FIXTURES.glob("*.json")}
    names = {k.name for k in WITH_FIXTURES}
    assert sorted(names - files) == [] and sorted(files - names) == []


@pytest.mark.parametrize("kind", WITH_FIXTURES, ids=lambda k: k.name)
def test_kind_makes_the_references_node(kind):
    data = fixture(kind.name)
    problems = []
    made = node(kind, data["item"], data["scope"].get("location"), problems)
    expect = data["expect"]
    assert problems == []
    assert reported_problems(MODEL, made.reported) == []
    assert (made.reported["id"], made.reported["name"]) == (expect["id"], expect["name"])
    assert made.metadata["provider_link"] == expect["provider_link"]
    assert as_the_reference_sends(made.reported) == expect["reported"]
    if data["sparse"] is not None:
        sparse = node(kind, data["sparse"]["item"], data["scope"].get("location"), problems)
        assert problems == [] and reported_problems(MODEL, sparse.reported) == []
        assert as_the_reference_sends(sparse.reported) == data["sparse"]["reported"]


def test_edges_resolved_over_all_fixtures_are_the_references():
    index, entries, different = Index(), {}, set()
    for kind in WITH_FIXTURES:
        data = fixture(kind.name)
        entries[kind.name] = Entry(node(kind, data["item"], data["scope"].get("location")))
        index.add(entries[kind.name])
    for kind_name, entry in entries.items():
        ours = set()
        for link in entry.node.links:
            for other in index.resolve(link):
                ours.add((link.edge_type, "out" if link.outgoing else "in", other.node.kind.name,
                          other.node.reported["id"]))
        defaults = {e for e in ours if e[0] == "default" and (kind_name, e[1], e[2]) not in DIFFERENT_LINKS}
        different.update((kind_name, e[1], e[2]) for e in ours if (kind_name, e[1], e[2]) in DIFFERENT_LINKS)
        assert defaults == {tuple(e) for e in fixture(kind_name)["expect"]["links"]}, kind_name
        # a delete edge always goes with a default edge between the same two resources
        assert {e[2:] for e in ours if e[0] == "delete"} <= {e[2:] for e in ours if e[0] == "default"}, kind_name
    assert different == set(DIFFERENT_LINKS), "a listed difference no fixture shows"


def test_the_registered_model_is_the_references_for_the_registry():
    done = subprocess.run([sys.executable, "-m", "collectors.azure.gen_model", "--check"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_kinds_table_is_current():
    done = subprocess.run([sys.executable, "-m", "collectors.azure.gen_docs", "--check"], cwd=REPO,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
