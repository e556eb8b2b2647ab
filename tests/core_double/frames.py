"""Which websocket frames from a worker the core can digest (memo §2.5, §3.1, §3.3, §10.1.5).

Each check returns the parsed frame or raises FrameError; the core hangs up on anything it cannot
parse, so the double closes the socket on a FrameError too.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, List

ACTION_REPLY_KINDS = ("action_done", "action_error")
# action_abort and event parse fine on the core's side (an abort is just re-published)
ACCEPTED_KINDS = ("action_done", "action_error", "action_info", "action_progress", "event", "action_abort")


class FrameError(ValueError):
    pass


def _json_object(raw: str) -> Dict[str, Any]:
    try:
        js = json.loads(raw)
    except ValueError as ex:
        raise FrameError(f"not JSON: {ex}") from ex
    if not isinstance(js, dict):
        raise FrameError(f"not a JSON object: {raw[:200]}")
    return js


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_progress(progress: Any) -> None:
    if not isinstance(progress, dict) or not isinstance(progress.get("name"), str):
        raise FrameError(f"progress needs a name: {progress}")
    if "path" in progress and not (isinstance(progress["path"], list)
                                   and all(isinstance(p, str) for p in progress["path"])):
        raise FrameError(f"progress path must be a list of strings: {progress}")
    kind = progress.get("kind")
    if kind == "progress":
        current, total = progress.get("current"), progress.get("total")
        if not (_is_number(current) and _is_number(total)):
            raise FrameError(f"progress needs numeric current and total: {progress}")
        if total <= 0:
            raise FrameError("total must be greater than 0")
        if current < 0 or current > total:
            raise FrameError(f"current ({current}) must be within 0..total ({total})")
    elif kind == "tree":
        parts = progress.get("parts")
        if not isinstance(parts, list):
            raise FrameError(f"progress tree needs parts: {progress}")
        for part in parts:
            check_progress(part)
    else:
        raise FrameError("No handler to unmarshal progress")


def check_action_frame(raw: str) -> Dict[str, Any]:
    js = _json_object(raw)
    kind = js.get("kind")
    if "kind" not in js or "message_type" not in js:
        raise FrameError("kind and message_type are required")
    if kind == "action":
        raise FrameError("Actors should not emit action messages. ")
    if kind not in ACCEPTED_KINDS:
        raise FrameError(f"No handler to parse {kind}")
    data = js.get("data", {})
    if not isinstance(data, dict):
        raise FrameError("data must be an object")
    if kind == "event":
        return js
    for key in ("task", "step"):
        if key not in data:
            raise FrameError(f"data.{key} is required for {kind}")
    if kind == "action_info":
        if not isinstance(data.get("level"), str) or "message" not in data:
            raise FrameError("action_info needs data.level (string) and data.message")
    if kind == "action_progress":
        if "progress" not in data or "at" not in data:
            raise FrameError("action_progress needs data.progress and data.at")
        check_progress(data["progress"])
        try:
            datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
        except ValueError as ex:
            raise FrameError(f"data.at is not an ISO timestamp: {data['at']}") from ex
    return js


def check_handler_descriptions(raw: str) -> List[Dict[str, Any]]:
    try:
        js = json.loads(raw)
    except ValueError as ex:
        raise FrameError(f"not JSON: {ex}") from ex
    if not isinstance(js, list):
        raise FrameError("the first work queue frame must be a JSON array of task descriptions")
    if not js:
        raise FrameError("Need at least one task description to attach!")
    for desc in js:
        if not isinstance(desc, dict) or not isinstance(desc.get("name"), str):
            raise FrameError(f'No value found for "name": {desc}')
        flt = desc.get("filter", {}) or {}
        if not isinstance(flt, dict) or not all(isinstance(v, list) for v in flt.values()):
            raise FrameError(f"filter must map attribute names to lists: {desc}")
    return js


def check_task_result(raw: str) -> Dict[str, Any]:
    js = _json_object(raw)
    if not isinstance(js.get("task_id"), str) or not isinstance(js.get("result"), str):
        raise FrameError(f"a task result needs task_id and result: {raw[:200]}")
    return js
