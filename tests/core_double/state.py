"""The double's memory: what survives a core restart (database) and what does not (in-memory bus)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

from aiohttp import web

from .graph_store import GraphStore
from .validation import with_predefined


@dataclass
class ActionState:
    """One workflow step handed to subscribers; pending for a subscriber until it answers."""

    task: str
    step: str
    message_type: str
    data: Dict[str, Any]
    waiting: Set[str]
    replies: Dict[str, Dict[str, Any]] = field(default_factory=dict)


@dataclass
class Connection:
    channel: str
    conn_id: str
    ws: web.WebSocketResponse
    transport: Any
    show: Set[str] = field(default_factory=set)  # /events filter
    handlers: List[Dict[str, Any]] = field(default_factory=list)  # /work/queue descriptions
    outstanding: Set[str] = field(default_factory=set)  # /work/queue task ids


@dataclass
class TaskState:
    task_id: str
    name: str
    attrs: Dict[str, str]
    data: Any
    timeout: float
    worker: Optional[str] = None
    result: Optional[Dict[str, Any]] = None
    node_graph: Optional[str] = None  # tag tasks: the graph whose node the result replaces
    timer: Optional[asyncio.TimerHandle] = None


class Database:
    """Kept across `restart(keep_state=True)`: graphs, models, configs, running workflow steps."""

    def __init__(self) -> None:
        self.graphs: Dict[str, GraphStore] = {}
        self.models: Dict[str, Dict[str, Dict[str, Any]]] = {}
        self.configs: Dict[str, Dict[str, Any]] = {}
        self.config_revisions: Dict[str, str] = {}
        self.config_model: Dict[str, Dict[str, Any]] = with_predefined({})
        self.actions: Dict[Tuple[str, str], ActionState] = {}

    def model(self, graph: str) -> Dict[str, Dict[str, Any]]:
        return self.models.get(graph) or with_predefined({})


class Bus:
    """Lost on every restart, as in core 3.9.0: subscriptions, sockets, work-queue tasks."""

    def __init__(self) -> None:
        self.subscribers: Dict[str, Dict[str, Dict[str, Any]]] = {}
        self.handle_sockets: Dict[str, Connection] = {}
        self.event_sockets: Dict[str, Connection] = {}
        self.workers: Dict[str, Connection] = {}
        self.tasks: Dict[str, TaskState] = {}

    def all_connections(self) -> List[Connection]:
        return [*self.handle_sockets.values(), *self.event_sockets.values(), *self.workers.values()]
