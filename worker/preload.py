"""Imported once by the fork server before it forks any child: loads the worker's child-side code and
every installed collector, and lets each collector load what all its children need (``resotoworker_preload``),
so that children start with all of it in memory pages they share.

``gc.freeze`` keeps those pages shared: without it, the first garbage collection in a child touches every
object it inherited and the kernel copies the pages they sit on.

For measurement only: ``RESOTOWORKER_BENCH_NO_PRELOAD=1`` skips the hook and the freeze (the collectors are
still imported), so that ``scripts/bench/estate_bench.py`` can show what preloading saves per child."""
import gc
import os

from worker import child, cleanup  # noqa: F401  (imported for their side effect: loaded before fork)
from worker.plugins import collectors

if os.environ.get("RESOTOWORKER_BENCH_NO_PRELOAD") != "1":
    collectors().hook.resotoworker_preload()
    gc.collect()
    gc.freeze()
