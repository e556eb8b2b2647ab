"""Job functions for the pool tests (module-level, so a fork-server child can import them)."""
import os
import signal
import subprocess
import time


def succeed(value, *, channel):
    channel.send({"type": "note", "value": value})
    return {"value": value, "pid": os.getpid()}


def kill_myself(*, channel):
    os.kill(os.getpid(), signal.SIGKILL)


def raise_error(*, channel):
    raise ValueError("bad data from the cloud")


def hang_with_grandchild(pidfile, *, channel):
    child = subprocess.Popen(["sleep", "300"])
    with open(pidfile, "w") as f:
        f.write(str(child.pid))
    time.sleep(300)


def grow_memory(*, channel):
    hog = []
    while True:
        hog.append(bytearray(8 * 1024 * 1024))
        time.sleep(0.01)
