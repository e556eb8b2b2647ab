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
import sys
from pathlib import Path
from typing import List

from collectors.common.model import reached_kinds, write_or_check

OUT = Path(__file__).with_name("model.json")
DEFAULT_REFERENCE = Path("/work/shared/reference")
def generate(reference: Path, kind_names: List[str]) -> dict:
    by_name = {k["fqn"]: k for k in json.loads((reference / "capture-3.9.0" / "model.json").read_text())}
    catalog = {k["kind"]: k for k in json.loads((reference / "aws-kinds-3.9.0.json").read_text())}
    missing = [k for k in kind_names if k not in by_name]
    if missing:
        raise SystemExit(f"kinds not in the reference model: {missing}")
    reached = reached_kinds(by_name, kind_names)
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
    return write_or_check(OUT, text, check, "python -m collectors.aws.gen_model")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
