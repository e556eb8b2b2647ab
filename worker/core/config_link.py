"""The config round trip with the core (protocol memo §7): fetch, register the config model, store,
listen for ``config-updated`` and reload on a foreign revision — and re-fetch after every reconnect of
the event socket, so changes made while it was down are not missed (the reference misses them).

Sections of collectors that are not installed here are written back untouched (the reference drops
them, which erases other workers' settings)."""
from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from worker.config import WorkerConfig, defaults
from worker.config_model import config_model
from worker.core.api import CoreApi
from worker.core.client import CoreClient
from worker.core.errors import CoreRejected
from worker.core.link import Link

log = logging.getLogger(__name__)

Json = Dict[str, Any]
QUERY = {"separate_overrides": "true", "apply_overrides": "true", "resolve_env_vars": "true",
         "include_raw_config": "true"}
PLACEHOLDER = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def resolve_env(value: Any) -> Any:
    """Replace ``$(NAME)`` with the worker's environment; a key whose placeholder cannot be resolved is
    dropped (its default applies), as the reference does."""
    if isinstance(value, dict):
        resolved = {}
        for key, item in value.items():
            try:
                resolved[key] = resolve_env(item)
            except KeyError as ex:
                log.warning("config: %s refers to $(%s), which is not set here; using the default", key, ex.args[0])
        return resolved
    if isinstance(value, list):
        return [resolve_env(v) for v in value]
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: os.environ[m.group(1)], value)
    return value


class ConfigStore:
    def __init__(self, client: CoreClient, config_id: str, schemas: Dict[str, Json],
                 overrides: List[Tuple[str, str, Any]]) -> None:
        self.client = client
        self.api = CoreApi(client)
        self.config_id = config_id
        self.schemas = schemas
        self.overrides = overrides
        self.revision: Optional[str] = None
        self.current = WorkerConfig(schemas, None, overrides)
        self.listeners: List[Callable[[WorkerConfig, WorkerConfig], None]] = []
        self._lock = threading.Lock()

    def fetch(self) -> Tuple[Optional[Json], Json]:
        response = self.api.get_config(f"GET /config/{self.config_id}", self.config_id, QUERY)
        if response is None:
            return None, {}
        self.revision = response.headers.get("Resoto-Config-Revision", self.revision)
        body = response.json()
        config = body.get("config") if isinstance(body, dict) else None
        raw = body.get("raw_config") if isinstance(body, dict) else None
        return (resolve_env(config) if config else None), (raw or config or {})

    def load(self) -> WorkerConfig:
        """Fetch and apply, reporting what is wrong with the stored config like a start does; store nothing
        (the one-shot run)."""
        stored, _ = self.fetch()
        self._apply(stored, reload=False)
        return self.current

    def startup(self) -> WorkerConfig:
        """First load: fetch, register our config model, store defaults for our sections."""
        stored, raw = self.fetch()
        self._apply(stored, reload=False)
        model = config_model(self.schemas)
        try:
            self.api.update_config_model("registering the config model", model)
        except CoreRejected as ex:
            log.error("config: registering the config model failed (%s: %s); not storing the config",
                      ex.status, ex.body[:300])
            return self.current
        body = self._to_store(raw)
        try:
            response = self.api.put_config(f"storing {self.config_id}", self.config_id, body)
        except CoreRejected as ex:
            log.error("config: storing %s failed: %s %s", self.config_id, ex.status, ex.body[:300])
        else:
            self.revision = response.headers.get("Resoto-Config-Revision", self.revision)
            log.info("config: stored %s (sections %s), revision %s", self.config_id, ", ".join(sorted(body)),
                     self.revision)
        return self.current

    def _to_store(self, raw: Json) -> Json:
        """Our sections: defaults ⊕ what is stored, minus keys our schema does not know (the core's
        model would reject them); every other section exactly as stored."""
        raw = raw if isinstance(raw, dict) else {}  # what is wrong with it was reported when it was applied
        body = {name: value for name, value in raw.items() if name not in self.schemas}
        for name, schema in self.schemas.items():
            section = defaults(schema)
            stored = raw.get(name) if isinstance(raw.get(name), dict) else {}
            for key, value in stored.items():
                if key in section:
                    section[key] = value
                else:
                    log.warning("config: %s.%s is not a known key; not storing it", name, key)
            body[name] = section
        return body

    def reload(self) -> None:
        try:
            stored, _ = self.fetch()
            self._apply(stored, reload=True)
        except Exception as ex:  # a failed reload keeps the config we have
            log.error("config: reload failed, keeping the current config: %s", ex)

    def _apply(self, stored: Optional[Json], reload: bool) -> None:
        with self._lock:
            previous = self.current
            new = WorkerConfig(self.schemas, stored, self.overrides, previous=previous if reload else None)
            for problem in new.problems:
                log.error("config: %s; using the %s value", problem, "previous" if reload else "default")
            self.current = new
        if reload:
            log.info("config: reloaded %s revision %s", self.config_id, self.revision)
            for listener in list(self.listeners):
                try:
                    listener(previous, new)
                except Exception:
                    log.exception("config: a listener failed")


LISTENER_EVENTS = ("message-listener-connected", "message-listener-disconnected")


class EventLink(Link):
    """The core's events: ``config-updated`` for the config, and the action sockets of the other workers
    opening and closing (``on_listener``: what ``--shard auto`` knows of its peers' liveness)."""

    path = "/events?show=" + ",".join(("config-updated",) + LISTENER_EVENTS)

    def __init__(self, client: CoreClient, store: ConfigStore,
                 on_listener: Callable[[str, Any], None] = lambda message_type, data: None,
                 on_connect: Callable[[], Any] = lambda: None) -> None:
        super().__init__(client, name="events")
        self.store = store
        self.on_listener = on_listener
        self.on_connect = on_connect  # events missed while we were not connected: look again

    def on_open(self, first: bool) -> None:
        if not first:
            threading.Thread(target=self.store.reload, name="config-reload", daemon=True).start()
        # not on the socket's thread: it may call the core, and the events must keep flowing meanwhile
        threading.Thread(target=self.on_connect, name="events-connected", daemon=True).start()

    def on_message(self, message: Any) -> None:
        if isinstance(message, dict) and message.get("message_type") in LISTENER_EVENTS:
            self.on_listener(message["message_type"], message.get("data"))
            return
        if not isinstance(message, dict) or message.get("message_type") != "config-updated":
            return
        data = message.get("data") if isinstance(message.get("data"), dict) else {}
        if data.get("id") != self.store.config_id:
            return
        if data.get("revision") is not None and data.get("revision") == self.store.revision:
            return  # our own write
        log.info("config: %s changed in the core (revision %s)", self.store.config_id, data.get("revision"))
        threading.Thread(target=self.store.reload, name="config-reload", daemon=True).start()

