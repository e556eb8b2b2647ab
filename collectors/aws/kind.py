"""A resource kind of the AWS collector, declared as a value.

A ``Kind`` says everything the collector does with one kind: which boto3 service and which ``get`` (API
calls only) lists its items, whether it is collected once per account (``GLOBAL``) or in every region,
where its id, name, ARN and tags sit in an API item, the properties that the model's names do not give
away (``props``; the rest is ``derived``: every property the kind declares whose name, without
``prefix``, is an API field), its edges to other kinds, how to tag it and how to delete it.

A ``get`` takes the client of its service and region; one whose calls name the account takes an ``account``
argument too (the account node's ``reported``). Values (``id``, ``name``, ``arn``, ``props``, edge
targets) are a *path* into the API item (``"VpcId"``, ``"State.Name"``, ``"Attachments[].VpcId"``) or a
plain function of the item. Kinds that share one ``get`` function are fetched with one set of calls;
``items`` then picks the kind's items out of what ``get`` returned (a key, or a pure function of the
result). ``usage`` and ``activity`` declare CloudWatch figures (see ``metrics``). Everything irregular
stays a plain function.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple, Union

from collectors.aws.metrics import Activity, Usage
from collectors.common.edges import IN, OUT
from collectors.common.model import at

Client = Any  # a boto3 client; typed loosely because boto3 generates the classes at runtime
Json = Dict[str, Any]
Value = Union[str, Callable[[Json], Any], None]
Get = Callable[..., Any]  # (client) or (client, account=<the account node's reported>): API calls only

REGIONAL = "regional"
GLOBAL = "global"  # once per account, with the partition's main region, under the ``global`` region node



@dataclass(frozen=True)
class Edge:
    """Edges to the resources of ``kind`` whose id or ARN (``by="name"``: name) ``path`` finds in my item.
    ``default`` and ``delete`` say which way each edge goes (``IN``, ``OUT``, or None for none). A delete
    edge A → B means B must be deleted before A."""

    kind: str
    path: Value
    default: Optional[str] = None
    delete: Optional[str] = None
    by: str = "id"


def inside(kind: str, path: Value, by: str = "id") -> Edge:
    """It contains me (a VPC and its subnet): it → me, and it can go only once I am gone."""
    return Edge(kind, path, default=IN, delete=IN, by=by)


def uses(kind: str, path: Value, by: str = "id") -> Edge:
    """I use it (an instance and its key pair): me → it, and it can go only once I am gone."""
    return Edge(kind, path, default=OUT, delete=IN, by=by)


def used_by(kind: str, path: Value, by: str = "id") -> Edge:
    """It uses me (an instance and the elastic IP on it): it → me, and I can go only once it is gone."""
    return Edge(kind, path, default=IN, delete=OUT, by=by)


def holds(kind: str, path: Value, by: str = "id") -> Edge:
    """I hold it (a role and its attached policy): me → it, and I can go only once it is gone."""
    return Edge(kind, path, default=OUT, delete=OUT, by=by)


def seen_by(kind: str, path: Value, by: str = "id") -> Edge:
    """It points at me, nothing more (a subnet and an interface in it): it → me."""
    return Edge(kind, path, default=IN, by=by)


def points_at(kind: str, path: Value, by: str = "id") -> Edge:
    """I point at it, nothing more: me → it."""
    return Edge(kind, path, default=OUT, by=by)


TagUpdate = Callable[[Client, Json, str, str], None]
TagDelete = Callable[[Client, Json, str], None]
Delete = Callable[[Client, Json], None]


@dataclass(frozen=True)
class Tagging:
    """Where an API item keeps its tags (a list of ``{key: …, value: …}`` or a map at ``path``), and the
    calls that change them (given a client of the kind's service and the node's ``reported``)."""

    path: Value = "Tags"
    key: str = "Key"
    value: str = "Value"
    update: Optional[TagUpdate] = None
    delete: Optional[TagDelete] = None


UNTAGGED = Tagging(path=None)


@dataclass(frozen=True)
class Kind:
    name: str
    service: str
    get: Optional[Get]
    id: Value
    name_of: Value = None  # reported.name; None: the id
    scope: str = REGIONAL
    items: Union[str, Callable[[Any], List[Json]], None] = None
    arn: Value = None  # None: from ``arn_template``, the reference's when not given
    arn_template: Optional[str] = None
    link: Optional[str] = None  # the console URL template; None: the reference's
    prefix: str = ""
    props: Mapping[str, Value] = field(default_factory=dict)
    derive: bool = True
    keep_absent: FrozenSet[str] = frozenset()  # list properties the reference leaves out when empty
    edges: Tuple[Edge, ...] = ()
    tags: Tagging = Tagging()
    delete: Optional[Delete] = None
    mutate_service: Optional[str] = None  # the client tag and delete calls need, when not ``service``
    key: Optional[Callable[[Json, Json], tuple]] = None  # (item, reported) → node id key, when not (id, arn)
    only: Optional[Callable[[Json], bool]] = None  # items to keep (e.g. not the deleted ones)
    usage: Optional[Usage] = None  # CloudWatch usage figures (with aws.collect_usage_metrics)
    activity: Optional[Activity] = None  # atime/mtime from CloudWatch
    moto: bool = True  # moto in server mode serves its calls (else the tests use recorded documents)

    @property
    def is_global(self) -> bool:
        return self.scope == GLOBAL

    @property
    def client_service(self) -> str:
        return self.mutate_service or self.service

    @property
    def taggable(self) -> bool:
        return self.tags.update is not None and self.tags.delete is not None


# ---- paths ----------------------------------------------------------------------------------------

def values(item: Any, path: Value) -> List[Any]:
    """Every value ``path`` reaches in ``item``: ``A.B`` walks dicts, ``A[]`` walks each item of list ``A``;
    a function of the item gives a value or a list. Nones are left out."""
    if path is None:
        return []
    if callable(path):
        found = path(item)
        found = list(found) if isinstance(found, (list, tuple)) else [found]
    else:
        found = at(item, path)
        found = found if "[]" in path else [found]
    return [v for v in found if v is not None]


def value(item: Any, path: Value) -> Any:
    """The value at ``path`` (a function's result as it is), None when there is none."""
    if callable(path):
        return path(item)
    found = values(item, path)
    if not found:
        return None
    return found if path is not None and "[]" in path else found[0]


# ---- common values and calls ------------------------------------------------------------------------

def tag_value(key: str, path: str = "Tags", fallback: Value = None) -> Callable[[Json], Any]:
    """The value of tag ``key`` (EC2's ``Name`` is the resource's name in the console), else ``fallback``."""
    def get(item: Json) -> Any:
        for tag in item.get(path) or []:
            if isinstance(tag, dict) and tag.get("Key") == key and tag.get("Value") not in (None, ""):
                return tag["Value"]
        return value(item, fallback) if fallback is not None else None
    return get


def last_segment(path: str) -> Callable[[Json], Optional[str]]:
    """The last ``/`` (else ``:``) segment of the ARN at ``path``, as the reference's ``id_from_arn``."""
    def get(item: Json) -> Optional[str]:
        arn = value(item, path)
        if not isinstance(arn, str):
            return None
        return arn.rsplit("/", 1)[-1] if "/" in arn else arn.rsplit(":", 1)[-1]
    return get


def call(operation: str, **params: Union[str, Callable[[Json], Any]]) -> Callable[[Client, Json], Any]:
    """A client call whose parameters come from the node's ``reported``: a property name or a function of
    ``reported``."""
    def run(client: Client, reported: Json, **more: Any) -> Any:
        args = {name: reported.get(source) if isinstance(source, str) else source(reported)
                for name, source in params.items()}
        return getattr(client, operation)(**args, **more)
    return run


def tag_calls(tag: str, untag: str, target: Callable[[Json], Json], tags_as: str = "list", key: str = "Key",
              value_key: str = "Value", keys_param: str = "TagKeys", tags_param: str = "Tags") -> Tuple[TagUpdate,
                                                                                                      TagDelete]:
    """The update and delete calls of the common tag API shape: ``tag(<target>, Tags=…)`` with a list of
    ``{Key, Value}`` (``tags_as="list"``) or a map (``"map"``), and ``untag(<target>, TagKeys=[key])``."""
    def update(client: Client, reported: Json, k: str, v: str) -> None:
        tags = {k: v} if tags_as == "map" else [{key: k, value_key: v}]
        getattr(client, tag)(**target(reported), **{tags_param: tags})

    def delete(client: Client, reported: Json, k: str) -> None:
        getattr(client, untag)(**target(reported), **{keys_param: [k]})
    return update, delete


def tagging(path: Value, tag: str, untag: str, target: Callable[[Json], Json], **shape: Any) -> Tagging:
    """Tags read at ``path`` and changed with ``tag_calls(tag, untag, target, **shape)``."""
    update, delete = tag_calls(tag, untag, target, **shape)
    key, value_key = shape.get("key", "Key"), shape.get("value_key", "Value")
    return Tagging(path=path, key=key, value=value_key, update=update, delete=delete)


def by_arn(param: str, as_list: bool = False) -> Callable[[Json], Json]:
    """Tag calls that name the resource by its ARN (``ResourceArn=…``, or ``ResourceArns=[…]``)."""
    return lambda reported: {param: [reported["arn"]] if as_list else reported["arn"]}


def by_property(param: str, prop: str) -> Callable[[Json], Json]:
    return lambda reported: {param: reported.get(prop)}
