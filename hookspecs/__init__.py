"""The contract between the worker and its collectors.

The worker knows nothing about any cloud; a collector knows nothing about the core. The hooks below are
the only door between the two. A collector is a module (or object) with functions marked ``@hookimpl``
whose names match the specs below, registered through the entry-point group
``resotoworker.collectors``::

    [options.entry_points]
    resotoworker.collectors =
        mycloud = my_package.collector

Every per-cloud hook takes the ``cloud`` name first. A collector answers only for its own cloud and
returns ``None`` for every other one: those hooks are ``firstresult``, so the first collector that
answers wins and the others are never asked.

Where hooks run:

* ``resotoworker_collector`` runs in the supervisor (once, at start-up).
* ``resotoworker_preload`` runs in the process children are forked from (the fork server), once,
  before the first child.
* ``resotoworker_list_accounts``, ``resotoworker_collect_account`` run in a child process per account
  with ``--fork`` (in a thread otherwise). They must not rely on state set up by another hook call:
  every call gets the config section it needs.
* ``resotoworker_delete_resource``, ``resotoworker_pre_delete_resource``, ``resotoworker_update_tag``
  and ``resotoworker_delete_tag`` run in the cleanup child of the node's account, or in the task pool.

Data that crosses a process boundary (accounts, results) is plain JSON-able data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Protocol

import pluggy

PROJECT = "resotoworker"
ENTRY_POINT_GROUP = "resotoworker.collectors"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Json = Dict[str, Any]


@dataclass(frozen=True)
class CollectorInfo:
    """What a collector declares about itself.

    cloud: the cloud name; also the name of the cloud node, the ``tag`` task filter and the
        ``resotoworker.collector`` entry that activates it.
    config_schema: JSON schema (draft 2020-12) of the collector's config section, an ``object`` whose
        properties carry ``default`` values and ``description`` texts. The section is named ``cloud``.
    model: the model kinds it emits, in the core's kind format (list of ``{"fqn": …}`` dicts): its
        account, region and resource kinds, plus any enum or complex kinds they use. Base kinds
        (``resource``, ``account``, ``region``, ``instance``, ``volume``, …) are provided by the worker.
    account_kind: the kind of its account node (e.g. ``aws_account``).
    """

    cloud: str
    config_schema: Json
    model: List[Json]
    account_kind: str
    description: str = ""


@dataclass(frozen=True)
class Account:
    """One unit of collection: one child process collects exactly one account.

    ``id`` is the account id as it appears in the graph (``reported.id`` of the account node);
    ``name`` its display name; ``extra`` anything the collector needs to reach it again in the child
    (role ARN, profile name, …). Everything must be JSON-able: it is passed to child processes.
    """

    id: str
    name: str
    extra: Json = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    """A work-queue command a collector offers: the core turns it into a CLI command ``name`` (see protocol
    memo §3.1) whose tasks reach ``resotoworker_run_command``. The fields are the core's task description:
    ``args_description`` maps argument names to their help text; ``allowed_on_kind`` restricts the nodes a
    search may pipe into it; ``expect_node_result`` says the result is the updated node."""

    cloud: str
    name: str
    info: str
    description: str
    args_description: Json = field(default_factory=dict)
    allowed_on_kind: Optional[str] = None
    filter: Json = field(default_factory=dict)
    expect_node_result: bool = False


@dataclass(frozen=True)
class CommandResult:
    """What a command answered: any JSON-able ``value`` (wrapped, so that a command may answer null)."""

    value: Any


class Progress(Protocol):
    """Progress sink handed to ``resotoworker_collect_account``.

    ``parts`` declares the steps of the account (e.g. its regions); ``done`` marks one finished. The
    worker turns these into the core's progress tree cloud → account → part. ``retried`` (optional)
    reports API calls the cloud SDK retried, for the metrics.
    """

    def parts(self, names: List[str]) -> None: ...

    def done(self, name: str) -> None: ...

    def error(self, message: str) -> None:
        """Report a non-fatal problem (e.g. one resource type failed); the account still lands."""

    def retried(self, count: int = 1, reason: str = "throttled") -> None:
        """Report ``count`` API calls the SDK retried (optional: collectors that never call it keep
        working). ``reason`` labels the retries (e.g. ``throttled``). The worker adds them to the
        ``resotoworker_api_retries_total{cloud,account,reason}`` metric. Call it from the thread that
        calls the other methods, or from any thread: the worker's Progress is thread-safe."""


