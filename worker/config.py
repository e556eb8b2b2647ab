"""The worker's configuration: the ``resotoworker`` section's schema and defaults, and the layering of
defaults, the config stored in the core, environment/command-line flags and ``--override`` values.

Config sections are described by JSON schemas (the worker's here, each collector's in its
``CollectorInfo``). The same schema gives the defaults, validates values locally (jsonschema) and is
turned into the core's config model (``worker.config_model``) so the core validates the same way.
"""
from __future__ import annotations

import copy
import json
import logging
import os
from typing import Any, Dict, Iterable, List, Optional, Tuple

import jsonschema

from worker.core.errors import UsageError
from worker.shard import shard_problem

log = logging.getLogger(__name__)

Json = Dict[str, Any]

WORKER_SECTION = "resotoworker"
SHARD_FORMAT = "resotoworker-shard"

# formats of our own, checked like any other schema keyword (also for --override)
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks(SHARD_FORMAT, raises=ValueError)
def _shard_format(value: Any) -> bool:
    problem = shard_problem(value)
    if problem:
        raise ValueError(problem)
    return True


def _cleanup_pool_default() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return 2 * max(2, cpus)


def worker_schema() -> Json:
    """Keys and defaults of the reference's section (protocol memo §7.3), plus the keys this worker adds
    (marked "new" in their description)."""
    return {
        "type": "object",
        "x-kind": WORKER_SECTION,
        "properties": {
            "collector": {"type": "array", "items": {"type": "string"}, "default": [],
                          "description": "List of collectors to run", "x-restart-required": True},
            "graph": {"type": "string", "default": "resoto", "pattern": "^[A-Za-z0-9]+$",
                      "description": "Name of the graph to import data into and run searches on"},
            "timeout": {"type": "integer", "minimum": 1, "default": 10800,
                        "description": "Collection/cleanup timeout in seconds"},
            "pool_size": {"type": "integer", "minimum": 1, "default": 5,
                          "description": "Collector thread/process pool size"},
            "graph_sender_pool_size": {"type": "integer", "minimum": 1, "default": 5,
                                       "description": "Maximum number of graphs to send to the core concurrently"},
            "fork_process": {"type": "boolean", "default": True,
                             "description": "Use forked process instead of threads"},
            "graph_merge_kind": {"type": "string", "enum": ["cloud", "account"], "default": "account",
                                 "x-kind": "graph_merge_kind",
                                 "description": "Resource kind to merge graph at (cloud or account)"},
            "debug_dump_json": {"type": "boolean", "default": False,
                                "description": "Dump the generated JSON data to disk"},
            "tempdir": {"type": ["string", "null"], "default": None,
                        "description": "Directory to create temporary files in"},
            "cleanup": {"type": "boolean", "default": False, "description": "Enable cleanup of resources"},
            "cleanup_pool_size": {"type": "integer", "minimum": 1, "default": _cleanup_pool_default(),
                                  "description": "How many cleanup threads to run in parallel"},
            "cleanup_dry_run": {"type": "boolean", "default": True,
                                "description": "Do not actually cleanup resources, just create log messages"},
            "no_tls": {"type": "boolean", "default": False, "x-restart-required": True,
                       "description": "Disable TLS for the web server, even if Resoto Core uses TLS."},
            "web_host": {"type": "string", "default": "::", "x-restart-required": True,
                         "description": "IP address to bind the web server to"},
            "web_port": {"type": "integer", "minimum": 0, "maximum": 65535, "default": 9956,
                         "x-restart-required": True, "description": "Web server tcp port to listen on"},
            "web_path": {"type": "string", "default": "/", "x-restart-required": True,
                         "description": "Web root in browser (change if running behind an ingress proxy)"},
            "write_files_to_home_dir": {
                "type": "array", "default": [], "x-restart-required": True,
                "description": "Deprecated. Use files_in_home_dir instead.",
                "items": {"type": "object", "x-kind": "resotoworker_home_directory_file",
                          "properties": {"path": {"type": "string", "description": "Path to the file"},
                                         "content": {"type": "string", "description": "Content of the file",
                                                     "x-metadata": {"ui-hint": "multiline"}}},
                          "required": ["path", "content"], "additionalProperties": False}},
            "files_in_home_dir": {
                "type": ["object", "null"], "additionalProperties": {"type": "string"}, "default": {},
                "x-restart-required": True,
                "description": "All entries that are defined in this section are created as files on demand.\n"
                               "Use this option to define .aws/credentials, .kube/config file or other credential "
                               "files that should be passed to the worker as file.\n"
                               "The key is the path to the file, the value is the content of the file."},
            # ---- new in this worker ----
            "account_timeout": {"type": "integer", "minimum": 1, "default": 3600,
                                "description": "New: seconds one account may take to collect before its child "
                                               "is stopped (SIGTERM, then SIGKILL after 10 s) and the account "
                                               "is reported failed"},
            "child_memory_limit_mb": {"type": "integer", "minimum": 0, "default": 0,
                                      "description": "New: stop a collecting child whose resident memory "
                                                     "exceeds this many MiB (0: no limit)"},
            "upload_wait_for_result": {"type": "boolean", "default": True,
                                       "description": "New: upload with wait_for_result=true so that merge "
                                                      "errors in the core reach the worker and are reported"},
            "upload_attempts": {"type": "integer", "minimum": 1, "default": 20,
                                "description": "New: attempts per graph upload at most (each re-reads the spool "
                                               "file); upload_retry_budget bounds their time"},
            "upload_retry_max_wait": {"type": "number", "minimum": 0, "maximum": 3600, "default": 30,
                                      "description": "New: longest wait in seconds between upload attempts "
                                                     "(jittered exponential backoff)"},
            "upload_retry_budget": {"type": "number", "minimum": 1, "default": 1200,
                                    "description": "New: seconds an upload may take, all attempts and waits "
                                                   "included; then its accounts are reported failed"},
            "core_timeout": {"type": "number", "minimum": 1, "maximum": 300, "default": 10,
                             "description": "New: seconds to wait for the core to accept a connection, finish a "
                                            "TLS or websocket handshake, take data we send, or answer a "
                                            "request (graph work: graph_timeout)"},
            "graph_timeout": {"type": "number", "minimum": 1, "default": 600,
                              "description": "New: seconds the core may take to answer graph work once the "
                                             "request is sent: a merge upload attempt (with upload_wait_for_result "
                                             "it answers when the merge is done, so this must exceed the longest "
                                             "merge of one upload), the model update, the cleanup's search, "
                                             "marking and report"},
            "core_reconnect_max_wait": {"type": "number", "minimum": 1, "maximum": 300, "default": 10,
                                        "description": "New: longest pause in seconds between two attempts to "
                                                       "reconnect a websocket link to the core (jittered "
                                                       "exponential backoff)"},
            "shutdown_timeout": {"type": "number", "minimum": 1, "maximum": 300, "default": 10,
                                 "description": "New: seconds from SIGTERM to exit: running actions are stopped "
                                                "and answered, subscriptions removed, links closed"},
            "web_request_timeout": {"type": "number", "minimum": 1, "maximum": 300, "default": 10,
                                    "x-restart-required": True,
                                    "description": "New: seconds a client of the web server has for the TLS "
                                                   "handshake and for each request before it is disconnected"},
            "cleanup_expired": {"type": "boolean", "default": False,
                                "description": "New: on the cleanup_plan step, mark resources whose expiry "
                                               "is past for cleanup"},
            "cleanup_expired_dry_run": {"type": "boolean", "default": False,
                                        "description": "New: with cleanup_expired, only log the expired resources "
                                                       "that would be marked for cleanup; mark nothing"},
            "shard": {"type": ["string", "null"], "default": None, "format": SHARD_FORMAT,
                      "description": "New: collect, clean up and tag only this worker's share of the accounts: "
                                     "INDEX/COUNT (e.g. 2/3, the second of three workers) or auto (the "
                                     "instances of this worker's fleet, subscriber ids NAME@INSTANCE, that the "
                                     "core lists as subscribers of collect); null: every account"},
            "shard_settle": {"type": "number", "minimum": 0, "default": 10,
                             "description": "New: with shard auto, seconds a peer must have been subscribed "
                                            "before a collect counts it (one that came later may have missed the "
                                            "step; until then its share is collected twice, never by nobody)"},
        },
        "additionalProperties": False,
    }


