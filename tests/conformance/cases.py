"""Broken (and tricky but valid) variants of a merge upload and of a model, for conformance tests.

Each case carries ``expect``: a stable part of the real resotocore 3.9.0 error text (ids, sets and
dict reprs that vary are left out), so the same case can be checked against the real core and the
core double. The variants are built from the captured example-collector upload
(graph_root -> cloud -> example_account(replace) -> example_region x2 -> resources); the builders
only rely on the kinds in it, so any upload of the same shape works.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

Json = dict


@dataclass(frozen=True)
class Case:
    name: str
    lines: List[Json] = field(repr=False)
    expect: Optional[str]  # None: must be accepted
    note: str = ""


# --------------------------------------------------------------------------------------------- helpers


def _nodes(lines: List[Json]) -> List[Json]:
    return [ln for ln in lines if "id" in ln and "reported" in ln]


def _first(lines: List[Json], kind: str) -> Json:
    for ln in _nodes(lines):
        if ln["reported"].get("kind") == kind:
            return ln
    raise LookupError(f"upload has no node of kind {kind}")


def _all(lines: List[Json], kind: str) -> List[Json]:
    return [ln for ln in _nodes(lines) if ln["reported"].get("kind") == kind]


def _replace_nodes(lines: List[Json]) -> List[Json]:
    return [ln for ln in _nodes(lines) if (ln.get("metadata") or {}).get("replace") or ln.get("replace") is True]


def _clear_replace(lines: List[Json]) -> None:
    for ln in _replace_nodes(lines):
        ln.pop("replace", None)
        (ln.get("metadata") or {}).pop("replace", None)


def _edges(lines: List[Json]) -> List[Json]:
    return [ln for ln in lines if "from" in ln and "to" in ln]


def _node_line(node_id: str, kind: str, rid: str, **extra: object) -> Json:
    return {"id": node_id, "reported": {"id": rid, "name": rid, "tags": {}, "kind": kind, **extra},
            "metadata": {"python_type": "conformance", "cleaned": False, "phantom": False, "protected": False}}


# --------------------------------------------------------------------------------------- merge variants

Builder = Callable[[List[Json]], Optional[str]]  # mutates the lines, may return a note


def _unknown_kind(ls: List[Json]) -> None:
    _first(ls, "example_instance")["reported"]["kind"] = "example_no_such_kind"


def _undefined_property(ls: List[Json]) -> None:
    _first(ls, "example_instance")["reported"]["not_in_model"] = "x"


def _edge_to_missing_vertex(ls: List[Json]) -> None:
    ls.append({"from": _first(ls, "example_region")["id"], "to": "conformance-missing-vertex"})


def _second_root(ls: List[Json]) -> None:
    ls.insert(5, _node_line("conformance-orphan", "example_network", "orphanNetwork"))


def _no_replace_node(ls: List[Json]) -> None:
    _clear_replace(ls)


def _replace_unresolved_kind(ls: List[Json]) -> None:
    _clear_replace(ls)
    _first(ls, "example_instance")["metadata"]["replace"] = True


def _bad_edge_type(ls: List[Json]) -> None:
    _edges(ls)[-1]["edge_type"] = "bogus"


def _neither_node_nor_edge(ls: List[Json]) -> None:
    # the OpenAPI file's example shape ("data" instead of "reported"): not a node for the core
    inst = _first(ls, "example_instance")
    ls.append({"id": "conformance-data-line", "data": dict(inst["reported"])})


def _no_kind_attribute(ls: List[Json]) -> None:
    del _first(ls, "example_volume")["reported"]["kind"]


def _wrong_value_type(ls: List[Json]) -> None:
    _first(ls, "example_instance")["reported"]["instance_cores"] = "lots"


def _overlapping_merge_roots(ls: List[Json]) -> None:
    cloud = _first(ls, "cloud")
    region = _first(ls, "example_region")
    second = _node_line("conformance-account-2", "example_account", "Second Account")
    second["metadata"]["replace"] = True
    ls.insert(3, second)
    ls.append({"from": cloud["id"], "to": second["id"]})
    ls.append({"from": second["id"], "to": region["id"]})  # region now hangs under both accounts


def _two_organizational_roots(ls: List[Json]) -> None:
    account = _first(ls, "example_account")
    for i in (1, 2):
        ls.insert(3, _node_line(f"conformance-org-{i}", "organizational_root", f"org{i}"))
        ls.append({"from": account["id"], "to": f"conformance-org-{i}"})


# accepted on purpose: the double must not reject these


def _replace_on_regions(ls: List[Json]) -> str:
    _clear_replace(ls)
    for region in _all(ls, "example_region"):
        region["metadata"]["replace"] = True
    return "region (and zone) kinds resolve, so they are valid merge roots"


def _top_level_replace(ls: List[Json]) -> None:
    acc = _replace_nodes(ls)[0]
    acc["metadata"].pop("replace", None)
    acc["replace"] = True


def _duplicates(ls: List[Json]) -> str:
    node = copy.deepcopy(_first(ls, "example_network"))
    node["reported"]["name"] = "renamed by a later line"
    ls.insert(len(_nodes(ls)), node)
    ls.append(dict(_edges(ls)[0]))
    return "duplicate node ids: last line wins; duplicate edges collapse"


def _string_coercion(ls: List[Json]) -> str:
    _first(ls, "example_instance")["reported"]["instance_type"] = 42
    return "a number for a string property is coerced (JSON-encoded), not rejected"


def _root_with_id_root(ls: List[Json]) -> None:
    root = _first(ls, "graph_root")
    old = root["id"]
    root["id"] = "root"
    for e in _edges(ls):
        if e["from"] == old:
            e["from"] = "root"


MERGE_CASES: Dict[str, tuple] = {
    # name: (builder, expected stable part of the core's message or None when accepted)
    "unknown_kind": (_unknown_kind, "No kind definition found for example_no_such_kind"),
    "undefined_property": (_undefined_property, "Kind:example_instance Property:not_in_model is not defined in model!"),
    "edge_to_missing_vertex": (
        _edge_to_missing_vertex,
        "conformance-missing-vertex was used in an edge definition but not provided as vertex!",
    ),
    "second_root": (_second_root, "Given subgraph has more than one root"),
    "no_replace_node": (
        _no_replace_node,
        "No replace nodes provided in the graph. Mark at least one node with replace=true!",
    ),
    "replace_node_unresolved_kind": (
        _replace_unresolved_kind,
        "is marked as replace node, but the kind is not resolved during import!",
    ),
    "bad_edge_type": (_bad_edge_type, "Graph contains unknown edge types!"),
    "neither_node_nor_edge": (_neither_node_nor_edge, "Format not understood!"),
    # extra cases beyond the brief
    "no_kind_attribute": (_no_kind_attribute, "No attribute kind found in"),
    "wrong_value_type": (_wrong_value_type, "Kind:example_instance Property:instance_cores is not valid"),
    "overlapping_merge_roots": (_overlapping_merge_roots, "Nodes are referenced in more than one merge node"),
    "two_organizational_roots": (_two_organizational_roots, "There can be only one organizational root!"),
}

REQUIRED_MERGE_CASES = [
    "unknown_kind", "undefined_property", "edge_to_missing_vertex", "second_root", "no_replace_node",
    "replace_node_unresolved_kind", "bad_edge_type", "neither_node_nor_edge",
]

ACCEPTED_MERGE_CASES: Dict[str, Builder] = {
    "replace_on_regions": _replace_on_regions,
    "top_level_replace": _top_level_replace,
    "duplicates": _duplicates,
    "string_coercion": _string_coercion,
    "root_with_id_root": _root_with_id_root,
}


def merge_cases(example_lines: List[Json]) -> List[Case]:
    """All merge variants (rejected ones first, then accepted ones) built from the example upload."""
    out: List[Case] = []
    for name, (build, expect) in MERGE_CASES.items():
        ls = copy.deepcopy(example_lines)
        note = build(ls) or ""
        out.append(Case(name, ls, expect, note))
    for name, build in ACCEPTED_MERGE_CASES.items():
        ls = copy.deepcopy(example_lines)
        note = build(ls) or ""
        out.append(Case(name, ls, None, note))
    return out


# --------------------------------------------------------------------------------------- model variants


@dataclass(frozen=True)
class ModelCase:
    name: str
    kinds: List[Json] = field(repr=False)
    expect: Optional[str]
    base: Optional[List[Json]] = field(default=None, repr=False)  # the graph's model before the update


def _kind(fqn: str, bases: List[str], props: List[tuple], **extra: object) -> Json:
    return {
        "fqn": fqn, "bases": bases, "allow_unknown_props": False, "aggregate_root": True, "metadata": {},
        "properties": [{"name": n, "kind": k, "required": False, "description": None} for n, k in props],
        "successor_kinds": None, **extra,
    }


def small_model() -> List[Json]:
    """A small valid model in the worker's shape (base resource, an account, a resource)."""
    return [
        _kind("conf_resource", [], [("id", "string"), ("name", "string"), ("tags", "dictionary[string, string]"),
                                    ("ctime", "datetime"), ("kind", "string")]),
        _kind("conf_account", ["conf_resource"], []),
        _kind("conf_thing", ["conf_resource"], [("size", "int64"), ("status", "conf_status")],
              successor_kinds={"default": ["conf_resource"], "delete": []}),
        {"fqn": "conf_status", "runtime_kind": "string", "enum": ["on", "off"]},
    ]


