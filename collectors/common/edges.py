"""What edge declarations of every collector share: the two directions, the other end of a made edge, and how
the kinds tables in the collectors' READMEs describe a kind's edges. (``Link`` in the worker is a websocket.)"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

IN = "in"  # the edge goes from the other end to me
OUT = "out"  # the edge goes from me to the other end


@dataclass(frozen=True)
class EdgeEnd:
    """An edge between this node and ``other`` (the collector's reference to a resource): ``outgoing`` says
    whether it starts at this node."""

    other: Any
    edge_type: str
    outgoing: bool


def edges_text(edges: Iterable[Any], detail: Callable[[Any], str] = lambda edge: "") -> str:
    """Edge declarations (with ``kind``, ``default`` and ``delete`` directions) as the kinds tables show them:
    ``→ `kind`, deleted first; ← `other```; ``detail`` adds what a collector's edges have besides."""
    parts = []
    for edge in edges:
        arrow = {OUT: "→", IN: "←", None: ""}[edge.default]
        delete = {OUT: ", deleted first", IN: ", deleted after", None: ""}[edge.delete]
        parts.append(f"{arrow} `{edge.kind}`{detail(edge)}{delete}".strip())
    return "; ".join(parts) or "—"
