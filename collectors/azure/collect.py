"""One subscription into the graph builder, by the registry.

Layout, as the reference draws it: subscription → location → resource (a resource whose location the
subscription does not list, and the subscription-wide catalogs, hang under the subscription), and resource group
→ each resource the group holds (``default`` and ``delete``: the resource goes first). Edges between resources
come from the kinds' declarations, resolved by ARM id once every node is in.

The plan: the subscription's locations, resource groups and resources (``resources.list``) first; they say which
types exist. Then one task per provider collection of a type the subscription has (following ``nextLink``), per
catalog (per location where its path has one; VM sizes only where the subscription has VMs), the VMs' power
states in one list (``statusOnly=true``), and, with ``collect_usage_metrics``, one Azure Monitor read per VM and
disk. Tasks run on a pool of ``resource_pool_size`` threads, at most ``resource_pool_tasks_per_namespace`` per
resource provider namespace at once; shaping and writing to the builder happen on the calling thread as tasks
finish, so the builder is never shared between threads.

Failing to list the locations, groups or resources fails the subscription (raised: the worker reports it, the
other subscriptions still land). A task that fails costs its kind only and is reported once per kind (with how
many of its tasks failed); a value of an odd type costs that property only.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from azure.core.exceptions import AzureError

from collectors.azure.arm_ids import parse_arm_id
from collectors.azure.clients import resource_client, subscription_client, take_requests, take_retries
from collectors.azure.config import AzureConfig
from collectors.azure.kind import COLLECTION, LOCATION, SUBSCRIPTION, Json, Kind, values
from collectors.azure.listing import get_items, get_locations, get_metrics, get_resource_groups, get_resources
from collectors.azure.metrics import metrics_query, usage_of
from collectors.azure.registry import BY_NAME, KINDS, children_of, kind_of_type
from collectors.azure.resources import base
from collectors.azure.resources.compute import VIRTUAL_MACHINE
from collectors.azure.shape import BadItem, EdgeEnd, Node, node, with_times
from collectors.common.model import Problem
from collectors.common.plugin import report_retries
from hookspecs import Account, Builder, Progress

log = logging.getLogger(__name__)

PARTS = ["locations", "resource_groups", "resources"]
# answers meaning the type (or catalog) cannot be read here: reported once per kind, nothing else lost
NOT_AVAILABLE = {"NoRegisteredProviderFound", "MissingSubscriptionRegistration", "SubscriptionNotRegistered",
                 "AuthorizationFailed", "Forbidden", "InvalidResourceType", "LinkedAuthorizationFailed"}
POWER_STATE = {"starting": "busy", "running": "running", "stopping": "busy", "stopped": "stopped",
               "deallocating": "busy", "deallocated": "terminated"}  # the reference's
NAMESPACE_IN_PATH = re.compile(r"/providers/([^/]+)/", re.IGNORECASE)
METRICS_NAMESPACE = "Microsoft.Insights"
# for benchmarks only: list every type's collection whatever the subscription has (the plan the reference uses)
EVERY_TYPE = "RESOTOWORKER_AZURE_LIST_EVERY_TYPE"


class SubscriptionCollectError(Exception):
    """Collecting one subscription failed; the text says which and why."""


def error_text(ex: BaseException) -> str:
    return str(getattr(ex, "message", None) or ex).splitlines()[0] if str(ex) else type(ex).__name__


def error_code(ex: BaseException) -> Optional[str]:
    error, status = getattr(ex, "error", None), getattr(ex, "status_code", None)
    return getattr(error, "code", None) or (f"HTTP {status}" if status else None)


@dataclass(frozen=True)
class Task:
    """One call of the plan: a kind's list (``location`` for per-location catalogs), the VMs' power states, or one
    resource's metrics."""

    kind: Kind
    what: str = "list"  # list | status | metrics
    location: Optional[str] = None
    resource_id: Optional[str] = None

    @property
    def namespace(self) -> str:
        if self.what == "metrics":
            return METRICS_NAMESPACE
        found = NAMESPACE_IN_PATH.search(self.kind.list_path() + "/")
        return found.group(1).lower() if found else "-"


@dataclass
class Entry:
    """A node of the subscription as the edge pass knows it (its document is dropped once written)."""

    node: Node
    region: Optional[str] = None  # the reported id of its location node
    node_id: Optional[str] = None
    waiting: Set[str] = field(default_factory=set)  # what it waits for before it is written: status, metrics
    usage: Optional[Json] = None


