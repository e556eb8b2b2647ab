"""A collector's pluggy hook implementations, written once: each per-cloud hook answers for its own cloud
and returns None for every other one (the hooks are ``firstresult``), and hands the hook the typed config
section instead of the raw dict.

A collector builds one ``CloudPlugin`` from plain functions and points its entry point at it::

    plugin = CloudPlugin("mycloud", info=..., config=MyConfig.from_section, list_accounts=..., ...)

    [options.entry_points]
    resotoworker.collectors =
        mycloud = my_package:plugin
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from hookspecs import Account, Builder, CollectorInfo, Command, CommandResult, Json, Progress, hookimpl

Function = Union[Callable[..., Any], str]  # a function, or its name "package.module:function"


def resolved(function: Function) -> Callable[..., Any]:
    """``function``, imported first when it is given by name: the supervisor, which calls none of the cloud
    hooks, then never imports the cloud's SDK."""
    if callable(function):
        return function
    module, _, name = function.partition(":")
    return getattr(importlib.import_module(module), name)


def report_retries(progress: Progress, retries: Dict[str, int]) -> None:
    """Hand the SDK's retries (reason → count) to ``progress.retried``, optional on the Progress protocol."""
    retried = getattr(progress, "retried", None)
    if retried is None:
        return
    for reason, count in sorted(retries.items()):
        if count:
            retried(count, reason)


@dataclass(frozen=True)
class CloudPlugin:
    """The hooks of the collector for ``cloud``. ``config`` turns the section into the typed config every
    other function takes first. The functions may be given by name (``"package.module:function"``), so that
    the cloud's SDK is imported only where a hook runs. Tag and delete functions may be left out: the hook
    then answers None, and the worker reports that nobody handles the node's cloud that way. ``preload``
    runs in the fork server before any child (import the modules by name there, load what children need)."""

    cloud: str
    info: Callable[[], CollectorInfo]
    config: Callable[[Optional[Json]], Any]
    list_accounts: Function
    collect_account: Function
    update_tag: Optional[Function] = None
    delete_tag: Optional[Function] = None
    delete_resource: Optional[Function] = None
    preload: Optional[Function] = None
    commands: Tuple[Command, ...] = ()
    run_command: Optional[Function] = None  # (config, command name, args, node or None) -> JSON

    @hookimpl
    def resotoworker_collector(self) -> CollectorInfo:
        return self.info()

    @hookimpl
    def resotoworker_commands(self) -> List[Command]:
        return list(self.commands)

    @hookimpl
    def resotoworker_run_command(self, command: str, config: Json, args: List[str],
                                 node: Optional[Json]) -> Optional[CommandResult]:
        if self.run_command is None or command not in {c.name for c in self.commands}:
            return None
        return CommandResult(resolved(self.run_command)(self.config(config), command, args, node))

    @hookimpl
    def resotoworker_preload(self) -> None:
        if self.preload is not None:
            resolved(self.preload)()

    @hookimpl
    def resotoworker_list_accounts(self, cloud: str, config: Json) -> Optional[List[Account]]:
        if cloud != self.cloud:
            return None
        return resolved(self.list_accounts)(self.config(config))

    @hookimpl
    def resotoworker_collect_account(self, cloud: str, config: Json, account: Account, builder: Builder,
                                     progress: Progress, task: Json) -> Optional[bool]:
        if cloud != self.cloud:
            return None
        resolved(self.collect_account)(self.config(config), account, builder, progress)
        return True

    @hookimpl
    def resotoworker_update_tag(self, cloud: str, config: Json, node: Json, key: str,
                                value: Optional[str]) -> Optional[bool]:
        if cloud != self.cloud or self.update_tag is None:
            return None
        return resolved(self.update_tag)(self.config(config), node, key, value)

    @hookimpl
    def resotoworker_delete_tag(self, cloud: str, config: Json, node: Json, key: str) -> Optional[bool]:
        if cloud != self.cloud or self.delete_tag is None:
            return None
        return resolved(self.delete_tag)(self.config(config), node, key)

    @hookimpl
    def resotoworker_delete_resource(self, cloud: str, config: Json, node: Json) -> Optional[bool]:
        if cloud != self.cloud or self.delete_resource is None:
            return None
        return resolved(self.delete_resource)(self.config(config), node)
