"""Waivers: accountable, expiring exceptions to a rule.

A team that disagrees with a finding has two bad options without waivers: disable the rule
for everyone, or add the skip label and forget the item forever. A waiver is the third
option: it exempts one item (or the items of a query) from one rule (or all) and carries an
**owner**, a **reason** and an **expiry date**, so the exception stays somebody's decision and
comes back on its own when it runs out.

Waivers come from two places:

* the configuration, ``[[waivers]]`` tables (``items`` or ``query``, ``rules``, ``owner``,
  ``reason``, ``expires``); a waiver without owner or expiry is a configuration error unless
  ``[waiver_policy] allow_permanent = true``;
* the item itself: the waiver label (``trackerguard:waiver`` by default) plus a structured
  line in the description or a comment by a person, for example::

      trackerguard-waiver: TG202,TG203 owner=@alice expires=2027-01-31 reason="owned by the board"

  The label gates the look-up, so a line quoted in some unrelated text waives nothing.

A finding under an active waiver is reported with ``waived`` (owner, reason, expiry) and never
acts nor fails the run. An expired waiver stops exempting, and the finding says so, so the
comment tells the team why the item is flagged again.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

ALL_RULES = "*"
_LINE = re.compile(r"^\s*(?:[-*>]\s*)?trackerguard-waiver\s*:\s*(?P<body>.+?)\s*$", re.I | re.M)
_RULE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class WaiverSyntaxError(ValueError):
    """A waiver line on an item that cannot be used (the reason is shown as a run note)."""


@dataclass(frozen=True, slots=True)
class Waiver:
    """One exception: which rules, for which items, whose decision, until when."""

    rules: frozenset[str]
    owner: str
    reason: str
    expires: date | None
    source: str
    """Where it was declared: ``waivers[2] in trackerguard.toml`` or ``ACME-12 (comment)``."""
    items: frozenset[str] = frozenset()
    query: str | None = None

    def covers(self, rule_id: str) -> bool:
        return ALL_RULES in self.rules or rule_id in self.rules

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def days_left(self, today: date) -> int | None:
        return None if self.expires is None else (self.expires - today).days

    def to_dict(self) -> dict[str, Any]:
        """The ``findings[].waived`` object of the JSON report."""
        return {
            "owner": self.owner,
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "source": self.source,
        }

    def describe(self) -> str:
        until = f"until {self.expires.isoformat()}" if self.expires else "with no expiry"
        return f"waived by {self.owner} {until}: {self.reason}"


@dataclass(frozen=True, slots=True)
class WaiverMatch:
    """What the waivers say about one (item, rule): an active one, or one that ran out."""

    active: Waiver | None = None
    expired: Waiver | None = None


_NO_MATCH = WaiverMatch()


@dataclass
class WaiverBook:
    """All waivers of one run, indexed by item key (query waivers resolved to keys)."""

    by_item: dict[str, list[Waiver]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """Problems worth one line in the report (an unusable waiver line on an item)."""

    def add(self, key: str, waiver: Waiver) -> None:
        self.by_item.setdefault(key, []).append(waiver)

    def __bool__(self) -> bool:
        return bool(self.by_item)

    def lookup(self, key: str, rule_id: str, today: date) -> WaiverMatch:
        """The active waiver for (key, rule) if any, else the most recently expired one."""
        candidates = self.by_item.get(key)
        if not candidates:
            return _NO_MATCH
        active: Waiver | None = None
        expired: Waiver | None = None
        for waiver in candidates:
            if not waiver.covers(rule_id):
                continue
            if waiver.expired(today):
                if expired is None or (waiver.expires or date.min) > (expired.expires or date.min):
                    expired = waiver
            elif active is None or _lasts_longer(waiver, active):
                active = waiver
        if active is None and expired is None:
            return _NO_MATCH
        return WaiverMatch(active, None if active else expired)

    def all(self) -> list[tuple[str, Waiver]]:
        return [(key, w) for key, waivers in sorted(self.by_item.items()) for w in waivers]


def _lasts_longer(a: Waiver, b: Waiver) -> bool:
    if a.expires is None:
        return b.expires is not None
    return b.expires is not None and a.expires > b.expires


def parse_waiver_lines(
    text: str, *, source: str, allow_permanent: bool, known_rules: Iterable[str] | None = None
) -> tuple[list[Waiver], list[str]]:
    """Waivers stated in ``text`` (a description or a comment) and the problems found.

    ``trackerguard-waiver: RULES owner=WHO expires=YYYY-MM-DD reason="WHY"``; RULES is a
    comma-separated list of rule ids or ``*``. A line that cannot be used yields a problem
    (shown once as a run note), never an exemption.
    """
    waivers: list[Waiver] = []
    problems: list[str] = []
    known = set(known_rules) if known_rules is not None else None
    for match in _LINE.finditer(text):
        try:
            waivers.append(
                _parse_line(
                    match.group("body"), source, allow_permanent=allow_permanent, known=known
                )
            )
        except WaiverSyntaxError as exc:
            problems.append(f"{source}: waiver line ignored: {exc}")
    return waivers, problems


def _parse_line(body: str, source: str, *, allow_permanent: bool, known: set[str] | None) -> Waiver:
    try:
        tokens = shlex.split(body)
    except ValueError as exc:
        raise WaiverSyntaxError(f"cannot read '{body}' ({exc})") from None
    if not tokens:
        raise WaiverSyntaxError("no rule given")
    rules = _rule_ids(tokens[0].split(","), known)
    values: dict[str, str] = {}
    for token in tokens[1:]:
        name, sep, value = token.partition("=")
        name = name.strip().casefold()
        if not sep or name not in ("owner", "expires", "reason"):
            raise WaiverSyntaxError(
                f"unexpected '{token}' (expected owner=…, expires=YYYY-MM-DD, reason=…)"
            )
        values[name] = value.strip()
    expires = _date(values.get("expires"))
    owner = values.get("owner", "")
    reason = values.get("reason", "")
    check_accountable(owner, reason, expires, allow_permanent=allow_permanent)
    return Waiver(frozenset(rules), owner, reason, expires, source)


def _rule_ids(names: Sequence[str], known: set[str] | None) -> set[str]:
    rules = {name.strip().upper() if name.strip() != ALL_RULES else ALL_RULES for name in names}
    rules.discard("")
    if not rules:
        raise WaiverSyntaxError("no rule given")
    for rule in rules:
        if rule == ALL_RULES:
            continue
        if not _RULE_ID.match(rule):
            raise WaiverSyntaxError(f"'{rule}' is not a rule id")
        if known is not None and rule not in known:
            raise WaiverSyntaxError(f"unknown rule '{rule}'")
    return rules


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise WaiverSyntaxError(f"expires: '{value}' is not a date (YYYY-MM-DD)") from None


def check_accountable(
    owner: str, reason: str, expires: date | None, *, allow_permanent: bool
) -> None:
    """Every waiver names a reason; owner and expiry too unless permanent ones are allowed."""
    if not reason.strip():
        raise WaiverSyntaxError("no reason given (reason=…)")
    if allow_permanent:
        return
    if not owner.strip():
        raise WaiverSyntaxError(
            "no owner given (owner=…); set [waiver_policy] allow_permanent = true to allow it"
        )
    if expires is None:
        raise WaiverSyntaxError(
            "no expiry given (expires=YYYY-MM-DD); set [waiver_policy] allow_permanent = true "
            "to allow it"
        )


def config_waivers(
    entries: Sequence[Any], *, label: str, canonical: Mapping[str, str] | None = None
) -> list[Waiver]:
    """``[[waivers]]`` entries (already validated by the settings model) as waivers."""
    out: list[Waiver] = []
    for index, entry in enumerate(entries):
        items = frozenset((canonical or {}).get(key, key) for key in entry.items)
        out.append(
            Waiver(
                rules=frozenset(entry.rules),
                owner=entry.owner or "",
                reason=entry.reason,
                expires=entry.expires,
                source=f"waivers[{index}] in {label}",
                items=items,
                query=entry.query,
            )
        )
    return out
