"""Collecting one account into the builder.

Layout (as the reference draws it): account → aws_region (each collected region, plus the ``global``
region) → resources; every resource hangs under its region, and links between resources become
``default``/``delete`` edges once all nodes are in.

API calls (``get_*``) run on a bounded thread pool per account, one task per (region, resource type),
at most ``tasks_per_service`` at once per service and region. Shaping and writing to the builder
happen on the calling thread as tasks finish, so the builder is never shared between threads. A task
that fails is reported with ``progress.error`` (account, region, service, error code) and the rest of
the account is kept, unless ``discard_account_on_resource_error`` is set.
"""
from __future__ import annotations

import fnmatch
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from botocore.exceptions import BotoCoreError, ClientError

from collectors.aws.account_info import get_account_info, transform_account
from collectors.aws.accounts import AccountUnreachable, account_session
from collectors.aws.clients import Clients, clients_for
from collectors.aws.config import AwsConfig
from collectors.aws.credentials import identity
from collectors.aws.regions import GLOBAL_REGION_NAME, global_region_id, region_node, regions_to_collect
from collectors.aws.resources import RESOURCE_TYPES, ResourceType
from collectors.aws.resources.base import error_code
from collectors.aws.shaped import Link, Ref, Scope
from hookspecs import Account, Builder, Progress

log = logging.getLogger(__name__)


class ResourceError(Exception):
    """A resource type failed and ``discard_account_on_resource_error`` is set."""


@dataclass(frozen=True)
class Task:
    """One resource type in one region. ``part`` names the region in progress and in the node index
    (``global`` for account-wide types); ``region`` is the region id the nodes and the client use."""

    part: str
    region: str
    resource: ResourceType


def wanted(service: str, config: AwsConfig) -> bool:
    if config.collect and not any(fnmatch.fnmatch(service, p) for p in config.collect):
        return False
    return not any(fnmatch.fnmatch(service, p) for p in config.no_collect or [])


def plan(config: AwsConfig, regions: List[str], global_region: str) -> List[Task]:
    tasks = [Task(GLOBAL_REGION_NAME, global_region, r) for r in RESOURCE_TYPES if r.is_global]
    tasks += [Task(region, region, r) for region in regions for r in RESOURCE_TYPES if not r.is_global]
    return [t for t in tasks if wanted(t.resource.service, config)]


class NodeIndex:
    """Graph node ids by (region part, kind, id) and by (kind, ARN), to resolve links."""

    def __init__(self) -> None:
        self._ids: Dict[Tuple[str, str, str], str] = {}

    def add(self, part: str, reported: Dict[str, Any], node_id: str) -> None:
        self._ids[(part, reported["kind"], str(reported["id"]))] = node_id
        if reported.get("arn"):
            self._ids[("*", reported["kind"], reported["arn"])] = node_id

    def find(self, part: str, ref: Ref) -> Optional[str]:
        return self._ids.get((part, ref.kind, ref.key)) or self._ids.get(("*", ref.kind, ref.key))


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


def fetch(clients: Clients, limits: ServiceLimits, task: Task) -> Any:
    service = task.resource.service
    with limits.of(service, task.region):
        return task.resource.get(clients.get(service, task.region))


def describe_error(account_id: str, region: str, service: str, what: str, error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return (f"aws account {account_id} region {region} service {service} ({what}) failed: "
            f"{error_code(error)}: {text}")


class AccountCollector:
    def __init__(self, config: AwsConfig, account: Account, builder: Builder, progress: Progress) -> None:
        self.config = config
        self.account = account
        self.builder = builder
        self.progress = progress
        self.index = NodeIndex()
        self.links: List[Tuple[str, Link]] = []
        self.region_nodes: Dict[str, str] = {}

    def report(self, region: str, service: str, what: str, error: BaseException) -> None:
        message = describe_error(self.account.id, region, service, what, error)
        log.warning(message)
        self.progress.error(message)
        if self.config.discard_account_on_resource_error:
            raise ResourceError(message) from error

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
        self.builder.add_account(transform_account(info, self.config, self.account))
        regions = regions_to_collect(self.config, clients.get("ec2", home), partition)
        self.region_nodes[GLOBAL_REGION_NAME] = self.builder.add_region(region_node(home, GLOBAL_REGION_NAME))
        for region in regions:
            self.region_nodes[region] = self.builder.add_region(region_node(region, region))
        tasks = plan(self.config, regions, home)
        self.progress.parts([GLOBAL_REGION_NAME] + regions)
        try:
            self.collect(clients, tasks, partition)
        finally:
            self.report_retries(clients)
        self.add_edges()

    def report_retries(self, clients: Clients) -> None:
        """Hand botocore's retries to ``progress.retried`` (optional on the Progress protocol)."""
        count = clients.retries.take()
        retried = getattr(self.progress, "retried", None)
        if count and retried is not None:
            retried(count, "throttled")

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
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"aws-{self.account.id}") as pool:
            futures: Dict[Future, Task] = {pool.submit(fetch, clients, limits, t): t for t in tasks}
            try:
                for future in as_completed(futures):
                    task = futures[future]
                    self.add_result(task, future, partition)
                    open_tasks[task.part] -= 1
                    if open_tasks[task.part] == 0:
                        self.report_retries(clients)
                        self.progress.done(task.part)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def add_result(self, task: Task, future: Future, partition: str) -> None:
        what = task.resource.name
        try:
            shaped = task.resource.transform(future.result(), Scope(self.account.id, task.region, partition))
        except Exception as e:  # one resource type failing (API or shaping) must not cost the account
            self.report(task.region, task.resource.service, what, e)
            return
        parent = self.region_nodes[task.part]
        for reported in shaped.nodes:
            arn = reported.get("arn")
            node_id = self.builder.add_node(reported, region=task.region, parent=parent,
                                            key_extra=(arn,) if arn else ())
            self.index.add(task.part, reported, node_id)
        self.links.extend((task.part, link) for link in shaped.links)

    def add_edges(self) -> None:
        for part, link in self.links:
            source, target = self.index.find(part, link.source), self.index.find(part, link.target)
            if source and target and source != target:
                self.builder.add_edge(source, target, link.edge_type)


def collect_account(config: AwsConfig, account: Account, builder: Builder, progress: Progress) -> None:
    AccountCollector(config, account, builder, progress).run()
