"""Logging: one line per event; text on a terminal, JSON lines otherwise (what log collectors read),
with the keys the reference uses (timestamp, level, message, pid, thread, process), plus ``task``,
``step``, ``cloud`` and ``account`` where a line is about one: from the context an action runs in
(``context``) and from a line's ``extra``."""
from __future__ import annotations

import contextvars
import json
import logging
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Dict, Iterator, Optional

FIELDS = ("task", "step", "cloud", "account")
_context: contextvars.ContextVar = contextvars.ContextVar("resotoworker_log_context", default={})


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
        return json.dumps(doc, ensure_ascii=False)


def setup(verbose: bool = False, trace: bool = False, quiet: bool = False, fmt: Optional[str] = None) -> None:
    level = logging.DEBUG if (verbose or trace) else logging.WARNING if quiet else logging.INFO
    use_json = (fmt or ("text" if sys.stderr.isatty() else "json")).lower() == "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else
                         logging.Formatter("%(asctime)s %(levelname)-7s %(threadName)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "websocket", "botocore", "boto3", "azure"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if trace else logging.WARNING)
