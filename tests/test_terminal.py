"""``resotoworker collect`` on a terminal, in a real pseudo-terminal whose screen a terminal emulator
(pyte) draws: the live bar stays below the log lines, its total is the number of accounts from the
start, a totals summary follows in colour; Ctrl-C stops the children and exits 130."""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time

import psutil
import pyte
import pytest

from conftest import ROOT

pytestmark = pytest.mark.e2e

COLUMNS, ROWS = 160, 40
BAR = re.compile(r"^collecting .* (\d+)/(\d+) accounts \((\d+) failed\) • [\d,]+ nodes • [\d,]+ nodes/s • "
                 r"\d+:\d\d:\d\d elapsed • (\d+:\d\d:\d\d|-:--:--) left$")
LOG = re.compile(r"^(\[[^\]]+\]|\s+) (DEBUG|INFO|WARNING|ERROR)\s")


class Terminal:
    """``resotoworker collect …`` in a pseudo-terminal; ``screens`` holds every state of the screen."""

    def __init__(self, tmp_path, *args, env=None):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes the worker, with the terminal as stdin, stdout, stderr
            os.chdir(ROOT)
            environ = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_") and k != "NO_COLOR"}
            environ.update(TERM="xterm-256color", **(env or {}))
            os.execve(sys.executable, [sys.executable, "-m", "worker", "collect", "--collector", "example", "-o",
                                       str(tmp_path / "out.ndjson"), *args], environ)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        self.screens = []
        self.status = None

    def lines(self):
        return [line.rstrip() for line in self.screen.display if line.strip()]

    def read_until(self, done, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done(self):
                return
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:  # the worker exited and closed the terminal
                    return
                if not data:
                    return
                self.raw += data
                self.stream.feed(data)
                self.screens.append(self.lines())
        raise AssertionError("the screen never showed what was expected:\n" + "\n".join(self.lines()))

    def exit_code(self, timeout=30):
        self.read_until(lambda t: t.reap(), timeout)  # until it exits, or closes the terminal
        deadline = time.monotonic() + timeout
        while not self.reap():
            assert time.monotonic() < deadline, "the worker closed the terminal but did not exit"
            time.sleep(0.05)
        return os.waitstatus_to_exitcode(self.status)

    def reap(self):
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            self.status = status if pid else None
        return self.status is not None


def bar_and_logs(lines):
    bars = [n for n, line in enumerate(lines) if BAR.match(line)]
    return bars, [line for line in lines if LOG.match(line)]


def test_the_bar_stays_below_the_log_lines_and_a_totals_summary_follows(tmp_path):
    terminal = Terminal(tmp_path, "--override", "example.accounts=6", "example.api_delay=0.4",
                        "resotoworker.pool_size=2", "example.fail_account=example-0003")
    terminal.read_until(lambda t: any("example-0003 failed" in line for line in t.lines())
                        and bar_and_logs(t.lines())[0])
    code = terminal.exit_code()
    assert code == 1, "\n".join(terminal.lines())
    running = [lines for lines in terminal.screens if bar_and_logs(lines)[0]]
    assert running
    for lines in running:
        bars, logs = bar_and_logs(lines)
        assert bars == [len(lines) - 1], lines  # one bar, on the last line, every log line above it
        assert all(line in lines[:-1] for line in logs) and len(logs) == len(lines) - 1, lines
        assert BAR.match(lines[-1]).group(2) == "6"  # the total is the number of accounts, from the start
    assert any(BAR.match(lines[-1]).group(3) == "1" for lines in running)  # the failed account counted
    final = terminal.lines()
    assert not bar_and_logs(final)[0]  # the bar is gone once the run is over
    summary = final[final.index(next(line for line in final if "account(s) landed" in line)):]
    assert summary == ["5 of 6 account(s) landed, 115 nodes, 1 failed, " + summary[0].rsplit(", ", 1)[1], "failed:",
                       "  example:example-0003 (Example Account 3): RuntimeError: simulated failure of this "
                       "account (example.fail_account)", f"merge stream written to {tmp_path / 'out.ndjson'}"]
    assert b"\x1b[31m" in terminal.raw  # the error in red


def test_ctrl_c_stops_the_children_and_exits_130_without_colour_under_no_color(tmp_path):
    terminal = Terminal(tmp_path, "--override", "example.accounts=3", "example.api_delay=30", env={"NO_COLOR": "1"})
    terminal.read_until(lambda t: bar_and_logs(t.lines())[0] and
                        len(psutil.Process(t.pid).children(recursive=True)) >= 5)  # 3 children, fork server, tracker
    family = psutil.Process(terminal.pid).children(recursive=True)
    os.write(terminal.fd, b"\x03")  # the terminal sends SIGINT to the whole foreground group
    assert terminal.exit_code() == 130
    _, alive = psutil.wait_procs(family, timeout=15)
    assert not alive
    assert "stopped by SIGINT" in terminal.lines()[-1]
    assert "0 of 3 account(s) landed, 0 nodes, 3 failed" in "\n".join(terminal.lines())
    assert not re.search(rb"\x1b\[(3\d|38;)", terminal.raw)  # no colour
