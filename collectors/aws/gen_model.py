"""Regenerate ``model.json`` (the collector's model kinds) from the reference capture's model.

    python -m collectors.aws.gen_model /work/shared/reference/capture-3.9.0/model.json

Kind names and property types are facts users' searches rely on, so they are taken from the reference
model, not retyped: the ``aws_*`` kinds this collector emits, every ``aws_*`` kind they need (bases,
complex property kinds), with ``successor_kinds`` pruned to kinds present in the result. The property
types of the worker's base kinds are kept apart (``base_properties``) because ``shape`` needs them to
coerce values; those kinds themselves are the worker's to declare.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Set

from collectors.aws.kinds import EMITTED_KINDS

OUT = Path(__file__).with_name("model.json")
TYPE_PARTS = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def referenced_kinds(kind: dict) -> Set[str]:
    names = set(kind.get("bases") or [])
    for prop in kind.get("properties") or []:
        names.update(TYPE_PARTS.findall(prop["kind"]))
    return names


def closure(by_name: Dict[str, dict], roots: Iterable[str], keep) -> List[str]:
    """Every kind reachable from ``roots`` through bases and property types, for which ``keep`` holds."""
    seen: List[str] = []
    todo = list(roots)
    while todo:
        name = todo.pop(0)
        if name in seen or name not in by_name or not keep(name):
            continue
        seen.append(name)
        todo.extend(sorted(referenced_kinds(by_name[name])))
    return seen


def prune_successors(kind: dict, present: Set[str]) -> dict:
    successors = kind.get("successor_kinds")
    if not successors:
        return kind
    pruned = {edge: [k for k in kinds if k in present] for edge, kinds in successors.items()}
    return {**kind, "successor_kinds": {edge: kinds for edge, kinds in pruned.items() if kinds} or None}


def generate(reference_model: Path) -> dict:
    by_name = {k["fqn"]: k for k in json.loads(reference_model.read_text())}
    missing = [k for k in EMITTED_KINDS if k not in by_name]
    if missing:
        raise SystemExit(f"kinds not in the reference model: {missing}")
    aws = closure(by_name, EMITTED_KINDS, lambda n: n.startswith("aws_"))
    present = set(aws)
    base = closure(by_name, [b for n in aws for b in by_name[n].get("bases") or []],
                   lambda n: not n.startswith("aws_"))
    base_properties = {n: {p["name"]: p["kind"] for p in by_name[n].get("properties") or []
                           if not p.get("synthetic")}
                       for n in base}
    base_bases = {n: by_name[n].get("bases") or [] for n in base}
    enums = {n: by_name[n]["enum"] for n in base if by_name[n].get("enum")}
    return {
        "kinds": [prune_successors(by_name[n], present) for n in aws],
        "base_properties": base_properties,
        "base_bases": base_bases,
        "base_enums": enums,
    }


def main(argv: List[str]) -> int:
    source = Path(argv[0] if argv else "/work/shared/reference/capture-3.9.0/model.json")
    OUT.write_text(json.dumps(generate(source), indent=1, sort_keys=False) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
