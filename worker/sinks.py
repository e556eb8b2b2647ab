"""Where collected graphs go: the core (one streamed upload per account, or per cloud) or files (the exact
ndjson the core would receive). A sink takes account spools as they finish and says, per account,
whether it landed: a ``Landing`` the run takes with ``landed()`` (uploads end on their own threads)."""
from __future__ import annotations

import contextvars
import errno
import logging
import os
import queue
import threading
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Dict, List, Optional

from worker.graph.lines import root_line
from worker.graph.merge import AccountSpool, MergeStream
from worker.logs import account_fields
from worker.threads import DaemonPool
from worker.upload import CoreGraph, UploadFailed

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Landing:
    """These accounts of ``cloud`` landed (``error`` None) or did not."""
    cloud: str
    keys: List[str]
    error: Optional[str] = None


class Sink:
    def __init__(self) -> None:
        self._landings: "queue.SimpleQueue[Landing]" = queue.SimpleQueue()

    def landed(self) -> List[Landing]:
        """What landed, or failed to, since the last call."""
        out = []
        while True:
            try:
                out.append(self._landings.get_nowait())
            except queue.Empty:
                return out

    def account_ready(self, key: str, spool: AccountSpool) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """All accounts are in: send what waits for the end, and wait until everything is sent."""

    def abort(self) -> None:
        """The run broke off with an exception: drop what is half written."""


class CoreSink(Sink):
    def __init__(self, graph: CoreGraph, task_id: Optional[str], wait_for_result: bool, merge_kind: str,
                 pool_size: int) -> None:
        super().__init__()
        self.graph = graph
        self.task_id = task_id
        self.wait_for_result = wait_for_result
        self.merge_kind = merge_kind
        self.pool = DaemonPool(pool_size, "upload")
        self.futures: List[Future] = []
        self.by_cloud: Dict[str, List[tuple]] = {}
        self._lock = threading.Lock()

    def account_ready(self, key: str, spool: AccountSpool) -> None:
        if self.merge_kind == "cloud":
            with self._lock:
                self.by_cloud.setdefault(spool.cloud, []).append((key, spool))
            return
        # the upload thread logs with the action's context (its task id)
        self.futures.append(self.pool.submit(contextvars.copy_context().run, self._upload, spool.cloud, [(key, spool)]))

    def finish(self) -> None:
        for cloud, entries in self.by_cloud.items():
            self.futures.append(self.pool.submit(contextvars.copy_context().run, self._upload, cloud, entries))
        pending = set(self.futures)
        while pending and not self.graph.stopping.is_set():  # stopping: what still runs is abandoned
            _, pending = wait(pending, timeout=0.25)
        self.pool.shutdown()

    def _upload(self, cloud: str, entries: List[tuple]) -> None:
        keys = [key for key, _ in entries]
        stream = MergeStream(self.merge_kind)
        for _, spool in entries:
            stream.add(spool)
        what = keys[0] if len(keys) == 1 else f"cloud {cloud} ({len(keys)} accounts)"
        try:
            result = self.graph.merge(what, lambda: iter(stream), stream.nodes, stream.edges, self.task_id,
                                      self.wait_for_result)
            log.info("uploaded %s: %d nodes, %d edges (status %d, %d attempt(s))%s", what, stream.nodes,
                     stream.edges, result.status, result.attempts, f", core: {result.counts}" if result.counts else "",
                     **account_fields(cloud, keys[0].split(":", 1)[1] if len(keys) == 1 else ""))
            self._landings.put(Landing(cloud, keys))
        except (UploadFailed, Exception) as ex:  # one failed upload must not stop the others
            log.error("upload of %s failed: %s", what, ex)
            self._landings.put(Landing(cloud, keys, f"upload failed: {ex}"))


class FileSink(Sink):
    """``--output FILE``: one upload holding every account (root and clouds once, each account a replace
    node), written as accounts finish, to a file beside FILE that replaces it when the run ends: an
    interrupted run (``stopping``) or one where nothing landed leaves the last good FILE as it was. A FILE
    that is not a regular file (``/dev/stdout``, a pipe) is written directly. ``--output DIR/``: one file
    per account, as the core would get each upload in ``account`` mode, each complete when it appears."""

    def __init__(self, target: str, stopping: threading.Event) -> None:
        super().__init__()
        self.per_account = target.endswith(os.sep) or os.path.isdir(target)
        self.target = target
        self.stopping = stopping
        self._lock = threading.Lock()
        self._file = None
        self._partial: Optional[str] = None
        self._clouds: set = set()
        if self.per_account:
            _make_dirs(target)
            _probe(target)  # unwritable: say so now, not once per account
        elif os.path.exists(target) and not os.path.isfile(target):
            self._file = open(target, "wb")
        else:
            _make_dirs(os.path.dirname(os.path.abspath(target)))
            self._partial = _partial_name(target)
            self._file = open(self._partial, "xb")

    def account_ready(self, key: str, spool: AccountSpool) -> None:
        try:
            if self.per_account:
                path = os.path.join(self.target, key.replace("/", "_").replace(":", "_") + ".ndjson")
                partial = _partial_name(path)
                with open(partial, "wb") as out:
                    for chunk in MergeStream().add(spool):
                        out.write(chunk)
                os.replace(partial, path)
            else:
                with self._lock:
                    self._write_shared(spool)
            self._landings.put(Landing(spool.cloud, [key]))
        except OSError as ex:
            self._landings.put(Landing(spool.cloud, [key], f"writing the output failed: {ex}"))

    def _write_shared(self, spool: AccountSpool) -> None:
        """Root first, each cloud once, then the account's lines, streamed to the file as they come."""
        assert self._file is not None
        stream = MergeStream()
        if not self._clouds:
            self._file.write(root_line().encode())
        if spool.cloud not in self._clouds:
            self._file.write(stream.cloud_part(spool.cloud))
            self._clouds.add(spool.cloud)
        for chunk in stream.account_part(spool):
            self._file.write(chunk)

    def finish(self) -> None:
        if self._file is None:
            return
        self._file.close()
        if self._partial is None:
            return
        if self.stopping.is_set() or not self._clouds:
            self.abort()
            log.warning("%s: left as it was (%s)", self.target,
                        "the run was stopped" if self.stopping.is_set() else "no account landed")
        else:
            os.replace(self._partial, self.target)

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._partial is not None and os.path.exists(self._partial):
            os.unlink(self._partial)


def _make_dirs(path: str) -> None:
    try:
        os.makedirs(path, exist_ok=True)
    except FileExistsError:  # a part of the path is a file
        raise NotADirectoryError(errno.ENOTDIR, "Not a directory", path) from None


def _partial_name(path: str) -> str:
    head, tail = os.path.split(path)
    return os.path.join(head, f".{tail}.{os.getpid()}.partial")


def _probe(directory: str) -> None:
    with open(_partial_name(os.path.join(directory, "probe")), "wb") as probe:
        os.unlink(probe.name)
