"""Running jobs in child processes (or threads) and watching them: start at most ``size`` at once,
pass their messages on, notice a death at once (process sentinels), stop one that runs past its
timeout or memory cap (SIGTERM to its process tree, SIGKILL after a grace period), and leave nothing
behind. This module manages processes and nothing else: what a job does is the caller's business.

Processes come from a ``forkserver`` whose preload imports the worker and every collector once:
forking the supervisor itself is unsafe while its websocket threads may hold locks, and ``spawn``
(what the reference uses) re-imports everything per child. A forkserver child starts in a few
milliseconds with all modules already imported; only the job's small arguments are pickled.
"""
from __future__ import annotations

import contextvars
import ctypes
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import select
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing import forkserver
from typing import Any, Callable, Dict, Iterable, List, Optional, Protocol

import psutil

from worker import logs

log = logging.getLogger(__name__)

PRELOAD = ["worker.preload"]
POLL = 0.25
PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent exits


@dataclass
class Job:
    key: str
    fn: Callable[..., Any]  # a module-level function: fn(*args, channel=Channel) -> JSON-able result
    args: tuple = ()
    log_fields: Dict[str, str] = field(default_factory=dict)  # on every line the job logs (cloud, account)


@dataclass
class Outcome:
    key: str
    ok: bool
    value: Any = None
    error: str = ""
    seconds: float = 0.0
    peak_rss: int = 0


class Channel:
    """How a job talks to the supervisor while it runs (progress, notes, log records). Thread-safe: a
    collector's threads share it, and a message larger than the pipe's buffer is written in parts."""

    def __init__(self, send: Callable[[Dict[str, Any]], None]) -> None:
        self._send = send
        self._lock = threading.Lock()

    def send(self, message: Dict[str, Any]) -> None:
        try:
            with self._lock:
                self._send(message)
        except (OSError, ValueError, EOFError):
            pass  # the supervisor is gone or stopped listening; the job's result still counts


def _die_with_supervisor(conn: multiprocessing.connection.Connection) -> None:
    """A child must not outlive the supervisor, however the supervisor dies (``kill -9`` included).

    The kernel kills us when our parent, the fork server, exits (PR_SET_PDEATHSIG). The fork server
    exits once every holder of its "alive" pipe is gone, and multiprocessing hands that pipe to each
    child as well: our copy is closed here, or the fork server (and we with it) would wait for us.
    That signal reaches this process only, so a watcher thread also kills our whole process tree
    (what a collector started included) as soon as the supervisor's end of our result pipe closes.
    """
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass
    server = forkserver._forkserver
    alive = getattr(server, "_forkserver_alive_fd", None)  # children never fork through the fork server
    if alive is not None:
        os.close(alive)
        server._forkserver_alive_fd = None
    # a duplicate, so that closing the connection at the end does not look like the supervisor leaving
    watched = os.dup(conn.fileno())
    threading.Thread(target=_kill_tree_when_closed, args=(watched,), name="supervisor-watch", daemon=True).start()


def _kill_tree_when_closed(fd: int) -> None:
    poller = select.poll()
    poller.register(fd, 0)  # no events asked for: poll() still reports POLLERR once the reading end is gone
    poller.poll()
    kill_tree(os.getpid(), signal.SIGKILL)


def _child_main(job: Job, conn: multiprocessing.connection.Connection, log_levels: Dict[str, int]) -> None:
    _die_with_supervisor(conn)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the supervisor, which stops us
    threading.current_thread().name = f"collect {job.key}"  # as in a thread of the pool
    channel = Channel(conn.send)
    logs.to_supervisor(channel.send, log_levels, job.log_fields)
    try:
        value = job.fn(*job.args, channel=channel)
        conn.send({"type": "result", "value": value})
    except BaseException as ex:  # every failure becomes a message the supervisor can report
        conn.send({"type": "failed", "error": f"{type(ex).__name__}: {ex}",
                   "trace": traceback.format_exc(limit=8)})
    finally:
        conn.close()


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return str(code)


