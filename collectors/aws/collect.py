"""Collecting one account into the builder, by the kinds table.

Layout (as the reference draws it): account → aws_region (each collected region, plus the ``global``
region) → resources; every resource hangs under its region, and links between resources become
``default``/``delete`` edges once all nodes are in.

The plan is one task per (region, fetch): a fetch is the ``get`` function some kinds share, run once per
region (once per account for global kinds). Tasks run on a bounded thread pool per account, at most
``tasks_per_service`` at once per service and region. Shaping and writing to the builder happen on the
calling thread as tasks finish, so the builder is never shared between threads. A task that fails is
reported with ``progress.error`` (account, region, service, error code) and the rest of the account is
kept, unless ``discard_account_on_resource_error`` is set; a service that is not enabled in a region
(opt-in regions, services not offered there) is reported once per region.
"""
from __future__ import annotations

import fnmatch
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from botocore.exceptions import BotoCoreError, ClientError

from collectors.aws.account_info import get_account_info, transform_account
from collectors.aws.accounts import AccountUnreachable, account_session
from collectors.aws.clients import Clients, clients_for, error_code
from collectors.aws.config import AwsConfig
from collectors.aws.credentials import identity
from collectors.aws.kind import Json, Kind, value
from collectors.aws.metrics import Metered, Windows, duration, measure
from collectors.aws.regions import GLOBAL_REGION_NAME, global_region_id, region_node, regions_to_collect
from collectors.aws.resources.base import Partial
from collectors.aws.shape import BadItem, EdgeEnd, Ref, Scope, node
from collectors.aws.table import Fetch, fetches, items_of
from collectors.common.model import Problem
from collectors.common.plugin import report_retries
from hookspecs import Account, Builder, Progress

log = logging.getLogger(__name__)

# the service is not offered, or not enabled, in this region for this account: nothing to collect there
NOT_ENABLED = {"OptInRequired", "UnrecognizedClientException", "InvalidClientTokenId", "SubscriptionRequiredException",
               "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure"}


class ResourceError(Exception):
    """A resource type failed and ``discard_account_on_resource_error`` is set."""


@dataclass(frozen=True)
class Task:
    """One fetch in one region. ``part`` names the region in progress and in the node index (``global``
    for account-wide kinds); ``region`` is the region id the nodes and the client use."""

    part: str
    region: str
    fetch: Fetch


def wanted(service: str, config: AwsConfig) -> bool:
    if config.collect and not any(fnmatch.fnmatch(service, p) for p in config.collect):
        return False
    return not any(fnmatch.fnmatch(service, p) for p in config.no_collect or [])


def plan(config: AwsConfig, regions: List[str], global_region: str) -> List[Task]:
    tasks = [Task(GLOBAL_REGION_NAME, global_region, f) for f in fetches() if f.is_global]
    tasks += [Task(region, region, f) for region in regions for f in fetches() if not f.is_global]
    return [t for t in tasks if wanted(t.fetch.service, config)]


class NodeIndex:
    """Graph node ids by (region part, kind, id), by (kind, ARN) and, for kinds others find by name, by
    (region part, kind, name): to resolve links."""

    def __init__(self, named_kinds: Set[str]) -> None:
        self._ids: Dict[Tuple[str, str, str], str] = {}
        self._named_kinds = named_kinds

    def add(self, part: str, reported: Json, node_id: str, key: Optional[tuple] = None) -> None:
        kind = reported["kind"]
        self._ids[(part, kind, str(reported["id"]))] = node_id
        if key is not None:
            self._ids[(part, kind, "key:" + str(key))] = node_id
        if reported.get("arn"):
            self._ids[("*", kind, reported["arn"])] = node_id
        if kind in self._named_kinds and reported.get("name"):
            self._ids[(part, kind, "name:" + str(reported["name"]))] = node_id

    def find(self, part: str, ref: Ref, global_kinds: Set[str]) -> Optional[str]:
        parts = (part, GLOBAL_REGION_NAME) if ref.kind in global_kinds else (part,)
        key = ref.key if ref.by == "id" else ref.by + ":" + ref.key
        for where in parts:
            found = self._ids.get((where, ref.kind, key))
            if found:
                return found
        return self._ids.get(("*", ref.kind, ref.key)) if ref.by == "id" else None


