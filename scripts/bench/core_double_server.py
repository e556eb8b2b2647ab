#!/usr/bin/env python3
"""Runs the core double (tests/core_double) in its own process for benchmarks, merges counted only,
so that its CPU is not the benchmark's. Prints its URL, serves until stdin closes."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tests"))

from core_double import CoreDouble  # noqa: E402

core = CoreDouble().start()
core.count_only_merges = True
print(core.url, flush=True)
sys.stdin.read()
core.stop()
