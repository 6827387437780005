"""trackerguard-okr: a rule, an output format and an observer for OKR-driven teams."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import deque
from typing import Any

from pydantic import Field

from trackerguard import (
    Finding,
    Rule,
    RuleContext,
    RuleOptions,
    Severity,
    Verdict,
    WorkItem,
    fail,
    hookimpl,
    ok,
)
from trackerguard.graph import StrategyGraph

__version__ = "0.1.0"
LOG_ENV = "TRACKERGUARD_OKR_LOG"


class KeyResultOptions(RuleOptions):
    teams: list[str] = Field(
        default_factory=list,
        description="Teams that work on OKRs (value of team_field); items labelled 'okr' always.",
    )
    team_field: str = Field(default="team", description="Custom field naming the team.")
    key_result_types: list[str] = Field(
        default_factory=lambda: ["Key Result"], description="Item types that are key results."
    )
    key_result_label: str = Field(default="key-result", description="Label marking a key result.")


class WorkLinksKeyResult(Rule):
    """Work of an OKR-driven team links a key result.

    **Why it matters**
    A team that plans with OKRs can only tell whether its work moves a key result when the
    work says which one; unlinked work is invisible in the OKR review.

    **Anti-pattern**
    A story of the payments team under an epic that belongs to no key result.

    **Best practice**
    Put the work (or its epic) under the key result it moves, or link it with "implements".
    """

    id = "OKR101"
    name = "work-links-key-result"
    default_severity = Severity.WARN
    applies_to = "work"
    Options = KeyResultOptions

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        options: KeyResultOptions = self.options  # type: ignore[assignment]
        team = item.fields.get(options.team_field)
        if "okr" not in item.labels and (not options.teams or team not in options.teams):
            return None
        if self._is_key_result(item, options):
            return None
        found = key_result_of(item, ctx.graph, options)
        if found is not None:
            return ok(f"moves key result {found.key}")
        who = f"team {team}" if team else "an OKR team"
        return fail(
            f"It is work of {who} but links no key result.",
            hint="Put it (or its epic) under the key result it moves, or link it with "
            "'implements'.",
            evidence="no key result is reachable through parents and goal links",
        )

    @staticmethod
    def _is_key_result(item: WorkItem, options: KeyResultOptions) -> bool:
        return item.type in options.key_result_types or options.key_result_label in item.labels


def key_result_of(
    item: WorkItem, graph: StrategyGraph, options: KeyResultOptions | None = None
) -> WorkItem | None:
    """The nearest key result reachable through parents and goal links (breadth first)."""
    options = options or KeyResultOptions()
    seen = {item.key}
    queue = deque(graph.serving_targets(item))
    while queue:
        key = queue.popleft()
        if key in seen:
            continue
        seen.add(key)
        target = graph.get(key)
        if target is None:
            continue
        if WorkLinksKeyResult._is_key_result(target, options):
            return target
        queue.extend(graph.serving_targets(target))
    return None


def write_okr_csv(report: Any) -> str:
    """``--format okr-csv``: item, rule, severity, goal, key result, message."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["item", "rule", "severity", "goal", "key_result", "message"])
    graph = report.graph
    for finding in report.findings:
        goal = ""
        key_result = ""
        if graph is not None:
            goal = graph.goal_of(finding.item).goal or ""
            item = graph.get(finding.item)
            found = key_result_of(item, graph) if item is not None else None
            key_result = found.key if found is not None else ""
        writer.writerow(
            [finding.item, finding.rule, str(finding.severity), goal, key_result, finding.message]
        )
    return out.getvalue()


@hookimpl
def trackerguard_register_rules(register: Any) -> None:
    register(WorkLinksKeyResult)


@hookimpl
def trackerguard_register_outputs(register: Any) -> None:
    register("okr-csv", write_okr_csv)


@hookimpl
def trackerguard_finding(finding: Finding, item: WorkItem) -> None:
    """Append each finding as a JSON line to ``$TRACKERGUARD_OKR_LOG`` (when set)."""
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps({"item": item.key, **finding.to_dict()}) + "\n")
