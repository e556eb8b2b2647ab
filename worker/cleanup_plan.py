"""The ``cleanup_plan`` action (protocol memo §6), with ``resotoworker.cleanup_expired``: mark every
resource whose expiry (``metadata.expires``, computed by the core from the expiry tags) is past with
``desired.clean = true``, through the core's CLI. With ``cleanup_expired_dry_run`` it only lists what
would be marked."""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Dict, List, Tuple

from worker.core.api import CoreApi
from worker.core.errors import CoreError

log = logging.getLogger(__name__)

Json = Dict[str, Any]
EXPIRED_FILTER = '/metadata.expires < "@NOW@"'
REASON = "Resource is expired"


class CleanupPlanError(Exception):
    pass


def expired_command(dry_run: bool) -> str:
    command = f"search {EXPIRED_FILTER}"
    return command if dry_run else f'{command} | clean "{REASON}"'


def parse_nodes(text: str) -> List[Json]:
    """The CLI's ndjson answer: one node per line (anything that is not a node is ignored)."""
    nodes = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        items = doc if isinstance(doc, list) else [doc]
        nodes.extend(i for i in items if isinstance(i, dict) and "id" in i)
    return nodes


def describe(node: Json) -> str:
    reported = node.get("reported") or {}
    expires = (node.get("metadata") or {}).get("expires")
    return f"{reported.get('kind', '?')} {reported.get('id', node.get('id'))} (expired {expires})"


def mark_expired(client: Any, graph: str, dry_run: bool,
                 info: Callable[[str, str, Tuple[str, ...]], None] = lambda level, message, context: None
                 ) -> List[Json]:
    """Run the marking (or, in a dry run, the search alone); returns the nodes concerned."""
    command = expired_command(dry_run)
    try:
        text = CoreApi(client).execute("marking expired resources", graph, command)
    except CoreError as ex:
        raise CleanupPlanError(f"marking expired resources failed: {ex.reason}") from None
    nodes = parse_nodes(text)
    for node in nodes:
        if dry_run:
            log.info("cleanup_plan dry run: would mark %s for cleanup", describe(node))
        else:
            log.info("cleanup_plan: marked %s for cleanup", describe(node))
    summary = (f"cleanup_plan dry run: {len(nodes)} expired resource(s) would be marked for cleanup" if dry_run
               else f"cleanup_plan: {len(nodes)} expired resource(s) marked for cleanup")
    log.info("%s", summary)
    info("info", summary, ())
    return nodes
