"""What the ``get`` functions of the resource modules share: paging, detail calls per item run a few at a
time (``for_each``), detail calls whose error means "not configured" rather than a failure, and the tags of
both load balancing APIs, which ask for them alike."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Dict, Iterable, List, Optional, TypeVar

from botocore.exceptions import ClientError, OperationNotPageableError

from collectors.aws.clients import error_code
from collectors.aws.kind import Client

T = TypeVar("T")
R = TypeVar("R")
DETAIL_CALLS_AT_ONCE = 10  # per get; the account's pool and botocore's connection pool bound the rest


@dataclass
class Partial:
    """What a ``get`` returns when it had to go without something (a detail it could not read, a report
    that was not ready): the result, and what is missing, for the account's error report."""

    result: Any
    problems: List[str] = field(default_factory=list)


def paginate(client: Client, operation: str, result_key: str, **params: Any) -> List[Any]:
    """All items of a paginated list call."""
    try:
        paginator = client.get_paginator(operation)
    except OperationNotPageableError:
        return _follow_next_token(client, operation, result_key, **params)
    items: list = []
    for page in paginator.paginate(**params):
        items.extend(page.get(result_key) or [])
    return items


def _follow_next_token(client: Client, operation: str, result_key: str, **params: Any) -> list:
    # botocore gained some services' paginators late (SageMaker's ListProjects after 1.43): with an older one
    # installed, the pages are followed by hand, by the NextToken these operations all use
    page_size = params.pop("PaginationConfig", {}).get("PageSize")
    if page_size:
        params["MaxResults"] = page_size
    call = getattr(client, operation)
    items: list = []
    token: Optional[str] = None
    while True:
        page = call(**params, **({"NextToken": token} if token else {}))
        items.extend(page.get(result_key) or [])
        token = page.get("NextToken")
        if not token:
            return items


def optional(call: Callable[..., R], codes: Collection[str], **params: Any) -> Optional[R]:
    """The answer of a detail call, None when it fails with one of ``codes`` (the setting does not exist)."""
    try:
        return call(**params)
    except ClientError as e:
        if error_code(e) in codes:
            return None
        raise


def for_each(items: Iterable[T], call: Callable[[T], R], at_once: int = DETAIL_CALLS_AT_ONCE) -> List[R]:
    """``call(item)`` for every item, a few at a time (detail calls per item would otherwise add up their
    latencies); results in the items' order. The first failure is raised, like a plain loop would."""
    items = list(items)
    if len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(at_once, len(items)), thread_name_prefix="aws-detail") as pool:
        return list(pool.map(call, items))


ELB_TAGS_PER_CALL = 20  # both load balancing APIs' DescribeTags take at most 20 names or ARNs


def load_balancing_tags(elb: Client, keys: List[str], param: str, key_field: str,
                        gone: Collection[str]) -> Dict[str, list]:
    """key → tags, by DescribeTags of either load balancing API (``param`` names the keys: LoadBalancerNames
    or ResourceArns; ``key_field`` is where an answer names its resource)."""
    tags: Dict[str, list] = {}
    for start in range(0, len(keys), ELB_TAGS_PER_CALL):
        batch = keys[start:start + ELB_TAGS_PER_CALL]
        try:
            found = elb.describe_tags(**{param: batch}).get("TagDescriptions", [])
        except ClientError as e:
            if error_code(e) not in gone:
                raise
            # one resource of the batch gone since the list fails it all: ask for the others one at a time
            found = [d for key in batch
                     for d in (optional(elb.describe_tags, gone, **{param: [key]}) or {}).get("TagDescriptions", [])]
        for description in found:
            tags[description[key_field]] = description.get("Tags") or []
    return tags
