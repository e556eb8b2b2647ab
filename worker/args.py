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
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, NoReturn, Optional, Sequence, Tuple

from worker import DISTRIBUTION, __version__
from worker.core.errors import UsageError
from worker.shard import config_id, fleet_name, parse_shard, subscriber_problem

ENV_PREFIX = "RESOTOWORKER_"
TRUE = ("true", "1", "yes", "on")
FALSE = ("false", "0", "no", "off", "")
HOST = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+")  # a name or IPv4 address, or an IPv6 address


@dataclass(frozen=True)
class Option:
    flags: Sequence[str]
    help: str
    kind: str = "str"  # str, int, bool (a flag), list
    default: Any = None
    metavar: Optional[str] = None
    dest: Optional[str] = None
    choices: Optional[Sequence[str]] = None
    check: Optional[Callable[[str], Any]] = None  # raises ValueError with the reason for a bad value

    @property
    def name(self) -> str:
        return self.dest or self.flags[0].lstrip("-").replace("-", "_")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.flags[0].lstrip("-").replace("-", "_").upper()


# options of the daemon and of `collect`
COMMON: List[Option] = [
    Option(["--subscriber-id"], "Subscriber id: the action subscriber is <id>-collector, the config id is <id>; "
           "NAME@INSTANCE (e.g. resoto.worker@2) is an instance of the fleet NAME, whose instances share the "
           "config NAME", default="resoto.worker", metavar="ID"),
    Option(["--psk"], "Pre-shared key of the core (signs every request; empty means none)"),
    Option(["--resotocore-uri"], "Where the core is: http(s)://host[:port] (https:// turns on TLS with the core's CA)",
           default="https://localhost:8900", metavar="URI"),
    Option(["--override"], "Override config values: section.key=value (lists comma-separated); repeatable, "
           "applied on top of the stored config, never written to the core", kind="list", metavar="KEY=VALUE"),
    Option(["--ca-cert"], "CA certificate file of the core, instead of fetching it from /ca/cert", metavar="FILE"),
    Option(["--no-verify-certs"], "Do not verify the core's TLS certificate (all calls and sockets)", kind="bool"),
    Option(["--verbose", "-v"], "Verbose (debug) logging", kind="bool"),
    Option(["--trace"], "Even more logging than --verbose", kind="bool"),
    Option(["--quiet"], "Log warnings and errors only", kind="bool"),
    Option(["--log-format"], "Log format (default: text on a terminal, json otherwise)", metavar="FORMAT",
           choices=("text", "json")),
    Option(["--ready-timeout"], "Seconds to wait for the core's /system/ready at start", kind="int", default=300,
           metavar="SECONDS"),
    Option(["--fork"], "Collect each account in its own forked process (sets resotoworker.fork_process=true)",
           kind="bool"),
    Option(["--shard"], "Collect, clean up and tag only this worker's share of the accounts (sets "
           "resotoworker.shard): INDEX/COUNT, e.g. 2/3 for the second of three workers, each given its own "
           "INDEX; or auto (the daemon only): the share among the instances of this fleet (--subscriber-id "
           "NAME@INSTANCE) that the core lists as subscribers of collect", metavar="INDEX/COUNT|auto",
           check=parse_shard),
]

DAEMON: List[Option] = [
    Option(["--cert"], "Certificate file for the worker's own web server", metavar="FILE"),
    Option(["--cert-key"], "Key file of --cert", metavar="FILE"),
    Option(["--cert-key-pass"], "Passphrase of --cert-key", metavar="PASS"),
    Option(["--idle-timeout"], "Exit with code 1 if no collect action arrives within this many seconds of "
           "start (0 or unset: never)", kind="int", metavar="SECONDS"),
    Option(["--cleanup"], "Enable cleanup of resources marked for cleanup (sets resotoworker.cleanup=true; "
           "still a dry run unless resotoworker.cleanup_dry_run=false)", kind="bool"),
    Option(["--cleanup-expired"], "Mark expired resources for cleanup on the cleanup_plan step "
           "(sets resotoworker.cleanup_expired=true)", kind="bool"),
]

