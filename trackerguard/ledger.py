"""The scan ledger: what a scan listed against what was judged, kept by the core.

A report that says ``items: 100`` over a project of 1,000 is the worst failure a guard can
have: it looks green. Adapters therefore *declare* what the tracker told them exists (the
keys or ids on listing pages, a total the tracker announced, a page token that repeated)
and the runner, not the adapter, compares that with the items it judged. Every gap becomes
an ``errors[]`` entry by key, which makes the run partial (exit 3). An adapter that drops
an item, by a bug or a filter, can no longer shorten a report silently.

Identifiers: some trackers list ids before keys (Jira's id-only search pages). An adapter
lists what it has and calls :meth:`ScanLedger.alias` once it learns an id's key; a listed id
whose key never became known is named by its id.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trackerguard.adapter import AdapterContext

SCAN_ITEM = "(scan)"
"""The ``errors[].item`` of a gap that cannot be pinned on a key (fewer items than
announced, a repeating page token): the run is partial all the same."""


RUN_ITEM = "(run)"
"""The ``errors[].item`` of a failure of the run itself rather than of an item (a plugin's
observer hook raised): the run is partial."""


@dataclass(frozen=True, slots=True)
class Gap:
    """One listed-but-unjudged item (or a scan-wide shortfall) with the reason."""

    item: str
    message: str


@dataclass
class ScanLedger:
    """Thread-safe record of one scan's listing (adapters fetch in parallel)."""

    _listed: dict[str, None] = field(default_factory=dict)
    _alias: dict[str, str] = field(default_factory=dict)
    _announced: list[tuple[int, str, int | None]] = field(default_factory=list)
    _problems: list[Gap] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def clear(self) -> None:
        """Forget the previous scan (a Runner may serve many checks)."""
        with self._lock:
            self._listed.clear()
            self._alias.clear()
            self._announced.clear()
            self._problems.clear()

    # -- what adapters declare -------------------------------------------------------------
    def listed(self, idents: Iterable[str]) -> None:
        """Keys (or ids) the tracker said match the scan; each must be judged or named."""
        with self._lock:
            for ident in idents:
                if ident:
                    self._listed.setdefault(str(ident), None)

    def alias(self, ident: str, key: str) -> None:
        """``ident`` (an id listed earlier) is the item ``key``."""
        if ident and key and ident != key:
            with self._lock:
                self._alias[str(ident)] = key

    def announced(self, total: int, where: str, received: int | None = None) -> None:
        """The tracker said ``total`` items match (``where`` names the request).

        With ``received`` the total is checked against what *that* listing delivered (one
        repository's open issues among several); without it, against everything listed."""
        with self._lock:
            self._announced.append((int(total), where, received))

    def problem(self, message: str, item: str = SCAN_ITEM) -> None:
        """The listing itself went wrong (a repeating page token, an unparseable key...)."""
        with self._lock:
            self._problems.append(Gap(item, message))

    # -- what the runner asks --------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self._listed)

    def key_of(self, ident: str) -> str:
        return self._alias.get(ident, ident)

    def gaps(self, judged: set[str], named: set[str]) -> list[Gap]:
        """Every listed item neither in ``judged`` nor already ``named`` unjudged, plus
        shortfalls against announced totals and listing problems (each once)."""
        with self._lock:
            listed = [self.key_of(ident) for ident in self._listed]
            problems = list(self._problems)
            announced = list(self._announced)
        out: list[Gap] = list(dict.fromkeys(problems))
        seen: set[str] = {gap.item for gap in out}
        for key in dict.fromkeys(listed):
            if key in judged or key in named or key in seen:
                continue
            seen.add(key)
            out.append(
                Gap(key, "not judged: listed by the tracker but never read or judged (dropped)")
            )
        known = len(set(listed) | judged | named)
        for total, where, received in announced:
            got = known if received is None else received
            if total > got:
                out.append(
                    Gap(
                        SCAN_ITEM,
                        f"not judged: {where}: the tracker announced {total} items but "
                        f"only {got} were listed; {total - got} were never read",
                    )
                )
        return out


def name_gaps(context: AdapterContext, judged: set[str]) -> int:
    """Record every gap of the scan in ``context.errors`` (not judged: exit 3); return
    how many were added. An item already named unjudged (unreadable, a rule raised on it)
    is not named twice and does not count as judged."""
    named = {error.item for error in context.errors if not error.judged}
    gaps = context.ledger.gaps(judged - named, named)
    for gap in gaps:
        context.item_error(gap.item, gap.message, judged=False)
    return len(gaps)


__all__ = ["RUN_ITEM", "SCAN_ITEM", "Gap", "ScanLedger", "name_gaps"]
