"""An independent check of ``reported`` documents against the model (collector kinds + the worker's base
kinds), written apart from the collector's own ``shape`` so that it can catch it out."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List

REPO = Path(__file__).resolve().parents[2]
BASE_KINDS = REPO / "worker" / "model" / "base_kinds.json"
REFERENCE_MODEL = Path("/work/shared/reference/capture-3.9.0/model.json")
DICT_TYPE = re.compile(r"^dictionary\[\s*([^,]+?)\s*,\s*(.+)\]$")
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def load_kinds(collector_kinds: List[dict]) -> Dict[str, dict]:
    kinds = {k["fqn"]: k for k in json.loads(BASE_KINDS.read_text())}
    kinds.update({k["fqn"]: k for k in collector_kinds})
    return kinds


def properties(kinds: Dict[str, dict], kind: str) -> Dict[str, str]:
    found = kinds[kind]
    props: Dict[str, str] = {}
    for base in found.get("bases") or []:
        props.update(properties(kinds, base))
    props.update({p["name"]: p["kind"] for p in found.get("properties") or []})
    return props


def problems(kinds: Dict[str, dict], value: Any, type_name: str, where: str) -> List[str]:
    """Why ``value`` is not a valid ``type_name`` (empty when it is)."""
    if type_name.endswith("[]"):
        if not isinstance(value, list):
            return [f"{where}: {type_name} wants a list, got {value!r:.80}"]
        return [p for i, v in enumerate(value) for p in problems(kinds, v, type_name[:-2], f"{where}[{i}]")]
    as_dict = DICT_TYPE.match(type_name)
    if as_dict:
        if not isinstance(value, dict):
            return [f"{where}: {type_name} wants an object, got {value!r:.80}"]
        return [p for k, v in value.items() for p in problems(kinds, v, as_dict.group(2), f"{where}.{k}")]
    simple = {
        "string": lambda v: isinstance(v, str),
        "int64": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "int32": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "datetime": lambda v: isinstance(v, str) and bool(UTC_TIME.match(v)),
        "date": lambda v: isinstance(v, str),
        "duration": lambda v: isinstance(v, str),
        "any": lambda v: True,
    }
    if type_name in simple:
        return [] if simple[type_name](value) else [f"{where}: not a {type_name}: {value!r:.80}"]
    kind = kinds.get(type_name)
    if kind is None:
        return [f"{where}: unknown kind {type_name}"]
    if kind.get("enum"):
        return [] if value in kind["enum"] else [f"{where}: {value!r} not in {type_name} {kind['enum']}"]
    if not isinstance(value, dict):
        return [f"{where}: {type_name} wants an object, got {value!r:.80}"]
    props = properties(kinds, type_name)
    found = []
    for name, item in value.items():
        if name not in props:
            found.append(f"{where}: {type_name} has no property {name}")
        else:
            found.extend(problems(kinds, item, props[name], f"{where}.{name}"))
    return found


def reported_problems(kinds: Dict[str, dict], reported: Dict[str, Any]) -> List[str]:
    kind = reported.get("kind")
    if kind not in kinds:
        return [f"unknown kind {kind}"]
    return problems(kinds, reported, kind, f"{kind}:{reported.get('id')}")