COLLECT: List[Option] = [
    Option(["--collector"], "Collector to run (repeatable; default: resotoworker.collector, else every "
           "installed one)", kind="list", metavar="NAME"),
    Option(["--output", "-o"], "Write the merge stream to FILE (one upload for all accounts) or DIR/ (one file "
           "per account) instead of uploading to the core; no core needed. FILE is replaced only when the run "
           "ends", metavar="PATH"),
    Option(["--no-progress"], "No progress bar, even on a terminal", kind="bool"),
    Option(["--summary"], "After the run: the totals and every failed account, or a row for every account",
           default="totals", choices=("totals", "full")),
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
        raise UsageError(f"{option.env}={raw!r}: expected true/false (or 1/0, yes/no)")
    if option.kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise UsageError(f"{option.env}={raw!r}: expected a whole number") from None
    if option.choices and raw.lower() not in option.choices:
        raise UsageError(f"{option.env}={raw!r}: expected one of {', '.join(option.choices)}")
    if option.check is not None:
        try:
            option.check(raw)
        except ValueError as ex:
            raise UsageError(f"{option.env}={ex}") from None
    return raw.lower() if option.choices else raw


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, not the usage block: what is wrong, and where to read more."""
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _add(parser: argparse.ArgumentParser, option: Option) -> None:
    """Every option is left out of the namespace unless given (SUPPRESS): ``parse`` tells the options given
    before ``collect`` from those after it and fills in the rest from the environment and the defaults."""
    help_text = f"{option.help} [env {option.env}]"
    if option.default not in (None, False):
        help_text += f" (default: {option.default})"
    kw: Dict[str, Any] = {"dest": option.name, "default": argparse.SUPPRESS, "help": help_text}
    if option.kind == "bool":
        parser.add_argument(*option.flags, action="store_true", **kw)
    elif option.kind == "list":
        parser.add_argument(*option.flags, action="extend", nargs="+", metavar=option.metavar, **kw)
    else:
        kind = int if option.kind == "int" else str.lower if option.choices else str
        if option.check is not None:
            kind = _checked(option.check)
        parser.add_argument(*option.flags, type=kind, metavar=option.metavar, choices=option.choices, **kw)


def _checked(check: Callable[[str], Any]) -> Callable[[str], str]:
    def value(text: str) -> str:
        try:
            check(text)
        except ValueError as ex:
            raise argparse.ArgumentTypeError(str(ex)) from None
        return text

    return value


def parser(command: str = "daemon") -> argparse.ArgumentParser:
    if command == "collect":
        collect = _Parser(
            prog="resotoworker collect",
            description="Collect once and exit (for cron): uploads to the core, or writes the merge stream "
                        "to --output without any core. Prints a summary; exit code 0 when every account "
                        "landed, 1 when some failed, 2 when nothing was collected or on bad usage, 128 + the "
                        "signal's number when stopped by SIGINT (Ctrl-C: 130) or SIGTERM (143).")
        for option in COLLECT + COMMON:
            _add(collect, option)
        return collect
    main = _Parser(
        prog="resotoworker",
        description="Resoto worker daemon: connects to resotocore, collects cloud resources on its "
                    "collect action (one process per account with --fork), runs cleanups and tag tasks.",
        epilog="Commands:\n  resotoworker collect --help   collect once and exit (cron, or to a file)\n\n"
               "Every option can also come from its environment variable; the command line wins.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    main.add_argument("--version", action="version", version=f"{DISTRIBUTION} {__version__}")
    main.add_argument("--machine-help", action="store_true", default=argparse.SUPPRESS,
                      help="List all options, one per line, and exit")
    for option in COMMON + DAEMON:
        _add(main, option)
    return main


def split_command(argv: List[str]) -> Tuple[List[str], Optional[List[str]]]:
    """The arguments before ``collect`` and after it (None: no ``collect``, the daemon). A value of an
    option is never the command, so ``--psk collect`` is a PSK; a list option's values end at it."""
    takes_value = {flag for option in COMMON + DAEMON if option.kind in ("str", "int") for flag in option.flags}
    position = 0
    while position < len(argv):
        if argv[position] == "collect":
            return argv[:position], argv[position + 1:]
        position += 2 if argv[position] in takes_value else 1
    return argv, None


def core_url(text: str) -> str:
    """``text`` if it is an http(s) URL with a host (and a valid port); UsageError otherwise."""
    problem = ""
    try:
        parts = urllib.parse.urlsplit(text.strip())
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number or out of range)
    except ValueError as ex:
        problem = str(ex)
    else:
        if parts.scheme not in ("http", "https"):
            problem = "expected http:// or https://"
        elif not parts.hostname or not HOST.fullmatch(parts.hostname):
            problem = "no valid host name"
    if problem:
        raise UsageError(f"--resotocore-uri {text!r}: {problem} (e.g. https://resotocore.example:8900)")
    return text.strip().rstrip("/")


