"""The ``resotoworker`` command: the daemon, or ``resotoworker collect`` for one-shot runs."""
from __future__ import annotations

import logging
import sys
from typing import List, Optional

from worker import args as arguments
from worker import logs
from worker.core.errors import FatalError, UsageError

log = logging.getLogger("resotoworker")

USAGE_ERROR = 2
INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = arguments.parse(argv)
    except UsageError as ex:
        print(f"resotoworker: {ex}", file=sys.stderr)
        return USAGE_ERROR
    if args.machine_help:
        print("\n".join(arguments.all_flags()))
        return 0
    logs.setup(args.verbose, args.trace, args.quiet, args.log_format)
    overrides = list(args.override or []) + arguments.flag_overrides(args)
    try:
        if args.command == "collect":
            from worker import oneshot

            return oneshot.run(args, overrides)
        from worker.daemon import Daemon

        return Daemon(args, overrides).run()
    except UsageError as ex:
        print(f"resotoworker: {ex}", file=sys.stderr)
        return USAGE_ERROR
    except FatalError as ex:
        log.error("%s", ex)
        return 2 if args.command == "collect" else 1
    except KeyboardInterrupt:  # before the command's own signal handling is in place
        log.warning("interrupted")
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
