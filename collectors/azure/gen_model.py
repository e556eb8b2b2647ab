"""Regenerate ``model.json`` (the collector's model) from the reference's Azure model, for the kinds of the
registry:

    python -m collectors.azure.gen_model [--check] [MODEL_AZURE_JSON]

MODEL_AZURE_JSON is the model resoto-plugin-azure 3.9.0 exports (default:
``/work/shared/reference/capture-3.9.0/model-azure.json``). Kind names and property types are facts users'
searches rely on, so they are taken from the reference, not retyped: the kinds written are the registry's and
every kind they reach through bases, property types and successor kinds, each exactly as the reference defines
it (the core wants every successor kind defined), plus this collector's own ``azure_generic_resource``. The
worker's base kinds they build on are kept apart (``base_kinds``), for shaping only: the worker declares those.
``--check`` exits 1 when ``model.json`` is not what the registry and the reference give.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List

from collectors.common.model import reached_kinds, write_or_check

OUT = Path(__file__).with_name("model.json")
DEFAULT_REFERENCE = Path("/work/shared/reference/capture-3.9.0/model-azure.json")


def _prop(name: str, kind: str, description: str) -> dict:
    return {"name": name, "kind": kind, "required": False, "description": description}


GENERIC = {
    "fqn": "azure_generic_resource", "bases": ["azure_resource"],
    "properties": [
        _prop("type", "string", "The Resource Manager type, e.g. Microsoft.Storage/storageAccounts."),
        _prop("location", "string", "The location (region) of the resource."),
        _prop("azure_sku", "azure_sku", "The SKU of the resource, if it has one."),
        _prop("provisioning_state", "string", "The provisioning state of the resource."),
        _prop("managed_by", "string", "The id of the resource that manages this resource."),
    ],
    "allow_unknown_props": False, "successor_kinds": None, "aggregate_root": True,
    "metadata": {"icon": "resource", "group": "misc",
                 "description": "An Azure resource of a type this collector has no kind for (listed by the "
                                "subscription's resource listing, with its common fields)."},
}


def generate(reference: Path, kind_names: List[str]) -> dict:
    by_name = {k["fqn"]: k for k in json.loads(reference.read_text())}
    by_name[GENERIC["fqn"]] = GENERIC
    missing = [k for k in kind_names if k not in by_name]
    if missing:
        raise SystemExit(f"kinds not in the reference model: {missing}")
    reached = reached_kinds(by_name, kind_names)
    resource = by_name["resource"]
    if not any(p["name"] == "kind" for p in resource["properties"]):
        # the plugin's own export leaves out the property every node has, which the core's resource kind declares
        resource["properties"].append(_prop("kind", "string", "The kind of this node."))
    return {"kinds": [by_name[n] for n in reached if n.startswith("azure_")],
            "base_kinds": [by_name[n] for n in reached if not n.startswith("azure_")]}


def main(argv: List[str]) -> int:
    from collectors.azure.registry import KINDS

    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    reference = Path(args[0]) if args else DEFAULT_REFERENCE
    text = json.dumps(generate(reference, [k.name for k in KINDS]), indent=0, sort_keys=True) + "\n"
    return write_or_check(OUT, text, check, "python -m collectors.azure.gen_model")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