def kill_tree(pid: int, sig: int = signal.SIGTERM) -> List[psutil.Process]:
    """Send ``sig`` to a process and all its descendants; returns the processes signalled."""
    try:
        parent = psutil.Process(pid)
        procs = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return []
    for proc in procs:
        try:
            proc.send_signal(sig)
        except psutil.NoSuchProcess:
            pass
    return procs


def tree_rss(pid: int, with_root: bool = True) -> int:
    """Resident memory of a process and all its descendants (``with_root=False``: the descendants only)."""
    try:
        parent = psutil.Process(pid)
        procs = ([parent] if with_root else []) + parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


@dataclass
class _Running:
    job: Job
    started: float
    result: Optional[Dict[str, Any]] = None
    stopping_since: Optional[float] = None
    kill_at: float = 0.0
    stop_reason: str = ""
    peak_rss: int = 0
    done: bool = False
    # set by the execution model: its process and result pipe, or that its thread has ended
    process: Any = None
    conn: Any = None
    exited: bool = False


Handle = Callable[[_Running, Dict[str, Any]], None]


class ExecutionModel(Protocol):
    """How the pool's jobs run: ``Processes`` or ``Threads``."""

    def start(self, entry: _Running) -> None: ...

    def wait(self, running: Iterable[_Running], handle: Handle) -> None:
        """Wait up to ``POLL`` for messages of the running jobs, each passed to ``handle``."""

    def watch(self, entry: _Running, now: float, handle: Handle) -> Optional[str]:
        """Set ``entry.done`` once the job is over; the reason it must be stopped, if it must."""

    def terminate(self, entry: _Running) -> None:
        """Ask the job to stop (the pool has recorded why and when)."""

    def lost(self, entry: _Running) -> str:
        """Why a job that sent no result ended."""


class Processes:
    """Each job in a child of the fork server: crashes are its own, a hung one is killed, memory is
    measured and capped."""

    def __init__(self, memory_limit: int) -> None:
        self.memory_limit = memory_limit
        self.ctx = multiprocessing.get_context("forkserver")
        self.ctx.set_forkserver_preload(PRELOAD)

    def start(self, entry: _Running) -> None:
        reader, writer = self.ctx.Pipe(duplex=False)
        process = self.ctx.Process(target=_child_main, args=(entry.job, writer, logs.current_levels()),
                                   name=f"collect {entry.job.key}", daemon=True)
        process.start()
        writer.close()  # the child holds the only write end: EOF on ours means it is gone
        entry.process, entry.conn = process, reader

    def wait(self, running: Iterable[_Running], handle: Handle) -> None:
        """Up to ``POLL`` for a message or a death; pass on what came."""
        waitables = {}
        for entry in running:
            if entry.conn is not None:
                waitables[entry.conn] = entry
            waitables[entry.process.sentinel] = entry
        for ready in multiprocessing.connection.wait(list(waitables), timeout=POLL):
            entry = waitables[ready]
            if ready is entry.conn:
                self._drain(entry, handle)

    def _drain(self, entry: _Running, handle: Handle) -> None:
        try:
            while entry.conn.poll():
                handle(entry, entry.conn.recv())
        except (EOFError, OSError):
            entry.conn.close()
            entry.conn = None

    def watch(self, entry: _Running, now: float, handle: Handle) -> Optional[str]:
        """Marks the entry done once its process is gone; the reason to stop it, if it must be stopped.
        ``handle`` takes what a dead child sent last (its result, its log records)."""
        process = entry.process
        if not process.is_alive():
            if entry.conn is not None:
                self._drain(entry, handle)
            process.join(0)
            if process.exitcode is not None:
                entry.done = True
                return None
        if self.memory_limit:
            rss = tree_rss(process.pid)
            entry.peak_rss = max(entry.peak_rss, rss)
            if rss > self.memory_limit and entry.stopping_since is None:
                return (f"used {rss // (1024 * 1024)} MiB, over the limit of {self.memory_limit // (1024 * 1024)} "
                        f"MiB (resotoworker.child_memory_limit_mb)")
        if entry.stopping_since is not None and now > entry.kill_at:
            kill_tree(process.pid, signal.SIGKILL)
        return None

    def terminate(self, entry: _Running) -> None:
        if entry.process is not None and entry.process.pid:
            kill_tree(entry.process.pid, signal.SIGTERM)

    def lost(self, entry: _Running) -> str:
        code = entry.process.exitcode if entry.process is not None else None
        if code is not None and code < 0:
            error = f"the child process was killed by signal {_signal_name(-code)}"
            if -code == signal.SIGKILL:
                error += " (out of memory, or killed from outside?)"
            return error
        return f"the child process exited with code {code} without a result"


