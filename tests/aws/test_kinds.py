"""Every kind of the table against its fixture (``fixtures/<kind>.json``): an API item as the service returns
it (with what the kind's ``get`` adds from detail calls), and what its node must be: id, name, ARN, console
link, links to other kinds, and selected properties. Every node must also pass an independent check
against the model.

A fixture file holds ``{"item": {...}, "expect": {"id", "name", "arn", "provider_link", "links",
"reported"}}``; ``links`` lists ``[edge type, "in"|"out", other kind, other key]`` and must be exactly the
node's links; ``reported`` is a subset of the node's ``reported``. Optional ``"scope"`` overrides the
account/region the item is shaped in (global kinds default to the ``global`` region).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from collectors.aws.model import model_kinds
from collectors.aws.shape import Scope, node
from collectors.aws.table import KINDS

from .model_check import load_kinds, reported_problems

FIXTURES = Path(__file__).with_name("fixtures")
MODEL = load_kinds(model_kinds())
ACCOUNT = "111122223333"


def fixture(kind_name: str) -> dict:
    return json.loads((FIXTURES / f"{kind_name}.json").read_text())


def scope_for(kind, overrides: dict) -> Scope:
    default = {"account_id": ACCOUNT, "region": "us-east-1", "region_name": "global"} if kind.is_global else \
        {"account_id": ACCOUNT, "region": "eu-west-1", "region_name": "eu-west-1"}
    return Scope(**{**default, **overrides})


def test_every_kind_has_a_fixture_and_every_fixture_a_kind():
    names = {k.name for k in KINDS}
    files = {p.stem for p in FIXTURES.glob("*.json")}
    assert sorted(names - files) == [], "kinds without a fixture"
    assert sorted(files - names) == [], "fixtures of unknown kinds"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_kind_shapes_its_fixture(kind):
    data = fixture(kind.name)
    problems = []
    made = node(kind, data["item"], scope_for(kind, data.get("scope", {})), problems)
    expect = data["expect"]
    assert problems == []
    assert reported_problems(MODEL, made.reported) == []
    assert made.reported["id"] == expect["id"]
    assert made.reported["name"] == expect["name"]
    assert made.reported.get("arn") == expect.get("arn")
    assert (made.metadata or {}).get("provider_link") == expect.get("provider_link")
    links = sorted([link.edge_type, "out" if link.outgoing else "in", link.other.kind, link.other.key]
                   for link in made.links)
    assert links == sorted(expect.get("links", []))
    for prop, value in expect.get("reported", {}).items():
        assert made.reported.get(prop) == value, prop