class Index:
    """Entries by (kind, ARM id), by (kind, key name, key), and what ``Via`` edges read from them; all lower case."""

    def __init__(self) -> None:
        self.by_id: Dict[Tuple[str, str], Entry] = {}
        self.by_key: Dict[Tuple[str, str, str], List[Entry]] = {}

    def add(self, entry: Entry) -> None:
        made = entry.node
        self.by_id[(made.kind.name, made.reported["id"].lower())] = entry
        for key_name, keys in made.keys.items():
            for key in keys:
                self.by_key.setdefault((made.kind.name, key_name, key), []).append(entry)

    def find(self, kind: str, key: str, by: str = "id") -> List[Entry]:
        if by == "id":
            found = self.by_id.get((kind, key.lower()))
            return [found] if found else []
        return self.by_key.get((kind, by, key.lower()), [])

    def resolve(self, link: EdgeEnd) -> List[Entry]:
        ref = link.other
        if ref.via is None:
            return self.find(ref.kind, ref.key, ref.by)
        found: List[Entry] = []
        for through in self.find(ref.via.kind, ref.key, ref.via.by):
            for target in through.node.via_ids.get(ref.via.path, []):
                found.extend(self.find(ref.kind, target))
        return found


class Limits:
    """At most ``per_namespace`` tasks of one resource provider namespace at once."""

    def __init__(self, per_namespace: int) -> None:
        self._per_namespace = per_namespace
        self._lock = threading.Lock()
        self._semaphores: Dict[str, threading.BoundedSemaphore] = {}

    def of(self, namespace: str) -> threading.BoundedSemaphore:
        with self._lock:
            if namespace not in self._semaphores:
                self._semaphores[namespace] = threading.BoundedSemaphore(self._per_namespace)
            return self._semaphores[namespace]


def location_nodes(locations: List[Json]) -> Dict[str, Json]:
    """Location documents by lower name."""
    return {str(loc["name"]).lower(): loc for loc in locations if loc.get("name")}


def physical(location: Json) -> bool:
    """Whether resources can live there (not a logical location such as a geography)."""
    return str((location.get("metadata") or {}).get("regionType") or "Physical").lower() != "logical"


def plan(kinds: List[Kind], listed_types: Set[str], locations: Dict[str, Json], vm_locations: Set[str],
         every_type: bool = False, catalogs: bool = True) -> List[Task]:
    """The lists of one subscription: the collections of the types it has (``listed_types``, lower case), the
    catalogs (per physical location where the path has one; VM sizes where its VMs are), the VMs' power states."""
    tasks: List[Task] = []
    for kind in kinds:
        if kind.source == COLLECTION and (every_type or (kind.arm_type or "").lower() in listed_types):
            tasks.append(Task(kind))
        elif kind.source == SUBSCRIPTION and catalogs:
            tasks.append(Task(kind))
        elif kind.source == LOCATION and catalogs:
            where = vm_locations if kind.only_used else {n for n, loc in locations.items() if physical(loc)}
            tasks.extend(Task(kind, location=name) for name in sorted(where))
    if any(t.kind.name == VIRTUAL_MACHINE for t in tasks):
        tasks.append(Task(BY_NAME[VIRTUAL_MACHINE], what="status"))
    return tasks


def power_state(item: Json) -> Optional[str]:
    """The instance status a VM's instance view gives (``PowerState/…``), unknown without one (as the reference)."""
    for status in ((item.get("properties") or {}).get("instanceView") or {}).get("statuses") or []:
        code = str(status.get("code") or "").split("/")
        if code[0] == "PowerState" and len(code) > 1:
            return POWER_STATE.get(code[1], "unknown")
    return "unknown"


