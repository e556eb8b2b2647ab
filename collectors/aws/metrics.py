"""CloudWatch figures on nodes: ``usage`` (the core keeps it as usage datapoints) and ``atime``/``mtime`` from
the last activity, for the kinds that declare them, as the reference computes them.

One ``GetMetricData`` call carries up to 500 queries, so a region's resources of one kind cost one call per
500 queries, never one per resource. Building the queries and reading the answer are pure functions; only
``query`` calls the API.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

from collectors.common.model import utc_text

Client = Any
Json = Dict[str, Any]

QUERIES_PER_CALL = 500
STAT_NAMES = {"Minimum": "min", "Average": "avg", "Maximum": "max", "Sum": "sum"}
DURATION = re.compile(r"(\d+)\s*([smhdw])")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
USAGE_WINDOW = timedelta(hours=1)  # the reference's window on a first collect; collects run hourly

Dimensions = Callable[[Json], Optional[Dict[str, str]]]


@dataclass(frozen=True)
class Metric:
    """A CloudWatch metric, reported in ``usage`` as ``name`` with one value per statistic."""

    metric: str
    name: str
    unit: str
    stats: Tuple[str, ...] = ("Sum",)
    digits: Optional[int] = None


@dataclass(frozen=True)
class Usage:
    """The metrics of a kind in ``namespace``; ``dimensions`` gives an item's (None: no metrics for it)."""

    namespace: str
    dimensions: Dimensions
    metrics: Tuple[Metric, ...]


@dataclass(frozen=True)
class Activity:
    """``atime``/``mtime`` from the first non-zero datapoint of ``read``/``write`` (newest first) in the look-back
    period; ``busy`` items (e.g. attached volumes) are active now; without datapoints: the later of the item's
    creation (``created``) and the start of the period."""

    namespace: str
    dimensions: Dimensions
    read: str
    write: str
    busy: Callable[[Json], bool] = lambda item: False
    created: Optional[Callable[[Json], Any]] = None


@dataclass
class Metered:
    usage: Dict[str, Dict[str, float]] = field(default_factory=dict)
    atime: Optional[str] = None
    mtime: Optional[str] = None


