"""Tasks of the work-queue commands collectors declare (``resotoworker_commands``): the registration the core
reads (protocol memo §3.1), and running a task through the declaring collector (§3.2, §3.3)."""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

from hookspecs import Command
from worker.config import WorkerConfig, json_kind
from worker.plugins import Collectors

Json = Dict[str, Any]


class CommandError(Exception):
    pass


def handler(command: Command) -> Json:
    return {"name": command.name, "info": command.info, "description": command.description,
            "filter": dict(command.filter), "expect_node_result": command.expect_node_result,
            "args_description": dict(command.args_description), "allowed_on_kind": command.allowed_on_kind}


def run_command_task(registry: Collectors, config: WorkerConfig, name: str, data: Json) -> Any:
    command = registry.commands[name]
    args = data.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise CommandError(f"{name}: args must be a list of strings, got {json_kind(args)} "
                           f"{json.dumps(args)[:100]}")
    node: Optional[Json] = data.get("node")
    if node is not None and not (isinstance(node, dict) and isinstance(node.get("reported"), dict)):
        raise CommandError(f"{name}: node must be a node (with reported), got {json_kind(node)}")
    found = registry.hook.resotoworker_run_command(command=name, config=config.section(command.cloud),
                                                   args=list(args), node=node)
    if found is None:
        raise CommandError(f"{name}: the {command.cloud} collector did not run it")
    return found.value

