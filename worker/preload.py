"""Imported once by the fork server before it forks any child: loads the worker's child-side code and
every installed collector, and lets each collector load what all its children need (``resotoworker_preload``),
so that children start with all of it in memory pages they share."""
from worker import child, cleanup  # noqa: F401  (imported for their side effect: loaded before fork)
from worker.plugins import collectors

collectors().hook.resotoworker_preload()