def model_cases() -> List[ModelCase]:
    good = small_model()
    return [
        ModelCase("valid_small_model", good, None),
        # the core fails with a bare KeyError here: its text is only the quoted kind name
        ModelCase("unresolvable_base", good + [_kind("conf_orphan", ["conf_no_such_base"], [])],
                  "conf_no_such_base"),
        ModelCase("conflicting_property_type", good + [_kind("conf_other", ["conf_resource"], [("size", "string")])],
                  "size is defined in"),
        # extra cases beyond the brief
        ModelCase("unknown_property_kind", good + [_kind("conf_bad_prop", [], [("x", "conf_no_such_type")])],
                  "Property kind is not known: conf_no_such_type"),
        ModelCase("unknown_successor_kind",
                  good + [_kind("conf_bad_succ", [], [], successor_kinds={"default": ["conf_no_such_kind"]})],
                  "conf_no_such_kind is not a known kind"),
        ModelCase("kind_changes_category",
                  [k for k in good if k["fqn"] != "conf_status"] + [_kind("conf_status", [], [("x", "string")])],
                  "Update conf_status changes an existing property type conf_status", base=good),
    ]


@dataclass(frozen=True)
class UpdateCase:
    """A valid model update and the graph's kinds after it (predefined kinds left out)."""

    name: str
    base: List[Json] = field(repr=False)
    kinds: List[Json] = field(repr=False)
    replace: bool
    expect_kinds: List[str]


def update_cases() -> List[UpdateCase]:
    good = small_model()
    names = sorted(k["fqn"] for k in good)
    changed = copy.deepcopy(good[0])
    changed["properties"].append({"name": "extra", "kind": "string", "required": False, "description": None})
    extra = _kind("conf_extra", ["conf_resource"], [])
    return [
        UpdateCase("put_replaces_when_a_kind_changed", good, [changed], True, ["conf_resource"]),
        UpdateCase("put_replaces_when_a_kind_is_new", good, [good[0], extra], True, ["conf_extra", "conf_resource"]),
        # Model.update_kinds returns early when no sent kind is new or changed: nothing is deleted
        UpdateCase("put_without_any_change_deletes_nothing", good, [good[0]], True, names),
        UpdateCase("patch_merges", good, [extra], False, sorted(names + ["conf_extra"])),
    ]