# ---- schema helpers ------------------------------------------------------------------------------


def defaults(schema: Json) -> Json:
    return {k: copy.deepcopy(p.get("default")) for k, p in schema.get("properties", {}).items()}


def section_errors(section: str, schema: Json, value: Any) -> List[Tuple[Optional[str], str]]:
    """(key, reason) for every problem in ``value``; key None for problems with the section itself."""
    validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
    found = []
    for err in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        path = [str(p) for p in err.absolute_path]
        key = path[0] if path else None
        if err.validator == "additionalProperties" and not path:
            extra = sorted(set(value) - set(schema.get("properties", {})))
            for name in extra:
                found.append((name, f"{section}.{name}: unknown key"))
            continue
        where = ".".join([section] + path)
        message = str(err.cause) if err.validator == "format" and err.cause else err.message
        found.append((key, f"{where}: {message}"))
    return found


def resolve_section(section: str, schema: Json, stored: Optional[Json], fallback: Optional[Json] = None
                    ) -> Tuple[Json, List[str]]:
    """Defaults overlaid with ``stored``; every invalid key falls back (to ``fallback``'s value, else the
    default) and is reported, so one bad value never takes the section or the daemon down."""
    base = defaults(schema)
    if stored is not None and not isinstance(stored, dict):
        return dict(fallback or base), [f"{section}: expected an object of settings, got {json_kind(stored)}"]
    result = dict(base)
    result.update(stored or {})
    problems: List[str] = []
    for key, reason in section_errors(section, schema, result):
        problems.append(reason)
        if key is None:
            return dict(fallback or base), problems
        if key in schema.get("properties", {}):
            result[key] = copy.deepcopy((fallback or base).get(key))
        else:
            result.pop(key, None)
    return result, problems


