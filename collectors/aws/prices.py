"""Facts about EC2 instance types that no API call of the collector returns: the on-demand Linux price per
region, the display name, ECU, processor and GPU model. They are the facts the reference ships for the same
purpose (the ``resotodata`` package), kept in ``instance_types.json``: regenerate it with

    python -m collectors.aws.prices [--check]

(``resotodata`` installed, as the test extras do). The package's file holds much more (every price model,
zones, …, 18 MB); parsing it in a worker would cost tens of MB that stay on the heap.
"""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

from collectors.common.model import write_or_check

FACTS_FILE = Path(__file__).with_name("instance_types.json")
Json = Dict[str, Any]


@lru_cache(maxsize=1)
def _facts() -> Dict[str, Json]:
    return json.loads(FACTS_FILE.read_text(encoding="utf-8"))


def instance_type_facts(name: str, region: str) -> Optional[Json]:
    """``{"ondemand_cost", "pretty_name", "ecu", "physical_processor", "gpu_model"}`` of the type in the region
    (None when the type is unknown)."""
    facts = _facts().get(name)
    if facts is None:
        return None
    return {"ondemand_cost": facts["prices"].get(region), **{k: v for k, v in facts.items() if k != "prices"}}


def preload() -> None:
    _facts()


def _compact(obj: Json) -> Any:
    """Called for every JSON object of resotodata's file as it is parsed, innermost first: what is not needed
    is dropped at once."""
    if "pretty_name" in obj:  # an instance type
        ecu = obj.get("ECU")
        return {"pretty_name": obj.get("pretty_name"), "ecu": float(ecu) if isinstance(ecu, (int, float)) else None,
                "physical_processor": obj.get("physical_processor"), "gpu_model": obj.get("GPU_model"),
                "prices": {region: price for region, price in sorted((obj.get("pricing") or {}).items())
                           if isinstance(price, (int, float))}}
    if "ondemand" in obj:  # one system's prices: the on-demand one
        return obj["ondemand"]
    if "linux" in obj:  # a region's prices by system: Linux's
        return obj["linux"]
    return obj


def generate() -> str:
    from importlib import resources

    with (resources.files("resotodata") / "data" / "instances.json").open("rb") as f:
        facts = json.load(f, object_hook=_compact).get("aws") or {}
    return json.dumps(dict(sorted(facts.items())), indent=0, sort_keys=True) + "\n"


def main(argv: List[str]) -> int:
    return write_or_check(FACTS_FILE, generate(), "--check" in argv, "python -m collectors.aws.prices")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