class Threads:
    """Each job in a thread of the supervisor: cheaper for a few small accounts, but a crash is the
    worker's, a hung job can only be abandoned, and there is no memory cap."""

    def __init__(self) -> None:
        self._messages: "queue.Queue[tuple]" = queue.Queue()

    def start(self, entry: _Running) -> None:
        # with the caller's log context (the action's task), as a child's lines get when replayed
        threading.Thread(target=contextvars.copy_context().run, args=(self._main, entry),
                         name=f"collect {entry.job.key}", daemon=True).start()

    def _main(self, entry: _Running) -> None:
        job = entry.job
        channel = Channel(lambda message: self._messages.put((entry, message)))
        try:
            with logs.context(**job.log_fields):
                value = job.fn(*job.args, channel=channel)
            self._messages.put((entry, {"type": "result", "value": value}))
        except BaseException as ex:
            self._messages.put((entry, {"type": "failed", "error": f"{type(ex).__name__}: {ex}",
                                        "trace": traceback.format_exc(limit=8)}))
        self._messages.put((entry, None))  # the thread has ended

    def wait(self, running: Iterable[_Running], handle: Handle) -> None:
        """Up to ``POLL`` for a message; pass on what came (all of it, once the first is there)."""
        try:
            entry, message = self._messages.get(timeout=POLL)
        except queue.Empty:
            return
        while True:
            if message is None:
                entry.exited = True
            elif not entry.done:  # an abandoned thread's late messages are dropped
                handle(entry, message)
            try:
                entry, message = self._messages.get_nowait()
            except queue.Empty:
                return

    def watch(self, entry: _Running, now: float, handle: Handle) -> Optional[str]:
        # a thread cannot be killed: once told to stop it is reported at once, and left behind
        if entry.exited or entry.stopping_since is not None:
            entry.done = True
        return None

    def terminate(self, entry: _Running) -> None:
        pass  # nothing to signal: watch() gives the job up

    def lost(self, entry: _Running) -> str:
        return "the thread ended without a result"


def _ignore(key: str, message: Dict[str, Any]) -> None:
    pass


