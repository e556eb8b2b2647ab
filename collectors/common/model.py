"""Shaping API values into the property types of a model (kinds in the core's format).

Every ``reported`` document goes through ``Model.shape_reported`` before it reaches the builder. That is
what keeps uploads valid: a property the kind does not declare is a programming error (``KeyError``), a
value is coerced to the declared type (the core would reject a wrong one), and nested API dicts are mapped
onto complex kinds by name (``PrivateIpAddress`` → ``private_ip_address``), dropping what the model does
not know. A value that cannot take its type is left out and reported as a ``Problem``, so one odd field
costs that property, not the resource.

The reference serialises the same way, and these rules are what keeps nodes identical to its: list-typed
properties of a kind, and of every complex value, are ``[]`` when the API says nothing (``empty_lists``);
a complex value without any known field is left out; times are UTC ``YYYY-MM-DDTHH:MM:SSZ``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple, Union

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DICT_TYPE = re.compile(r"^dictionary\[\s*([^,]+?)\s*,\s*(.+)\]$")
INT_TYPES = {"int32", "int64"}
FLOAT_TYPES = {"float", "double"}
STRING_TYPES = {"string", "duration", "date"}
ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|z|[+-]\d{2}:?\d{2})?$")
NUMBER = re.compile(r"^\d+(\.\d+)?$")
NOT_DERIVED = frozenset({"id", "name", "tags", "kind", "arn", "ctime", "mtime", "atime"})


@dataclass(frozen=True)
class Problem:
    """A value that could not take its property's type: ``path`` is ``kind.property[.nested…]``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CannotShape(ValueError):
    pass


def loose(name: str) -> str:
    """Names compared without case, underscores or dashes: ``MultiAZ`` ~ ``multi_az``."""
    return name.replace("_", "").replace("-", "").lower()


def utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime(TIME_FORMAT)


def parse_time(text: Any) -> Optional[str]:
    """API timestamps in their many ISO 8601 spellings (``…54.907379000Z``, ``…03.523+0000``, a datetime) as
    UTC text; None for anything else."""
    if isinstance(text, datetime):
        return utc_text(text)
    if not isinstance(text, str):
        return None
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


def plain(value: Any) -> Any:
    """JSON-compatible copy of an API value (datetimes as UTC text, no nulls in dicts), for ``any``."""
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


