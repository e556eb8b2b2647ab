"""Serialising ``reported`` documents the way the reference worker does (protocol memo §4.5):
nulls inside dicts removed recursively (nulls inside lists kept), datetimes as UTC
``YYYY-MM-DDTHH:MM:SSZ``, timedeltas as duration strings, enums as their values, ``kind`` last."""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta, timezone
from typing import Any

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_str(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime(TIME_FORMAT)


def now_str() -> str:
    return datetime.now(timezone.utc).strftime(TIME_FORMAT)


def duration_str(value: timedelta) -> str:
    """``1d2h3m4s`` style, the form the core's duration parser reads."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return sign + ("".join(parts) or "0s")


_PLAIN = (str, int, float, bool)


def clean_value(value: Any) -> Any:
    if isinstance(value, dict):
        # most values are plain: test for them first, this runs for every property of every node
        return {str(k): (v if type(v) in _PLAIN else clean_value(v)) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [clean_value(v) for v in value]
    if isinstance(value, datetime):
        return utc_str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_str(value)
    if isinstance(value, enum.Enum):
        return clean_value(value.value)
    return value


def reported_doc(reported: dict, resource_id: str) -> dict:
    """A clean copy of ``reported``: ``id`` (as a string) first, ``tags`` ({} when missing), ``kind`` last.
    One pass: this runs for every node."""
    doc = {"id": resource_id, "tags": {}}
    for key, value in reported.items():
        if value is None or key == "kind" or key == "id":
            continue
        doc[str(key)] = value if type(value) in _PLAIN else clean_value(value)
    doc["kind"] = reported["kind"]
    return doc
