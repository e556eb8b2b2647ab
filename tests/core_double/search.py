"""A small subset of the core's search language, enough for what a worker sends (memo §5.2, §6).

Supported: `all`, `is(kind[, kind…])`, `id(x)`, `path op value` with `== = != < <= > >= =~ !~ in
not in`, `and` / `or` / `not`, parentheses, and one trailing traversal such as `<-default,delete[0:]->`,
`-->`, `<--`, `-[0:]->`. A path starting with `/` is read from the node's top level (`/desired.clean`,
`/ancestors.cloud.reported.id`); any other path from its `reported` section. As in the core, a
missing value never matches `<`, `<=`, `>`, `>=`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from .graph_store import GraphStore

Predicate = Callable[[Dict[str, Any]], bool]

_TRAVERSAL_RE = re.compile(
    r"(?P<inbound><)?-(?P<types>[a-z_,]*)(\[(?P<start>\d+)(?P<colon>:(?P<end>\d*))?\])?-(?P<outbound>>)?\s*$"
)
_TOKEN_RE = re.compile(
    r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<op>==|!=|<=|>=|=~|!~|<|>|=)|(?P<punct>[()\[\],])|"""
    r"""(?P<word>[^\s()\[\],=!<>~"]+))"""
)


class SearchError(ValueError):
    pass


@dataclass
class Traversal:
    inbound: bool
    outbound: bool
    edge_types: List[str]
    start: int
    end: Optional[int]


def now_str() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def split_traversal(query: str) -> Tuple[str, Optional[Traversal]]:
    text = query.strip()
    m = _TRAVERSAL_RE.search(text)
    if not m or (m.start() > 0 and not text[m.start() - 1].isspace()):
        return text, None
    if not (m.group("inbound") or m.group("outbound")):
        return text, None
    start = int(m.group("start")) if m.group("start") is not None else 1
    if m.group("start") is None:
        end: Optional[int] = 1
    elif m.group("colon") is None:
        end = start
    else:
        end = int(m.group("end")) if m.group("end") else None
    types = [t for t in (m.group("types") or "default").split(",") if t]
    return text[: m.start()].strip(), Traversal(bool(m.group("inbound")), bool(m.group("outbound")), types, start, end)


def _tokens(text: str) -> List[Tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise SearchError(f"Can not parse search at: {text[pos:]}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _value_at(node: Dict[str, Any], path: str) -> Any:
    if path.startswith("/"):
        current: Any = node
        parts = path[1:]
    else:
        current = node.get("reported") or {}
        parts = path
    for part in re.findall(r"`[^`]*`|[^.]+", parts):
        part = part.strip("`")
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("==", "="):
        return left == right
    if op == "!=":
        return left != right
    if op in ("in", "not in"):
        inside = isinstance(right, list) and left in right
        return inside if op == "in" else not inside
    if op in ("=~", "!~"):
        hit = isinstance(left, str) and re.search(str(right), left) is not None
        return hit if op == "=~" else not hit
    if left is None:
        return False
    try:
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    except TypeError:
        return False


class _Parser:
    def __init__(self, tokens: List[Tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("eof", "")

    def take(self) -> Tuple[str, str]:
        tok = self.peek()
        self.pos += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok[1] != value:
            raise SearchError(f"Expected {value} but got {tok[1] or 'end of input'}")

    def parse(self) -> Predicate:
        pred = self.or_expr()
        if self.peek()[0] != "eof":
            raise SearchError(f"Unexpected {self.peek()[1]}")
        return pred

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.peek() == ("word", "or"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda n: any(p(n) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.peek() == ("word", "and"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda n: all(p(n) for p in parts))

    def not_expr(self) -> Predicate:
        if self.peek() == ("word", "not"):
            self.take()
            inner = self.not_expr()
            return lambda n: not inner(n)
        return self.atom()

    def atom(self) -> Predicate:
        kind, text = self.take()
        if text == "(":
            inner = self.or_expr()
            self.expect(")")
            return inner
        if kind != "word":
            raise SearchError(f"Unexpected {text or 'end of input'}")
        if text == "all":
            return lambda n: True
        if text in ("is", "id") and self.peek()[1] == "(":
            self.take()
            args = [self.value()]
            while self.peek()[1] == ",":
                self.take()
                args.append(self.value())
            self.expect(")")
            if text == "is":
                return lambda n: any(a in (n.get("kinds") or []) for a in args)
            return lambda n: n.get("id") in args
        path = text
        op_kind, op = self.take()
        if op_kind == "word" and op == "not" and self.peek() == ("word", "in"):
            self.take()
            op = "not in"
        elif not (op_kind == "op" or (op_kind == "word" and op == "in")):
            raise SearchError(f"Expected an operator after {path}")
        right = self.value()
        return lambda n: _compare(op, _value_at(n, path), right)

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return json.loads(text)
        if text == "[":
            items = []
            while self.peek()[1] != "]":
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take()
            self.expect("]")
            return items
        if kind != "word":
            raise SearchError(f"Expected a value but got {text or 'end of input'}")
        try:
            return json.loads(text)
        except ValueError:
            return text


def parse_filter(text: str) -> Predicate:
    text = text.replace("@NOW@", now_str())
    if not text.strip():
        return lambda n: True
    return _Parser(_tokens(text)).parse()


def search(store: GraphStore, query: str) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Matching nodes (plus what the traversal reaches) and the edges between them."""
    text, traversal = split_traversal(query.replace("@NOW@", now_str()))
    pred = parse_filter(text)
    matched = [nid for nid in store.nodes if pred(store.node_json(nid) or {})]
    result: Dict[Any, None] = dict.fromkeys(matched)
    edge_types = ["default"]
    if traversal:
        edge_types = traversal.edge_types
        if traversal.start > 0:
            result = {}
        succ: Dict[Any, List[Any]] = {}
        pred_: Dict[Any, List[Any]] = {}
        for f, t, et in store.edges:
            if et in edge_types:
                succ.setdefault(f, []).append(t)
                pred_.setdefault(t, []).append(f)

        def inbound(nid: Any, _: List[str]) -> List[Any]:
            return pred_.get(nid, [])

        def outbound(nid: Any, _: List[str]) -> List[Any]:
            return succ.get(nid, [])

        for walk, enabled in ((inbound, traversal.inbound), (outbound, traversal.outbound)):
            if enabled:
                for nid in _walk(matched, walk, edge_types, traversal.start, traversal.end):
                    result[nid] = None
    nodes = [store.node_json(nid) for nid in result]
    ids: Set[Any] = set(result)
    edges = [store.edge_json(k) for k in store.edges if k[0] in ids and k[1] in ids and k[2] in edge_types]
    return [n for n in nodes if n is not None], edges


def _walk(start_ids: List[Any], step: Callable[[Any, List[str]], List[Any]], edge_types: List[str],
          start: int, end: Optional[int]) -> List[Any]:
    found: List[Any] = list(start_ids) if start == 0 else []
    seen = set(start_ids)
    level, depth = list(start_ids), 0
    while level and (end is None or depth < end):
        depth += 1
        nxt = []
        for nid in level:
            for other in step(nid, edge_types):
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        if depth >= start:
            found.extend(nxt)
        level = nxt
    return found
