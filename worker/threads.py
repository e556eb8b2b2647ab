"""A thread pool whose threads never hold up the exit of the process.

concurrent.futures joins its worker threads when the interpreter exits, so a single call still waiting
on a stalled core (bounded, but by minutes for an upload) would keep a stopped worker alive far past
``resotoworker.shutdown_timeout``. The shutdown answers every action itself before it closes the links,
so whatever is still running by then is abandoned on purpose: these threads are daemon threads."""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, List, Optional, Tuple


class DaemonPool:
    def __init__(self, size: int, name: str) -> None:
        self.size = max(1, size)
        self.name = name
        self._work: "queue.SimpleQueue[Optional[Tuple[Future, Callable[..., Any], tuple]]]" = queue.SimpleQueue()
        self._threads: List[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        self._work.put((future, fn, args))
        with self._lock:
            if len(self._threads) < self.size:
                thread = threading.Thread(target=self._serve, name=f"{self.name}_{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def shutdown(self) -> None:
        """Let the threads end once the work queued so far is done; does not wait for them."""
        with self._lock:
            for _ in self._threads:
                self._work.put(None)

    def _serve(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as ex:  # the caller sees it through the future
                future.set_exception(ex)
