"""What the core refuses: model updates (memo §4.2) and merge uploads (memo §4.6), as pure functions.

Both raise `CoreRejection`; `.message` is the text of the exception the core raises (what its log and
error body show), `.error_type` that exception's class name. `.body` is the core's HTTP error body for
a direct call, `.import_body` the one of a synchronous merge (which fails inside the core's import
process and comes back wrapped as ImportAborted).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Set

from .kinds import (
    PREDEFINED_JSON,
    PREDEFINED_NAMES,
    ArrayKind,
    ComplexKind,
    DictionaryKind,
    Kind,
    KindParseError,
    SimpleKind,
    TransformKind,
    build_kinds,
    kind_from_json,
    kinds_from_json,
    parse_kind_expr,
)
from .merge_graph import MergeBuilder, MergePlan


class CoreRejection(Exception):
    def __init__(self, status: int, message: str, error_type: str = "AttributeError") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type

    @property
    def body(self) -> str:
        return f"Error: {self.error_type}\nMessage: {self.message}"

    @property
    def import_body(self) -> str:
        return f"Error: ImportAborted\nMessage: {self.error_type}({self.message!r})"

    @staticmethod
    def of(ex: BaseException, status: int = 400) -> "CoreRejection":
        return CoreRejection(status, str(ex), type(ex).__name__)


# ------------------------------------------------------------------------------------------ model


def with_predefined(model: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """A stored model as the core loads it: predefined kinds always there and never overwritten."""
    predefined = {js["fqn"]: js for js in PREDEFINED_JSON}
    out = {fqn: (predefined.get(fqn) or kind_from_json(js).to_json()) for fqn, js in model.items()}
    for fqn, js in predefined.items():
        out.setdefault(fqn, js)
    return out


def _unchanged(old_js: Optional[Dict[str, Any]], new: Kind) -> bool:
    # only complex kinds ever compare equal in the core (simple kinds carry per-instance validators)
    if old_js is None or not isinstance(new, ComplexKind):
        return False
    old = kind_from_json(old_js)
    return isinstance(old, ComplexKind) and old.to_json() == new.to_json()


class _StrictResolver:
    """Checks that every reference of the changed kinds resolves, in the core's order of checks."""

    def __init__(self, kinds: Dict[str, Kind], unresolved: List[Kind]) -> None:
        self.kinds = kinds
        self.pending = {id(k) for k in unresolved}

    def resolve(self, kind: Kind) -> None:
        if isinstance(kind, TransformKind):
            src, dst = self.kinds.get(kind.source), self.kinds.get(kind.destination)
            if not (isinstance(src, SimpleKind) and isinstance(dst, SimpleKind)):
                raise AttributeError(f"Underlying kind not known: {kind.destination}")
        elif isinstance(kind, ArrayKind):
            self.resolve(kind.inner)
        elif isinstance(kind, DictionaryKind):
            self.resolve(kind.key)
            self.resolve(kind.value)
        elif isinstance(kind, ComplexKind) and id(kind) in self.pending:
            self.pending.discard(id(kind))
            prop_kinds = [parse_kind_expr(p.kind, self.kinds) for p in sorted(kind.props, key=lambda p: p.name)]
            for pk in prop_kinds:
                self.resolve(pk)
            for names in kind.successor_kinds.values():
                for name in names or []:
                    if name not in self.kinds:
                        raise AttributeError(f"{name} is not a known kind")
            if not kind.is_root():
                for base in kind.bases:
                    if base not in self.kinds:
                        raise KeyError(base)
                    self.resolve(self.kinds[base])


_DICT_VALUE_RE = re.compile(r"dictionary\[[^,]+,\s*(\S*)\s*]")


