"""``files_in_home_dir`` and the deprecated ``write_files_to_home_dir`` (protocol memo §7.3): files kept
in the core's config for the worker, e.g. ``.aws/credentials`` or ``.kube/config``, written to the home
directory once the config is loaded. Both keys need a restart, so that happens once per start.

As in the reference: ``~`` is expanded and a relative path is taken relative to ``$HOME``; a path that
resolves outside ``$HOME`` (``..``, an absolute path, a symbolic link pointing out) or to a directory is
refused; parent directories are created; files get mode 0600. Each file is written whole and then
renamed into place, so that a collector never reads half a credentials file. A refused or failed entry
is an error line naming it; the other entries are still written."""
from __future__ import annotations

import logging
import os
import tempfile
from typing import Any, Dict, List, Tuple

log = logging.getLogger(__name__)


def write_home_files(worker: Dict[str, Any]) -> List[str]:
    """Write the files of a ``resotoworker`` section; returns the paths written."""
    home = os.path.realpath(os.path.expanduser("~"))
    entries: List[Tuple[str, str, str]] = [("files_in_home_dir", path, content)
                                           for path, content in (worker["files_in_home_dir"] or {}).items()]
    entries += [("write_files_to_home_dir", entry["path"], entry["content"])
                for entry in worker["write_files_to_home_dir"] or []]
    written = []
    for key, path, content in entries:
        try:
            target = _inside(home, path)
            _write(target, content)
        except (ValueError, OSError) as ex:
            log.error("config: resotoworker.%s: not writing %s: %s", key, path, ex)
            continue
        written.append(target)
    if written:
        log.info("config: wrote %d file(s) from the config into %s", len(written), home)
    return written


def _inside(home: str, path: str) -> str:
    target = os.path.realpath(os.path.join(home, os.path.expanduser(path)))  # an absolute path stays absolute
    if target == home or os.path.commonpath([home, target]) != home:
        raise ValueError(f"it resolves to {target}, which is not inside the home directory {home}")
    if os.path.isdir(target):
        raise ValueError(f"{target} is a directory")
    return target


def _write(target: str, content: str) -> None:
    directory = os.path.dirname(target)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".resotoworker-")  # mode 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(content)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
