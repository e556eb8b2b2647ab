"""Splitting one estate between identical workers (``--shard INDEX/COUNT`` or ``--shard auto``).

Every worker lists the whole estate and keeps the accounts that rendezvous hashing (highest random
weight) gives it: each member of the split scores each ``cloud:account`` with a hash of the pair, and the
highest score owns the account. Nothing is shared or coordinated: a worker needs only the list of
members. A member that joins takes the accounts it now wins (about 1/(N+1) of them) and nothing else
moves; a member that leaves hands on only its own accounts.

``INDEX/COUNT`` names the members ``1`` … ``COUNT``. ``auto`` takes them from the core (``Fleet``): the
subscribers of ``collect`` that are instances of this worker's fleet (subscriber ids ``NAME@INSTANCE``).
For ``auto`` the hash is over the subscriber ids, not over their positions: a new instance whose id
sorts first must not renumber, and so reshuffle, everyone else.

Who owns what only matters for work that must be done once per account: collect (an account collected
by nobody goes stale, one collected twice is harmless: the second upload replaces the first, account by
account), cleanup (a worker deletes only in its accounts) and tag tasks (routed by the core to the worker
whose filter names the account). Every doubt about who will collect is settled on the side of
collecting more.
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Iterable, Optional, Protocol, Set, Tuple

log = logging.getLogger(__name__)

AUTO = "auto"
SUFFIX = "-collector"  # the action subscriber of worker SID is SID-collector (protocol memo §2.1)
# A peer that appeared (subscribed) this recently is not counted: it may have subscribed after the core
# started the step, and then the core does not send it this collect (memo §2.4), so accounts given to it
# would be collected by nobody. Leaving it out costs at most one collect of its share twice.
# (resotoworker.shard_settle; this is its default)
SETTLE = 10.0


# ---- what the setting says -----------------------------------------------------------------------


@dataclass(frozen=True)
class Shard:
    """``auto``, or member ``index`` (1 … ``count``) of a fixed split."""

    auto: bool = False
    index: int = 1
    count: int = 1

    def __str__(self) -> str:
        return AUTO if self.auto else f"{self.index}/{self.count}"


def parse_shard(text: Optional[str]) -> Optional[Shard]:
    """``INDEX/COUNT`` (1 ≤ INDEX ≤ COUNT) or ``auto``; None or empty: no sharding. ValueError saying
    what is wrong otherwise."""
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    if value == AUTO:
        return Shard(auto=True)
    match = re.fullmatch(r"(\d+)/(\d+)", value)
    if not match:
        raise ValueError(f"{text!r}: expected INDEX/COUNT (e.g. 2/3, the second of three) or auto")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"{text!r}: INDEX must be 1 to COUNT (e.g. 2/3, the second of three)")
    return Shard(index=index, count=count)


def shard_problem(value: Any) -> Optional[str]:
    """Why a config value of ``resotoworker.shard`` is invalid (the schema's format check)."""
    if not isinstance(value, str):
        return None  # the schema's type check reports it
    try:
        parse_shard(value)
    except ValueError as ex:
        return str(ex)
    return None


def fleet_name(subscriber_id: str) -> Optional[str]:
    """``NAME`` of a subscriber id ``NAME@INSTANCE`` (an instance of fleet NAME); None without ``@``."""
    name, at, _ = subscriber_id.partition("@")
    return name if at else None


def config_id(subscriber_id: str) -> str:
    """The instances of a fleet share one config: ``NAME`` for ``NAME@INSTANCE``, else the id itself."""
    return fleet_name(subscriber_id) or subscriber_id


def subscriber_problem(subscriber_id: str) -> Optional[str]:
    name, at, instance = subscriber_id.partition("@")
    if not subscriber_id.strip():
        return "an empty subscriber id"
    if at and (not name or not instance or "@" in instance):
        return f"{subscriber_id!r}: expected NAME or NAME@INSTANCE (e.g. resoto.worker@2)"
    if "/" in subscriber_id:
        return f"{subscriber_id!r}: a subscriber id cannot contain '/' (it is part of the core's URLs)"
    return None


# ---- rendezvous hashing --------------------------------------------------------------------------


def account_key(cloud: str, account: str) -> str:
    return f"{cloud}:{account}"


def weight(member: str, key: str) -> int:
    """The member's score for an account: the same on every machine and in every process (not hash())."""
    return int.from_bytes(hashlib.blake2b(f"{member}\n{key}".encode(), digest_size=8).digest(), "big")


def owner(key: str, members: Iterable[str]) -> str:
    return max(members, key=lambda member: (weight(member, key), member))


@dataclass(frozen=True)
class View:
    """The members of the split as one worker sees them for one run: ``members`` in order (1 … COUNT, or
    the sorted subscriber ids), ``me`` among them."""

    members: Tuple[str, ...]
    me: str
    auto: bool = False

    @property
    def index(self) -> int:
        return self.members.index(self.me) + 1

    @property
    def count(self) -> int:
        return len(self.members)

    def owns(self, cloud: str, account: str) -> bool:
        return owner(account_key(cloud, account), self.members) == self.me

    def without(self, gone: Iterable[str]) -> "View":
        leaving = set(gone) - {self.me}
        return View(tuple(m for m in self.members if m not in leaving), self.me, self.auto)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}" + (f" (auto: {self.me} of {', '.join(self.members)})" if self.auto else "")


