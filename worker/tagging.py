"""``tag`` tasks from the work queue (protocol memo §3.4): apply the update or delete through the
collector of the node's cloud and return the full node, so the core can store it."""
from __future__ import annotations

import copy
import json
from typing import Any, Dict, List, Optional, Tuple

from worker.config import WorkerConfig, json_kind
from worker.plugins import Collectors

Json = Dict[str, Any]


class TaskError(Exception):
    pass


def run_tag_task(registry: Collectors, config: WorkerConfig, attrs: Json, data: Json) -> Json:
    cloud = attrs.get("cloud")
    node = data.get("node")
    if not isinstance(node, dict) or not isinstance(node.get("reported"), dict) or "id" not in node:
        raise TaskError("tag task without a node (data.node with id and reported)")
    delete, update = _changes(data, node)  # all of it checked before the cloud is touched
    if cloud not in registry.infos:
        raise TaskError(f"no collector for cloud {cloud!r} is installed in this worker "
                        f"(installed: {', '.join(registry.names) or 'none'})")
    section = config.section(cloud)
    hook = registry.hook
    result = copy.deepcopy(node)
    tags = result["reported"].setdefault("tags", {})
    label = f"{result['reported'].get('kind')}:{result['reported'].get('id')}"
    for key in delete:
        if not hook.resotoworker_delete_tag(cloud=cloud, config=section, node=node, key=key):
            raise TaskError(f"the {cloud} collector cannot delete tags of {label}")
        tags.pop(key, None)
    for key, value in update.items():
        if not hook.resotoworker_update_tag(cloud=cloud, config=section, node=node, key=key, value=value):
            raise TaskError(f"the {cloud} collector cannot set tags on {label}")
        tags[key] = "" if value is None else value
    return {k: result[k] for k in ("id", "reported", "desired", "metadata") if k in result}


def _changes(data: Json, node: Json) -> Tuple[List[str], Dict[str, Optional[str]]]:
    """(tag names to delete, tag name → new value or None), as the core's tag command sends them."""
    if "delete" not in data and "update" not in data:
        raise TaskError("tag task without update or delete")
    delete = data.get("delete") or []
    if not isinstance(delete, list) or not all(isinstance(key, str) for key in delete):
        raise TaskError(f"tag task: delete must be a list of tag names, got {json_kind(delete)} "
                        f"{json.dumps(delete)[:100]}")
    update = data.get("update") or {}
    if not isinstance(update, dict):
        raise TaskError(f"tag task: update must be an object of tag name → value, got {json_kind(update)}")
    for key, value in update.items():
        if value is not None and not isinstance(value, str):
            raise TaskError(f"tag task: the new value of tag {key!r} must be a string or null, got {json_kind(value)}")
    if not isinstance(node["reported"].get("tags", {}), dict):
        raise TaskError(f"tag task: the node's reported.tags is {json_kind(node['reported']['tags'])}, not an object")
    return delete, update