class Pool:
    """Runs jobs, at most ``size`` at once, in forked processes (``fork=True``) or threads.

    ``on_message(key, message)`` gets what a job sends through its channel; ``on_done(outcome)`` is
    called once per job, in the thread that called ``run``, as soon as that job is over. How a job runs
    is the execution model's (``Processes`` or ``Threads``); what is common (how many at once, timeouts,
    stopping, outcomes) is here.
    """

    def __init__(self, size: int, fork: bool, timeout: float, memory_limit_mb: int = 0,
                 kill_grace: float = 10.0) -> None:
        self.size = max(1, size)
        self.timeout = timeout
        self.kill_grace = kill_grace
        self.model: ExecutionModel = Processes(memory_limit_mb * 1024 * 1024) if fork else Threads()
        self._stopping = threading.Event()
        self._stopped: Optional[tuple] = None  # (reason, grace) once stop() was called
        self._running: Dict[str, _Running] = {}
        self._lock = threading.Lock()

    # ---- public ----------------------------------------------------------------------------------

    def run(self, jobs: Iterable[Job], on_message: Callable[[str, Dict[str, Any]], None],
            on_done: Callable[[Outcome], None]) -> None:
        handle: Handle = lambda entry, message: self._handle(entry, message, on_message)  # noqa: E731
        pending = list(jobs)
        pending.reverse()
        while (pending or self._running) and not (self._stopping.is_set() and not self._running):
            while pending and len(self._running) < self.size and not self._stopping.is_set():
                self._start(pending.pop())
            self.model.wait(list(self._running.values()), handle)
            for key in list(self._running):
                entry = self._running[key]
                self._watch(entry)
                if entry.done:
                    with self._lock:
                        del self._running[key]
                    on_done(self._outcome(entry))
        for job in reversed(pending):  # stopped before they started
            on_done(Outcome(job.key, False, error="not started: the worker is shutting down"))

    def stop(self, reason: str = "the worker is shutting down", grace: Optional[float] = None) -> None:
        """Stop every running job (TERM, then KILL after ``grace``, by default the pool's grace period);
        ``run`` returns when all are gone."""
        with self._lock:
            self._stopped = (reason, grace)
            self._stopping.set()
            entries = list(self._running.values())
        for entry in entries:
            self._terminate(entry, reason, grace)

    @property
    def busy(self) -> int:
        return len(self._running)

    # ---- internals -------------------------------------------------------------------------------

    def _start(self, job: Job) -> None:
        entry = _Running(job=job, started=time.monotonic())
        self.model.start(entry)
        with self._lock:
            self._running[job.key] = entry
            stopped = self._stopped
        if stopped is not None:  # stop() came from another thread while this one was starting
            self._terminate(entry, *stopped)

    def _handle(self, entry: _Running, message: Dict[str, Any], on_message: Callable) -> None:
        kind = message.get("type")
        if kind in ("result", "failed"):
            entry.result = message
        elif kind == "log":
            logs.replay(message.get("record"))
        else:
            try:
                on_message(entry.job.key, message)
            except Exception:
                log.exception("handling a message from %s failed", entry.job.key)

    def _watch(self, entry: _Running) -> None:
        now = time.monotonic()
        # a dead child's last messages are read for its result; its progress comes too late to matter
        reason = self.model.watch(entry, now, lambda e, message: self._handle(e, message, _ignore))
        if entry.done:
            return
        if reason is None and entry.stopping_since is None and now - entry.started > self.timeout:
            reason = f"timed out after {self.timeout:.0f} s (resotoworker.account_timeout)"
        if reason is not None:
            self._terminate(entry, reason)

    def _terminate(self, entry: _Running, reason: str, grace: Optional[float] = None) -> None:
        if entry.stopping_since is not None:
            return
        entry.stopping_since = time.monotonic()
        entry.kill_at = entry.stopping_since + (self.kill_grace if grace is None else grace)
        entry.stop_reason = reason
        log.warning("stopping %s: %s", entry.job.key, reason)
        self.model.terminate(entry)

    def _outcome(self, entry: _Running) -> Outcome:
        seconds = time.monotonic() - entry.started
        result = entry.result
        if entry.stop_reason or result is None:
            error = entry.stop_reason or self.model.lost(entry)
            return Outcome(entry.job.key, False, error=error, seconds=seconds, peak_rss=entry.peak_rss)
        if result["type"] == "failed":
            log.debug("%s failed:\n%s", entry.job.key, result.get("trace", ""))
            return Outcome(entry.job.key, False, error=result["error"], seconds=seconds, peak_rss=entry.peak_rss)
        return Outcome(entry.job.key, True, value=result["value"], seconds=seconds, peak_rss=entry.peak_rss)


def start_fork_server() -> None:
    """Start the fork server now, while the process has no other threads, so that its preload (every
    collector's imports) is paid at start-up rather than by the first collect."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()