class Split(Protocol):
    """What a collect asks of a split: who the members are at its start, and which of them were lost
    since (whose accounts it then collects too)."""

    def view(self, settle: Optional[float] = None) -> View: ...

    def lost(self, view: View) -> FrozenSet[str]: ...


class FixedSplit:
    """``INDEX/COUNT``: the members are given, and never lost as far as a worker can tell."""

    def __init__(self, shard: Shard) -> None:
        self.shard = shard

    def view(self, settle: Optional[float] = None) -> View:
        return View(tuple(str(i) for i in range(1, self.shard.count + 1)), str(self.shard.index))

    def lost(self, view: View) -> FrozenSet[str]:
        return frozenset()


# ---- auto: the fleet, as the core shows it ------------------------------------------------------


@dataclass
class _Peer:
    since: float  # its first sighting (-inf: listed at start-up)
    connected: Optional[bool] = None  # its action socket, from the core's events; None: not reported


@dataclass
class Fleet:
    """The members of ``--shard auto``: this worker, and every other instance of its fleet that the core
    lists as a subscriber of ``collect`` (``GET /subscribers/for/collect``), less those that may not
    collect this time: whose action socket the core reported closed (``message-listener-disconnected``,
    and no ``…-connected`` since), and those that appeared less than ``settle`` seconds before the step (except the
    ones listed at start-up: they were there before this worker could be sent any step). Leaving out a peer that does
    collect only means its accounts are collected twice; counting one that does not would leave them to
    nobody.

    ``subscribers()`` is what the core answers to that (``CoreApi.collect_subscribers``); ``clock`` is
    monotonic seconds."""

    subscribers: Callable[[], Any]
    me: str
    settle: float = SETTLE
    clock: Callable[[], float] = time.monotonic
    _peers: Dict[str, _Peer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> Optional[str]:
        return fleet_name(self.me)

    def _member(self, subscriber: Any) -> Optional[str]:
        """The worker id of a fleet peer's action subscriber, None for anyone else (and for us)."""
        if not isinstance(subscriber, str) or not subscriber.endswith(SUFFIX) or self.name is None:
            return None
        sid = subscriber[:-len(SUFFIX)]
        return sid if sid != self.me and fleet_name(sid) == self.name else None

    def refresh(self, initial: bool = False) -> Optional[Set[str]]:
        """List the peers subscribed now; None if the core could not tell (what we knew stays).
        ``initial``: the look at start-up, before this worker subscribes: whoever is listed then was
        subscribed before any step this worker can be sent, so they count at once. A peer first
        listed later counts only after ``settle``."""
        try:
            body = self.subscribers()
        except Exception as ex:  # any failure: the caller takes the safe side
            log.warning("shard: listing the subscribers of collect failed: %s", ex)
            return None
        if not isinstance(body, list):
            log.warning("shard: listing the subscribers of collect failed: not a list: %.200r", body)
            return None
        listed = {m for m in (self._member(s.get("id") if isinstance(s, dict) else None) for s in body) if m}
        now = self.clock()
        with self._lock:
            for sid in listed:
                self._peers.setdefault(sid, _Peer(since=-math.inf if initial else now))
            for sid in set(self._peers) - listed:  # unsubscribed (a clean stop) or purged by the core
                del self._peers[sid]
        return listed

    def on_event(self, message_type: str, data: Any) -> None:
        """``message-listener-connected`` / ``-disconnected`` from the core's event bus."""
        sid = self._member(data.get("subscriber_id") if isinstance(data, dict) else None)
        if sid is None or message_type not in ("message-listener-connected", "message-listener-disconnected"):
            return
        up = message_type == "message-listener-connected"
        with self._lock:
            peer = self._peers.setdefault(sid, _Peer(since=self.clock()))  # new to us: it counts after settle
            peer.connected = up
        log.info("shard: peer %s %s", sid, "connected" if up else "disconnected")

    def view(self, settle: Optional[float] = None) -> View:
        """The members for a step that started just now: the peers that were known ``settle`` seconds
        ago (the cut is taken before asking the core, which may be slow) and whose socket is not known
        to be closed. ``settle`` 0: every listed peer that is connected (cleanup: when unsure, delete
        less)."""
        cutoff = self.clock() - (self.settle if settle is None else settle)
        if self.name is None:
            log.error("shard: resotoworker.shard=auto needs a subscriber id NAME@INSTANCE (this one: %s); "
                      "collecting every account", self.me)
            return View((self.me,), self.me, auto=True)
        if self.refresh() is None:
            log.warning("shard: the core did not list the fleet; collecting every account this time")
            return View((self.me,), self.me, auto=True)
        with self._lock:
            peers = {sid for sid, p in self._peers.items() if p.connected is not False and p.since <= cutoff}
        return View(tuple(sorted(peers | {self.me})), self.me, auto=True)

    def lost(self, view: View) -> FrozenSet[str]:
        """Members of ``view`` that left since: unsubscribed, or their action socket closed."""
        self.refresh()  # None: the events alone tell
        with self._lock:
            return frozenset(m for m in view.members if m != self.me and
                             (m not in self._peers or self._peers[m].connected is False))


def split_of(shard: Optional[Shard], fleet: Optional[Fleet]) -> Optional[Split]:
    if shard is None:
        return None
    if shard.auto:
        if fleet is None:
            raise ValueError("--shard auto needs the daemon: only a subscriber of collect has peers")
        return fleet
    return FixedSplit(shard)
