"""Facts about EC2 instance types that no API call of the collector returns: the on-demand Linux price per
region, the display name, ECU, processor and GPU model. They come from the data the reference ships for the
same purpose (the ``resotodata`` package), so the numbers are the reference's.

The package's file holds much more (every price model, zones, …); only these facts are kept, once per
process: the fork server loads them before it forks, and children share them.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Dict, Optional

Json = Dict[str, Any]


@lru_cache(maxsize=1)
def _facts() -> Dict[str, Json]:
    try:
        text = (resources.files("resotodata") / "data" / "instances.json").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return {}
    found: Dict[str, Json] = {}
    for name, data in (json.loads(text).get("aws") or {}).items():
        ecu = data.get("ECU")
        found[name] = {
            "pretty_name": data.get("pretty_name"), "ecu": float(ecu) if isinstance(ecu, (int, float)) else None,
            "physical_processor": data.get("physical_processor"), "gpu_model": data.get("GPU_model"),
            "prices": {region: (prices.get("linux") or {}).get("ondemand")
                       for region, prices in (data.get("pricing") or {}).items()},
        }
    return found


def instance_type_facts(name: str, region: str) -> Optional[Json]:
    """``{"ondemand_cost", "pretty_name", "ecu", "physical_processor", "gpu_model"}`` of the type in the region
    (None when the type is unknown)."""
    facts = _facts().get(name)
    if facts is None:
        return None
    return {"ondemand_cost": facts["prices"].get(region), **{k: v for k, v in facts.items() if k != "prices"}}


def preload() -> None:
    _facts()
