"""The bot identities the service compares delivery actors with, resolved off the request path.

Recognising trackerguard's own writes (loop prevention, ``docs/service.md``) needs to know who
trackerguard writes as on each tracker. Unless configured (``bot_login``, ``bot_username``,
``bot_user_id``, ``bot_account_id``) that takes a tracker request (``GET /user``,
``/myself``, ``viewer``). Doing it while a delivery waits for its 202 would hand every
tracker's latency, or outage, to the acknowledgements; so each tracker gets a thread of its
own that asks at start, caches the answer, refreshes it every ``identity_refresh_minutes``
and caches a failure too (retried with a growing delay). Parsing only reads the cache.

A delivery that arrives while its tracker's identity is still unknown is not trusted to be a
human's: it is queued as *unattributed*, so the echo window applies to it, and the worker
that judges it knows the identity by then (its adapter asks). Judging an item again writes
nothing when its findings are unchanged, so even the bot's own echo cannot start a loop.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from trackerguard.run import Runner

if TYPE_CHECKING:
    from trackerguard.adapter import TrackerAdapter
    from trackerguard.plugins_manager import Registry
    from trackerguard.settings import Settings

log = logging.getLogger("trackerguard.service")

State = Literal["pending", "known", "failed"]


@dataclass(frozen=True, slots=True)
class Identity:
    """What is known about one tracker's bot identity right now."""

    state: State
    value: str | None = None
    """The identity (``None``: the tracker has none for this configuration, e.g. anonymous)."""
    error: str | None = None
    """The last lookup's failure (kept while a known value is still used)."""
    checked: float = 0.0
    """``time.time()`` of the last lookup's end (0: none finished yet)."""


class BotIdentities:
    """One lookup thread per tracker; :meth:`known` and :meth:`get` never block."""

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        adapters: dict[str, TrackerAdapter],
        *,
        refresh_seconds: float,
        retry_seconds: float = 5.0,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.adapters = adapters
        self.refresh_seconds = refresh_seconds
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._entries: dict[str, Identity] = {name: Identity("pending") for name in adapters}
        self._first = {name: threading.Event() for name in adapters}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stop.clear()
        for name in self.adapters:
            thread = threading.Thread(
                target=self._run, args=(name,), name=f"tg-identity-{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def wait_first(self, timeout: float) -> None:
        """Give the lookups a short head start (all trackers together, at most ``timeout``):
        usually every identity is known before the first delivery; a hung tracker costs the
        start no more than this."""
        deadline = time.monotonic() + timeout
        for event in self._first.values():
            if not event.wait(max(0.0, deadline - time.monotonic())):
                return

    def stop(self) -> None:
        """Stop refreshing. A thread stuck in a hung request is a daemon: not waited for."""
        self._stop.set()
        for thread in self._threads:
            thread.join(0.2)
        self._threads.clear()

    def get(self, tracker: str) -> Identity:
        with self._lock:
            return self._entries.get(tracker, Identity("pending"))

    def known(self, tracker: str) -> bool:
        return self.get(tracker).state == "known"

    def snapshot(self) -> dict[str, Identity]:
        with self._lock:
            return dict(self._entries)

    # -- lookup threads ------------------------------------------------------------------------
    def _run(self, tracker: str) -> None:
        delay = self.retry_seconds
        while not self._stop.is_set():
            ok = self.resolve(tracker)
            self._first[tracker].set()
            if ok:
                delay = self.retry_seconds
                wait = self.refresh_seconds
            else:
                wait = delay
                delay = min(max(delay * 2, self.retry_seconds), max(self.refresh_seconds, 1.0))
            if self._stop.wait(wait):
                return

    def resolve(self, tracker: str) -> bool:
        """One lookup with a fresh adapter (its own connections, this thread's only)."""
        runner: Runner | None = None
        try:
            runner = Runner(self.settings, self.registry, tracker)
            value = runner.adapter.bot_identity()
        except Exception as exc:
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
            with self._lock:
                old = self._entries.get(tracker, Identity("pending"))
                # a known identity stays in use (it rarely changes); the failure is noted
                state: State = "known" if old.state == "known" else "failed"
                self._entries[tracker] = Identity(state, old.value, error, time.time())
            log.warning("%s: cannot find trackerguard's own account (will retry): %s",
                        tracker, error)  # fmt: skip
            return False
        finally:
            if runner is not None:
                with contextlib.suppress(Exception):
                    runner.close()
        self.adapters[tracker].use_bot_identity(value)
        with self._lock:
            previous = self._entries.get(tracker)
            self._entries[tracker] = Identity("known", value, None, time.time())
        if previous is None or previous.value != value or previous.state != "known":
            log.info("%s: trackerguard writes as %s", tracker, value or "(no identity)")
        return True
