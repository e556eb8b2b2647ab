"""Command-line options and their ``RESOTOWORKER_*`` environment variables: a superset of resotoworker
3.9.0's (protocol memo §8). Every option ``--foo-bar`` can also be set with ``RESOTOWORKER_FOO_BAR``;
the command line wins over the environment.

Where the reference has quirks, this does the obvious thing:
* ``RESOTOWORKER_NO_VERIFY_CERTS=true`` turns verification OFF (the reference keeps it on);
* ``RESOTOWORKER_VERBOSE`` / ``_QUIET`` / ``_TRACE`` set the log level (the reference reads
  ``RESOTO_VERBOSE`` for that; those are still honoured).
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from worker.core.errors import FatalError

ENV_PREFIX = "RESOTOWORKER_"
TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off", "")


@dataclass(frozen=True)
class Option:
    flags: Sequence[str]
    help: str
    kind: str = "str"  # str, int, bool (a flag), list
    default: Any = None
    metavar: Optional[str] = None
    dest: Optional[str] = None

    @property
    def name(self) -> str:
        return self.dest or self.flags[0].lstrip("-").replace("-", "_")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.flags[0].lstrip("-").replace("-", "_").upper()


COMMON: List[Option] = [
    Option(["--subscriber-id"], "Subscriber id: the action subscriber is <id>-collector, the config id is <id>",
           default="resoto.worker"),
    Option(["--psk"], "Pre-shared key of the core (signs every request; empty means none)"),
    Option(["--resotocore-uri"], "Where the core is (https:// turns on TLS with the core's CA)",
           default="https://localhost:8900", metavar="URI"),
    Option(["--override"], "Override config values: section.key=value (lists comma-separated); repeatable, "
           "applied on top of the stored config, never written to the core", kind="list", metavar="KEY=VALUE"),
    Option(["--ca-cert"], "CA certificate file of the core, instead of fetching it from /ca/cert", metavar="FILE"),
    Option(["--cert"], "Certificate file for the worker's own web server", metavar="FILE"),
    Option(["--cert-key"], "Key file of --cert", metavar="FILE"),
    Option(["--cert-key-pass"], "Passphrase of --cert-key", metavar="PASS"),
    Option(["--no-verify-certs"], "Do not verify the core's TLS certificate (all calls and sockets)", kind="bool"),
    Option(["--verbose", "-v"], "Verbose (debug) logging", kind="bool"),
    Option(["--trace"], "Even more logging than --verbose", kind="bool"),
    Option(["--quiet"], "Log warnings and errors only", kind="bool"),
    Option(["--log-format"], "Log format: text or json (default: text on a terminal, json otherwise)",
           metavar="FORMAT"),
    Option(["--idle-timeout"], "Exit with code 1 if no collect action arrives within this many seconds of "
           "start (0 or unset: never)", kind="int", metavar="SECONDS"),
    Option(["--ready-timeout"], "Seconds to wait for the core's /system/ready at start", kind="int", default=300,
           metavar="SECONDS"),
    Option(["--fork"], "Collect each account in its own forked process (sets resotoworker.fork_process=true)",
           kind="bool"),
    Option(["--cleanup"], "Enable cleanup of resources marked for cleanup (sets resotoworker.cleanup=true; "
           "still a dry run unless resotoworker.cleanup_dry_run=false)", kind="bool"),
    Option(["--cleanup-expired"], "Mark expired resources for cleanup on the cleanup_plan step "
           "(sets resotoworker.cleanup_expired=true)", kind="bool"),
]

COLLECT: List[Option] = [
    Option(["--collector"], "Collector to run (repeatable; default: resotoworker.collector, else every "
           "installed one)", kind="list", metavar="NAME"),
    Option(["--output", "-o"], "Write the merge stream to FILE (one upload for all accounts) or DIR/ (one file "
           "per account) instead of uploading to the core; no core needed", metavar="PATH"),
    Option(["--no-progress"], "No progress bar, even on a terminal", kind="bool"),
]


def env_value(option: Option, environ: Mapping[str, str]) -> Any:
    if option.kind == "list":
        values = []
        if option.env in environ and environ[option.env].strip():
            values.extend(environ[option.env].split(" "))
        for n in range(255):
            if f"{option.env}{n}" in environ:
                values.append(environ[f"{option.env}{n}"])
        return [v for v in values if v] or None
    if option.env not in environ:
        return None
    raw = environ[option.env]
    if option.kind == "bool":
        if raw.strip().lower() in TRUE:
            return True
        if raw.strip().lower() in FALSE:
            return False
        raise FatalError(f"{option.env}={raw!r}: expected true/false (or 1/0, yes/no)")
    if option.kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise FatalError(f"{option.env}={raw!r}: expected a whole number") from None
    return raw


def _add(parser: argparse.ArgumentParser, option: Option, environ: Mapping[str, str]) -> None:
    from_env = env_value(option, environ)
    default = from_env if from_env is not None else option.default
    help_text = f"{option.help} [env {option.env}]"
    if option.default not in (None, False):
        help_text += f" (default: {option.default})"
    kw: Dict[str, Any] = {"dest": option.name, "default": default, "help": help_text}
    if option.kind == "bool":
        parser.add_argument(*option.flags, action="store_true", **kw)
    elif option.kind == "list":
        parser.add_argument(*option.flags, action="extend", nargs="+", metavar=option.metavar, **kw)
    else:
        parser.add_argument(*option.flags, type=int if option.kind == "int" else str, metavar=option.metavar, **kw)


def parser_for(command: Optional[str], environ: Mapping[str, str]) -> argparse.ArgumentParser:
    if command == "collect":
        parser = argparse.ArgumentParser(
            prog="resotoworker collect",
            description="Collect once and exit (for cron): uploads to the core, or writes the merge stream "
                        "to --output without any core. Prints a summary; exit code 0 when every account "
                        "landed, 1 when some failed, 2 when nothing was collected or on bad usage.")
        options = COLLECT + COMMON
    else:
        parser = argparse.ArgumentParser(
            prog="resotoworker",
            description="Resoto worker daemon: connects to resotocore, collects cloud resources on its "
                        "collect action (one process per account with --fork), runs cleanups and tag tasks.",
            epilog="Commands:\n  resotoworker collect --help   collect once and exit (cron, or to a file)\n\n"
                   "Every option can also come from its environment variable; the command line wins.",
            formatter_class=argparse.RawDescriptionHelpFormatter)
        options = COMMON
        parser.add_argument("--machine-help", action="store_true", help="List all options, one per line, and exit")
    for option in options:
        _add(parser, option, environ)
    return parser


def parse(argv: List[str], environ: Optional[Mapping[str, str]] = None) -> argparse.Namespace:
    environ = os.environ if environ is None else environ
    command = argv[0] if argv and argv[0] == "collect" else None
    args = parser_for(command, environ).parse_args(argv[1:] if command else argv)
    args.command = command or "daemon"
    if not args.verbose and not args.trace and not args.quiet:
        args.verbose = environ.get("RESOTO_VERBOSE", "").lower() in TRUE
        args.trace = environ.get("RESOTO_TRACE", "").lower() in TRUE
        args.quiet = environ.get("RESOTO_QUIET", "").lower() in TRUE
    if args.psk == "":
        args.psk = None
    return args


def flag_overrides(args: argparse.Namespace) -> List[str]:
    """Flags that set config keys, as override strings (applied like --override)."""
    mapping: Dict[str, Callable[[argparse.Namespace], Optional[str]]] = {
        "fork": lambda a: "resotoworker.fork_process=true" if a.fork else None,
        "cleanup": lambda a: "resotoworker.cleanup=true" if a.cleanup else None,
        "cleanup_expired": lambda a: "resotoworker.cleanup_expired=true" if a.cleanup_expired else None,
    }
    return [text for text in (fn(args) for fn in mapping.values()) if text]


def all_flags() -> List[str]:
    flags = ["--machine-help", "--help", "-h"]
    for option in COMMON + COLLECT:
        flags.extend(option.flags)
    return flags
