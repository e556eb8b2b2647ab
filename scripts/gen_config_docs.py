#!/usr/bin/env python3
"""Regenerate the reference tables in docs/configuration.md from the code (options, environment
variables, config keys with defaults), so the docs cannot drift. ``--check`` exits 1 if they are stale."""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from worker.args import COLLECT, COMMON, DAEMON  # noqa: E402
from worker.config import worker_schema  # noqa: E402
from worker.plugins import collectors  # noqa: E402
from generated_section import write_or_check  # noqa: E402

DOC = os.path.join(ROOT, "docs", "configuration.md")
BEGIN, END = "<!-- generated:begin -->", "<!-- generated:end -->"


def _default(value):
    if value is None:
        return "—"
    return f"`{json.dumps(value)}`"


def options_table(options):
    rows = ["| option | environment | default | meaning |", "|---|---|---|---|"]
    for o in options:
        default = "" if o.default in (None, False) else f"`{o.default}`"
        rows.append(f"| `{', '.join(o.flags)}` | `{o.env}` | {default} | {o.help} |")
    return "\n".join(rows)


def schema_table(schema):
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for key, prop in schema["properties"].items():
        kind = prop.get("type", "")
        kind = "/".join(kind) if isinstance(kind, list) else kind
        if "enum" in prop:
            kind += " (" + ", ".join(prop["enum"]) + ")"
        note = prop.get("description", "").replace("\n", " ")
        if prop.get("x-restart-required"):
            note += " (restart required)"
        default = "2 × CPUs (at least 4)" if key == "cleanup_pool_size" else _default(prop.get("default"))
        rows.append(f"| `{key}` | {kind} | {default} | {note} |")
    return "\n".join(rows)


def generated():
    parts = ["## Command line and environment (generated)", "",
             "`resotoworker [options]` (the daemon) and `resotoworker collect [options]` (one collect) both take:",
             "", options_table(COMMON), "", "The daemon only:", "", options_table(DAEMON), "",
             "`collect` only (the options of both may come before or after `collect`):", "",
             options_table(COLLECT), "", "`resotoworker --version` prints the distribution and its version.", "",
             "## Config section `resotoworker` (generated)", "",
             schema_table(worker_schema())]
    for name, schema in sorted(collectors().schemas().items()):
        parts += ["", f"## Config section `{name}` (generated)", "", schema_table(schema)]
    return "\n".join(parts)


def main():
    return write_or_check(DOC, BEGIN, END, generated(), "scripts/gen_config_docs.py")


if __name__ == "__main__":
    sys.exit(main())