def json_text(value: Any) -> Any:
    """Some APIs (SQS, SNS, IAM, S3 policies) return JSON documents as text."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def sorted_json(value: Any) -> Any:
    """A JSON document with its keys and list items sorted, as the reference sends policy documents: scalar
    items in order, nested objects and lists after them in their original order."""
    value = json_text(value)
    if isinstance(value, dict):
        return {k: sorted_json(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [sorted_json(v) for v in value]
        scalars = [v for v in items if not isinstance(v, (dict, list))]
        nested = [v for v in items if isinstance(v, (dict, list))]
        return sorted(scalars, key=lambda v: (type(v).__name__, v)) + nested
    return value


class Model:
    """Kinds by name, and shaping to them. ``base_kinds`` are known for their property types only (the
    worker declares them to the core). ``fields`` names, per complex kind, the API field (a path as ``at``
    reads it) of the properties whose names are not the field's in snake case. ``empty_lists`` says which list
    properties are ``[]`` when the API says nothing: all of them (True), none (False), or per kind the names.

    Two conventions of an API can be named (both off by default): ``ref_field``, an object standing where the
    model wants a string is a reference and its value that field (Azure's sub-resources ``{"id": …}``);
    ``inner``, an object field holding more fields of the same value (Azure's ``properties``), read after the
    value's own fields."""

    def __init__(self, kinds: Iterable[dict], base_kinds: Iterable[dict] = (),
                 empty_lists: Union[bool, Dict[str, Iterable[str]]] = True,
                 fields: Optional[Dict[str, Dict[str, str]]] = None, ref_field: Optional[str] = None,
                 inner: Optional[str] = None) -> None:
        self.kinds: Dict[str, dict] = {k["fqn"]: k for k in base_kinds}
        self.kinds.update({k["fqn"]: k for k in kinds})
        self.empty_lists = empty_lists
        self.fields = fields or {}
        self.ref_field = ref_field
        self.inner = inner
        self._types: Dict[str, Dict[str, str]] = {}
        self._own: Dict[str, Dict[str, str]] = {}
        self._loose: Dict[str, Dict[str, str]] = {}
        self._lists: Dict[str, Tuple[str, ...]] = {}
        self._derivable: Dict[Tuple[str, str], Dict[str, str]] = {}

    # ---- what the model says ------------------------------------------------------------------

    def own_properties(self, kind: str) -> Dict[str, str]:
        found = self._own.get(kind)
        if found is None:
            props = (self.kinds.get(kind) or {}).get("properties") or []
            found = self._own[kind] = {p["name"]: p["kind"] for p in props if not p.get("synthetic")}
        return found

    def property_types(self, kind: str) -> Dict[str, str]:
        """Property name → type of ``kind``, including everything its bases declare."""
        found = self._types.get(kind)
        if found is None:
            found = {}
            for base in (self.kinds.get(kind) or {}).get("bases") or []:
                found.update(self.property_types(base))
            found.update(self.own_properties(kind))
            self._types[kind] = found
        return found

    def is_a(self, kind: str, base: str) -> bool:
        """Whether ``base`` is ``kind`` or among its bases, transitively."""
        if kind == base:
            return True
        return any(self.is_a(b, base) for b in (self.kinds.get(kind) or {}).get("bases") or [])

    def _by_loose_name(self, kind: str) -> Dict[str, str]:
        found = self._loose.get(kind)
        if found is None:
            found = self._loose[kind] = {loose(name): name for name in self.property_types(kind)}
        return found

    def _list_properties(self, kind: str) -> Tuple[str, ...]:
        """The list properties of ``kind`` that are ``[]`` when the API says nothing."""
        found = self._lists.get(kind)
        if found is None:
            if isinstance(self.empty_lists, dict):
                found = tuple(self.empty_lists.get(kind) or ())
            else:
                found = tuple(n for n, t in self.property_types(kind).items() if t.endswith("[]"))
            self._lists[kind] = found
        return found

    def derived(self, item: Dict[str, Any], kind: str, prefix: str = "") -> Dict[str, Any]:
        """The properties of ``kind`` whose name is an API field of ``item`` in snake case, with or without
        ``prefix`` (``rds_multi_az`` ← ``MultiAZ``, ``protocol`` ← ``Protocol``); values as the API gives
        them (``shape_reported`` coerces them). Identity and times (``NOT_DERIVED``) are never guessed."""
        names = self._derivable.get((kind, prefix))
        if names is None:
            names = {}
            for name in self.property_types(kind):
                if name in NOT_DERIVED:
                    continue
                names.setdefault(loose(name), name)
                if prefix and name.startswith(prefix):
                    names[loose(name[len(prefix):])] = name
            self._derivable[(kind, prefix)] = names
        out: Dict[str, Any] = {}
        for key, value in item.items():
            found = names.get(loose(key))
            if found is not None and value is not None:
                out.setdefault(found, value)
        return out

    # ---- shaping ------------------------------------------------------------------------------

    def shape_reported(self, reported: Dict[str, Any], problems: Optional[List[Problem]] = None,
                       keep_absent: FrozenSet[str] = frozenset()) -> Dict[str, Any]:
        """Check and coerce a node's ``reported`` against its kind; drops None values, fills absent lists
        with ``[]`` (but those in ``keep_absent``). A value that cannot take its type is left out and
        added to ``problems``.

        Raises KeyError for a property the kind does not declare: that is a bug in a declaration."""
        kind = reported["kind"]
        props = self.property_types(kind)
        if not props:
            raise KeyError(f"unknown kind {kind}")
        out: Dict[str, Any] = {}
        for name, value in reported.items():
            if name not in props:
                raise KeyError(f"{kind} has no property {name}")
            if value is None:
                continue
            shaped = self._shape_or_report(value, props[name], problems, f"{kind}.{name}")
            if shaped is not None:
                out[name] = shaped
        if self.empty_lists:
            for name in self._list_properties(kind):
                if name not in out and name not in keep_absent:
                    out[name] = []
        return out

    def _shape_or_report(self, value: Any, type_name: str, problems: Optional[List[Problem]], path: str) -> Any:
        try:
            return self.shape(value, type_name, problems, path)
        except CannotShape as e:
            if problems is not None:
                problems.append(Problem(path, str(e)))
            return None

    def shape(self, value: Any, type_name: str, problems: Optional[List[Problem]] = None, path: str = "") -> Any:
        """``value`` as the model type ``type_name``; None for nothing; CannotShape when it cannot be one.
        Nested values that cannot take their type are left out and added to ``problems``."""
        if value is None:
            return None
        if type_name.endswith("[]"):
            if not isinstance(value, (list, tuple)):
                value = [value]
            item_type = type_name[:-2]
            shaped = (self._shape_or_report(item, item_type, problems, f"{path}[{i}]") for i, item in enumerate(value))
            return [v for v in shaped if v is not None]
        as_dict = DICT_TYPE.match(type_name)
        if as_dict:
            value = json_text(value)
            if not isinstance(value, dict):
                raise CannotShape(f"{type_name} wants an object, got {_sample(value)}")
            value_type = as_dict.group(2)
            shaped_items = ((str(k), self._shape_or_report(v, value_type, problems, f"{path}.{k}"))
                            for k, v in value.items())
            return {k: v for k, v in shaped_items if v is not None}
        return self._shape_simple(value, type_name, problems, path)

    def _shape_simple(self, value: Any, type_name: str, problems: Optional[List[Problem]], path: str) -> Any:
        if type_name == "any":
            return plain(value)
        if type_name in STRING_TYPES:
            if isinstance(value, datetime):
                return utc_text(value)
            if self.ref_field and isinstance(value, dict) and value.get(self.ref_field) is not None:
                return str(value[self.ref_field])
            if isinstance(value, (dict, list, tuple)):
                return json.dumps(plain(value), sort_keys=True)
            return str(value)
        if type_name == "datetime":
            return _datetime(value)
        if type_name == "boolean":
            if isinstance(value, str):
                return value.strip().lower() in ("true", "1", "yes", "enabled")
            return bool(value)
        if type_name in INT_TYPES:
            try:
                return int(float(value))
            except (TypeError, ValueError):
                raise CannotShape(f"not a number: {_sample(value)}") from None
        if type_name in FLOAT_TYPES:
            try:
                return float(value)
            except (TypeError, ValueError):
                raise CannotShape(f"not a number: {_sample(value)}") from None
        kind = self.kinds.get(type_name)
        if kind is None:
            raise KeyError(f"unknown type {type_name}")
        enum = kind.get("enum")
        if enum is not None:
            return value if value in enum else "unknown" if "unknown" in enum else None
        value = json_text(value)
        if not isinstance(value, dict):
            raise CannotShape(f"{type_name} wants an object, got {_sample(value)}")
        return self.shape_complex(value, type_name, problems, path)

    def shape_complex(self, value: dict, kind: str, problems: Optional[List[Problem]] = None,
                      path: str = "") -> Optional[dict]:
        """An API dict (CamelCase keys) as the complex kind ``kind`` (snake_case properties); None when
        none of its fields is known."""
        if not value:
            return None
        props = self.property_types(kind)
        names = self._by_loose_name(kind)
        out: Dict[str, Any] = {}
        fields = self.fields.get(kind)
        if fields:
            for name, field_path in fields.items():
                shaped = self._shape_or_report(at(value, field_path), props[name], problems, f"{path}.{name}")
                if shaped is not None:
                    out[name] = shaped
        for key, item in self._fields_of(value):
            known = key if key in props else names.get(loose(key))
            if known is None or item is None or known in out or (fields and known in fields):
                continue
            shaped = self._shape_or_report(item, props[known], problems, f"{path}.{known}")
            if shaped is not None:
                out[known] = shaped
        if not out:
            return None
        if self.empty_lists:
            for name in self._list_properties(kind):
                out.setdefault(name, [])
        return out


    def _fields_of(self, value: dict) -> Iterable[Tuple[str, Any]]:
        """The value's fields, then (with ``inner``) those of its inner object that it does not have itself."""
        yield from value.items()
        nested = value.get(self.inner) if self.inner else None
        if isinstance(nested, dict):
            yield from ((k, v) for k, v in nested.items() if k not in value)


def at(value: Any, path: str) -> Any:
    """The value at ``path`` in nested dicts: ``a.b`` walks dicts, ``a[].b`` each item of the list ``a`` (the
    result is then a list, without the items that have nothing there); None when there is nothing."""
    found, listed = [value], False
    for step in path.split("."):
        each = step.endswith("[]")
        key = step[:-2] if each else step
        nxt: List[Any] = []
        for item in found:
            item = item.get(key) if isinstance(item, dict) else None
            if each:
                nxt.extend(item if isinstance(item, (list, tuple)) else [])
            elif item is not None:
                nxt.append(item)
        found, listed = nxt, listed or each
    if listed:
        return found
    return found[0] if found else None


def _datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return utc_text(datetime.fromtimestamp(value, timezone.utc))
    if isinstance(value, str):
        text = parse_time(value)
        if text is None and NUMBER.match(value.strip()):
            text = utc_text(datetime.fromtimestamp(float(value), timezone.utc))
        if text is not None:
            return text
    raise CannotShape(f"not a time: {_sample(value)}")


def _sample(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."



# ---- making a collector's model file ----------------------------------------------------------------

TYPE_PARTS = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def referenced_kinds(kind: dict) -> set:
    """The kinds ``kind`` names: its bases, the kinds in its property types, its successor kinds."""
    names = set(kind.get("bases") or [])
    for prop in kind.get("properties") or []:
        names.update(TYPE_PARTS.findall(prop["kind"]))
    for successors in (kind.get("successor_kinds") or {}).values():
        names.update(successors)
    return names


def reached_kinds(by_name: Dict[str, dict], roots: Iterable[str]) -> List[str]:
    """Every kind reachable from ``roots`` through bases, property types and successor kinds (the core wants
    each of them defined), sorted."""
    seen: set = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo.extend(referenced_kinds(by_name[name]))
    return sorted(seen)


def write_or_check(path: Any, text: str, check: bool, command: str) -> int:
    """Write a generated file, or (``check``) say whether it is current: 0 when it is (or was written), 1 and a
    line naming ``command`` when it is stale."""
    from pathlib import Path

    target = Path(path)
    if check:
        if (target.read_text() if target.exists() else "") != text:
            print(f"{target} is not current: run {command}")
            return 1
        return 0
    target.write_text(text)
    print(f"wrote {target}")
    return 0
