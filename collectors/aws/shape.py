"""API items → nodes, by a kind's declaration (pure: no I/O).

A node is its ``reported`` document (shaped to the model), its ``provider_link``, the key of its node id
and its links to other resources. Links name the other end by kind and id/ARN/name rather than by graph
node id, so that one kind can point at another kind's resources; ``collect`` resolves them once every
node of the account is in, and drops those whose other end was not collected.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from urllib.parse import quote_plus

from collectors.aws.kind import OUT, Edge, Json, Kind, value, values
from collectors.aws.metrics import Metered
from collectors.aws.model import model, template_of
from collectors.common.edges import EdgeEnd
from collectors.common.model import Problem
from collectors.common.tags import tag_dict

TEMPLATE_FIELDS = ("id", "name", "arn", "account", "region", "region_id")


@dataclass(frozen=True)
class Scope:
    """Where the items of a fetch live: the account, the region's id and its node's name (``global`` for
    account-wide kinds, whose region id is the partition's main region), and the partition."""

    account_id: str
    region: str
    region_name: str = ""
    partition: str = "aws"

    @property
    def part(self) -> str:
        return self.region_name or self.region


@dataclass(frozen=True)
class Ref:
    """A resource by kind and one of its keys: its id or ARN (``by="id"``) or its name."""

    kind: str
    key: str
    by: str = "id"


@dataclass
class Node:
    kind: Kind
    reported: Json
    metadata: Optional[Json] = None
    key: Optional[tuple] = None
    links: List[EdgeEnd] = field(default_factory=list)
    usage: Optional[Json] = None


class BadItem(ValueError):
    """An API item a node cannot be made of (no id)."""


def node(kind: Kind, item: Json, scope: Scope, problems: Optional[List[Problem]] = None,
         metered: Optional[Metered] = None) -> Node:
    """The node of one API item of ``kind`` (with its CloudWatch figures, if measured). A value that cannot
    take its property's type is left out and added to ``problems``; an item without an id raises BadItem."""
    resource_id = value(item, kind.id)
    if resource_id in (None, ""):
        raise BadItem(f"{kind.name}: an item without an id ({_keys(item)})")
    resource_id = str(resource_id)
    name = value(item, kind.name_of) if kind.name_of is not None else None
    reported: Json = dict(model().derived(item, kind.name, kind.prefix)) if kind.derive else {}
    reported.update({prop: value(item, path) for prop, path in kind.props.items()})
    reported.update(kind=kind.name, id=resource_id, name=resource_id if name is None else name)
    tags = value(item, kind.tags.path) if kind.tags.path is not None else None
    reported["tags"] = tag_dict(tags, kind.tags.key, kind.tags.value)
    reported["arn"] = value(item, kind.arn) if kind.arn is not None else None
    if not reported["arn"]:
        reported["arn"] = arn_from_template(kind, reported, scope)
    if metered is not None and metered.atime:
        reported.update(atime=metered.atime, mtime=metered.mtime)
    shaped = model().shape_reported(reported, problems, kind.keep_absent)
    out = Node(kind, shaped, metadata(kind, shaped, item, scope), usage=metered.usage if metered else None)
    if kind.key is not None:
        out.key = kind.key(item, shaped)
    for edge in kind.edges:
        out.links.extend(links(edge, item))
    return out


def metadata(kind: Kind, reported: Json, item: Json, scope: Scope) -> Optional[Json]:
    """The console link, and ``phantom`` for kinds that describe rather than are resources (instance and
    volume types, account settings), as the reference marks them."""
    meta: Json = {}
    link = provider_link(kind, reported, item, scope)
    if link:
        meta["provider_link"] = link
    if model().is_a(kind.name, "phantom_resource"):
        meta["phantom"] = True
    return meta or None


def links(edge: Edge, item: Json) -> List[EdgeEnd]:
    found = []
    for key in values(item, edge.path):
        if key in ("", None):
            continue
        other = Ref(edge.kind, str(tuple(key) if isinstance(key, list) else key), edge.by)
        if edge.default is not None:
            found.append(EdgeEnd(other, "default", edge.default == OUT))
        if edge.delete is not None:
            found.append(EdgeEnd(other, "delete", edge.delete == OUT))
    return found


def _template_values(reported: Json, scope: Scope) -> Dict[str, Any]:
    return {"id": reported.get("id"), "name": reported.get("name"), "arn": reported.get("arn"),
            "account": scope.account_id, "region": scope.part, "region_id": scope.region}


def arn_from_template(kind: Kind, reported: Json, scope: Scope) -> Optional[str]:
    """The ARN the reference makes when the API gives none: its template, with the region node's name."""
    template = kind.arn_template or template_of(kind.name, "arn")
    if not template:
        return None
    return template.format(partition=scope.partition, **{k: v for k, v in _template_values(reported, scope).items()
                                                         if k in ("id", "name", "account", "region")})


def provider_link(kind: Kind, reported: Json, item: Json, scope: Scope) -> Optional[str]:
    """The console URL: the template's placeholders from the node (id, name, arn, account, region,
    region_id), else the API item, else the node's properties, each URL-quoted; none when one is missing."""
    template = kind.link or template_of(kind.name, "link")
    if not template:
        return None
    known = _template_values(reported, scope)
    link = template
    for placeholder in _placeholders(template):
        found = known.get(placeholder) if placeholder in TEMPLATE_FIELDS else None
        if found is None:
            found = value(item, placeholder)
        if found is None:
            found = reported.get(placeholder)
        if found is None:
            return None
        link = link.replace("{" + placeholder + "}", quote_plus(str(found)))
    return link


def _placeholders(template: str) -> List[str]:
    found, start = [], template.find("{")
    while start >= 0:
        end = template.index("}", start)
        found.append(template[start + 1:end])
        start = template.find("{", end)
    return found


def _keys(item: Any) -> str:
    return ", ".join(sorted(item)[:8]) if isinstance(item, dict) else type(item).__name__