def check_overlap(models: Iterable[Dict[str, Any]]) -> None:
    """Same property path, different types across aggregate roots (`any` fits everything)."""
    models = list(models)
    classes = {m["fqn"]: m for m in models if "properties" in m}
    all_paths: Dict[str, tuple] = {}

    def add_path(path: List[str], visiting: Set[str], cls: Dict[str, Any]) -> None:
        if cls["fqn"] in visiting:
            return
        for prop in cls.get("properties") or []:
            raw = prop["kind"]
            kind, prop_path = raw, path + [prop["name"]]
            if "[]" in raw:
                kind, prop_path = raw.replace("[]", ""), prop_path + ["[0]"]
            elif "dictionary[" in raw:
                kind, prop_path = _DICT_VALUE_RE.sub(r"\1", raw), prop_path + ["foo"]
            str_path = ".".join(prop_path)
            if str_path in all_paths:
                existing_cls, existing_kind = all_paths[str_path]
                if not (existing_kind == "any" or raw == "any" or existing_kind == raw):
                    raise AttributeError(
                        f"{str_path} is defined in {existing_cls} as {existing_kind} and in {cls['fqn']} as {kind}"
                    )
            all_paths[str_path] = (cls["fqn"], raw)
            if kind in classes:
                add_path(prop_path, visiting | {cls["fqn"]}, classes[kind])

    for cls in classes.values():
        if cls.get("aggregate_root") and not cls["fqn"].startswith(("aws_auto_scaling", "aws_quota")):
            add_path([], set(), cls)
    all_fqns = {m["fqn"] for m in models}
    for m in models:
        for names in (m.get("successor_kinds") or {}).values():
            for name in names or []:
                if name not in all_fqns:
                    raise AttributeError(f"Successor kind {name} does not exist")


def update_model(existing: Dict[str, Dict[str, Any]], kinds: List[Dict[str, Any]], replace: bool,
                 overlap_check: bool = True) -> Dict[str, Dict[str, Any]]:
    """The model after a `PUT` (replace=True) or `PATCH` of `kinds`; raises CoreRejection(400, …).

    `overlap_check=False` is the config model's variant (PATCH /configs/model).
    """
    try:
        parsed = kinds_from_json(kinds)
    except ValueError as ex:
        raise CoreRejection(400, str(ex), "DeserializationError") from ex
    current = with_predefined(existing)
    to_update = [k for k in parsed if k.fqn not in PREDEFINED_NAMES and not _unchanged(current.get(k.fqn), k)]
    if not to_update:
        return current  # the core short-cuts here, even for a PUT: nothing is deleted
    sent = {k.fqn for k in parsed}
    kept = {n: js for n, js in current.items() if not replace or n in sent or n in PREDEFINED_NAMES}
    updated: Dict[str, Kind] = {n: kind_from_json(js) for n, js in kept.items()}
    for k in to_update:
        updated[k.fqn] = k
    try:
        resolver = _StrictResolver(updated, to_update)
        for k in to_update:
            resolver.resolve(k)
        for k in to_update:
            old = current.get(k.fqn)
            if old is not None and kind_from_json(old).category != k.category:
                raise AttributeError(f"Update {k.fqn} changes an existing property type {k.fqn}")
        result = {n: k.to_json() for n, k in updated.items()}
        if overlap_check:
            check_overlap(result.values())
    except (AttributeError, KeyError, KindParseError, AssertionError, TypeError) as ex:
        name = "ParseError" if isinstance(ex, KindParseError) else type(ex).__name__
        raise CoreRejection(400, str(ex), name) from ex
    return result


# ------------------------------------------------------------------------------------------ merge


def plan_merge(model: Dict[str, Dict[str, Any]], lines: Iterable[Any]) -> MergePlan:
    """Build and check a merge upload; raises CoreRejection with the core's texts."""
    builder = MergeBuilder(build_kinds(model))
    try:
        for js in lines:
            builder.add(js)
        return builder.finish()
    except CoreRejection:
        raise
    except Exception as ex:  # the core's import process turns any exception into an abort
        raise CoreRejection.of(ex) from ex


def validate_merge(model: Dict[str, Dict[str, Any]], lines: List[Dict[str, Any]]) -> Dict[str, Any]:
    plan = plan_merge(model, lines)
    return {
        "nodes": plan.node_lines,
        "edges": plan.edge_lines,
        "deferred_edges": len(plan.deferred_edges),
        "replace_nodes": list(plan.roots),
    }
