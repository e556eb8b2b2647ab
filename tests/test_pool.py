"""The pool with real child processes: deaths, timeouts, memory caps, nothing left behind."""
import os

import psutil
import pytest

import pool_jobs
from worker.pool import Job, Pool


def run_all(pool, jobs):
    outcomes, messages = {}, []
    pool.run(jobs, lambda key, message: messages.append((key, message)),
             lambda outcome: outcomes.__setitem__(outcome.key, outcome))
    return outcomes, messages


@pytest.mark.parametrize("fork", [True, False])
def test_results_and_messages_come_back(fork):
    pool = Pool(size=3, fork=fork, timeout=60)
    outcomes, messages = run_all(pool, [Job(f"j{n}", pool_jobs.succeed, (n,)) for n in range(6)])
    assert {k: o.value["value"] for k, o in outcomes.items()} == {f"j{n}": n for n in range(6)}
    assert sorted(m["value"] for _, m in messages) == list(range(6))
    pids = {o.value["pid"] for o in outcomes.values()}
    assert (os.getpid() not in pids) if fork else (pids == {os.getpid()})


def test_a_killed_child_fails_only_its_job():
    outcomes, _ = run_all(Pool(size=4, fork=True, timeout=60),
                          [Job("ok1", pool_jobs.succeed, (1,)), Job("dead", pool_jobs.kill_myself),
                           Job("err", pool_jobs.raise_error), Job("ok2", pool_jobs.succeed, (2,))])
    assert outcomes["ok1"].ok and outcomes["ok2"].ok
    assert not outcomes["dead"].ok and "SIGKILL" in outcomes["dead"].error
    assert not outcomes["err"].ok and "ValueError: bad data from the cloud" in outcomes["err"].error


def test_a_hanging_child_is_stopped_at_its_timeout_with_its_whole_tree(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    outcomes, _ = run_all(Pool(size=2, fork=True, timeout=2, kill_grace=2),
                          [Job("hang", pool_jobs.hang_with_grandchild, (str(pidfile),)),
                           Job("ok", pool_jobs.succeed, (1,))])
    assert outcomes["ok"].ok
    assert not outcomes["hang"].ok and "timed out after 2 s" in outcomes["hang"].error
    grandchild = int(pidfile.read_text())
    assert not psutil.pid_exists(grandchild) or psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE


def test_a_child_over_its_memory_cap_is_stopped():
    outcomes, _ = run_all(Pool(size=1, fork=True, timeout=60, memory_limit_mb=200, kill_grace=2),
                          [Job("hog", pool_jobs.grow_memory)])
    assert not outcomes["hog"].ok and "over the limit of 200 MiB" in outcomes["hog"].error
    assert outcomes["hog"].peak_rss > 200 * 1024 * 1024


def test_stop_ends_everything():
    import threading

    pool = Pool(size=2, fork=True, timeout=600, kill_grace=2)
    timer = threading.Timer(1.0, pool.stop)
    timer.start()
    outcomes, _ = run_all(pool, [Job(f"h{n}", pool_jobs.hang_with_grandchild, (os.devnull,)) for n in range(3)])
    assert all(not o.ok for o in outcomes.values()) and len(outcomes) == 3
    assert "not started" in outcomes["h2"].error
