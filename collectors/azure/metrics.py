"""Azure Monitor usage figures (``collect_usage_metrics``) for the kinds that declare a ``Usage``: what to ask
for one resource and how to read the answer (pure), as the reference names and aggregates them.

A resource's metrics come in one call with every metric name of its kind (the reference makes one call per
metric); the window is the last hour, one interval, and a figure is the mean over the datapoints of each
aggregation: ``usage[<name>][avg|min|max|sum]``.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional

from collectors.azure.kind import Json, Usage
from collectors.common.model import utc_text

WINDOW = timedelta(hours=1)
STAT = {"minimum": "min", "maximum": "max", "average": "avg", "total": "sum"}
# the interval Azure Monitor aggregates over: the first one the window is shorter than (minutes → ISO duration)
INTERVALS = ((5, "PT1M"), (15, "PT5M"), (30, "PT15M"), (60, "PT30M"), (360, "PT1H"), (720, "PT6H"),
             (1440, "PT12H"))


def interval_for(minutes: float) -> str:
    for limit, interval in INTERVALS:
        if minutes < limit:
            return interval
    return "P1D"


def metrics_query(usage: Usage, now: Optional[datetime] = None) -> Dict[str, str]:
    """The query of one resource's figures (every metric of the kind at once)."""
    end = now or datetime.now(timezone.utc)
    start = end - WINDOW
    return {"metricnames": ",".join(usage.metrics), "metricNamespace": usage.namespace,
            "timespan": f"{utc_text(start)}/{utc_text(end)}", "aggregation": ",".join(usage.aggregations),
            "interval": interval_for(WINDOW.total_seconds() / 60), "AutoAdjustTimegrain": "true"}


def usage_of(usage: Usage, answer: Json) -> Dict[str, Dict[str, float]]:
    """The figures in a metrics answer: per metric the mean of each aggregation over its datapoints; metrics
    without datapoints are left out."""
    figures: Dict[str, Dict[str, float]] = {}
    for metric in answer.get("value") or []:
        name = ((metric.get("name") or {}).get("value") if isinstance(metric, dict) else None)
        usage_name = usage.metrics.get(name or "")
        if usage_name is None:
            continue
        points = [p for series in metric.get("timeseries") or [] for p in series.get("data") or []]
        stats: Dict[str, float] = {}
        for aggregation in usage.aggregations:
            found = [p[aggregation] for p in points if _number(p.get(aggregation))]
            if found:
                mean = sum(found) / len(found)
                digits = usage.rounding.get(name or "")
                stats[STAT[aggregation]] = round(mean, digits) if digits is not None else mean
        if stats:
            figures[usage_name] = stats
    return figures


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
