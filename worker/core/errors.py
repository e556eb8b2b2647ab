"""Errors that stop the worker, each with a message that says what to fix."""


class FatalError(Exception):
    """The worker cannot go on (wrong PSK, certificate mismatch, core never came up, bad usage)."""


class CoreRejected(Exception):
    """The core answered a request with an error status."""

    def __init__(self, what: str, status: int, body: str) -> None:
        super().__init__(f"{what}: core answered {status}: {body.strip()[:500]}")
        self.status = status
        self.body = body


class UsageError(FatalError):
    """The command line or the environment asks for something invalid: exit code 2, before anything runs."""
