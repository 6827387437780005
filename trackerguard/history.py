"""The strategy graph's health over time: one summary per ``check``, kept in the state store.

A single report says where a backlog stands; a manager's weekly question is whether strategy
and execution are *converging*: is coverage rising, are findings falling, and for each
initiative, is the open work under it shrinking while nothing stalls? Every ``check`` records
a compact summary (coverage per level, findings per rule and severity, and per top-level goal
its open work, unlinked work and stalled goals); ``trackerguard report --history`` draws it.

Only complete, full scans make a point on the trend: an incremental or keyed run sees a slice,
and a partial run is missing items, so neither is comparable with the others (both are still
recorded, flagged, for the record).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trackerguard.graph import StrategyGraph
from trackerguard.report import Coverage, Report
from trackerguard.state import StateStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tracker TEXT NOT NULL,
    scope TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_scope ON history (tracker, scope, at);
"""
STALLED_RULE = "TG205"


@dataclass(frozen=True)
class InitiativeHealth:
    """One top-level goal at one point in time."""

    key: str
    title: str
    open_work: int
    findings: int
    stalled_goals: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "open_work": self.open_work,
            "findings": self.findings,
            "stalled_goals": self.stalled_goals,
        }


@dataclass
class Snapshot:
    """What one run saw, reduced to the numbers a trend needs."""

    at: datetime
    kind: str
    """``full`` (comparable), ``incremental``, ``keys`` or ``partial``."""
    items: int
    coverage: dict[str, float]
    findings: dict[str, int]
    by_rule: dict[str, int]
    unlinked_work: int
    initiatives: list[InitiativeHealth] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "kind": self.kind,
            "items": self.items,
            "coverage": dict(self.coverage),
            "findings": dict(self.findings),
            "by_rule": dict(self.by_rule),
            "unlinked_work": self.unlinked_work,
            "initiatives": [i.to_dict() for i in self.initiatives],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        return cls(
            at=datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00")),
            kind=str(data["kind"]),
            items=int(data["items"]),
            coverage={k: float(v) for k, v in data["coverage"].items()},
            findings={k: int(v) for k, v in data["findings"].items()},
            by_rule={k: int(v) for k, v in data["by_rule"].items()},
            unlinked_work=int(data["unlinked_work"]),
            initiatives=[InitiativeHealth(**i) for i in data.get("initiatives", [])],
        )


def snapshot(report: Report, kind: str) -> Snapshot:
    """Reduce a report to a snapshot (per initiative: the subtree below each top goal)."""
    cov = report.coverage
    counted = [f for f in report.findings if f.waived is None]
    by_rule = Counter(f.rule for f in counted)
    per_item = Counter(f.item for f in counted)
    stalled = {f.item for f in counted if f.rule == STALLED_RULE}
    unlinked = {f.item for f in counted if f.rule == "TG101"}
    initiatives: list[InitiativeHealth] = []
    graph = report.graph
    if graph is not None and graph.levels.names:
        top = graph.levels.names[0]
        judged = {item.key for item in report.items}
        for item in report.items:
            if item.level != top or item.is_closed:
                continue
            below = _subtree(graph, item.key)
            open_work = sum(
                1
                for key in below
                if (child := graph.items.get(key)) is not None
                and not child.is_closed
                and graph.levels.is_work(child.level)
            )
            initiatives.append(
                InitiativeHealth(
                    key=item.key,
                    title=item.title,
                    open_work=open_work,
                    findings=sum(per_item[k] for k in below | {item.key} if k in judged),
                    stalled_goals=len(stalled & (below | {item.key})),
                )
            )
    return Snapshot(
        at=report.generated_at,
        kind=kind,
        items=len(report.items),
        coverage={
            "work_serving_goal": Coverage.ratio(cov.work_serving, cov.work_total),
            "goals_with_plan": Coverage.ratio(cov.goals_planned, cov.goals_total),
        },
        findings=report.counts(),
        by_rule=dict(sorted(by_rule.items())),
        unlinked_work=len(unlinked),
        initiatives=sorted(initiatives, key=lambda i: i.key),
    )


def _subtree(graph: StrategyGraph, key: str) -> set[str]:
    """Every item below ``key`` (iterative and cycle-safe: trackers allow odd links)."""
    seen: set[str] = set()
    stack = [child.key for child in graph.children(key)]
    while stack:
        child = stack.pop()
        if child in seen or child == key:
            continue
        seen.add(child)
        stack.extend(grandchild.key for grandchild in graph.children(child))
    return seen


class History:
    """Read and write snapshots in the state store (a table of its own)."""

    def __init__(self, state: StateStore) -> None:
        self.state = state
        state.conn.executescript(_SCHEMA)

    def record(self, tracker: str, scope: str, snap: Snapshot) -> None:
        self.state.conn.execute(
            "INSERT INTO history (tracker, scope, at, kind, summary) VALUES (?, ?, ?, ?, ?)",
            (
                tracker,
                scope,
                snap.at.astimezone(UTC).isoformat(),
                snap.kind,
                json.dumps(snap.to_dict(), sort_keys=True),
            ),
        )

    def load(
        self, tracker: str, scope: str | None = None, *, comparable_only: bool = True
    ) -> list[Snapshot]:
        sql = "SELECT summary FROM history WHERE tracker = ?"
        args: list[Any] = [tracker]
        if scope is not None:
            sql += " AND scope = ?"
            args.append(scope)
        if comparable_only:
            sql += " AND kind = 'full'"
        sql += " ORDER BY at, id"
        return [
            Snapshot.from_dict(json.loads(row[0])) for row in self.state.conn.execute(sql, args)
        ]


def converging(series: list[InitiativeHealth]) -> str:
    """``converging`` / ``diverging`` / ``steady`` / ``new`` for one initiative's points.

    Converging: open work and findings went down (or stayed) and no more goals stall than at
    the start of the window; diverging: findings or stalled goals went up.
    """
    if len(series) < 2:
        return "new"
    first, last = series[0], series[-1]
    if last.stalled_goals > first.stalled_goals or last.findings > first.findings:
        return "diverging"
    if last.open_work < first.open_work or last.findings < first.findings:
        return "converging"
    return "steady"


def record_run(state: StateStore, tracker: str, scope: str, report: Report, *, kind: str) -> None:
    """Add this run's point (``kind``: full, incremental, keys; partial runs are flagged)."""
    History(state).record(tracker, scope, snapshot(report, "partial" if report.partial else kind))
