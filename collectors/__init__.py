"""Collectors shipped with the worker, one sub-package per cloud; each is a pluggy plugin found through the `resotoworker.collectors` entry-point group."""
