"""Several workers with the same config split one estate (``--shard``): against one core double, as
real processes, and the rendezvous hashing under it as a property."""
import collections
import json
import os
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT
from test_web import base_url, get, metric
from worker.shard import View, account_key, owner

ACCOUNTS = [f"example-{n:04d}" for n in range(1, 31)]


# ---- rendezvous hashing ----------------------------------------------------------------------------


def shards(accounts, members):
    """member -> the (cloud, account) pairs its View owns."""
    return {m: {a for a in accounts if View(tuple(members), m).owns(*a)} for m in members}


@settings(max_examples=150, deadline=None)
@given(accounts=st.sets(st.tuples(st.sampled_from(["aws", "azure", "example"]), st.text(min_size=1, max_size=20)),
                        min_size=1, max_size=300),
       count=st.integers(min_value=1, max_value=12))
def test_rendezvous_is_disjoint_covering_and_moves_only_to_the_newcomer(accounts, count):
    members = [str(i) for i in range(1, count + 1)]
    before = shards(accounts, members)
    owners = collections.Counter(a for share in before.values() for a in share)
    assert set(owners) == accounts and set(owners.values()) == {1}  # covering, disjoint
    newcomer = str(count + 1)
    after = shards(accounts, members + [newcomer])
    moved = accounts - set().union(*(before[m] & after[m] for m in members))
    # a newcomer takes accounts only for itself, and about 1/(N+1) of them (the slack is 8 standard
    # deviations of that binomial count: a fair hash never exceeds it)
    assert moved == after[newcomer]
    assert len(moved) <= len(accounts) / (count + 1) + 4 * len(accounts) ** 0.5 + 1


def test_going_from_three_to_four_workers_moves_a_quarter_of_1000_accounts():
    keys = [account_key("aws", f"{n:012d}") for n in range(1000)]
    three = {k: owner(k, ["1", "2", "3"]) for k in keys}
    four = {k: owner(k, ["1", "2", "3", "4"]) for k in keys}
    moved = [k for k in keys if three[k] != four[k]]
    shares = sorted(collections.Counter(three.values()).values())
    print(f"3 -> 4 workers: {len(moved)} of 1000 accounts moved; shares of 3: {shares}")
    assert all(four[k] == "4" for k in moved)
    assert 200 <= len(moved) <= 300 and all(290 <= n <= 380 for n in shares)


# ---- the one-shot ------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_one_shot_collects_of_the_three_shards_cover_the_estate_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESOTOWORKER_")}
    found = {}
    for index in (1, 2, 3):
        out = tmp_path / f"shard-{index}.ndjson"
        done = subprocess.run([sys.executable, "-m", "worker", "collect", "--collector", "example", "--log-format",
                               "text", "--output", str(out), "--override", "example.accounts=30",
                               "--shard", f"{index}/3"], capture_output=True, text=True, timeout=120, cwd=ROOT,
                              env=env)
        assert done.returncode == 0, done.stderr
        with open(out) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        found[index] = {line["reported"]["id"] for line in lines if line.get("reported", {}).get("kind") ==
                        "example_account"}
        assert f"shard {index}/3: {len(found[index])} of the estate's 30 account(s)" in done.stdout
    assert sorted(a for accounts in found.values() for a in accounts) == ACCOUNTS
    # a bad setting is a usage error at once
    done = subprocess.run([sys.executable, "-m", "worker", "collect", "--collector", "example", "--shard", "4/3",
                           "--output", str(tmp_path / "x.ndjson")], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env=env)
    assert done.returncode == 2 and not (tmp_path / "x.ndjson").exists()


# ---- a fleet against one core --------------------------------------------------------------------


def start_fleet(core, start_worker, shards, *extra, last=()):
    """One worker per entry of ``shards`` (its --shard value), instances resoto.worker@1, @2, … of one
    fleet sharing the config resoto.worker, the last one also with ``last``; returns them once each is
    subscribed and connected."""
    workers = []
    for index, shard in enumerate(shards, start=1):
        worker = start_worker("--resotocore-uri", core.url, "--subscriber-id", f"resoto.worker@{index}",
                              "--shard", shard, "--override", "resotoworker.collector=example", "example.accounts=30",
                              "resotoworker.shard_settle=1", *extra, *(last if index == len(shards) else ()))
        workers.append(worker)
    for index, worker in enumerate(workers, start=1):
        core.wait_for(lambda: core.subscriptions.get(f"resoto.worker@{index}-collector"), 30)
        worker.wait_log("actions: connected")
        worker.wait_log("tasks: connected")
        worker.wait_log("events: connected")
    return workers


def landed_accounts(core, task):
    """account id -> how many uploads of the task carried it."""
    counts = collections.Counter()
    for merge in core.merges:
        if merge.ok and merge.task_id == task:
            counts.update(line["reported"]["id"] for line in merge.lines
                          if isinstance(line, dict) and line.get("reported", {}).get("kind") == "example_account")
    return counts


def answers(core, task):
    """subscriber -> the action_done/action_error frames it sent for the task."""
    counts = collections.Counter()
    for frame in core.frames:
        msg = frame.msg if isinstance(frame.msg, dict) else {}
        if frame.channel == "handle" and frame.dir == "in" and msg.get("kind") in ("action_done", "action_error") \
                and (msg.get("data") or {}).get("task") == task:
            counts[frame.conn] += 1
    return counts


