"""Spool directories: one per collect run, under ``resotoworker.tempdir``, holding the children's account
graphs until they are uploaded. A run removes its own when it ends; a run that was killed cannot, so
every start removes those left behind (``remove_stale``).

Several workers may share a temp directory, so what is stale is decided by a lock, not by a name or a
PID: each directory holds a lock file that its run keeps locked (flock) while it lives, and the kernel
releases the lock when the process dies, however it dies."""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from typing import List, Optional

log = logging.getLogger(__name__)

PREFIX = "resotoworker-spool-"
LOCK = ".lock"


class SpoolDir:
    def __init__(self, parent: Optional[str]) -> None:
        self.path = tempfile.mkdtemp(prefix=PREFIX, dir=parent or None)
        # locked under another name first, so that a sweep never finds the lock file unlocked
        fresh = os.path.join(self.path, LOCK + ".new")
        self._lock = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        os.rename(fresh, os.path.join(self.path, LOCK))

    def close(self, keep: bool = False) -> None:
        """Remove the directory, or with ``keep`` leave it (without its lock, so no sweep takes it)."""
        if keep:
            os.unlink(os.path.join(self.path, LOCK))
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._lock)


def remove_stale(parent: Optional[str]) -> List[str]:
    """Remove the spool directories under ``parent`` whose run is gone; returns their paths."""
    parent = parent or tempfile.gettempdir()
    removed = []
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith(PREFIX) and e.is_dir(follow_symlinks=False)]
    except OSError as ex:
        log.warning("spool: cannot look for leftovers in %s: %s", parent, ex)
        return removed
    for entry in entries:
        try:
            fd = os.open(os.path.join(entry.path, LOCK), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue  # no lock file: kept on purpose (debug_dump_json), or still being made
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # its run is alive
        finally:
            os.close(fd)
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    if removed:
        log.info("spool: removed %d spool director%s left by a killed run: %s", len(removed),
                 "y" if len(removed) == 1 else "ies", ", ".join(removed))
    return removed
