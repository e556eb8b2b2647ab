"""What runs inside a child (a forked process, or a thread without --fork): list a cloud's accounts,
or collect one account into its spool file. Results are small JSON-able dicts."""
from __future__ import annotations

from typing import Any, Dict, List

from hookspecs import Account
from worker.graph.builder import GraphBuilder
from worker.plugins import collectors
from worker.pool import Channel

Json = Dict[str, Any]


class ChildProgress:
    """The Progress a collector gets: forwards to the supervisor, which builds the core's tree."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def _send(self, message: Json) -> None:
        self.channel.send(message)

    def parts(self, names: List[str]) -> None:
        self._send({"type": "parts", "names": [str(n) for n in names]})

    def done(self, name: str) -> None:
        self._send({"type": "done", "name": str(name)})

    def error(self, message: str) -> None:
        self._send({"type": "error", "message": str(message)})

    def retried(self, count: int = 1, reason: str = "throttled") -> None:
        if int(count) > 0:
            self._send({"type": "retried", "count": int(count), "reason": str(reason)})


def list_accounts(cloud: str, config: Json, *, channel: Channel) -> List[Json]:
    accounts = collectors().hook.resotoworker_list_accounts(cloud=cloud, config=config)
    if accounts is None:
        raise RuntimeError(f"no installed collector lists accounts for cloud {cloud!r}")
    return [{"id": a.id, "name": a.name, "extra": a.extra} for a in accounts]


def collect_account(cloud: str, config: Json, account: Json, spool_path: str, task: Json, *,
                    channel: Channel) -> Json:
    with open(spool_path, "w", encoding="utf-8", buffering=1 << 16) as out:
        builder = GraphBuilder(out, cloud)
        handled = collectors().hook.resotoworker_collect_account(
            cloud=cloud, config=config, account=Account(**account), builder=builder,
            progress=ChildProgress(channel), task=task)
        if not handled:
            raise RuntimeError(f"no installed collector collects accounts of cloud {cloud!r}")
        return builder.finish().to_json()