class Builder(Protocol):
    """The graph builder a collector writes one account into (``worker.graph.builder.GraphBuilder``; the
    test suite type-checks that it is one). Every ``add_*`` returns the graph node id of what it added."""

    def add_account(self, reported: Json, metadata: Optional[Json] = None) -> str:
        """The account node; call it first, once. ``reported`` needs ``kind`` and ``id``."""

    def add_region(self, reported: Json, parent: Optional[str] = None, metadata: Optional[Json] = None) -> str:
        """A region node (its name is part of its id, as in the reference), under the account unless
        ``parent`` is given."""

    def add_node(self, reported: Json, *, region: Optional[str] = None, zone: Optional[str] = None,
                 key_extra: tuple = (), metadata: Optional[Json] = None, desired: Optional[Json] = None,
                 parent: Optional[str] = None, usage: Optional[Json] = None,
                 key: Optional[tuple] = None) -> str:
        """One resource: ``reported`` needs ``kind`` and ``id``; ``region``/``zone`` are ids of its region and
        zone; ``parent`` adds a default edge parent → node; ``usage`` is ``{metric: {stat: number}}``. The id
        hashes ``(kind, cloud, account, region, zone, *key)``, ``key`` being ``(id, *key_extra)`` unless
        given."""

    def add_edge(self, from_id: str, to_id: str, edge_type: str = "default") -> None:
        """``default``: parent → child; ``delete``: ``to`` must be deleted before ``from``."""

    def add_deferred_edge(self, from_id: str, search: str, edge_type: str = "default") -> None:
        """An edge to the nodes the core finds with ``search`` once every account has landed."""


@hookspec
def resotoworker_collector() -> CollectorInfo:
    """Declare the collector. Called once per installed collector; every collector answers."""


@hookspec
def resotoworker_preload() -> None:
    """Load, once and before any child exists, what every child will need (e.g. an SDK's service
    descriptions): children then share those memory pages instead of each loading its own copy. Called in
    the fork server, never in the supervisor; optional."""


@hookspec(firstresult=True)
def resotoworker_list_accounts(cloud: str, config: Json) -> Optional[List[Account]]:
    """List the accounts to collect for ``cloud`` with its (validated, defaulted) config section.

    Raise on failure: the worker reports the collector as failed, with the exception's text.
    """


@hookspec(firstresult=True)
def resotoworker_collect_account(cloud: str, config: Json, account: Account, builder: Builder,
                                 progress: Progress, task: Json) -> Optional[bool]:
    """Collect one account of ``cloud`` into ``builder``; return True when done.

    Call ``builder.add_account`` first, then add every resource. ``task`` is the action's data
    (``task``, ``step``, ``timing``; empty for one-shot runs). Raise to fail the account: what was
    built so far is discarded, every other account still lands. Report partial problems with
    ``progress.error`` and return normally to keep the rest of the account.
    """


@hookspec
def resotoworker_commands() -> List[Command]:
    """Declare the collector's work-queue commands (runs in the supervisor; optional). They are registered
    with the core whether or not the collector is active, as the reference does."""


@hookspec(firstresult=True)
def resotoworker_run_command(command: str, config: Json, args: List[str], node: Optional[Json]) -> Optional[CommandResult]:
    """Run one task of a command this collector declared; None for another collector's command. ``config``
    is the collector's section, ``args`` the user's arguments, ``node`` the core's node when a search piped
    one into the command (None for a direct call). Raise with a clear message to answer with an error."""


@hookspec(firstresult=True)
def resotoworker_pre_delete_resource(cloud: str, config: Json, node: Json) -> Optional[bool]:
    """Prepare a resource for deletion (optional). ``node`` is the core's node (``id``, ``reported``,
    ``metadata``, ``ancestors``). Return True when done; raise with a clear message on failure."""


@hookspec(firstresult=True)
def resotoworker_delete_resource(cloud: str, config: Json, node: Json) -> Optional[bool]:
    """Delete one resource. Return True when deleted; raise with a clear message on failure."""


@hookspec(firstresult=True)
def resotoworker_update_tag(cloud: str, config: Json, node: Json, key: str, value: Optional[str]) -> Optional[bool]:
    """Set tag ``key`` to ``value`` on the resource behind ``node``. Return True when done."""


@hookspec(firstresult=True)
def resotoworker_delete_tag(cloud: str, config: Json, node: Json, key: str) -> Optional[bool]:
    """Remove tag ``key`` from the resource behind ``node``. Return True when done."""

