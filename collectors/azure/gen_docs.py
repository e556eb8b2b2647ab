"""Regenerate the kinds table of collectors/azure/README.md from the registry, so the docs cannot drift:

    python -m collectors.azure.gen_docs [--check]

Per kind: where its items come from, the api-version, where its id comes from, its edges, whether it can be
tagged and deleted. ``--check`` exits 1 if the README is stale.
"""
from __future__ import annotations

import sys
from pathlib import Path

from collectors.azure.kind import COLLECTION, LOCATION, PARENT, SUBSCRIPTION, Kind
from collectors.common.edges import edges_text
from collectors.azure.registry import KINDS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "collectors" / "azure" / "README.md"
BEGIN, END = "<!-- kinds:begin -->", "<!-- kinds:end -->"


def _source(kind: Kind) -> str:
    if kind.source == COLLECTION:
        return f"`{kind.arm_type}`"
    if kind.source == PARENT:
        return f"in each `{kind.parent}` (`{kind.items}`)"
    if kind.source in (SUBSCRIPTION, LOCATION):
        path = kind.list_path().replace("/subscriptions/{subscription}", "")
        return f"`{path}`" + (" per location" if kind.source == LOCATION else "")
    return {"azure_subscription": "the subscriptions listing", "azure_location": "`subscriptions.list_locations`",
            "azure_resource_group": "`resource_groups.list`"}.get(kind.name, "`resources.list`, types no kind covers")


def _value(value) -> str:
    if callable(value):
        return (value.__doc__ or "computed").strip().splitlines()[0].rstrip(".")
    return f"`{value}`"


def _how(edge) -> str:
    return (f" by {edge.by}" if edge.by != "id" else "") + (f" via `{edge.via.kind}`" if edge.via else "")


def table() -> str:
    rows = ["| kind | listed from | api-version | id | edges (default; delete) | tag | delete |",
            "|---|---|---|---|---|---|---|"]
    for kind in KINDS:
        rows.append(f"| `{kind.name}` | {_source(kind)} | {kind.api_version or 'newest of the type'} | "
                    f"{_value(kind.id)} | {edges_text(kind.edges, _how)} | {'yes' if kind.taggable else '—'} | "
                    f"{'yes' if kind.deletable else '—'} |")
    return "\n".join(rows)


def main(argv: list) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from generated_section import write_or_check

    sys.argv = [sys.argv[0], *argv]  # write_or_check reads --check from there
    return write_or_check(str(DOC), BEGIN, END, table(), "python -m collectors.azure.gen_docs")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
