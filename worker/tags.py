"""``tag`` tasks from the work queue (protocol memo §3.4): apply the update or delete through the
collector of the node's cloud and return the full node, so the core can store it."""
from __future__ import annotations

import copy
from typing import Any, Dict

from worker.config import WorkerConfig
from worker.plugins import Collectors

Json = Dict[str, Any]


class TaskError(Exception):
    pass


def run_tag_task(registry: Collectors, config: WorkerConfig, attrs: Json, data: Json) -> Json:
    cloud = attrs.get("cloud")
    node = data.get("node")
    if not isinstance(node, dict) or not isinstance(node.get("reported"), dict) or "id" not in node:
        raise TaskError("tag task without a node (data.node with id and reported)")
    if cloud not in registry.infos:
        raise TaskError(f"no collector for cloud {cloud!r} is installed in this worker "
                        f"(installed: {', '.join(registry.names) or 'none'})")
    section = config.section(cloud)
    hook = registry.hook
    result = copy.deepcopy(node)
    tags = result["reported"].setdefault("tags", {})
    label = f"{result['reported'].get('kind')}:{result['reported'].get('id')}"
    for key in data.get("delete", []) or []:
        if not hook.resotoworker_delete_tag(cloud=cloud, config=section, node=node, key=key):
            raise TaskError(f"the {cloud} collector cannot delete tags of {label}")
        tags.pop(key, None)
    update = data.get("update") or {}
    if not isinstance(update, dict):
        raise TaskError("tag task: update must be an object of key → value")
    for key, value in update.items():
        if not hook.resotoworker_update_tag(cloud=cloud, config=section, node=node, key=key, value=value):
            raise TaskError(f"the {cloud} collector cannot set tags on {label}")
        tags[key] = "" if value is None else value
    if "delete" not in data and "update" not in data:
        raise TaskError("tag task without update or delete")
    return {k: result[k] for k in ("id", "reported", "desired", "metadata") if k in result}
