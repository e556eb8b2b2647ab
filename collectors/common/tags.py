"""Tags as the graph holds them: a flat ``{key: value}`` of strings."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional


def tag_dict(tags: Optional[Iterable[Any]], key: str = "Key", value: str = "Value") -> Dict[str, str]:
    """Tag lists (``[{"Key": k, "Value": v}]``, other key names with ``key``/``value``) or maps as a plain
    dict; a missing value is the empty string."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    return {str(t[key]): "" if t.get(value) is None else str(t.get(value))
            for t in tags if isinstance(t, dict) and key in t}