def json_kind(value: Any) -> str:
    """How a JSON value is called in an error message."""
    for kind, name in ((bool, "a boolean"), (str, "a string"), (list, "a list"), (dict, "an object"),
                       ((int, float), "a number")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


# ---- --override ----------------------------------------------------------------------------------


class OverrideError(ValueError):
    pass


def _json_types(prop: Json) -> List[str]:
    kind = prop.get("type", "string")
    return kind if isinstance(kind, list) else [kind]


def cast_value(prop: Json, text: str) -> Any:
    """Cast an override's text to the type the schema declares (lists are split on commas)."""
    types = [t for t in _json_types(prop) if t != "null"]
    if text.lower() in ("null", "none") and "null" in _json_types(prop):
        return None
    kind = types[0] if types else "string"
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise OverrideError(f"expected a boolean (true/false), got {text!r}")
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise OverrideError(f"expected an integer, got {text!r}") from None
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise OverrideError(f"expected a number, got {text!r}") from None
    if kind == "array":
        item = prop.get("items", {"type": "string"})
        return [cast_value(item, part.strip()) for part in text.split(",") if part.strip()]
    if kind == "object":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as ex:
            raise OverrideError(f"expected a JSON object, got {text!r}: {ex}") from None
        if not isinstance(value, dict):
            raise OverrideError(f"expected a JSON object, got {text!r}")
        return value
    return text


def parse_override(text: str, schemas: Dict[str, Json]) -> Tuple[str, str, Any]:
    """``section.key=value`` → (section, key, typed value)."""
    if "=" not in text:
        raise OverrideError(f"override {text!r}: expected section.key=value")
    path, value = text.split("=", 1)
    if "." not in path:
        raise OverrideError(f"override {text!r}: expected section.key=value")
    section, key = path.strip().split(".", 1)
    schema = schemas.get(section)
    if schema is None:
        raise OverrideError(f"override {text!r}: unknown config section {section!r} "
                            f"(known: {', '.join(sorted(schemas))})")
    prop = schema.get("properties", {}).get(key)
    if prop is None:
        raise OverrideError(f"override {text!r}: unknown key {key!r} in section {section!r}")
    try:
        typed = cast_value(prop, value.strip())
    except OverrideError as ex:
        raise OverrideError(f"override {text!r}: {ex}") from None
    for problem_key, reason in section_errors(section, schema, {**defaults(schema), key: typed}):
        if problem_key == key:  # e.g. out of range, not one of an enum's values
            raise OverrideError(f"override {text!r}: {reason.split(': ', 1)[-1]}")
    return section, key, typed


def all_schemas(registry: Any) -> Dict[str, Json]:
    """Our section's schema and those of the installed collectors (``registry``: ``worker.plugins.Collectors``)."""
    schemas = {WORKER_SECTION: worker_schema()}
    schemas.update(registry.schemas())
    return schemas


def parse_overrides(texts: List[str], schemas: Dict[str, Json]) -> List[Tuple[str, str, Any]]:
    """``--override`` texts, a wrong one a usage error."""
    try:
        return [parse_override(text, schemas) for text in texts]
    except OverrideError as ex:
        raise UsageError(str(ex)) from None


def apply_overrides(config: Json, overrides: Iterable[Tuple[str, str, Any]]) -> Json:
    result = {s: dict(v) for s, v in config.items()}
    for section, key, value in overrides:
        result.setdefault(section, {})[key] = value
    return result


class WorkerConfig:
    """The effective config of every known section, as plain dicts: ``cfg.section("resotoworker")``."""

    def __init__(self, schemas: Dict[str, Json], stored: Optional[Json] = None,
                 overrides: Iterable[Tuple[str, str, Any]] = (), previous: Optional["WorkerConfig"] = None) -> None:
        self.schemas = schemas
        self.problems: List[str] = []
        if stored is not None and not isinstance(stored, dict):
            self.problems.append(f"the config {json_kind(stored)} is not an object of sections")
            stored = None
        stored = stored or {}
        sections: Json = {}
        for name, schema in schemas.items():
            fallback = previous.sections.get(name) if previous else None
            sections[name], problems = resolve_section(name, schema, stored.get(name), fallback)
            self.problems.extend(problems)
        self.sections: Json = apply_overrides(sections, overrides)  # checked by parse_override already

    def section(self, name: str) -> Json:
        return self.sections[name]

    @property
    def resotoworker(self) -> Json:
        """The worker's own section, ``resotoworker``."""
        return self.sections[WORKER_SECTION]

    def restart_required_changes(self, other: "WorkerConfig") -> List[str]:
        changed = []
        for name, schema in self.schemas.items():
            for key, prop in schema.get("properties", {}).items():
                if prop.get("x-restart-required") and \
                        self.sections.get(name, {}).get(key) != other.sections.get(name, {}).get(key):
                    changed.append(f"{name}.{key}")
        return changed
