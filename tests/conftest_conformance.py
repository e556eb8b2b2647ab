"""Pytest fixtures of the conformance harness (real resotocore 3.9.0 in a side venv).

Make them available to every test module by adding to tests/conftest.py:

    from conftest_conformance import real_core_python, real_core  # noqa: F401

- ``real_core_python`` (session): path of the side venv's python; the venv is built at most once
  per session (and reused across sessions). Set RESOTOWORKER_SKIP_CONFORMANCE=1 to skip the tests
  that need it instead of building it.
- ``real_core`` (session): the ``check_with_real_core`` function, after the venv is ready.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

from conformance import SideVenvError, check_with_real_core, core_python, read_marker

__all__ = ["real_core_python", "real_core"]


@pytest.fixture(scope="session")
def real_core_python() -> Path:
    if os.environ.get("RESOTOWORKER_SKIP_CONFORMANCE", "").lower() in ("1", "true", "yes"):
        pytest.skip("RESOTOWORKER_SKIP_CONFORMANCE is set")
    try:
        python = core_python()
    except SideVenvError as ex:
        pytest.fail(f"could not build the resotocore 3.9.0 side venv:\n{ex}", pytrace=False)
    marker = read_marker() or {}
    if marker.get("install_seconds") is not None:
        print(f"[conformance] side venv {python.parent.parent} (built in {marker['install_seconds']}s)")
    return python


@pytest.fixture(scope="session")
def real_core(real_core_python: Path) -> Callable[..., dict]:
    return check_with_real_core
