#!/usr/bin/env python3
"""Regenerate the kinds table of collectors/aws/README.md from the kinds table (collectors/aws/table.py), so
the docs cannot drift: per kind its service, scope, where its id comes from, its edges, whether it can be
tagged and deleted, and what the tests check it against. ``--check`` exits 1 if the README is stale."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from collectors.common.edges import edges_text  # noqa: E402
from collectors.aws.table import KINDS  # noqa: E402
from generated_section import write_or_check  # noqa: E402

DOC = os.path.join(ROOT, "collectors", "aws", "README.md")
BEGIN, END = "<!-- kinds:begin -->", "<!-- kinds:end -->"


def _source(value) -> str:
    if value is None:
        return "—"
    if callable(value):
        return (value.__doc__ or "computed").strip().splitlines()[0].rstrip(".")
    return f"`{value}`"


def table() -> str:
    rows = ["| kind | service | scope | id | edges (default; delete) | tag | delete | tested on |",
            "|---|---|---|---|---|---|---|---|"]
    for kind in KINDS:
        rows.append(f"| `{kind.name}` | `{kind.service}` | {kind.scope} | {_source(kind.id)} | {edges_text(kind.edges)} | "
                    f"{'yes' if kind.taggable else '—'} | {'yes' if kind.delete else '—'} | "
                    f"{'moto' if kind.moto else 'recorded documents'} |")
    return "\n".join(rows)


def main() -> int:
    return write_or_check(DOC, BEGIN, END, table(), "scripts/gen_kinds_docs.py")


if __name__ == "__main__":
    sys.exit(main())
