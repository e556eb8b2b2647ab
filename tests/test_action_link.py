"""The action link without a socket: frames fed to ``on_message`` as the core would send them, the
outbox (the replies queued for the core) checked. Each action runs once per ``task:step`` and is
answered once; what cannot be run is refused with a reason. The link is never started: nothing is
sent, everything stays queued."""
import threading
import time

import pytest

from worker.core.actions import ActionLink
from worker.core.client import CoreClient

WAIT = 10  # seconds: the handlers run on the link's pool threads


def action(message_type, task, step="collect", **data):
    return {"kind": "action", "message_type": message_type, "data": {"task": task, "step": step, **data}}


@pytest.fixture
def link():
    calls = []
    release = threading.Event()

    def collect(message_type, data, feedback):
        calls.append(data["task"])
        release.wait(WAIT)
        return None

    def fail(message_type, data, feedback):
        raise RuntimeError("boom")

    link = ActionLink(CoreClient("http://127.0.0.1:9"), "sid", {"collect": collect, "cleanup": fail},
                      timeout=lambda: 60)
    link.calls, link.release = calls, release
    yield link
    release.set()


def replies(link, count):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        queued = link.pending_replies()
        if len(queued) >= count:
            return queued
        time.sleep(0.01)
    raise AssertionError(f"expected {count} replies, queued: {link.pending_replies()}")


def test_an_action_runs_once_and_its_answer_echoes_it(link):
    link.on_message(action("collect", "t1", timing={"x": 1}))
    link.on_message(action("collect", "t1", timing={"x": 1}))  # re-sent while running
    link.release.set()
    (reply,) = replies(link, 1)
    assert reply == {"kind": "action_done", "message_type": "collect",
                     "data": {"task": "t1", "step": "collect", "timing": {"x": 1}}}
    link.on_message(action("collect", "t1", timing={"x": 1}))  # re-sent while its answer is queued
    time.sleep(0.1)
    assert link.calls == ["t1"] and len(link.pending_replies()) == 1


def test_other_steps_of_the_same_task_run_on_their_own(link):
    link.release.set()
    link.on_message(action("collect", "t1", step="a"))
    link.on_message(action("collect", "t1", step="b"))
    assert sorted(r["data"]["step"] for r in replies(link, 2)) == ["a", "b"]


def test_a_failing_handler_is_an_action_error_with_its_exception(link):
    link.on_message(action("cleanup", "t2", step="cleanup"))
    (reply,) = replies(link, 1)
    assert reply["kind"] == "action_error" and reply["data"]["error"] == "RuntimeError: boom"


def test_what_cannot_run_is_refused_with_a_reason_and_no_handler_runs(link):
    link.on_message(action("tag", "t3"))
    link.on_message(action("collect", "t\u00e9", step="s"))  # a task id must be printable ASCII
    link.on_message(action("collect", "t4", timing="soon"))
    link.on_message({"kind": "action", "message_type": "collect", "data": {"task": "t5"}})  # no step: ignored
    link.on_message(["not", "an", "object"])
    errors = [r["data"]["error"] for r in replies(link, 3)]
    assert errors[0] == "Unknown message type tag"
    assert "printable ASCII" in errors[1] and "timing" in errors[2]
    time.sleep(0.1)
    assert len(link.pending_replies()) == 3 and link.calls == []


def test_while_shutting_down_new_actions_are_answered_not_started(link):
    link.accepting = False
    link.on_message(action("collect", "t6"))
    (reply,) = replies(link, 1)
    assert reply["kind"] == "action_error" and reply["data"]["error"] == "the worker is shutting down"
    assert link.calls == []


def test_abandon_answers_what_still_runs_and_the_late_end_is_not_sent_again(link):
    link.on_message(action("collect", "t7"))
    deadline = time.monotonic() + WAIT
    while link.calls != ["t7"] and time.monotonic() < deadline:
        time.sleep(0.01)
    link.abandon("stopped by the shutdown")
    link.release.set()
    (reply,) = replies(link, 1)
    assert reply["data"]["error"] == "stopped by the shutdown"
    time.sleep(0.1)
    assert len(link.pending_replies()) == 1
