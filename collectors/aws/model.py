"""The collector's model kinds (from ``model.json``, see ``gen_model``) and ``shape``: turning API values
into property values of the type the model declares.

Every ``reported`` document goes through ``shape_reported`` before it reaches the builder. That is what
keeps uploads valid: a property the kind does not declare is a programming error (``KeyError``), a
value is coerced to the declared type (the core would reject a wrong one), and nested API dicts are
mapped onto complex kinds by name (``PrivateIpAddress`` → ``private_ip_address``), dropping what the
model does not know.
"""
from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

MODEL_FILE = Path(__file__).with_name("model.json")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DICT_TYPE = re.compile(r"^dictionary\[\s*([^,]+?)\s*,\s*(.+)\]$")
INT_TYPES = {"int32", "int64"}
FLOAT_TYPES = {"float", "double"}
STRING_TYPES = {"string", "duration", "date"}
ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|z|[+-]\d{2}:?\d{2})?$")
NUMBER = re.compile(r"^\d+(\.\d+)?$")


@lru_cache(maxsize=1)
def _model() -> dict:
    return json.loads(MODEL_FILE.read_text())


def model_kinds() -> List[dict]:
    """The kinds for ``CollectorInfo.model`` (aws_* kinds only; base kinds are the worker's)."""
    return copy.deepcopy(_model()["kinds"])


@lru_cache(maxsize=1)
def _kinds_by_name() -> Dict[str, dict]:
    return {k["fqn"]: k for k in _model()["kinds"]}


def _own_properties(kind: str) -> Dict[str, str]:
    found = _kinds_by_name().get(kind)
    if found is not None:
        return {p["name"]: p["kind"] for p in found.get("properties") or []}
    return dict(_model()["base_properties"].get(kind, {}))


def _bases(kind: str) -> List[str]:
    found = _kinds_by_name().get(kind)
    if found is not None:
        return list(found.get("bases") or [])
    return list(_model()["base_bases"].get(kind, []))


@lru_cache(maxsize=None)
def property_types(kind: str) -> Dict[str, str]:
    """Property name → type of ``kind``, including everything its bases declare."""
    props: Dict[str, str] = {}
    for base in _bases(kind):
        props.update(property_types(base))
    props.update(_own_properties(kind))
    return props


@lru_cache(maxsize=None)
def _by_loose_name(kind: str) -> Dict[str, str]:
    return {_loose(name): name for name in property_types(kind)}


def _loose(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def prefixed(item: Dict[str, Any], kind: str, prefix: str) -> Dict[str, Any]:
    """The properties ``kind`` itself declares as ``prefix`` + an API field name in snake case
    (``rds_multi_az`` ← ``MultiAZ``), filled from ``item``; fields the model has no property for are left out."""
    by_loose = {_loose(key): key for key in item}
    out: Dict[str, Any] = {}
    for name in _own_properties(kind):
        if name.startswith(prefix):
            key = by_loose.get(_loose(name[len(prefix):]))
            if key is not None:
                out[name] = item[key]
    return out


def utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime(TIME_FORMAT)


def plain(value: Any) -> Any:
    """JSON-compatible copy of an API value (datetimes as UTC text), for ``any``-typed properties."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def shape(value: Any, type_name: str) -> Any:
    """``value`` as the model type ``type_name``; None when it cannot be one."""
    if value is None:
        return None
    if type_name.endswith("[]"):
        if not isinstance(value, (list, tuple)):
            value = [value]
        item_type = type_name[:-2]
        return [v for v in (shape(item, item_type) for item in value) if v is not None]
    as_dict = DICT_TYPE.match(type_name)
    if as_dict:
        value = _json_text(value)
        if not isinstance(value, dict):
            return None
        return {str(k): v for k, v in ((k, shape(v, as_dict.group(2))) for k, v in value.items()) if v is not None}
    return _shape_simple(value, type_name)


def _shape_simple(value: Any, type_name: str) -> Any:
    if type_name == "any":
        return plain(value)
    if type_name in STRING_TYPES:
        if isinstance(value, datetime):
            return utc_text(value)
        if isinstance(value, (dict, list, tuple)):
            return json.dumps(plain(value), sort_keys=True)
        return str(value)
    if type_name == "datetime":
        if isinstance(value, datetime):
            return utc_text(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return utc_text(datetime.fromtimestamp(value, timezone.utc))
        if isinstance(value, str):
            return parse_time(value) or (utc_text(datetime.fromtimestamp(float(value), timezone.utc))
                                         if NUMBER.match(value) else None)
        return None
    if type_name == "boolean":
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes", "enabled")
        return bool(value)
    if type_name in INT_TYPES:
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None
    if type_name in FLOAT_TYPES:
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    enum = _model()["base_enums"].get(type_name)
    if enum is not None:
        return value if value in enum else "unknown" if "unknown" in enum else None
    value = _json_text(value)
    if not isinstance(value, dict):
        return None
    return shape_complex(value, type_name)


def _json_text(value: Any) -> Any:
    """Some APIs (SQS, SNS, S3 policies) return JSON documents as text."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_time(text: str) -> Optional[str]:
    """API timestamps in their many ISO 8601 spellings (``…54.907379000Z``, ``…03.523+0000``) as UTC text."""
    match = ISO_TIME.match(text.strip())
    if not match:
        return None
    date_part, time_part, fraction, zone = match.groups()
    zone = "+00:00" if zone in (None, "", "Z", "z") else zone
    if len(zone) == 5:  # +HHMM
        zone = zone[:3] + ":" + zone[3:]
    iso = f"{date_part}T{time_part}{('.' + fraction[:6].ljust(6, '0')) if fraction else ''}{zone}"
    try:
        return utc_text(datetime.fromisoformat(iso))
    except ValueError:
        return None


def shape_complex(value: dict, kind: str) -> Optional[dict]:
    """An API dict (CamelCase keys) as the complex kind ``kind`` (snake_case properties)."""
    props = property_types(kind)
    names = _by_loose_name(kind)
    out: Dict[str, Any] = {}
    for key, item in value.items():
        name = key if key in props else names.get(_loose(key))
        if name is None:
            continue
        shaped = shape(item, props[name])
        if shaped is not None:
            out[name] = shaped
    return out


def shape_reported(reported: Dict[str, Any]) -> Dict[str, Any]:
    """Check and coerce a node's ``reported`` against its kind; drops None values.

    Raises KeyError for a property the kind does not declare: that is a bug in a transform."""
    kind = reported["kind"]
    props = property_types(kind)
    if not props:
        raise KeyError(f"unknown kind {kind}")
    out: Dict[str, Any] = {}
    for name, value in reported.items():
        if name not in props:
            raise KeyError(f"{kind} has no property {name}")
        shaped = shape(value, props[name])
        if shaped is not None:
            out[name] = shaped
    return out
