"""Logging: one line per event; text on a terminal, JSON lines otherwise (what log collectors read),
with the keys the reference uses (timestamp, level, message, pid, thread, process)."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Optional


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {"timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname, "message": record.getMessage(), "logger": record.name,
               "pid": record.process, "thread": record.threadName, "process": "resotoworker"}
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
