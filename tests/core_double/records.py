"""What the double keeps of the traffic it saw, for tests to assert on."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class RequestRecord:
    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    status: Optional[int] = None
    body: Optional[bytes] = None  # None for merges (see MergeRecord) and websocket upgrades
    summary: Dict[str, Any] = field(default_factory=dict)
    websocket: bool = False
    at: float = field(default_factory=time.time)

    def json(self) -> Any:
        import json

        return json.loads(self.body or b"null")


@dataclass
class MergeRecord:
    graph: str
    query: Dict[str, str]
    headers: Dict[str, str]
    lines: List[Any]  # parsed documents; a line that is not JSON is kept as its text
    status: Optional[int] = None
    error: Optional[str] = None  # the core's exception text, also for async merges (which answer 204)
    error_type: Optional[str] = None
    result: Optional[Dict[str, int]] = None
    summary: Optional[Dict[str, Any]] = None

    @property
    def task_id(self) -> Optional[str]:
        return self.headers.get("Resoto-Worker-Task-Id")

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class FrameRecord:
    channel: str  # "handle", "events" or "work_queue"
    conn: str  # subscriber id for "handle", a connection id otherwise
    dir: str  # "in" (worker -> core), "out" (core -> worker), "open", "close"
    msg: Any
    at: float = field(default_factory=time.time)


@dataclass
class Violation:
    channel: str
    conn: str
    reason: str
    raw: str
    at: float = field(default_factory=time.time)
