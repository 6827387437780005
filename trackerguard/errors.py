"""The exception hierarchy, and the exit code each class maps to.

::

    TrackerguardError
    ├── UsageError            exit 2  bad command line, unknown rule id
    ├── ConfigError           exit 2  config key/type error: names the key and the file
    ├── PluginError           exit 2  a plugin failed to load or register: names the plugin
    └── TrackerError          exit 3  tracker unreachable / auth failed / request failed
        ├── AuthError                 credentials rejected
        ├── AmbiguousWrite            a write was sent but its answer was lost (5xx, timeout,
        │                             reset): it may have been applied; re-read, never resend
        └── RateLimited               budget or retries exhausted under rate limiting

Every message is written for the person at the terminal: one line, naming what is wrong
and where, never echoing a secret.
"""

from __future__ import annotations


class TrackerguardError(Exception):
    """Base of every error trackerguard reports to a user."""

    exit_code = 2


class UsageError(TrackerguardError):
    exit_code = 2


class ConfigError(TrackerguardError):
    """Invalid configuration. The message names the key and the file (or env variable)."""

    exit_code = 2


class PluginError(TrackerguardError):
    """A plugin failed to import or register; stops the run (a guard must not drop rules)."""

    exit_code = 2


class TrackerError(TrackerguardError):
    """A tracker could not be read or written. Per-item failures become report errors."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        """Seconds the tracker asked us to wait (``Retry-After``); the service honours it."""


class WriteDeferred(TrackerError):
    """An action not attempted because the tracker refused this item recently (a 403 the
    adapter remembers). The action is reported failed with the reason, but it is not a new
    error of this run: the adapter says so once, in a run note."""


class AuthError(TrackerError):
    """The tracker rejected the credentials (401/403 on the identity check)."""


class AmbiguousWrite(TrackerError):
    """A non-idempotent write (creating a comment) whose outcome is unknown.

    The request left, then the answer was a 5xx, a timeout or a dropped connection: the
    tracker may well have applied it. Sending it again could comment twice, so the client
    raises this instead of retrying, and the adapter re-reads the item to find out.
    """


class RateLimited(TrackerError):
    """The request budget or the retries ran out; the scan is partial."""


class BudgetExhausted(RateLimited):
    """The per-run request budget is spent; remaining items are reported as not judged."""


DATA_ERRORS: tuple[type[Exception], ...] = (
    TrackerError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
    RecursionError,
)
"""What converting one tracker item may raise on data of an unexpected shape (a field null,
a string where an object was due, nesting too deep). Adapters catch exactly these around
each item's conversion and record an ``errors[]`` entry for that item, so odd data never
ends a run with a traceback (see ``tests/test_converter_fuzz.py``)."""
