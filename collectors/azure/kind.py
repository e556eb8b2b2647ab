"""A resource kind of the Azure collector, declared as a value.

Azure is uniform: almost every kind is one Resource Manager type, listed for the whole subscription by
``GET /subscriptions/{s}/providers/<type>?api-version=<v>`` (a *provider collection*, paged by ``nextLink``),
every item carrying ``id`` (the ARM id, unique and case-insensitive), ``name``, ``location``, ``tags`` and
``properties``. So a ``Kind`` mostly says which type it is and which api-version it reads (the reference's, so
that the properties match), and the few things the model's names do not give away:

* ``props``: properties whose API field is not found by name. Every other property is *derived*: a property
  of the kind whose name (without one of ``prefixes``) is a field of ``properties`` or of the item, compared
  without case and underscores; nested values are mapped onto complex kinds the same way (see ``model``).
* ``edges``: the ARM ids in my item that name other resources (default: me → it, and I am deleted before it),
  resolved once the whole subscription is in. An edge can also name the other end by a key the other kind
  declares in ``keys`` (a VM size by name and location), or go through a third kind (``Via``: the subnets of
  the network interfaces a DSCP configuration names).

Kinds that are not a provider collection say where their items come from: ``path`` (catalogs and quotas,
``{location}`` = once per location of the subscription) or ``parent`` (subnets inside virtual networks).
Values (``id``, ``name_of``, ``props``, edge paths, keys) are paths into the API item as
``collectors.common.model.at`` reads them (``properties.subnet.id``, ``properties.subnets[].id``) or plain
functions of the item.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from collectors.common.edges import IN, OUT
from collectors.common.model import at

Json = Dict[str, Any]
Value = Union[str, Callable[[Json], Any], None]

# where a kind's items come from
COLLECTION = "collection"  # the provider collection of its ARM type, only if the subscription has that type
SUBSCRIPTION = "subscription"  # its own path, once per subscription
LOCATION = "location"  # its own path, once per location of the subscription
PARENT = "parent"  # inside the items of another kind
SPECIAL = "special"  # made by the collect itself (subscription, locations, resource groups)



@dataclass(frozen=True)
class Via:
    """The other end is found through a third kind: the nodes of ``kind`` my path names (by ARM id, or by one
    of their ``keys``), then the ARM ids at ``path`` in their items."""

    kind: str
    path: str
    by: str = "id"


@dataclass(frozen=True)
class Edge:
    """Edges to the ``kind`` resources whose ARM id (``by``: a key that kind declares) ``path`` finds in my item.
    ``default`` and ``delete`` say which way each edge goes (``IN``, ``OUT``, or None for no such edge); a
    delete edge A → B means B must be deleted before A."""

    kind: str
    path: Value
    default: Optional[str] = OUT
    delete: Optional[str] = IN
    by: str = "id"
    via: Optional[Via] = None


def uses(kind: str, path: Value, **more: Any) -> Edge:
    """I name it and use it (a VM and its disk): me → it; I am deleted before it."""
    return Edge(kind, path, default=OUT, delete=IN, **more)


def inside(kind: str, path: Value, **more: Any) -> Edge:
    """I name what I am placed in (a VM and its subnet): it → me; I am deleted before it."""
    return Edge(kind, path, default=IN, delete=IN, **more)


def holds(kind: str, path: Value, **more: Any) -> Edge:
    """I list what belongs to me (a virtual network and its subnets): me → it; it is deleted before me."""
    return Edge(kind, path, default=OUT, delete=OUT, **more)


def serves(kind: str, path: Value, **more: Any) -> Edge:
    """I name what serves me and must go first (a public IP and the NAT gateway using it): it → me; it is
    deleted before me."""
    return Edge(kind, path, default=IN, delete=OUT, **more)


def points_at(kind: str, path: Value, **more: Any) -> Edge:
    """I point at it, nothing more (a VM and its size): me → it."""
    return Edge(kind, path, default=OUT, delete=None, **more)


def seen_by(kind: str, path: Value, **more: Any) -> Edge:
    """It points at me, nothing more: it → me."""
    return Edge(kind, path, default=IN, delete=None, **more)


@dataclass(frozen=True)
class Usage:
    """Azure Monitor figures of a kind (with ``collect_usage_metrics``): ``metrics`` maps the metric names of
    ``namespace`` to the usage names the reference gives them, each read with ``aggregations``; ``rounding``
    rounds the figures of some metrics (digits)."""

    namespace: str
    metrics: Mapping[str, str]
    aggregations: Tuple[str, ...] = ("average",)
    rounding: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    name: str
    api_version: str
    arm_type: Optional[str] = None  # e.g. Microsoft.Compute/virtualMachines
    source: str = COLLECTION
    path: Optional[str] = None  # SUBSCRIPTION/LOCATION kinds: the REST path, {subscription} and {location} filled
    parent: Optional[str] = None  # PARENT kinds: the kind whose items hold mine
    items: Optional[str] = None  # PARENT kinds: where in the parent's item (a list)
    id: Value = "id"
    name_of: Value = "name"
    prefixes: Tuple[str, ...] = ()
    props: Mapping[str, Value] = field(default_factory=dict)
    ctime: Value = None
    defaults: Mapping[str, Any] = field(default_factory=dict)  # the reference's values of properties it never reads
    edges: Tuple[Edge, ...] = ()
    keys: Mapping[str, Value] = field(default_factory=dict)  # values other kinds' edges find me by
    taggable: bool = True  # the Tags API works at its ARM id
    deletable: bool = True  # a DELETE of its ARM id (with ``api_version``) removes it
    usage: Optional[Usage] = None
    only_used: bool = False  # kept only when a node of another kind points at it (the VM sizes VMs use)

    def list_path(self) -> str:
        """The path (without host and query) its items are listed from; ``{subscription}``/``{location}``
        still to fill."""
        if self.path:
            return self.path
        return f"/subscriptions/{{subscription}}/providers/{self.arm_type}"


# ---- values --------------------------------------------------------------------------------------


def values(item: Any, path: Value) -> List[Any]:
    """Every value ``path`` reaches in ``item`` (a list of them where the path walks lists); Nones left out."""
    if path is None:
        return []
    found = path(item) if callable(path) else at(item, path)
    if found is None:
        return []
    return [v for v in found if v is not None] if isinstance(found, (list, tuple)) else [found]


def value(item: Any, path: Value) -> Any:
    """The value at ``path`` as it is (a list where the path walks lists), None when there is none."""
    if path is None:
        return None
    return path(item) if callable(path) else at(item, path)


def arm_parent(resource_id: str, levels: int = 1) -> str:
    """The id ``levels`` child steps up (``…/loadBalancers/lb/backendAddressPools/p`` → ``…/loadBalancers/lb``)."""
    parts = resource_id.split("/")
    return "/".join(parts[: len(parts) - 2 * levels])
