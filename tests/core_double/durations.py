"""Duration strings as the core reads them: `1d2h`, `3 days and 2 hours`, `-5min`, ISO-8601 `P1D`.

Only what model validation and expiry need: recognising the format and turning the proprietary one
into seconds (the core normalises merged `duration` values to `<seconds>s`).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import List, Optional, Tuple

# longest names first inside a unit so that the alternation never stops early on a prefix
_UNITS: List[Tuple[List[str], int]] = [
    (["years", "year", "yr", "y"], 365 * 24 * 3600),
    (["months", "month", "mo", "M"], 31 * 24 * 3600),
    (["days", "day", "d"], 24 * 3600),
    (["weeks", "week", "w"], 7 * 24 * 3600),
    (["hours", "hour", "h"], 3600),
    (["minutes", "minute", "min", "m"], 60),
    (["seconds", "second", "s"], 1),
]
_UNIT_NAMES = [name for names, _ in _UNITS for name in names]
_SECONDS_BY_NAME = {name: secs for names, secs in _UNITS for name in names}

_PROPRIETARY = (
    r"^[+-]?([\d.]+\s*(" + "|".join(_UNIT_NAMES) + r")\s*(,|and)?\s*)+$"
)
_ISO = (
    r"^(?P<sign>[+-])?P(?!\b)(?P<years>[0-9]+([,.][0-9]+)?Y)?(?P<months>[0-9]+([,.][0-9]+)?M)?"
    r"(?P<weeks>[0-9]+([,.][0-9]+)?W)?(?P<days>[0-9]+([,.][0-9]+)?D)?"
    r"((?P<separator>T)(?P<hours>[0-9]+([,.][0-9]+)?H)?(?P<minutes>[0-9]+([,.][0-9]+)?M)?"
    r"(?P<seconds>[0-9]+([,.][0-9]+)?S)?)?$"
)
DURATION_RE = re.compile(f"({_PROPRIETARY})|({_ISO})")
_ISO_RE = re.compile(_ISO)

_TOKEN = re.compile(
    r"\s*(?P<num>[+-]?(\d+\.\d+|\d+))\s*(?P<unit>" + "|".join(_UNIT_NAMES) + r")\s*(,|and)?\s*"
)


def is_duration(value: object) -> bool:
    return isinstance(value, str) and DURATION_RE.fullmatch(value) is not None


def proprietary_seconds(value: object) -> Optional[float]:
    """Seconds of a `1d2h`-style duration, or None when the string is not one (ISO is not)."""
    if not isinstance(value, str):
        return None
    pos, parts = 0, []
    while pos < len(value):
        m = _TOKEN.match(value, pos)
        if not m or m.end() == pos:
            return None
        parts.append(float(m.group("num")) * _SECONDS_BY_NAME[m.group("unit")])
        pos = m.end()
    if not parts:
        return None
    total = sum(abs(p) for p in parts)
    return total if parts[0] >= 0 else -total


def to_timedelta(value: str) -> Optional[timedelta]:
    secs = proprietary_seconds(value)
    if secs is not None:
        return timedelta(seconds=secs)
    m = _ISO_RE.match(value)
    if not m:
        return None

    def num(name: str) -> float:
        raw = m.group(name)
        return float(raw[:-1].replace(",", ".")) if raw else 0.0

    days = num("years") * 365 + num("months") * 31 + num("weeks") * 7 + num("days")
    delta = timedelta(days=days, hours=num("hours"), minutes=num("minutes"), seconds=num("seconds"))
    return -delta if m.group("sign") == "-" else delta
