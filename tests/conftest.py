"""Shared fixtures: the core double, a worker started as a real process, the resotocore conformance
check."""
import os
import signal
import subprocess
import sys
import time
from typing import List, Optional

import psutil
import pytest

from conftest_conformance import real_core, real_core_python  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class WorkerProcess:
    """``resotoworker`` as a subprocess, its log in a file, as a user would run it."""

    def __init__(self, args: List[str], env: dict, log_path: str) -> None:
        self.log_path = log_path
        self._log = open(log_path, "w")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_")}
        full_env.update(env)
        full_env.setdefault("PYTHONUNBUFFERED", "1")
        # the web server on any free loopback port, so that workers of parallel tests do not collide
        web = ["--override", "resotoworker.web_port=0", "resotoworker.web_host=127.0.0.1"]
        self.proc = subprocess.Popen([sys.executable, "-m", "worker", "--log-format", "text", *web, *args],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT)

    @property
    def log(self) -> str:
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log:
                return self.log
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not in the worker log (exit {self.proc.poll()}):\n{self.log[-4000:]}")

    def wait_exit(self, timeout: float = 30) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"worker did not exit within {timeout} s:\n{self.log[-3000:]}") from None

    def descendants(self) -> List[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def terminate(self, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill(self) -> None:
        for proc in self.descendants():
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


def pytest_collection_modifyitems(items):
    # a test that runs resotocore's own code is in the conformance tier wherever it lives (it also needs
    # the side venv, built on first use)
    for item in items:
        if "real_core_python" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.conformance)


@pytest.fixture
def start_worker(tmp_path):
    started: List[WorkerProcess] = []

    def start(*args: str, env: Optional[dict] = None) -> WorkerProcess:
        worker = WorkerProcess(list(args), env or {}, str(tmp_path / f"worker-{len(started)}.log"))
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


@pytest.fixture
def core_double():
    from core_double import CoreDouble

    core = CoreDouble().start()
    yield core
    core.stop()


@pytest.fixture
def log_collector_env(tmp_path):
    """The environment in which the ``logtest`` collector (tests/plugins/log_collector.py) is installed."""
    plugins = os.path.join(ROOT, "tests", "plugins")
    sys.path.insert(0, plugins)
    try:
        import log_collector
    finally:
        sys.path.remove(plugins)
    site = tmp_path / "site"
    log_collector.install(str(site))
    return {"PYTHONPATH": os.pathsep.join([str(site), plugins])}
