"""Turning a config section's JSON schema into the core's config model kinds (PATCH /configs/model), so
the core validates stored configs the way the worker does (protocol memo §7.1)."""
from __future__ import annotations

from typing import Any, Dict, List

Json = Dict[str, Any]

SIMPLE = {"string": "string", "integer": "int64", "number": "double", "boolean": "boolean"}


def _types(prop: Json) -> List[str]:
    kind = prop.get("type", "string")
    return kind if isinstance(kind, list) else [kind]


def _kind_of(name: str, prop: Json, extra: List[Json], owner: str) -> str:
    types = [t for t in _types(prop) if t != "null"]
    kind = types[0] if types else "string"
    if "enum" in prop:
        fqn = prop.get("x-kind", f"{owner}_{name}")
        extra.append({"fqn": fqn, "runtime_kind": SIMPLE.get(kind, "string"), "enum": list(prop["enum"])})
        return fqn
    if kind == "array":
        return _kind_of(name, prop.get("items", {"type": "string"}), extra, owner) + "[]"
    if kind == "object":
        if "properties" in prop:
            fqn = prop.get("x-kind", f"{owner}_{name}")
            extra.extend(section_kinds(fqn, prop))
            return fqn
        values = prop.get("additionalProperties", {"type": "string"})
        value_kind = _kind_of(name, values, extra, owner) if isinstance(values, dict) else "any"
        return f"dictionary[string, {value_kind}]"
    return SIMPLE.get(kind, "any")


def section_kinds(fqn: str, schema: Json) -> List[Json]:
    """The complex kind for one section (or nested object) plus the enum/complex kinds it needs."""
    extra: List[Json] = []
    required = set(schema.get("required", []))
    properties = []
    for name, prop in schema.get("properties", {}).items():
        optional = "null" in _types(prop)
        entry: Json = {"name": name, "kind": _kind_of(name, prop, extra, fqn),
                       "required": (name in required) or not optional,
                       "description": prop.get("description")}
        if "x-metadata" in prop:
            entry["metadata"] = prop["x-metadata"]
        properties.append(entry)
    kind = {"fqn": fqn, "bases": [], "properties": properties, "allow_unknown_props": False,
            "successor_kinds": None, "aggregate_root": True, "metadata": None}
    return [kind] + extra


def config_model(schemas: Dict[str, Json]) -> List[Json]:
    kinds: Dict[str, Json] = {}
    for section, schema in schemas.items():
        for kind in section_kinds(section, schema):
            kinds.setdefault(kind["fqn"], kind)
    return list(kinds.values())
