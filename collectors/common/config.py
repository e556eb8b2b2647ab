"""A collector's config section declared once, as a frozen dataclass whose fields carry their default,
description and JSON schema: the schema the worker registers, the defaults, and a typed view of the
section the worker hands to the hooks all come from that one declaration."""
from __future__ import annotations

import copy
from dataclasses import MISSING, field, fields
from typing import Any, Dict, Optional, Type, TypeVar

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
STRINGS = {"type": "array", "items": {"type": "string"}}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_STRINGS = {"type": ["array", "null"], "items": {"type": "string"}}

T = TypeVar("T")


def option(default: Any, description: str, schema: Dict[str, Any]) -> Any:
    """A config key: a dataclass field with its default, description and JSON schema."""
    meta = {"description": description, "schema": schema}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)


def nullable(kind: str) -> Dict[str, Any]:
    return {"type": [kind, "null"]}


def allows_null(schema: Dict[str, Any]) -> bool:
    kind = schema.get("type")
    return isinstance(kind, list) and "null" in kind


def default_of(f: Any) -> Any:
    return f.default_factory() if f.default is MISSING else f.default


def from_section(cls: Type[T], section: Optional[Dict[str, Any]]) -> T:
    """The typed config from the worker's section: missing keys, and nulls where the schema does not
    allow null, take their default."""
    section = section or {}
    values = {f.name: section[f.name] for f in fields(cls)  # type: ignore[arg-type]  # cls is a dataclass
              if f.name in section and (section[f.name] is not None or allows_null(f.metadata["schema"]))}
    return cls(**values)


def config_schema(cls: Type, title: str, description: str) -> Dict[str, Any]:
    """JSON schema (draft 2020-12) of the section, every property with its default and description."""
    properties = {f.name: {**f.metadata["schema"], "default": default_of(f), "description": f.metadata["description"]}
                  for f in fields(cls)}
    return {"$schema": JSON_SCHEMA_DIALECT, "title": title, "description": description, "type": "object",
            "properties": properties, "additionalProperties": False}


def default_section(cls: Type) -> Dict[str, Any]:
    return {f.name: default_of(f) for f in fields(cls)}
