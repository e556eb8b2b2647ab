"""Errors that stop the worker, each with a message that says what to fix."""


class FatalError(Exception):
    """The worker cannot go on (wrong PSK, certificate mismatch, core never came up, bad usage)."""


class CoreError(Exception):
    """A request to the core failed (``worker.core.api``). ``reason`` is the failure without ``what``
    was asked, for callers that say that themselves."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class CoreUnreachable(CoreError, OSError):
    """No answer: the connection failed or timed out. An ``OSError``, as requests' own errors are."""

    def __init__(self, what: str, cause: Exception) -> None:
        super().__init__(f"{what}: {cause}", str(cause))
        self.cause = cause


class CoreRejected(CoreError):
    """The core answered a request with an error status."""

    def __init__(self, what: str, status: int, body: str, message: str = "") -> None:
        super().__init__(message or f"{what}: core answered {status}: {body.strip()[:500]}",
                         f"{status} {body[:300]}")
        self.status = status
        self.body = body


class CoreUnauthorized(CoreRejected, FatalError):
    """401: the core does not take our token. Nothing the worker does next can succeed."""

    def __init__(self, what: str, body: str) -> None:
        super().__init__(what, 401, body, f"{what}: the core rejected our token (401): wrong PSK, or the "
                                          f"worker's clock runs more than 5 minutes behind the core's?")


class CoreGaveUp(CoreError):
    """Every attempt a retry policy allowed failed, or the worker stopped meanwhile."""

    def __init__(self, message: str) -> None:
        super().__init__(message, message)


class UsageError(FatalError):
    """The command line or the environment asks for something invalid: exit code 2, before anything runs."""
