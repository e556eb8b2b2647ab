"""Resource Manager documents → nodes, by a kind's declaration (pure: no I/O).

A node is its ``reported`` document (shaped to the model), its ``provider_link``, and what the subscription-wide
edge pass needs: its links to other resources (by ARM id, by a key, or through a third kind), the keys others
find it by, and the ARM ids other kinds' ``Via`` edges read from it. ``collect`` resolves the links once every
node of the subscription is in, and drops those whose other end was not collected.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from collectors.azure.kind import LOCATION, OUT, Json, Kind, Via, value, values
from collectors.azure.model import model
from collectors.common.edges import EdgeEnd
from collectors.common.model import Problem, parse_time
from collectors.common.tags import tag_dict

PORTAL = "https://portal.azure.com/#@/resource/subscriptions{id}/overview"


@dataclass(frozen=True)
class Ref:
    """A resource by kind and by its ARM id (``by="id"``) or one of the keys its kind declares; with ``via``, the
    resources that the ``via`` kind's nodes found so name at ``via.path``."""

    kind: str
    key: str
    by: str = "id"
    via: Optional[Via] = None


@dataclass
class Node:
    kind: Kind
    reported: Json
    metadata: Json
    location: Optional[str] = None  # the location the item names (lower case)
    links: List[EdgeEnd] = field(default_factory=list)
    keys: Dict[str, List[str]] = field(default_factory=dict)  # key name → values (lower case)
    via_ids: Dict[str, List[str]] = field(default_factory=dict)  # Via path → ARM ids at it (lower case)


class BadItem(ValueError):
    """A document a node cannot be made of (no id)."""


@lru_cache(maxsize=None)
def vias_into(kind_name: str) -> Tuple[Via, ...]:
    """The ``Via`` declarations of every kind that go through ``kind_name``."""
    from collectors.azure.registry import KINDS

    return tuple({e.via for k in KINDS for e in k.edges if e.via is not None and e.via.kind == kind_name})


# the envelope's identity, never a property's source by name (``tags`` would pass for ``ip_tags`` with prefix ``ip_``)
NOT_FIELDS = frozenset({"properties", "id", "tags"})


def fields_of(item: Json) -> Json:
    """The fields properties are derived from: the item's own, and those of its ``properties`` (which win)."""
    inner = item.get("properties")
    fields = {k: v for k, v in item.items() if k not in NOT_FIELDS}
    if isinstance(inner, dict):
        fields.update(inner)
    return fields


def reported_of(kind: Kind, item: Json, problems: Optional[List[Problem]] = None) -> Json:
    """The ``reported`` document of ``item``, shaped to the model (raises BadItem without an id)."""
    resource_id = value(item, kind.id)
    if resource_id in (None, ""):
        raise BadItem(f"{kind.name}: a document without an id ({', '.join(sorted(item)[:8])})")
    shaper = model()
    fields = fields_of(item)
    reported: Json = {}
    for prefix in ("",) + kind.prefixes:
        for name, found in shaper.derived(fields, kind.name, prefix).items():
            reported.setdefault(name, found)
    reported.update({prop: value(item, path) for prop, path in kind.props.items()})
    for prop, default in kind.defaults.items():
        if reported.get(prop) is None:
            reported[prop] = default
    name = value(item, kind.name_of)
    reported.update(kind=kind.name, id=str(resource_id), name=str(resource_id) if name in (None, "") else str(name),
                    tags=tag_dict(item.get("tags")))
    if kind.ctime is not None:
        reported["ctime"] = parse_time(value(item, kind.ctime))
    return shaper.shape_reported(reported, problems)


def node(kind: Kind, item: Json, location: Optional[str] = None, problems: Optional[List[Problem]] = None) -> Node:
    """The node of one document of ``kind``; ``location`` is the location a per-location listing was read for.
    A value that cannot take its property's type is left out and added to ``problems``."""
    if kind.source == LOCATION and location and "location" not in item:
        item = {**item, "location": location}
    reported = reported_of(kind, item, problems)
    where = item.get("location")
    out = Node(kind, reported, {"provider_link": PORTAL.format(id=reported["id"])},
               location=where.lower() if isinstance(where, str) and where else None)
    for edge in kind.edges:
        for key in values(item, edge.path):
            if key in ("", None) or isinstance(key, (dict, list)):
                continue
            other = Ref(edge.kind, str(key), edge.by, edge.via)
            if edge.default is not None:
                out.links.append(EdgeEnd(other, "default", edge.default == OUT))
            if edge.delete is not None:
                out.links.append(EdgeEnd(other, "delete", edge.delete == OUT))
    for key_name, path in kind.keys.items():
        out.keys[key_name] = [str(v).lower() for v in values(item, path) if not isinstance(v, (dict, list))]
    for via in vias_into(kind.name):
        out.via_ids[via.path] = [str(v).lower() for v in values(item, via.path) if isinstance(v, str)]
    return out


def with_times(reported: Json, listed: Optional[Json]) -> Json:
    """``ctime``/``mtime`` from the resource listing's ``createdTime``/``changedTime`` where the kind has none
    of its own (the reference leaves most kinds without them, and age-based cleanup needs them)."""
    for prop, field_name in (("ctime", "createdTime"), ("mtime", "changedTime")):
        if prop not in reported and listed and parse_time(listed.get(field_name)):
            reported[prop] = parse_time(listed.get(field_name))
    return reported
