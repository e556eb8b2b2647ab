"""Not a test module: type-checked by tests/test_types.py (mypy), never imported. The worker's side of the
contract must be what hookspecs promises the collectors."""
from hookspecs import Builder, Progress
from worker.child import ChildProgress
from worker.graph.builder import GraphBuilder


def builder_is_a_builder(builder: GraphBuilder) -> Builder:
    return builder


def child_progress_is_a_progress(progress: ChildProgress) -> Progress:
    return progress