class SubscriptionCollector:
    def __init__(self, config: AzureConfig, account: Account, builder: Builder, progress: Progress) -> None:
        self.config = config
        self.account = account
        self.builder = builder
        self.progress = progress
        self.subscription_id = account.id
        self.client = resource_client(config, account.id)
        self.index = Index()
        self.entries: List[Entry] = []
        self.held: Dict[str, Tuple[Entry, Json]] = {}  # lower id → entry and its reported, until written
        self.deferred: List[Tuple[Entry, Json]] = []  # written at the end: their region depends on others
        self.statuses: Optional[Dict[str, Optional[str]]] = None
        self.failures: Dict[str, List[Tuple[str, BaseException]]] = {}
        self.location_ids: Dict[str, str] = {}  # lower name → reported id of the location node
        self.location_node_ids: Dict[str, str] = {}  # lower name → graph node id
        self.groups: Dict[str, Tuple[str, Optional[str]]] = {}  # lower name → (graph node id, lower location)
        self.listed: Dict[str, Json] = {}  # lower id → the listing's document (times, group membership)

    # ---- the steps --------------------------------------------------------------------------------------

    def run(self) -> None:
        started = time.monotonic()
        self.account_node = self.add_subscription()
        self.progress.parts(PARTS)
        try:
            locations, groups, resources = self.read_base()
            self.add_locations(locations)
            self.add_groups(groups)
            self.collect(locations, resources)
            self.finish()
        finally:
            self.report(started)

    def add_subscription(self) -> str:
        raw = dict(self.account.extra.get("subscription") or {})
        raw.setdefault("subscriptionId", self.subscription_id)
        raw.setdefault("displayName", self.account.name)
        raw.setdefault("id", f"/subscriptions/{self.subscription_id}")
        made = self.shape(BY_NAME[base.SUBSCRIPTION], raw)
        if made is None:  # shape reported why; without an account node nothing else can be added
            raise RuntimeError(f"the subscription {self.subscription_id} could not be read")
        return self.builder.add_account(made.reported, metadata=made.metadata)

    def read_base(self) -> Tuple[List[Json], List[Json], List[Json]]:
        try:
            base_url, sub = self.config.base_url, self.subscription_id
            return (get_locations(subscription_client(self.config), sub), get_resource_groups(self.client, base_url, sub),
                    get_resources(self.client, base_url, sub, self.config.resources_filter))
        except AzureError as ex:
            raise SubscriptionCollectError(f"azure subscription {self.subscription_id} ({self.account.name}): "
                                           f"{error_text(ex)}") from ex

    def add_locations(self, locations: List[Json]) -> None:
        for name, raw in location_nodes(locations).items():
            made = self.shape(BY_NAME[base.LOCATION], raw)
            if made is None:
                continue
            self.location_ids[name] = made.reported["id"]
            self.location_node_ids[name] = self.builder.add_region(made.reported, parent=self.account_node,
                                                                   metadata=made.metadata)
        self.progress.done("locations")

    def add_groups(self, groups: List[Json]) -> None:
        for raw in groups:
            made = self.shape(BY_NAME[base.RESOURCE_GROUP], raw)
            if made is None:
                continue
            location = made.location if made.location in self.location_ids else None
            node_id = self.builder.add_node(made.reported, region=self.location_ids.get(location or ""),
                                            parent=self.location_node_ids.get(location or "", self.account_node),
                                            metadata=made.metadata)
            self.groups[str(raw.get("name", "")).lower()] = (node_id, location)
        self.progress.done("resource_groups")

    def collect(self, locations: List[Json], resources: List[Json]) -> None:
        self.listed = {str(r["id"]).lower(): r for r in resources if r.get("id")}
        types = {str(r.get("type", "")).lower() for r in resources}
        for raw in resources:
            if kind_of_type(raw.get("type")) is None:  # no kind for its type: the generic kind
                self.add_generic(raw)
        vm_locations = {str(r.get("location", "")).lower() for r in resources
                        if str(r.get("type", "")).lower() == (BY_NAME[VIRTUAL_MACHINE].arm_type or "").lower()}
        tasks = plan(KINDS, types, location_nodes(locations), vm_locations,
                     every_type=os.environ.get(EVERY_TYPE) == "1", catalogs=not self.config.resources_filter)
        self.run_tasks(tasks)
        self.progress.done("resources")

    def run_tasks(self, tasks: List[Task]) -> None:
        if not tasks:
            return
        limits = Limits(self.config.resource_pool_tasks_per_namespace)
        workers = max(1, self.config.resource_pool_size)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"azure-{self.subscription_id[:8]}") as pool:
            pending: Dict[Future, Task] = {pool.submit(self.call, limits, t): t for t in tasks}
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        for more in self.add_result(pending.pop(future), future):
                            pending[pool.submit(self.call, limits, more)] = more
            except BaseException:
                for future in pending:
                    future.cancel()
                raise

    def call(self, limits: Limits, task: Task) -> Any:
        """The API call of one task, on a pool thread."""
        kind = task.kind
        base_url = self.config.base_url
        with limits.of(task.namespace):
            if task.what == "metrics":
                assert task.resource_id and kind.usage, "metrics tasks are made for resources of kinds with usage"
                return get_metrics(self.client, base_url, task.resource_id, metrics_query(kind.usage))
            path = kind.list_path().format(subscription=self.subscription_id, location=task.location or "")
            query = {"statusOnly": "true"} if task.what == "status" else None
            return get_items(self.client, base_url, path, kind.api_version, query)

    # ---- results ------------------------------------------------------------------------------------------

    def add_result(self, task: Task, future: Future) -> List[Task]:
        """Shape what a task brought back; returns the tasks it leads to (metrics of the listed resources)."""
        try:
            result = future.result()
        except Exception as ex:  # one task failing costs its kind, not the subscription
            self.failed(task, ex)
            if task.what == "status":
                self.statuses = {}
                self.release_all("status")
            elif task.what == "metrics":
                self.release(task.resource_id, "metrics")
            return []
        if task.what == "status":
            self.statuses = {str(i.get("id", "")).lower(): power_state(i) for i in result if isinstance(i, dict)}
            self.release_all("status")
            return []
        if task.what == "metrics":
            assert task.resource_id and task.kind.usage, "metrics tasks are made for resources of kinds with usage"
            held = self.held.get(task.resource_id.lower())
            if held is not None:
                held[0].usage = usage_of(task.kind.usage, result) or None
            self.release(task.resource_id, "metrics")
            return []
        more: List[Task] = []
        for item in result:
            more.extend(self.add_item(task.kind, item, task.location))
        return more

    def add_item(self, kind: Kind, item: Any, location: Optional[str] = None,
                 parent: Optional[Entry] = None) -> List[Task]:
        if not isinstance(item, dict):
            self.problem(f"{kind.name}: an item that is not an object: {str(item)[:80]}")
            return []
        listed = self.listed.get(str(item.get("id", "")).lower())
        if kind.source == COLLECTION and self.config.resources_filter and listed is None:
            return []  # the filtered listing left it out
        made = self.shape(kind, item, location)
        if made is None:
            return []
        reported = with_times(made.reported, listed)
        entry = Entry(made, region=self.region_of(made, parent))
        self.entries.append(entry)
        self.index.add(entry)
        more: List[Task] = []
        if kind.source == SUBSCRIPTION or kind.only_used:
            self.deferred.append((entry, reported))
        else:
            if kind.name == VIRTUAL_MACHINE:
                entry.waiting.add("status")
            if kind.usage is not None and self.config.collect_usage_metrics:
                entry.waiting.add("metrics")
                more.append(Task(kind, what="metrics", resource_id=reported["id"]))
            self.held[reported["id"].lower()] = (entry, reported)
            self.release(reported["id"], None)
        for child_kind in children_of(kind.name):
            for child in values(item, child_kind.items):
                self.add_item(child_kind, child, parent=entry)
        return more

    def add_generic(self, raw: Json) -> None:
        made = self.shape(BY_NAME[base.GENERIC], raw)
        if made is None:
            return
        entry = Entry(made, region=self.region_of(made))
        self.entries.append(entry)
        self.write(entry, with_times(made.reported, raw))

    # ---- writing nodes ------------------------------------------------------------------------------------

    def release(self, resource_id: Optional[str], what: Optional[str]) -> None:
        """``what`` arrived for a held node (None: nothing yet); it is written once it waits for nothing."""
        key = str(resource_id or "").lower()
        held = self.held.get(key)
        if held is None:
            return
        entry, reported = held
        if "status" in entry.waiting and self.statuses is not None:  # the power states are in ({}: they failed)
            entry.waiting.discard("status")
            if self.statuses:
                reported["instance_status"] = self.statuses.get(key, "unknown")
        if what is not None:
            entry.waiting.discard(what)
        if not entry.waiting:
            del self.held[key]
            self.write(entry, reported)

    def release_all(self, what: str) -> None:
        for key in [k for k, (entry, _) in self.held.items() if what in entry.waiting]:
            self.release(key, what)

    def region_of(self, made: Node, parent: Optional[Entry] = None) -> Optional[str]:
        """The location whose id is part of the node id, as the reference finds it: the node's own location,
        else its resource group's, else its parent's (subnets: their network's)."""
        if made.location in self.location_ids:
            return self.location_ids[made.location]
        group = parse_arm_id(made.reported["id"]).resource_group
        if group and group.lower() in self.groups:
            return self.location_ids.get(self.groups[group.lower()][1] or "")
        return parent.region if parent else None

    def write(self, entry: Entry, reported: Json) -> None:
        made = entry.node
        location = made.location if made.location in self.location_node_ids else None
        parent = self.location_node_ids[location] if location else self.account_node
        entry.node_id = self.builder.add_node(reported, region=entry.region, parent=parent, metadata=made.metadata,
                                              usage=entry.usage)
        # the document is in the spool now: the edge pass needs its id only (a child never holds its graph)
        made.reported, made.metadata, entry.usage = {"id": reported["id"], "kind": reported["kind"]}, {}, None
        rid = reported["id"].lower()
        group = parse_arm_id(rid).resource_group
        if rid in self.listed and group and group.lower() in self.groups:
            group_node = self.groups[group.lower()][0]
            self.builder.add_edge(group_node, entry.node_id)
            self.builder.add_edge(group_node, entry.node_id, "delete")

    def finish(self) -> None:
        """What waited: held nodes whose extras never came, then the deferred ones (their region is that of the
        first node pointing at them; VM sizes only if one does), then every edge."""
        for key in list(self.held):
            entry, reported = self.held.pop(key)
            self.write(entry, reported)
        pointed: Dict[int, Entry] = {}
        for entry in self.entries:
            for link in entry.node.links:
                if link.edge_type == "default" and link.outgoing:
                    for other in self.index.resolve(link):
                        pointed.setdefault(id(other), entry)
        for entry, reported in self.deferred:
            referrer = pointed.get(id(entry))
            if entry.node.kind.only_used and referrer is None:
                continue  # nothing uses it: left out, as the reference does
            if entry.region is None and referrer is not None:
                entry.region = referrer.region
            self.write(entry, reported)
        for entry in self.entries:
            if entry.node_id is None:
                continue
            for link in entry.node.links:
                for other in self.index.resolve(link):
                    if other.node_id and other is not entry:
                        source, target = (entry.node_id, other.node_id) if link.outgoing else \
                            (other.node_id, entry.node_id)
                        self.builder.add_edge(source, target, link.edge_type)

    # ---- shaping and reporting ----------------------------------------------------------------------------

    def shape(self, kind: Kind, item: Json, location: Optional[str] = None) -> Optional[Node]:
        problems: List[Problem] = []
        try:
            made = node(kind, item, location, problems)
        except BadItem as ex:
            self.problem(str(ex))
            return None
        except Exception as ex:  # a declaration that does not fit the item: the item is lost, not the subscription
            self.problem(f"{kind.name}: item left out: {type(ex).__name__}: {ex}")
            return None
        for found in problems:
            self.problem(str(found))
        return made

    def failed(self, task: Task, ex: BaseException) -> None:
        what = f"figures of {task.kind.name}" if task.what == "metrics" else \
            f"power states of {task.kind.name}" if task.what == "status" else task.kind.name
        where = task.location or task.resource_id or "subscription"
        self.failures.setdefault(what, []).append((where, ex))

    def problem(self, text: str) -> None:
        message = f"azure subscription {self.subscription_id}: {text}"
        log.warning(message)
        self.progress.error(message)

    def report(self, started: float) -> None:
        """Every failed kind once, the retries, and how many Resource Manager reads the collect took."""
        for what, failures in self.failures.items():
            where, ex = failures[0]
            code = error_code(ex)
            how = "not available or not allowed here, skipped" if code in NOT_AVAILABLE else "failed"
            count = f" ({len(failures)} calls, first: {where})" if len(failures) > 1 else ""
            message = (f"azure subscription {self.subscription_id}: {what}: {how}{count}: {code or ''}"
                       f"{': ' if code else ''}{error_text(ex)}")
            log.warning(message)
            self.progress.error(message)
        try:
            report_retries(self.progress, take_retries(self.client, subscription_client(self.config)))
            requests = take_requests(self.client)
            gets = requests.get("GET", 0) + take_requests(subscription_client(self.config)).get("GET", 0)
        except Exception:  # counting must never fail or mask the collect
            return
        log.info(f"azure subscription {self.subscription_id}: {len(self.entries)} resources from {gets} Resource "
                 f"Manager reads in {time.monotonic() - started:.1f}s")


def collect_account(config: AzureConfig, account: Account, builder: Builder, progress: Progress) -> None:
    SubscriptionCollector(config, account, builder, progress).run()