class ServiceLimits:
    """At most ``tasks_per_service(service)`` tasks of a service in one region at once."""

    def __init__(self, config: AwsConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._semaphores: Dict[Tuple[str, str], threading.BoundedSemaphore] = {}

    def of(self, service: str, region: str) -> threading.BoundedSemaphore:
        with self._lock:
            key = (service, region)
            if key not in self._semaphores:
                self._semaphores[key] = threading.BoundedSemaphore(self._config.tasks_per_service(service))
            return self._semaphores[key]


@dataclass
class Fetched:
    """What a task brought back: the ``get``'s answer, the CloudWatch figures of its kinds' resources (kind →
    resource id → figures) and the errors of those measurements (kind → error)."""

    result: Any
    metered: Dict[str, Dict[str, Metered]] = field(default_factory=dict)
    metric_errors: Dict[str, BaseException] = field(default_factory=dict)
    problems: List[str] = field(default_factory=list)


def run_fetch(clients: Clients, limits: ServiceLimits, task: Task, windows: Optional[Windows],
              account: Json) -> Fetched:
    """The API calls of one task, on a pool thread: the fetch, then (with ``windows``) the CloudWatch figures of
    the kinds that declare some."""
    service = task.fetch.service
    with limits.of(service, task.region):
        client = clients.get(service, task.region)
        result = task.fetch.get(client, account=account) if task.fetch.wants_account else task.fetch.get(client)
    fetched = Fetched(result.result, problems=result.problems) if isinstance(result, Partial) else Fetched(result)
    if windows is None:
        return fetched
    for kind in task.fetch.kinds:
        if kind.usage is None and kind.activity is None:
            continue
        try:
            items = {str(value(i, kind.id)): i for i in items_of(kind, fetched.result)
                     if isinstance(i, dict) and value(i, kind.id) is not None}
            with limits.of("cloudwatch", task.region):
                fetched.metered[kind.name] = measure(clients.get("cloudwatch", task.region), kind.usage,
                                                     kind.activity, items, windows)
        except Exception as e:  # the resources still land, without their figures
            fetched.metric_errors[kind.name] = e
    return fetched


def metric_windows(config: AwsConfig) -> Optional[Windows]:
    """None when CloudWatch figures are not wanted."""
    if not config.collect_usage_metrics:
        return None
    defaults = Windows()
    return Windows(activity=duration(config.cloudwatch_metrics_for_atime_mtime_period, defaults.activity),
                   granularity=duration(config.cloudwatch_metrics_for_atime_mtime_granularity, defaults.granularity))


def first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


class AccountCollector:
    def __init__(self, config: AwsConfig, account: Account, builder: Builder, progress: Progress) -> None:
        self.config = config
        self.account = account
        self.builder = builder
        self.progress = progress
        all_kinds = [k for f in fetches() for k in f.kinds]
        self.global_kinds = {k.name for k in all_kinds if k.is_global} | {"aws_account"}
        self.index = NodeIndex({e.kind for k in all_kinds for e in k.edges if e.by == "name"})
        self.links: List[Tuple[str, str, List[EdgeEnd]]] = []  # (part, node id, its links)
        self.region_nodes: Dict[str, str] = {}
        self.not_enabled: Set[Tuple[str, ...]] = set()  # (service, region[, code]) already reported

    def report(self, region: str, service: str, what: str, error: BaseException, fatal: bool = True) -> None:
        """One failed fetch: reported (a service not enabled or not allowed in a region once per region), and
        (``fatal``) the account's failure with ``discard_account_on_resource_error``."""
        code = error_code(error)
        if code in NOT_ENABLED:
            if (service, region) in self.not_enabled:
                return
            self.not_enabled.add((service, region))
            message = (f"aws account {self.account.id} region {region} service {service} ({what}): not enabled or "
                       f"not allowed here, skipped: {code}: {first_line(error)}")
        else:
            message = (f"aws account {self.account.id} region {region} service {service} ({what}) failed: "
                       f"{code}: {first_line(error)}")
        log.warning(message)
        self.progress.error(message)
        if fatal and self.config.discard_account_on_resource_error:
            raise ResourceError(message) from error

    def report_metrics(self, region: str, kind_name: str, error: BaseException) -> None:
        """CloudWatch figures that could not be read: once per region and reason, and never the account's
        failure (the resources landed without them)."""
        code = error_code(error)
        if code in NOT_ENABLED:
            self.report(region, "cloudwatch", f"figures of {kind_name}", error, fatal=False)
        elif ("cloudwatch", region, code) not in self.not_enabled:
            self.not_enabled.add(("cloudwatch", region, code))
            self.report_problem(region, f"CloudWatch figures left out ({kind_name} and others of this region "
                                        f"failing the same way): {code}: {first_line(error)}")

    def report_problem(self, region: str, problem: Any) -> None:
        """One line per value (or item) that could not be used: the node is kept without it."""
        message = f"aws account {self.account.id} region {region}: {problem}"
        log.warning(message)
        self.progress.error(message)

    def run(self) -> None:
        session = account_session(self.config, self.account)
        clients = clients_for(session, self.config)
        try:
            # one cheap call first: refused credentials fail the account at once, not every resource type
            me = identity(session, self.config)
        except (ClientError, BotoCoreError) as e:
            raise AccountUnreachable(f"aws account {self.account.id}: {error_code(e)}: {e}") from e
        if me.account_id != self.account.id:
            raise AccountUnreachable(f"aws account {self.account.id}: the credentials lead to account {me.account_id}")
        partition = me.partition
        home = global_region_id(partition)
        info = get_account_info(clients.get("iam", home), clients.get("organizations", home),
                                lambda service, what, e: self.report(home, service, what, e))
        self.account_node = transform_account(info, self.config, self.account)
        self.index.add(GLOBAL_REGION_NAME, self.account_node, self.builder.add_account(self.account_node))
        regions = regions_to_collect(self.config, clients.get("ec2", home), partition)
        self.region_nodes[GLOBAL_REGION_NAME] = self.builder.add_region(region_node(home, GLOBAL_REGION_NAME))
        for region in regions:
            self.region_nodes[region] = self.builder.add_region(region_node(region, region))
        tasks = plan(self.config, regions, home)
        self.progress.parts([GLOBAL_REGION_NAME] + regions)
        try:
            self.collect(clients, tasks, partition)
        finally:
            report_retries(self.progress, {"throttled": clients.retries.take()})
        self.add_edges()

    def collect(self, clients: Clients, tasks: List[Task], partition: str) -> None:
        open_tasks = {part: 0 for part in self.region_nodes}
        for task in tasks:
            open_tasks[task.part] += 1
        for part, count in open_tasks.items():
            if count == 0:
                self.progress.done(part)
        if not tasks:
            return
        limits = ServiceLimits(self.config)
        workers = max(1, min(self.config.resource_pool_size, len(tasks)))
        windows = metric_windows(self.config)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"aws-{self.account.id}") as pool:
            futures: Dict[Future, Task] = {pool.submit(run_fetch, clients, limits, t, windows, self.account_node): t for t in tasks}
            try:
                for future in as_completed(futures):
                    task = futures[future]
                    self.add_result(task, future, partition)
                    open_tasks[task.part] -= 1
                    if open_tasks[task.part] == 0:
                        report_retries(self.progress, {"throttled": clients.retries.take()})
                        self.progress.done(task.part)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def add_result(self, task: Task, future: Future, partition: str) -> None:
        fetch = task.fetch
        try:
            fetched: Fetched = future.result()
        except Exception as e:  # one fetch failing must not cost the account
            self.report(task.region, fetch.service, fetch.name, e)
            return
        for problem in fetched.problems:
            self.report_problem(task.region, f"{fetch.service} ({fetch.name}): {problem}")
        for kind_name, error in fetched.metric_errors.items():
            self.report_metrics(task.region, kind_name, error)
        scope = Scope(self.account.id, task.region, task.part, partition)
        for kind in fetch.kinds:
            try:
                items = items_of(kind, fetched.result)
            except Exception as e:  # an answer of an unexpected shape
                self.report(task.region, fetch.service, kind.name, e)
                continue
            metered = fetched.metered.get(kind.name) or {}
            for item in items:
                self.add_item(task, kind, item, scope, metered)

    def add_item(self, task: Task, kind: Kind, item: Json, scope: Scope, metered: Dict[str, Metered]) -> None:
        problems: List[Problem] = []
        if not isinstance(item, dict):
            self.report_problem(task.region, f"{kind.name}: an item that is not an object: {str(item)[:80]}")
            return
        try:
            made = node(kind, item, scope, problems, metered.get(str(value(item, kind.id))))
        except BadItem as e:
            self.report_problem(task.region, e)
            return
        except Exception as e:  # a declaration that does not fit the item: the item is lost, not the account
            self.report_problem(task.region, f"{kind.name}: item left out: {type(e).__name__}: {e}")
            return
        for problem in problems:
            self.report_problem(task.region, problem)
        reported = made.reported
        arn = reported.get("arn")
        node_id = self.builder.add_node(reported, region=task.region, parent=self.region_nodes[task.part],
                                        key_extra=(arn,) if arn else (), key=made.key,
                                        metadata=made.metadata, usage=made.usage)
        self.index.add(task.part, reported, node_id, made.key)
        if made.links:
            self.links.append((task.part, node_id, made.links))

    def add_edges(self) -> None:
        for part, node_id, links in self.links:
            for link in links:
                other = self.index.find(part, link.other, self.global_kinds)
                if other and other != node_id:
                    source, target = (node_id, other) if link.outgoing else (other, node_id)
                    self.builder.add_edge(source, target, link.edge_type)


def collect_account(config: AwsConfig, account: Account, builder: Builder, progress: Progress) -> None:
    AccountCollector(config, account, builder, progress).run()
