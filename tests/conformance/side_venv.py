"""A side virtualenv that holds the real resotocore 3.9.0, for conformance checks.

``core_python()`` returns the interpreter of that venv. The venv is built on first use and reused
afterwards:

* location: ``$RESOTOWORKER_CONFORMANCE_VENV`` if set (used as the venv directory itself), otherwise
  ``<repo>/.cache/resotocore-3.9.0-<sha256 of the constraints file, 12 hex>/``;
* it counts as complete only when its marker file exists and names the same constraints hash, core
  version and Python version; an incomplete or stale venv is deleted and built again;
* a file lock (``<venv>.lock``, ``fcntl.flock``) serialises builders, so parallel test processes
  (pytest-xdist, several pytest runs) build it once and the others wait and then reuse it;
* a failed install raises ``SideVenvError`` carrying pip's last output lines.

Nothing here imports resotocore: the worker's own environment never sees it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Optional

CORE_VERSION = "3.9.0"
ENV_VAR = "RESOTOWORKER_CONFORMANCE_VENV"
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CONSTRAINTS = HERE / f"resotocore-{CORE_VERSION}-constraints.txt"
MARKER_NAME = ".conformance-venv-complete.json"

# how long one build may take, and how long a waiter waits for somebody else's build
INSTALL_TIMEOUT_S = float(os.environ.get("RESOTOWORKER_CONFORMANCE_INSTALL_TIMEOUT", "900"))
LOCK_TIMEOUT_S = INSTALL_TIMEOUT_S + 120
TAIL_LINES = 25


class SideVenvError(RuntimeError):
    """The side venv could not be created (install failed, timed out, or the lock was not obtained)."""


def constraints_hash() -> str:
    return hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()[:12]


def venv_dir() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    return REPO / ".cache" / f"resotocore-{CORE_VERSION}-{constraints_hash()}"


def _python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def _expected_marker() -> dict:
    return {
        "resotocore": CORE_VERSION,
        "constraints_sha256_12": constraints_hash(),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }


def read_marker(venv: Optional[Path] = None) -> Optional[dict]:
    """The marker of a complete venv (with ``install_seconds``), or None."""
    path = (venv or venv_dir()) / MARKER_NAME
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _is_complete(venv: Path) -> bool:
    marker = read_marker(venv)
    if marker is None or not _python_of(venv).exists():
        return False
    return all(marker.get(k) == v for k, v in _expected_marker().items())


def _tail(text: str, n: int = TAIL_LINES) -> str:
    # the machine's pip config lists local index folders that do not exist: drop that noise
    lines = [ln for ln in text.splitlines() if ln.strip() and "is neither a file nor a directory" not in ln]
    return "\n".join(lines[-n:])


def _run(cmd: list, what: str, timeout: float) -> None:
    try:
        proc = subprocess.run(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"},
        )
    except subprocess.TimeoutExpired as ex:
        out = ex.output.decode(errors="replace") if isinstance(ex.output, bytes) else (ex.output or "")
        raise SideVenvError(f"{what} timed out after {timeout:.0f}s; last output:\n{_tail(out)}") from None
    if proc.returncode != 0:
        raise SideVenvError(f"{what} failed (exit {proc.returncode}): {' '.join(map(str, cmd))}\n{_tail(proc.stdout)}")


def _build(venv: Path) -> float:
    start = time.monotonic()
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "venv", str(venv)], "creating the side venv", 120)
    py = _python_of(venv)
    _run(
        [str(py), "-m", "pip", "install", "--quiet", "--no-compile",
         "-c", str(CONSTRAINTS), f"resotocore=={CORE_VERSION}"],
        f"pip install resotocore=={CORE_VERSION}",
        INSTALL_TIMEOUT_S,
    )
    # prove that the parts the checker uses import (this also byte-compiles them once)
    _run(
        [str(py), "-c", "import resotocore.model.graph_access, resotocore.model.model, resotocore.model.typed_model"],
        "importing resotocore in the side venv",
        180,
    )
    seconds = round(time.monotonic() - start, 1)
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    marker = {**_expected_marker(), "install_seconds": seconds, "created_at": created}
    tmp = venv / (MARKER_NAME + ".tmp")
    tmp.write_text(json.dumps(marker, indent=2))
    tmp.replace(venv / MARKER_NAME)  # atomic: the marker is there only after a full install
    return seconds


def _lock(path: Path, timeout: float) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError as ex:
            if ex.errno not in (errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            if time.monotonic() > deadline:
                os.close(fd)
                raise SideVenvError(f"could not lock {path} within {timeout:.0f}s (another build still running?)")
            time.sleep(0.5)


@lru_cache(maxsize=None)
def core_python() -> Path:
    """Path of the python of a venv with resotocore 3.9.0 installed (built on first use)."""
    venv = venv_dir()
    if _is_complete(venv):
        return _python_of(venv)
    fd = _lock(venv.with_name(venv.name + ".lock"), LOCK_TIMEOUT_S)
    try:
        if not _is_complete(venv):  # somebody else may have finished it while we waited
            print(f"[conformance] building side venv with resotocore=={CORE_VERSION} in {venv} ...", file=sys.stderr)
            seconds = _build(venv)
            print(f"[conformance] side venv ready in {seconds:.1f}s", file=sys.stderr)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return _python_of(venv)


if __name__ == "__main__":  # python tests/conformance/side_venv.py  -> build (if needed) and print the path
    print(core_python())
    print(json.dumps(read_marker()), file=sys.stderr)
