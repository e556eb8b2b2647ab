"""Finding collectors: a pluggy plugin manager loaded from the ``resotoworker.collectors`` entry-point
group. The worker reaches a collector only through these hooks, never by importing it."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import pluggy

import hookspecs
from hookspecs import CollectorInfo, Command
from worker.core.errors import FatalError

log = logging.getLogger(__name__)


class Collectors:
    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.hook = pm.hook
        self.infos: Dict[str, CollectorInfo] = {}
        for info in pm.hook.resotoworker_collector():
            if info.cloud in self.infos:
                log.warning("two collectors declare cloud %r; keeping the first", info.cloud)
                continue
            self.infos[info.cloud] = info
        self.commands: Dict[str, Command] = {}
        for declared in pm.hook.resotoworker_commands():
            for command in declared or []:
                if command.name in self.commands or command.name == "tag":
                    log.warning("command %r of %s is declared twice (or is the tag task); keeping the first",
                                command.name, command.cloud)
                    continue
                self.commands[command.name] = command

    @property
    def names(self) -> List[str]:
        return sorted(self.infos)

    def schemas(self) -> Dict[str, Any]:
        return {name: info.config_schema for name, info in self.infos.items()}

    def model(self, clouds: Optional[List[str]] = None) -> List[Dict[str, Any]]:
        kinds: Dict[str, Dict[str, Any]] = {}
        for name, info in self.infos.items():
            if clouds is None or name in clouds:
                for kind in info.model:
                    kinds.setdefault(kind["fqn"], kind)
        return list(kinds.values())


def plugin_manager(extra_plugins: tuple = ()) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
        for plugin in extra_plugins:
            pm.register(plugin)
        # a misspelled @hookimpl would otherwise never be called, and the collector silently do less
        pm.check_pending()
    except pluggy.PluginValidationError as ex:
        raise FatalError(f"a collector does not match the hookspecs: {ex}") from ex
    return pm


_loaded: Optional[Collectors] = None


def collectors() -> Collectors:
    """The installed collectors, loaded once per process (children of the fork server inherit them)."""
    global _loaded
    if _loaded is None:
        _loaded = Collectors(plugin_manager())
    return _loaded
