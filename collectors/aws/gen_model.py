"""Regenerate ``model.json`` (the collector's model) from the reference's model and kinds catalog, for
the kinds of the table:

    python -m collectors.aws.gen_model [--check] [REFERENCE_DIR]

REFERENCE_DIR holds ``capture-3.9.0/model.json`` and ``aws-kinds-3.9.0.json`` (default:
``/work/shared/reference``). Kind names, property types and the ARN and console-link templates are facts
users' searches and links rely on, so they are taken from the reference, not retyped. The kinds written
are the table's and every kind they reach through bases, property types and successor kinds, each
exactly as the reference defines it (the core wants every successor kind defined). The worker's base
kinds they build on are kept apart (``base_kinds``), for shaping only: the worker declares those.
``--check`` exits 1 when ``model.json`` is not what the table and the reference give.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Set

OUT = Path(__file__).with_name("model.json")
DEFAULT_REFERENCE = Path("/work/shared/reference")
TYPE_PARTS = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def referenced_kinds(kind: dict) -> Set[str]:
    names = set(kind.get("bases") or [])
    for prop in kind.get("properties") or []:
        names.update(TYPE_PARTS.findall(prop["kind"]))
    for successors in (kind.get("successor_kinds") or {}).values():
        names.update(successors)
    return names


def closure(by_name: Dict[str, dict], roots: Iterable[str]) -> List[str]:
    """Every kind reachable from ``roots`` through bases, property types and successor kinds."""
    seen: Set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo.extend(referenced_kinds(by_name[name]))
    return sorted(seen)


def generate(reference: Path, kind_names: List[str]) -> dict:
    by_name = {k["fqn"]: k for k in json.loads((reference / "capture-3.9.0" / "model.json").read_text())}
    catalog = {k["kind"]: k for k in json.loads((reference / "aws-kinds-3.9.0.json").read_text())}
    missing = [k for k in kind_names if k not in by_name]
    if missing:
        raise SystemExit(f"kinds not in the reference model: {missing}")
    reached = closure(by_name, kind_names)
    templates = {name: {"arn": catalog[name].get("arn_tpl"), "link": catalog[name].get("provider_link_tpl")}
                 for name in reached if name in catalog}
    return {
        "kinds": [by_name[n] for n in reached if n.startswith("aws_")],
        "base_kinds": [by_name[n] for n in reached if not n.startswith("aws_")],
        "templates": {k: {w: t for w, t in v.items() if t} for k, v in templates.items() if any(v.values())},
    }


def main(argv: List[str]) -> int:
    from collectors.aws.table import KINDS

    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    reference = Path(args[0]) if args else DEFAULT_REFERENCE
    text = json.dumps(generate(reference, ["aws_account", "aws_region"] + [k.name for k in KINDS]), indent=0,
                      sort_keys=True) + "\n"
    if check:
        current = OUT.read_text() if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is not current: run python -m collectors.aws.gen_model")
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
