"""Kinds of a resotocore model and how the core checks (and quietly coerces) values against them.

The texts of the errors, which values are coerced instead of rejected, and which exception type a
failure surfaces as are the core 3.9.0's (protocol memo §4.2, §4.6): a worker that passes here is
accepted there. Exception types matter because the core's error body names them.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from .durations import DURATION_RE, proprietary_seconds, to_timedelta

try:  # the core falls back to dateutil for non-ISO timestamps; without it only ISO is understood
    from dateutil.parser import parse as _parse_any_date
except ImportError:  # pragma: no cover
    _parse_any_date = None

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ENV_VAR_RE = re.compile(r"\$\((\w+)\)")
EDGE_TYPES = ("default", "delete")


class KindParseError(Exception):
    """A property kind expression that is not `name`, `x[]` or `dictionary[k, v]` (parsy's ParseError)."""


Ctx = Dict[str, bool]


def _skip_env(obj: Any, ctx: Ctx) -> bool:
    return bool(ctx.get("config_context")) and isinstance(obj, str) and _ENV_VAR_RE.search(obj) is not None


def utc_str(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime(DATETIME_FORMAT)


def normalise_datetime(value: str) -> str:
    try:
        dt = datetime.fromisoformat(value)
    except Exception:
        if _parse_any_date is None:
            raise
        dt = _parse_any_date(value)
    offset = dt.tzinfo.utcoffset(None) if dt.tzinfo else None
    if offset is None or offset.total_seconds() != 0:
        dt = dt.astimezone(timezone.utc)  # a naive time is taken as local time, as the core does
    return dt.strftime(DATETIME_FORMAT)


class Kind:
    fqn: str
    category: str  # the core refuses to turn an existing kind into one of another category

    def coerce(self, value: Any, ctx: Ctx) -> Any:
        """The coerced value, or None when the value stays as it is."""
        return None

    def check(self, value: Any, ctx: Ctx) -> Any:
        """Raise when invalid; return a coerced value or None."""
        return None

    def to_json(self) -> Dict[str, Any]:
        raise NotImplementedError


class AnyKind(Kind):
    category = "AnyKind"

    def __init__(self) -> None:
        self.fqn = "any"

    def to_json(self) -> Dict[str, Any]:
        return {"fqn": "any", "runtime_kind": "any"}


ANY = AnyKind()


class SimpleKind(Kind):
    """string, numbers, boolean, date, datetime, duration: `runtime_kind` picks the rules."""

    _CATEGORY = {"string": "StringKind", "int32": "NumberKind", "int64": "NumberKind", "float": "NumberKind",
                 "double": "NumberKind", "boolean": "BooleanKind", "date": "DateKind", "datetime": "DateTimeKind",
                 "duration": "DurationKind"}

    def __init__(self, fqn: str, runtime: str, js: Optional[Dict[str, Any]] = None) -> None:
        js = js or {}
        self.fqn = fqn
        self.runtime = runtime
        self.category = self._CATEGORY[runtime]
        self.enum = js.get("enum")
        self.pattern = js.get("pattern") if runtime == "string" else None
        self.min_length = js.get("min_length") if runtime == "string" else None
        self.max_length = js.get("max_length") if runtime == "string" else None
        self.minimum = js.get("minimum") if self.category == "NumberKind" else None
        self.maximum = js.get("maximum") if self.category == "NumberKind" else None
        self.extra = {k: v for k, v in js.items() if k not in ("fqn", "runtime_kind")}

    def to_json(self) -> Dict[str, Any]:
        return {"fqn": self.fqn, "runtime_kind": self.runtime, **self.extra}

    # ---- coercion
    def coerce(self, value: Any, ctx: Ctx) -> Any:
        rt = self.runtime
        if value is None:
            return None
        if rt == "string":
            return None if isinstance(value, str) else json.dumps(value)
        if self.category == "NumberKind":
            if isinstance(value, (int, float)):
                return None
            try:  # a TypeError (list, dict) is not caught by the core either
                return int(value) if rt in ("int32", "int64") else float(value)
            except ValueError:
                return None
        if rt == "boolean":
            if isinstance(value, str) and value.lower() in ("true", "yes", "on"):
                return True
            if isinstance(value, str) and value.lower() in ("false", "no", "off"):
                return False
            return None
        if rt == "duration":
            if not ctx.get("normalize", True):
                return None
            secs = proprietary_seconds(value)
            return None if secs is None else f"{int(secs)}s"
        if rt == "datetime":
            try:
                if not isinstance(value, str) or _DATETIME_RE.fullmatch(value):
                    return None
                if DURATION_RE.fullmatch(value):
                    delta = to_timedelta(value)
                    return None if delta is None else utc_str(datetime.now(timezone.utc) + delta)
                return normalise_datetime(value)
            except Exception:
                return None
        if rt == "date":
            try:
                if not isinstance(value, str):
                    return None
                if DURATION_RE.fullmatch(value):
                    delta = to_timedelta(value) or timedelta()
                    return (date.today() + delta).isoformat()
                parsed = _parse_any_date(value) if _parse_any_date else datetime.fromisoformat(value)
                return parsed.date().strftime("%Y-%m-%d")
            except Exception:
                return None
        return None

    # ---- checks
    def _check_string(self, s: Any) -> None:
        if not isinstance(s, str):
            raise AttributeError(f"Expected type string but got {type(s).__name__}")
        if self.pattern is not None and re.fullmatch(self.pattern, s) is None:
            raise AttributeError(f">{s}< does not conform to regex: {self.pattern}")
        self._check_bounds(s, len(s) if isinstance(s, str) else 0)

    def _check_bounds(self, v: Any, length: int) -> None:
        if self.enum is not None and v not in self.enum:
            raise AttributeError(f">{v}< should be one of: {self.enum}")
        if self.min_length is not None and length < self.min_length:
            raise AttributeError(f">{v}< does not have minimal length: {self.min_length}")
        if self.max_length is not None and length > self.max_length:
            raise AttributeError(f">{v}< is too long! Allowed: {self.max_length}")
        if self.minimum is not None and not v >= self.minimum:
            raise AttributeError(f">{v}< should be greater or equals than: {self.minimum}")
        if self.maximum is not None and not v <= self.maximum:
            raise AttributeError(f">{v}< should be smaller or equals than: {self.maximum}")

    def _check_number(self, v: Any) -> None:
        if not isinstance(v, (int, float)):
            raise AttributeError(f"Expected number but got {v}")
        self._check_bounds(v, 0)

    def check(self, value: Any, ctx: Ctx) -> Any:
        rt = self.runtime
        if rt in ("duration", "datetime", "date"):
            if _skip_env(value, ctx):
                return None
            if not isinstance(value, str):
                raise AttributeError(f"Expected type {rt} but got {type(value).__name__}")
            if rt == "duration":
                if not DURATION_RE.fullmatch(value):
                    raise AttributeError(
                        f"Wrong format for duration: {value}. Examples: 1yr, 3mo, 3d4h3min1s, 3days and 2hours"
                    )
                return None
            if rt == "datetime":
                if _DATETIME_RE.fullmatch(value):
                    return None
                parsed = datetime.fromisoformat(value)  # ValueError escapes unwrapped, as in the core
                return datetime.fromtimestamp(parsed.timestamp(), tz=timezone.utc).strftime(DATETIME_FORMAT)
            return None if _DATE_RE.fullmatch(value) else date.fromisoformat(value)
        if value is None or _skip_env(value, ctx):
            return None
        if rt == "boolean":
            if value is True or value is False:
                return None
            coerced = self.coerce(value, ctx)
            if coerced is None:
                raise AttributeError(f"Expected type boolean but got {type(value).__name__}")
            return coerced
        check_fn: Callable[[Any], None] = self._check_string if rt == "string" else self._check_number
        if (rt == "string" and isinstance(value, str)) or (rt != "string" and isinstance(value, (int, float))):
            check_fn(value)
            return None
        coerced = self.coerce(value, ctx)
        if coerced is None:
            raise AttributeError(f"Expected type {rt} but got {type(value).__name__}")
        check_fn(coerced)
        return coerced


class TransformKind(Kind):
    """A synthetic kind (e.g. `age` from `ctime`): computed by the core, never accepted as input."""

    category = "TransformKind"

    def __init__(self, js: Dict[str, Any]) -> None:
        self.fqn = js["fqn"]
        self.source = js["runtime_kind"]
        self.destination = js["source_fqn"]
        self.converter = js["converter"]
        self.reverse_order = js["reverse_order"]

    def check(self, value: Any, ctx: Ctx) -> Any:
        raise AttributeError(f"TransformKind {self.fqn} is not allowed to be supplied.")

    def to_json(self) -> Dict[str, Any]:
        return {"fqn": self.fqn, "runtime_kind": self.source, "source_fqn": self.destination,
                "converter": self.converter, "reverse_order": self.reverse_order}


class ArrayKind(Kind):
    category = "ArrayKind"

    def __init__(self, inner: Kind) -> None:
        self.inner = inner
        self.fqn = f"{inner.fqn}[]"

    def coerce(self, value: Any, ctx: Ctx) -> Any:
        if value is None or isinstance(value, dict):
            return None
        changed = False

        def one(item: Any) -> Any:
            nonlocal changed
            c = self.inner.coerce(item, ctx)
            if c is None:
                return item
            changed = True
            return c

        if not isinstance(value, list):
            return [one(value)]  # a single value becomes a one-element array
        mapped = [one(v) for v in value]
        return mapped if changed else None

    def check(self, value: Any, ctx: Ctx) -> Any:
        if isinstance(value, dict):
            raise AttributeError("Expected property is a json object not an array!")
        coerced = self.coerce(value, ctx)
        for elem in coerced or value:
            self.inner.check(elem, ctx)
        return coerced

    def to_json(self) -> Dict[str, Any]:
        return {"fqn": self.fqn, "inner": self.inner.to_json()}


class DictionaryKind(Kind):
    category = "DictionaryKind"

    def __init__(self, key: Kind, value: Kind) -> None:
        self.key, self.value = key, value
        self.fqn = f"dictionary[{key.fqn}, {value.fqn}]"

    def coerce(self, value: Any, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            return None
        out, changed = {}, False
        for k, v in value.items():
            ck, cv = self.key.coerce(k, ctx), self.value.coerce(v, ctx)
            out[ck or k] = cv or v  # falsy coerced values fall back to the input, like in the core
            changed = changed or ck is not None or cv is not None
        return out if changed else None

    def check(self, value: Any, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            raise AttributeError(f"dictionary requires a json object, but got this: {value}")
        coerced = self.coerce(value, ctx)
        for k, v in (coerced or value).items():
            part = "key"
            try:
                self.key.check(k, ctx)
                part = "value"
                self.value.check(v, ctx)
            except Exception as ex:
                raise AttributeError(f"{part} of {self.fqn} is not valid: {ex}") from ex
        return coerced

    def to_json(self) -> Dict[str, Any]:
        return {"fqn": self.fqn, "key_kind": self.key.to_json(), "value_kind": self.value.to_json()}


class Prop:
    def __init__(self, js: Dict[str, Any]) -> None:
        for key in ("name", "kind"):
            if key not in js:
                raise _Unreadable(f'No value found for "{key}".')
        self.name: str = js["name"]
        self.kind: str = js["kind"]
        self.required: bool = bool(js.get("required", False))
        self.synthetic: Optional[Dict[str, Any]] = js.get("synthetic")
        self.description = js.get("description")
        self.metadata = js.get("metadata")
        if self.synthetic is not None and self.required:
            raise _Unreadable("Synthetic properties can not be required!", js)

    def to_json(self) -> Dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "required": self.required, "synthetic": self.synthetic,
                "description": self.description, "metadata": self.metadata}


class ComplexKind(Kind):
    category = "ComplexKind"

    def __init__(self, js: Dict[str, Any]) -> None:
        self.fqn = js["fqn"]
        self.bases: List[str] = js.get("bases", []) or []
        self.props = [Prop(p) for p in js.get("properties", [])]
        self.allow_unknown_props = bool(js.get("allow_unknown_props", False))
        self.successor_kinds: Dict[str, List[str]] = js.get("successor_kinds") or {}
        self.aggregate_root = js.get("aggregate_root", True)
        self.metadata = js.get("metadata") or {}
        # filled by resolve(): own properties first, then every base's, which win on a name clash
        self.resolved: Dict[str, Tuple[Prop, Kind]] = {}
        self.all_props: List[Prop] = list(self.props)
        self.hierarchy: Set[str] = {self.fqn}
        self._resolved = False

    def is_root(self) -> bool:
        return not self.bases or (len(self.bases) == 1 and self.bases[0] == self.fqn)

    def to_json(self) -> Dict[str, Any]:
        return {"fqn": self.fqn, "aggregate_root": self.aggregate_root, "metadata": self.metadata,
                "allow_unknown_props": self.allow_unknown_props, "properties": [p.to_json() for p in self.props],
                "bases": self.bases, "successor_kinds": self.successor_kinds}

    def resolve(self, kinds: Dict[str, Kind]) -> None:
        """Lenient resolution for stored models: a reference that does not resolve reads as `any`."""
        if self._resolved:
            return
        self._resolved = True
        for prop in sorted(self.props, key=lambda p: p.name):
            try:
                kind = parse_kind_expr(prop.kind, kinds)
            except Exception:
                kind = ANY
            self.resolved[prop.name] = (prop, kind)
            for nested in nested_complex(kind):
                nested.resolve(kinds)
        if not self.is_root():
            for base_name in self.bases:
                base = kinds.get(base_name)
                if isinstance(base, ComplexKind):
                    base.resolve(kinds)
                    self.resolved.update(base.resolved)
                    self.all_props = base.all_props + self.all_props
                    self.hierarchy |= base.hierarchy

    def coerce(self, value: Any, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            return None
        out: Dict[str, Any] = {}
        changed = False
        for name, v in value.items():
            known = self.resolved.get(name)
            if known:
                prop, kind = known
                if prop.synthetic:
                    continue  # computed by the core: dropped from a coerced document
                if v is None:
                    out[name] = None
                else:
                    c = kind.coerce(v, ctx)
                    changed = changed or c is not None
                    out[name] = v if c is None else c
            else:
                out[name] = v
        return out if changed else None

    def check(self, value: Any, ctx: Ctx) -> Any:
        if not isinstance(value, dict):
            raise AttributeError(f"Kind:{self.fqn} expected a complex type but got this: {value}")
        coerced = self.coerce(value, ctx)
        for name, v in (coerced or value).items():
            known = self.resolved.get(name)
            if known:
                prop, kind = known
                if prop.synthetic:
                    continue
                if v is None:
                    if prop.required:
                        raise AttributeError(f"Required property {prop.name} is undefined!")
                    continue
                try:
                    kind.check(v, ctx)
                except AttributeError as ex:
                    raise AttributeError(
                        f"Kind:{self.fqn} Property:{name} is not valid: {ex}: {json.dumps(value)}"
                    ) from ex
            elif name == "kind":
                pass
            elif not self.allow_unknown_props:
                raise AttributeError(f"Kind:{self.fqn} Property:{name} is not defined in model!")
        if not ctx.get("ignore_missing"):
            for prop in self.all_props:
                if prop.required and prop.name not in value:
                    raise AttributeError(
                        f"Kind:{self.fqn} Property:{prop.name} is required and missing in {json.dumps(value)}"
                    )
        return coerced


def nested_complex(kind: Kind) -> List[ComplexKind]:
    if isinstance(kind, ComplexKind):
        return [kind]
    if isinstance(kind, ArrayKind):
        return nested_complex(kind.inner)
    if isinstance(kind, DictionaryKind):
        return nested_complex(kind.key) + nested_complex(kind.value)
    return []


class _Unreadable(Exception):
    """A kind document the core cannot deserialise (jsons' DeserializationError)."""

    def __init__(self, reason: str, js: Any = None) -> None:
        super().__init__(reason)
        self.reason, self.js = reason, js


_SIMPLE_RUNTIMES = ("string", "int32", "int64", "float", "double", "boolean", "date", "datetime", "duration")


def kind_from_json(js: Any) -> Kind:
    if not isinstance(js, dict):
        raise _Unreadable(f"argument of type '{type(js).__name__}' is not iterable", js)
    if "inner" in js:
        return ArrayKind(kind_from_json(js["inner"]))
    if "fqn" in js and js.get("runtime_kind") in _SIMPLE_RUNTIMES:
        if "source_fqn" in js and "converter" in js and "reverse_order" in js:
            return TransformKind(js)
        return SimpleKind(js["fqn"], js["runtime_kind"], js)
    if js.get("fqn") == "any" and js.get("runtime_kind") == "any":
        return ANY
    if "fqn" in js and ("properties" in js or "bases" in js):
        return ComplexKind(js)
    raise _Unreadable("Given type can not be read.: line 1 column 1 (char 0)", js)


def kinds_from_json(kinds_js: Any) -> List[Kind]:
    """Parse a list of kind documents; raise ValueError with the core's DeserializationError text."""
    if not isinstance(kinds_js, list):
        raise ValueError(f'Could not deserialize value "{kinds_js}" into "typing.List[resotocore.model.model.Kind]".')
    out = []
    for idx, js in enumerate(kinds_js):
        try:
            out.append(kind_from_json(js))
        except _Unreadable as ex:
            into = "Property" if ex.js is not None and ex.js is not js else "Kind"
            if ex.js is None:
                raise ValueError(f"Could not deserialize element at index {idx}. {ex.reason}") from ex
            raise ValueError(
                f"Could not deserialize element at index {idx}. Could not deserialize value \"{ex.js}\" "
                f"into \"resotocore.model.model.{into}\". {ex.reason}"
            ) from ex
    return out


# ------------------------------------------------------------------------------------ kind expressions

_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
_COMMA_RE = re.compile(r"\s*,\s*")


def parse_kind_expr(expr: str, kinds: Dict[str, Kind]) -> Kind:
    """`name`, `name[]…`, `dictionary[k, v]`; an unknown name fails the moment it is read."""

    def simple(pos: int) -> Optional[Tuple[Kind, int]]:
        m = _NAME_RE.match(expr, pos)
        if not m:
            return None
        name = m.group(0)
        if name not in kinds:
            raise AttributeError(f"Property kind is not known: {name}. Have you registered it?")
        return kinds[name], m.end()

    def dictionary(pos: int) -> Optional[Tuple[Kind, int]]:
        if not expr.startswith("dictionary[", pos):
            return None
        key = simple(pos + len("dictionary["))
        if key is None:
            return None
        m = _COMMA_RE.match(expr, key[1])
        if not m:
            return None
        val = array(m.end()) or dictionary(m.end()) or simple(m.end())
        if val is None or not expr.startswith("]", val[1]):
            return None
        return DictionaryKind(key[0], val[0]), val[1] + 1

    def array(pos: int) -> Optional[Tuple[Kind, int]]:
        inner = dictionary(pos) or simple(pos)
        if inner is None:
            return None
        kind, at, depth = inner[0], inner[1], 0
        while expr.startswith("[]", at):
            at, depth = at + 2, depth + 1
        if depth == 0:
            return None
        for _ in range(depth):
            kind = ArrayKind(kind)
        return kind, at

    found = array(0) or dictionary(0) or simple(0)
    if found is None:
        raise KindParseError(f"expected one of 'dictionary[', '[A-Za-z][A-Za-z0-9_.]*' at 0:0")
    if found[1] != len(expr):
        raise KindParseError(f"expected one of 'EOF', '[]' at 0:{found[1]}")
    return found[0]


def referenced_names(expr: str) -> List[str]:
    """Every kind name in an expression (`dictionary` itself excluded), for the overlap walk."""
    return [n for n in _NAME_RE.findall(expr) if n != "dictionary"]


# ------------------------------------------------------------------------------------ predefined kinds


def _p(name: str, kind: str, description: Optional[str] = None, synthetic: Optional[List[str]] = None) -> Dict:
    return {"name": name, "kind": kind, "required": False,
            "synthetic": {"path": synthetic} if synthetic else None, "description": description, "metadata": None}


PREDEFINED_JSON: List[Dict[str, Any]] = [
    *({"fqn": n, "runtime_kind": n} for n in ("string", "int32", "int64", "float", "double")),
    {"fqn": "any", "runtime_kind": "any"},
    *({"fqn": n, "runtime_kind": n} for n in ("boolean", "date", "datetime", "duration")),
    {"fqn": "trafo.duration_to_datetime", "runtime_kind": "duration", "source_fqn": "datetime",
     "converter": "duration_to_datetime", "reverse_order": True},
    {"fqn": "graph_root", "aggregate_root": True, "metadata": {}, "allow_unknown_props": True, "bases": [],
     "successor_kinds": {},
     "properties": [_p("id", "string", "The id of this node."), _p("name", "string", "The name of this node."),
                    _p("tags", "dictionary[string, string]", "All attached tags of this node.")]},
    {"fqn": "predefined_properties", "aggregate_root": True, "metadata": {"dynamic": True},
     "allow_unknown_props": False, "bases": [], "successor_kinds": {},
     "properties": [
         _p("kind", "string", "The kind property of every node."),
         _p("ctime", "datetime", "datetime when the node has been created."),
         _p("age", "trafo.duration_to_datetime", synthetic=["ctime"]),
         _p("last_update", "trafo.duration_to_datetime", synthetic=["mtime"]),
         _p("last_access", "trafo.duration_to_datetime", synthetic=["atime"]),
         _p("expires", "datetime", "datetime when the node expires."),
         _p("exported_at", "datetime", "datetime when the account was exported."),
         _p("exported_age", "trafo.duration_to_datetime", synthetic=["exported_at"]),
         _p("provider_link", "string", "Link to the provider of this resource."),
     ]},
]
PREDEFINED_NAMES = [k["fqn"] for k in PREDEFINED_JSON]


def build_kinds(model: Dict[str, Dict[str, Any]]) -> Dict[str, Kind]:
    """Parsed and (leniently) resolved kinds of a stored model, predefined kinds always included."""
    kinds: Dict[str, Kind] = {}
    for fqn, js in model.items():
        if fqn not in PREDEFINED_NAMES:
            kinds[fqn] = kind_from_json(js)
    for js in PREDEFINED_JSON:
        kinds[js["fqn"]] = kind_from_json(js)
    for kind in kinds.values():
        if isinstance(kind, ComplexKind):
            kind.resolve(kinds)
    return kinds
