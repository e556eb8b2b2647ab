"""The two records every resource module fills: how to collect a resource type, and how to tag and
delete the kinds it emits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

from collectors.aws.shaped import Scope, Shaped

Client = Any  # a boto3 client; typed loosely because boto3 generates the classes at runtime
Json = Dict[str, Any]


@dataclass(frozen=True)
class ResourceType:
    """One unit of collection (and of failure): one API family, one region.

    ``get`` does the calls (and only the calls); ``transform`` turns what ``get`` returned into nodes
    and links without any I/O. ``is_global`` types run once per account, in the global region."""

    name: str
    service: str
    get: Callable[[Client], Any]
    transform: Callable[[Any, Scope], Shaped]
    is_global: bool = False


TagUpdate = Callable[[Client, Json, str, str], None]
TagDelete = Callable[[Client, Json, str], None]
Delete = Callable[[Client, Json], None]


@dataclass(frozen=True)
class KindActions:
    """How to change a resource of one kind, given the node's ``reported`` and a client of ``service``
    in the node's account and region (the global region for ``is_global`` kinds)."""

    service: str
    update_tag: Optional[TagUpdate] = None
    delete_tag: Optional[TagDelete] = None
    delete: Optional[Delete] = None
    is_global: bool = False


def paginate(client: Client, operation: str, result_key: str, **params: Any) -> list:
    """All items of a paginated list call."""
    items: list = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(result_key) or [])
    return items


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or type(exc).__name__)