def tag_filters(core):
    """subscriber-less view of the work queue: the account lists of the tag handlers, per connection."""
    return [sorted(a for h in handlers if h["name"] == "tag" for a in (h.get("filter") or {}).get("account", []))
            for handlers in core.workers.values()]


@pytest.mark.e2e
def test_three_workers_split_30_accounts_and_the_step_waits_for_all_three(core_double, start_worker, tmp_path):
    core = core_double
    state = tmp_path / "example-state.json"
    # the third is slower, so the core has two answers and still waits
    start_fleet(core, start_worker, ["1/3", "2/3", "3/3"], f"example.state_file={state}", last=["example.api_delay=0.5"])
    action = core.send_action("collect")
    task = action["task"]
    core.wait_for(lambda: len(core.action_status(task)["answered"]) == 2, 60)
    assert core.action_status(task)["done"] is False
    core.wait_for(lambda: core.action_status(task)["done"], 60)
    status = core.action_status(task)
    assert set(status["answered"].values()) == {"action_done"} and len(status["answered"]) == 3
    assert answers(core, task) == {f"resoto.worker@{i}-collector": 1 for i in (1, 2, 3)}
    landed = landed_accounts(core, task)
    assert sorted(landed) == ACCOUNTS and set(landed.values()) == {1}

    # the tag handlers now name each worker's accounts: every account's task goes to its owner, once
    core.wait_for(lambda: sorted(a for f in tag_filters(core) for a in f) == ACCOUNTS, 30)
    instances = {}
    for node_id, node in core.nodes().items():
        if node["reported"]["kind"] == "example_instance":
            instances.setdefault(core.tag_task_parts("resoto", node_id)[0]["account"], node_id)
    task_ids = {account: core.send_tag_task("resoto", node_id, update={"team": "blue"})
                for account, node_id in sorted(instances.items())}
    for account, task_id in task_ids.items():
        assert core.wait_task_result(task_id)["result"] == "done"
    frames = [f for f in core.frames if f.channel == "work_queue" and isinstance(f.msg, dict)
              and f.msg.get("task_id") in set(task_ids.values())]
    assert collections.Counter(f.msg["task_id"] for f in frames if f.dir == "in") == \
        {task_id: 1 for task_id in task_ids.values()}  # one result each
    handlers = core.workers
    for account, task_id in task_ids.items():
        sent_to = [f.conn for f in frames if f.dir == "out" and f.msg["task_id"] == task_id]
        assert len(sent_to) == 1
        assert any(account in (h.get("filter") or {}).get("account", []) for h in handlers[sent_to[0]])
    assert core.violations == []


@pytest.mark.e2e
def test_auto_fleet_splits_the_estate_then_two_cover_it_when_one_stops(core_double, start_worker):
    core = core_double
    workers = start_fleet(core, start_worker, ["auto"] * 3)
    time.sleep(2)  # resotoworker.shard_settle (1 s): the peers each one saw arrive count from now on
    action = core.send_action("collect")
    core.wait_for(lambda: core.action_status(action["task"])["done"], 60)
    assert answers(core, action["task"]) == {f"resoto.worker@{i}-collector": 1 for i in (1, 2, 3)}
    landed = landed_accounts(core, action["task"])
    assert sorted(landed) == ACCOUNTS and set(landed.values()) == {1}

    assert workers[2].terminate() == 0
    action = core.send_action("collect")
    core.wait_for(lambda: core.action_status(action["task"])["done"], 60)
    assert answers(core, action["task"]) == {f"resoto.worker@{i}-collector": 1 for i in (1, 2)}
    landed = landed_accounts(core, action["task"])
    assert sorted(landed) == ACCOUNTS and set(landed.values()) == {1}
    metrics = scrape(workers[0])
    assert metric(metrics, "resotoworker_shard_count") == 2
    assert metric(metrics, "resotoworker_estate_accounts", cloud="example") == 30
    assert metric(metrics, "resotoworker_accounts_not_collected", cloud="example") == 0
    assert core.violations == []


@pytest.mark.e2e
def test_when_a_worker_is_killed_during_a_collect_the_others_collect_its_accounts(core_double, start_worker):
    core = core_double
    workers = start_fleet(core, start_worker, ["auto"] * 3, "example.api_delay=0.3")
    time.sleep(2)  # resotoworker.shard_settle
    action = core.send_action("collect")
    workers[2].wait_log("collecting ")
    workers[2].kill()
    for worker in workers[:2]:
        core.wait_for(lambda: answers(core, action["task"])[worker_subscriber(worker, workers)], 60)
    landed = landed_accounts(core, action["task"])
    assert sorted(landed) == ACCOUNTS  # some of the killed worker's may have landed twice
    assert core.action_status(action["task"])["done"] is False  # the core waits for the killed one
    assert metric(scrape(workers[0]), "resotoworker_shard_taken_over_total", cloud="example") > 0


def worker_subscriber(worker, workers):
    return f"resoto.worker@{workers.index(worker) + 1}-collector"


def scrape(worker):
    status, text = get(base_url(worker, "/metrics"))
    assert status == 200
    return text
