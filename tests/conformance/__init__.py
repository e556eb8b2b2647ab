"""Conformance harness: check models and merge uploads with the real resotocore 3.9.0 code.

    from conformance import check_with_real_core
    result = check_with_real_core(model_kinds, [upload_lines, ...])
    assert result["model_error"] is None
    assert all(u["ok"] for u in result["uploads"]), [u["error"] for u in result["uploads"]]

The real core runs in a side virtualenv (side_venv.core_python(), built once, then reused) through
the script check_upload.py; see that script's docstring for the result's fields. Nothing of
resotocore is imported into the calling process.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Iterable, List, Optional, Union

from .side_venv import REPO, SideVenvError, core_python, read_marker

__all__ = [
    "CHECKER",
    "ConformanceError",
    "SideVenvError",
    "capture_dir",
    "check_with_real_core",
    "core_python",
    "read_marker",
    "read_ndjson",
]

CHECKER = Path(__file__).resolve().parent / "check_upload.py"
Line = Union[dict, str]


class ConformanceError(RuntimeError):
    """The checker itself failed (crash, bad output): not a verdict about the upload."""


def check_with_real_core(
    model: List[dict],
    uploads: List[List[Line]],
    *,
    replace_model: bool = True,
    base_model: Optional[List[dict]] = None,
    timeout: float = 600,
) -> dict:
    """Run model + uploads through resotocore 3.9.0's own validation and merge-root code.

    model: the kinds as sent in PUT /graph/G/model (PATCH with replace_model=False).
    uploads: merge bodies, each a list of lines (parsed dicts, or ndjson text lines).
    base_model: kinds the graph already held before this model update (default: a new graph).

    Returns {"model_error": str|None, "uploads": [{"ok", "error", "nodes", "edges", "merge_roots", ...}]}.
    """
    doc: dict = {"model": model, "uploads": uploads, "replace_model": replace_model}
    if base_model is not None:
        doc["base_model"] = base_model
    python = core_python()
    proc = subprocess.run(
        # -I: isolated, so the worker's PYTHONPATH/cwd never shadow the side venv's packages
        [str(python), "-I", str(CHECKER)],
        input=json.dumps(doc),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
        cwd=str(CHECKER.parent),
    )
    if proc.returncode != 0:
        raise ConformanceError(f"check_upload.py exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    try:
        return json.loads(proc.stdout)
    except ValueError as ex:
        raise ConformanceError(f"check_upload.py printed no JSON ({ex}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def read_ndjson(path: Union[str, Path]) -> List[dict]:
    """The lines of an ndjson file, parsed (blank lines skipped)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def capture_dir() -> Optional[Path]:
    """shared/reference/capture-3.9.0 (beside the repo, or $RESOTOWORKER_CAPTURE_DIR), if present."""
    candidates: Iterable[Path] = (
        [Path(os.environ["RESOTOWORKER_CAPTURE_DIR"])] if os.environ.get("RESOTOWORKER_CAPTURE_DIR") else []
    )
    candidates = [*candidates, REPO.parent / "shared" / "reference" / "capture-3.9.0",
                  Path("/work/shared/reference/capture-3.9.0")]
    for c in candidates:
        if (c / "model.json").is_file():
            return c
    return None
