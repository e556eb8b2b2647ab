"""The graph model the worker registers: the base kinds every cloud builds on (resource, account,
region, instance, volume, … with the names and property types the reference registers) plus the
kinds each active collector declares."""
from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any, Dict, List

Json = Dict[str, Any]


@lru_cache(maxsize=1)
def base_kinds() -> List[Json]:
    with open(os.path.join(os.path.dirname(__file__), "base_kinds.json"), encoding="utf-8") as f:
        return json.load(f)


def graph_model(collector_kinds: List[Json]) -> List[Json]:
    kinds: Dict[str, Json] = {k["fqn"]: k for k in base_kinds()}
    for kind in collector_kinds:
        kinds[kind["fqn"]] = kind
    return list(kinds.values())