@dataclass(frozen=True)
class Query:
    id: str
    ref: str  # the resource id
    namespace: str
    metric: str
    dimensions: Tuple[Tuple[str, str], ...]
    stat: str
    unit: Optional[str]
    period: int

    def to_api(self) -> Json:
        stat = {"Metric": {"Namespace": self.namespace, "MetricName": self.metric,
                           "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions]},
                "Period": self.period, "Stat": self.stat}
        if self.unit:
            stat["Unit"] = self.unit
        return {"Id": self.id, "MetricStat": stat, "ReturnData": True}


def duration(text: str, default: timedelta) -> timedelta:
    """``60d``, ``1h30m``, … as a timedelta (the reference's config spells periods so)."""
    parts = DURATION.findall(text or "")
    return timedelta(seconds=sum(int(n) * SECONDS[u] for n, u in parts)) if parts else default


def _period(window: timedelta) -> int:
    return max(60, int(window.total_seconds()) // 60 * 60)  # CloudWatch wants whole minutes


def usage_queries(usage: Usage, items: Dict[str, Json], window: timedelta) -> List[Query]:
    queries: List[Query] = []
    for ref, item in items.items():
        dims = usage.dimensions(item)
        if not dims:
            continue
        for metric in usage.metrics:
            for stat in metric.stats:
                queries.append(Query(f"q{len(queries)}", ref, usage.namespace, metric.metric,
                                     tuple(sorted(dims.items())), stat, metric.unit, _period(window)))
    return queries


def activity_queries(activity: Activity, items: Dict[str, Json], granularity: timedelta) -> List[Query]:
    queries: List[Query] = []
    for ref, item in items.items():
        dims = activity.dimensions(item)
        if not dims or activity.busy(item):
            continue
        for metric in dict.fromkeys((activity.read, activity.write)):
            queries.append(Query(f"q{len(queries)}", ref, activity.namespace, metric, tuple(sorted(dims.items())),
                                 "Sum", None, _period(granularity)))
    return queries


def query(cloudwatch: Client, queries: List[Query], start: datetime, end: datetime) -> Dict[str, Json]:
    """``GetMetricData`` for ``queries`` (500 per call, every page): the results by query id."""
    results: Dict[str, Json] = {}
    for first in range(0, len(queries), QUERIES_PER_CALL):
        chunk = [q.to_api() for q in queries[first:first + QUERIES_PER_CALL]]
        params = {"MetricDataQueries": chunk, "StartTime": start, "EndTime": end, "ScanBy": "TimestampDescending"}
        for page in cloudwatch.get_paginator("get_metric_data").paginate(**params):
            for result in page.get("MetricDataResults") or []:
                found = results.setdefault(result["Id"], {"Timestamps": [], "Values": []})
                found["Timestamps"].extend(result.get("Timestamps") or [])
                found["Values"].extend(result.get("Values") or [])
    return results


def usage_of(usage: Usage, queries: List[Query], results: Dict[str, Json]) -> Dict[str, Dict[str, Dict[str, float]]]:
    """resource id → ``{name: {min|avg|max|sum: value}}`` from the newest datapoint of each query."""
    by_metric = {m.metric: m for m in usage.metrics}
    out: Dict[str, Dict[str, Dict[str, float]]] = {}
    for q in queries:
        values = (results.get(q.id) or {}).get("Values") or []
        if not values:
            continue
        metric = by_metric[q.metric]
        value = float(values[0])
        if metric.digits is not None:
            value = round(value, metric.digits)
        out.setdefault(q.ref, {}).setdefault(metric.name, {})[STAT_NAMES[q.stat]] = value
    return out


def activity_of(activity: Activity, items: Dict[str, Json], queries: List[Query], results: Dict[str, Json],
                now: datetime, start: datetime) -> Dict[str, Tuple[str, str]]:
    """resource id → (atime, mtime) as UTC text."""
    seen: Dict[str, Dict[str, datetime]] = {}
    for q in queries:
        found = results.get(q.id) or {}
        first = next((t for t, v in zip(found.get("Timestamps") or [], found.get("Values") or []) if v), None)
        if first is not None:
            seen.setdefault(q.ref, {})[q.metric] = first
    out = {}
    for ref, item in items.items():
        if not activity.dimensions(item):
            continue
        if activity.busy(item):
            out[ref] = (utc_text(now), utc_text(now))
            continue
        created = _as_datetime(activity.created(item)) if activity.created else None
        fallback = max(created, start) if created else start
        times = seen.get(ref, {})
        out[ref] = (utc_text(times.get(activity.read, fallback)), utc_text(times.get(activity.write, fallback)))
    return out


def _as_datetime(value: Any) -> Optional[datetime]:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


@dataclass(frozen=True)
class Windows:
    """How far back to look: ``usage`` for usage figures, ``activity`` (at ``granularity``) for atime/mtime."""

    usage: timedelta = USAGE_WINDOW
    activity: timedelta = timedelta(days=60)
    granularity: timedelta = timedelta(hours=1)


def measure(cloudwatch: Client, usage: Optional[Usage], activity: Optional[Activity], items: Dict[str, Json],
            windows: Windows, now: Optional[datetime] = None) -> Dict[str, Metered]:
    """The usage and activity of ``items`` (by resource id): one batched query set per declaration."""
    now = now or datetime.now(timezone.utc)
    out: Dict[str, Metered] = {}
    if usage is not None:
        queries = usage_queries(usage, items, windows.usage)
        results = query(cloudwatch, queries, now - windows.usage, now) if queries else {}
        for ref, figures in usage_of(usage, queries, results).items():
            out.setdefault(ref, Metered()).usage = figures
    if activity is not None:
        start = now - windows.activity
        queries = activity_queries(activity, items, windows.granularity)
        results = query(cloudwatch, queries, start, now) if queries else {}
        for ref, (atime, mtime) in activity_of(activity, items, queries, results, now, start).items():
            metered = out.setdefault(ref, Metered())
            metered.atime, metered.mtime = atime, mtime
    return out