def parse(argv: List[str], environ: Optional[Mapping[str, str]] = None) -> argparse.Namespace:
    environ = os.environ if environ is None else environ
    before, after = split_command(argv)
    args = parser().parse_args(before)
    args.command = "daemon" if after is None else "collect"
    if after is not None:
        given = [o.flags[0] for o in DAEMON if o.name in vars(args)]
        if given:
            raise UsageError(f"{', '.join(given)}: an option of the daemon, not of collect")
        for name, value in vars(parser("collect").parse_args(after)).items():
            # a list given on both sides of the command adds up, anything else: the later one wins
            setattr(args, name, getattr(args, name, []) + value if isinstance(value, list) else value)
    for option in COLLECT + COMMON if after is not None else COMMON + DAEMON:
        from_env = env_value(option, environ)
        if option.name not in vars(args):
            setattr(args, option.name, from_env if from_env is not None else option.default)
        elif option.kind == "list" and from_env:  # the environment's values, then the command line's
            setattr(args, option.name, from_env + getattr(args, option.name))
    args.machine_help = getattr(args, "machine_help", False)
    if not args.verbose and not args.trace and not args.quiet:
        args.verbose = environ.get("RESOTO_VERBOSE", "").lower() in TRUE
        args.trace = environ.get("RESOTO_TRACE", "").lower() in TRUE
        args.quiet = environ.get("RESOTO_QUIET", "").lower() in TRUE
    if args.psk == "":
        args.psk = None
    args.resotocore_uri = core_url(args.resotocore_uri)
    problem = subscriber_problem(args.subscriber_id)
    if problem:
        raise UsageError(f"--subscriber-id {problem}")
    args.config_id = config_id(args.subscriber_id)
    shard = parse_shard(args.shard)  # checked already
    if shard is not None and shard.auto:
        if args.command == "collect":
            raise UsageError("--shard auto: only the daemon, a subscriber of the core's collect, can find its "
                             "peers; give the one-shot collect INDEX/COUNT")
        if fleet_name(args.subscriber_id) is None:
            raise UsageError(f"--shard auto: the peers are the instances of one fleet: give each a subscriber id "
                             f"NAME@INSTANCE (e.g. --subscriber-id {args.subscriber_id}@1), not "
                             f"{args.subscriber_id!r}")
    return args


def flag_overrides(args: argparse.Namespace) -> List[str]:
    """Flags that set config keys, as override strings (applied like --override)."""
    flags = {"fork": "resotoworker.fork_process=true", "cleanup": "resotoworker.cleanup=true",
             "cleanup_expired": "resotoworker.cleanup_expired=true"}
    texts = [text for name, text in flags.items() if getattr(args, name, False)]
    if getattr(args, "shard", None):
        texts.append(f"resotoworker.shard={args.shard.strip().lower()}")
    return texts


def all_flags() -> List[str]:
    flags = ["--machine-help", "--help", "-h", "--version"]
    for option in COMMON + DAEMON + COLLECT:
        flags.extend(option.flags)
    return flags
