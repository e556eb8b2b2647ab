"""What the ``get`` functions of the resource modules share: paging, and detail calls whose error means
"not configured" rather than a failure."""
from __future__ import annotations

from typing import Any, Callable, Collection, Optional

from botocore.exceptions import ClientError

from collectors.aws.clients import error_code
from collectors.aws.kind import Client, Json


def paginate(client: Client, operation: str, result_key: str, **params: Any) -> list:
    """All items of a paginated list call."""
    items: list = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(result_key) or [])
    return items


def optional(call: Callable[..., Json], codes: Collection[str], **params: Any) -> Optional[Json]:
    """The answer of a detail call, None when it fails with one of ``codes`` (the setting does not exist)."""
    try:
        return call(**params)
    except ClientError as e:
        if error_code(e) in codes:
            return None
        raise
