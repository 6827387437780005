"""Incremental runs (``--since last``): when the watermark moves, and the open findings
an incremental run carries over from earlier runs.

A scheduled ``check --since last --apply`` reads only what changed since the last run whose
decisions were carried out. Two rules make that safe:

* the watermark moves only for a run whose decisions were carried out: an ``--apply`` run
  whose writes all succeeded, or any complete run that needed no write at all. A dry run
  that planned writes leaves it where it is, so the next ``--apply`` run still reads (and
  acts on) everything the dry run saw;
* the open findings of every judged item are kept in the state store, per tracker and
  scope. An incremental run re-judges the changed items and reports the stored findings of
  the others (``rejudged: false``), so its exit code and report reflect every open finding,
  not only the changed items'. A full scan replaces the stored set.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from trackerguard.adapter import ScanRequest
from trackerguard.model import Severity, WorkItem
from trackerguard.report import CarriedItem, Report
from trackerguard.rule import Finding
from trackerguard.state import StateStore, scope_of
from trackerguard.waivers import WaiverBook


def decisions_carried_out(report: Report) -> bool:
    """True when the run may move the ``--since last`` watermark."""
    if report.partial or any(action.status == "failed" for action in report.actions):
        return False
    return report.applied or not any(action.status == "planned" for action in report.actions)


def carry_over(
    report: Report,
    state: StateStore,
    request: ScanRequest,
    waivers: WaiverBook | None = None,
) -> None:
    """Store this run's open findings; add the earlier runs' ones to ``report``.

    Items this run judged get their current findings stored (or cleared). Items it did not
    judge (unchanged since the watermark, or listed but unreadable) keep theirs, and those
    are added to the report as not re-judged. Findings of rules no longer active are
    dropped (a configuration change retires them).
    """
    scope = scope_of(request.query, request.keys)
    unjudged = {error.item for error in report.errors if not error.judged}
    by_item = report.findings_by_item()
    records: dict[str, dict[str, Any] | None] = {}
    for item in report.items:
        if item.key in unjudged:
            continue
        found = by_item.get(item.key)
        records[item.key] = _record(item, found, report) if found else None
    stored = state.open_findings(report.tracker, scope)
    full = request.since is None
    active = {rule_id for rule_id, _, _ in report.rules}
    for key, record in stored.items():
        if key in records or (full and key not in unjudged):
            continue
        carried = [
            _waive(_finding(key, record, raw), waivers, report.generated_at.date())
            for raw in record.get("findings", [])
            if raw.get("rule") in active
        ]
        if not carried:
            continue
        report.findings.extend(carried)
        report.carried[key] = CarriedItem(
            key=key,
            title=str(record.get("title", "")),
            goal=record.get("goal"),
            goal_title=record.get("goal_title"),
        )
    keep_only = (set(records) | unjudged) if full else None
    state.store_open_findings(report.tracker, scope, records, keep_only=keep_only)


def _waive(finding: Finding, waivers: WaiverBook | None, today: date) -> Finding:
    """A carried finding obeys today's waivers, as a re-judged one would."""
    if waivers is None:
        return finding
    match = waivers.lookup(finding.item, finding.rule, today)
    if match.active is None:
        return finding
    return replace(finding, waived=match.active, acts=False)


def _record(item: WorkItem, found: list[Finding], report: Report) -> dict[str, Any]:
    goal = report.graph.goal(item.key) if report.graph is not None else None
    return {
        "title": item.title,
        "goal": goal.key if goal is not None else None,
        "goal_title": goal.title if goal is not None else None,
        "findings": [{**finding.to_dict(), "acts": finding.acts} for finding in found],
    }


def _finding(key: str, record: dict[str, Any], raw: dict[str, Any]) -> Finding:
    return Finding(
        rule=str(raw["rule"]),
        name=str(raw.get("name", "")),
        severity=Severity(raw.get("severity", "warn")),
        item=key,
        url=str(raw.get("url", "")),
        message=str(raw.get("message", "")),
        hint=str(raw.get("hint", "")),
        confidence="low" if raw.get("confidence") == "low" else "high",
        evidence=str(raw.get("evidence", "")),
        acts=bool(raw.get("acts", True)),
        rejudged=False,
    )
