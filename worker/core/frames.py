"""Frames the worker sends on the action socket, built and checked so the core never sees a bad one
(protocol memo §2.5: one malformed frame makes the core hang up), nor one it cannot take: the core's
websockets take text frames below 4 MiB (aiohttp's default ``max_msg_size``) and close the connection
on a larger one."""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional, Tuple

from worker.graph.serialize import now_str

log = logging.getLogger(__name__)

OUT_KINDS = ("action_done", "action_error", "action_info", "action_progress")
MAX_INFO = 500
MAX_ERROR = 10_000
MAX_FRAME_BYTES = 4 * 1024 * 1024  # a frame of this size or more is refused


def encode(frame: Any) -> str:
    """A frame as sent: ASCII JSON (no lone surrogate can break its encoding), at most MAX_FRAME_BYTES."""
    text = json.dumps(frame)
    if len(text) >= MAX_FRAME_BYTES:
        raise FrameError(f"{len(text)} bytes, the core takes less than {MAX_FRAME_BYTES}")
    return text


class FrameError(ValueError):
    pass


def reply_frame(kind: str, message_type: str, data: Dict[str, Any], error: Optional[str] = None) -> Dict[str, Any]:
    """The reply echoes everything received (task, step, timing, …), like the reference, unless that
    makes a frame the core cannot take: then only task and step, which is all the core matches on."""
    extra = {"error": (error or "n/a")[:MAX_ERROR]} if kind == "action_error" else {}
    frame = {"kind": kind, "message_type": message_type, "data": {**data, **extra}}
    try:
        encode(frame)
    except FrameError as ex:
        log.warning("actions: the reply to %s:%s would be %s; echoing only task and step", data.get("task"),
                    data.get("step"), ex)
        frame["data"] = {"task": data.get("task"), "step": data.get("step"), **extra}
    return frame


def info_frame(message_type: str, task: str, step: str, level: str, message: str,
               context: Tuple[str, ...] = ()) -> Dict[str, Any]:
    prefix = f"[{':'.join(context)}] " if context else ""
    text = (prefix + message)[:MAX_INFO]
    return {"kind": "action_info", "message_type": message_type,
            "data": {"task": task, "step": step, "level": level, "message": text}}


def progress_frame(message_type: str, task: str, step: str, progress: Dict[str, Any]) -> Dict[str, Any]:
    return {"kind": "action_progress", "message_type": message_type,
            "data": {"task": task, "step": step, "context": [], "progress": progress, "at": now_str()}}


def leaf(name: str, current: int, total: int, path: Tuple[str, ...] = ()) -> Dict[str, Any]:
    total = max(1, int(total))
    node: Dict[str, Any] = {"kind": "progress", "name": name, "current": min(max(0, int(current)), total),
                            "total": total}
    if path:
        node["path"] = list(path)
    return node


def tree(name: str, parts: list, path: Tuple[str, ...] = ()) -> Dict[str, Any]:
    node: Dict[str, Any] = {"kind": "tree", "name": name, "parts": parts}
    if path:
        node["path"] = list(path)
    return node


def check_progress(progress: Any) -> None:
    if not isinstance(progress, dict) or not isinstance(progress.get("name"), str):
        raise FrameError("progress needs a name")
    if "path" in progress and not (isinstance(progress["path"], list)
                                   and all(isinstance(p, str) for p in progress["path"])):
        raise FrameError("progress path must be a list of strings")
    if progress.get("kind") == "progress":
        current, total = progress.get("current"), progress.get("total")
        if not isinstance(current, int) or not isinstance(total, int) or total <= 0 or not 0 <= current <= total:
            raise FrameError(f"progress {progress['name']}: needs 0 <= current <= total and total > 0")
    elif progress.get("kind") == "tree":
        parts = progress.get("parts")
        if not isinstance(parts, list):
            raise FrameError("progress tree needs parts")
        for part in parts:
            check_progress(part)
    else:
        raise FrameError(f"unknown progress kind {progress.get('kind')!r}")


def check_outgoing(frame: Dict[str, Any]) -> None:
    if frame.get("kind") not in OUT_KINDS:
        raise FrameError(f"kind must be one of {OUT_KINDS}")
    if not isinstance(frame.get("message_type"), str):
        raise FrameError("message_type must be a string")
    data = frame.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("task"), str) or not isinstance(data.get("step"), str):
        raise FrameError("data needs task and step")
    if frame["kind"] == "action_info":
        if not isinstance(data.get("level"), str) or not isinstance(data.get("message"), str):
            raise FrameError("action_info needs level and message")
    if frame["kind"] == "action_progress":
        check_progress(data.get("progress"))
