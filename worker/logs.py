"""Logging: one line per event; text on a terminal, JSON lines otherwise (what log collectors read),
with the keys the reference uses (timestamp, level, message, pid, thread, process), plus ``task``,
``step``, ``cloud`` and ``account`` where a line is about one: from the context an action runs in
(``context``) and from a line's ``extra``.

Forked children log through the supervisor: ``to_supervisor`` sends each record over the pool's channel
with the child's cloud and account, and the supervisor hands it to its own handlers (``replay``), so a
collector's lines come out like the worker's, at the levels the supervisor was started with."""
from __future__ import annotations

import contextvars
import json
import logging
import logging.handlers
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, Optional

FIELDS = ("task", "step", "cloud", "account")
# libraries that log a lot below WARNING: their details only with --trace
NOISY = ("urllib3", "websocket", "botocore", "boto3", "azure")
TEXT = "%(asctime)s %(levelname)-7s %(threadName)s %(message)s"
_context: contextvars.ContextVar = contextvars.ContextVar("resotoworker_log_context", default={})
_console: Any = None


@contextmanager
def context(**fields: Any) -> Iterator[None]:
    """Every line logged inside (in this thread, or in work submitted with its context) carries ``fields``."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def account_fields(cloud: str, account: str) -> Dict[str, Dict[str, str]]:
    """``extra=`` for a line about one account."""
    return {"extra": {"cloud": cloud, "account": account}}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {"timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname, "message": record.getMessage(), "logger": record.name,
               "pid": record.process, "thread": record.threadName, "process": "resotoworker"}
        doc.update(_context.get())
        for name in FIELDS:
            if hasattr(record, name):
                doc[name] = getattr(record, name)
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:  # a child's record: formatted there
            doc["exception"] = record.exc_text
        return json.dumps(doc, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a line is logged, like logging's last-resort handler:
    while the one-shot's progress bar runs, rich puts a proxy there that keeps lines above the bar."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def terminal_console() -> Any:
    """The one rich console on stderr, shared by the log handler and the progress bar, so that log lines
    go above the bar."""
    global _console
    if _console is None:
        from rich.console import Console  # only on a terminal: children and services never load rich

        _console = Console(stderr=True)
    return _console


def setup(verbose: bool = False, trace: bool = False, quiet: bool = False, fmt: Optional[str] = None) -> None:
    level = logging.DEBUG if (verbose or trace) else logging.WARNING if quiet else logging.INFO
    terminal = sys.stderr.isatty()
    handler: logging.Handler
    if (fmt or ("text" if terminal else "json")) == "json":
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
    elif terminal:
        from rich.logging import RichHandler

        handler = RichHandler(console=terminal_console(), show_path=False, markup=False)
        handler.setFormatter(logging.Formatter("%(threadName)s %(message)s"))
    else:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter(TEXT))
    _install(handler, {"": level, **{name: logging.DEBUG if trace else logging.WARNING for name in NOISY}})


def current_levels() -> Dict[str, int]:
    """The levels ``setup`` set, for a child to log at the same."""
    return {name: logging.getLogger(name or None).level for name in ("",) + NOISY}


def _install(handler: logging.Handler, by_logger: Dict[str, int]) -> None:
    root = logging.getLogger()
    root.handlers[:] = [handler]
    for name, level in by_logger.items():
        logging.getLogger(name or None).setLevel(level)
    logging.captureWarnings(True)  # warnings.warn from a library: a log line, not bare text on stderr


class _ToSupervisor(logging.handlers.QueueHandler):
    """A child's handler: each record, as plain data with the child's fields, goes to ``send``."""

    def __init__(self, send: Callable[[Dict[str, Any]], None], fields: Dict[str, str]) -> None:
        super().__init__(None)
        self.send = send
        self.fields = fields

    def prepare(self, record: logging.LogRecord) -> Dict[str, Any]:  # type: ignore[override]
        data = {k: v for k, v in vars(record).items() if isinstance(v, (str, int, float, bool, type(None)))}
        data.update(msg=record.getMessage(), args=None, exc_info=None,
                    exc_text=logging.Formatter().formatException(record.exc_info) if record.exc_info
                    else record.exc_text)
        data.update(self.fields)
        return data

    def enqueue(self, record: Any) -> None:
        self.send({"type": "log", "record": record})


def to_supervisor(send: Callable[[Dict[str, Any]], None], by_logger: Dict[str, int], fields: Dict[str, str]) -> None:
    """In a forked child: log everything through ``send`` at the supervisor's levels."""
    _install(_ToSupervisor(send, fields), by_logger)


def replay(data: Any) -> None:
    """In the supervisor: a child's record, through the supervisor's handlers."""
    if not isinstance(data, dict):
        return
    record = logging.makeLogRecord(data)
    logger = logging.getLogger(record.name if record.name != "root" else None)
    if logger.isEnabledFor(record.levelno):
        logger.handle(record)
