"""The maintained summary issue: one issue, edited in place, with the report and the trend.

A manager looks at the strategy graph's health weekly, in the tracker, not in CI logs. With
``[actions] summary_issue = true`` every ``check --apply`` writes the Markdown report and the
trend of earlier full scans into one issue that the adapter finds again by its label (never
by a remembered number alone: the issue may have been moved, and a create whose reply was
lost must not leave a second one). The issue also carries the skip label, so it is never
judged as work itself.

Only full scans write it: an incremental or keyed run sees a slice of the backlog, and the
summary would then claim a picture it does not have.
"""

from __future__ import annotations

from trackerguard.adapter import ItemError, ScanRequest, SummaryIssue, TrackerAdapter
from trackerguard.errors import TrackerError
from trackerguard.outputs.history_output import render_markdown as trend_markdown
from trackerguard.outputs.markdown_output import write_markdown
from trackerguard.report import Report
from trackerguard.settings import Settings

MAX_BODY = 60_000
"""Characters: under GitHub's 65,536-character issue body limit, which is the smallest of the
trackers that take a summary (GitLab allows 1,048,576; Redmine's text columns more)."""
SUMMARY_ITEM = "summary issue"
"""The ``item`` of errors about the summary issue (it has no key before it exists)."""


def summary_body(report: Report) -> str:
    """The issue body: a header, the trend, then the report (cut to fit, saying so)."""
    header = (
        "<!-- trackerguard:summary -->\n"
        "_Maintained by trackerguard on every full `check --apply`; edits are overwritten._\n\n"
    )
    trend = trend_markdown(report.trend) + "\n"
    details = write_markdown(report)
    room = MAX_BODY - len(header) - len(trend)
    if len(details) > room:
        cut = details[: max(room - 200, 0)].rsplit("\n", 1)[0]
        details = (
            cut + "\n\n_The report is longer than an issue can hold: "
            "see the full report of this run (JSON or HTML artifact)._\n"
        )
    return header + trend + details


def maintain_summary(
    adapter: TrackerAdapter, settings: Settings, report: Report, request: ScanRequest
) -> SummaryIssue | None:
    """Write the summary issue for ``report`` when configured; outcomes go into the report.

    Returns what was done, or None when nothing was to be done (not configured, dry run,
    not a full scan, a partial scan, or a tracker without issues: each but the first says
    why in a run note).
    """
    actions = settings.actions
    if not actions.summary_issue:
        return None
    if not report.applied:
        report.notes.append("summary issue: not written in a dry run (use --apply)")
        return None
    if request.since is not None or request.keys:
        report.notes.append("summary issue: written by full scans only (this run read a slice)")
        return None
    if report.partial:
        report.notes.append("summary issue: not written, the scan is partial")
        return None
    labels = [actions.summary_issue_label, actions.skip_label]
    try:
        outcome = adapter.upsert_summary(actions.summary_issue_title, summary_body(report), labels)
    except NotImplementedError:
        report.notes.append(f"summary issue: the {adapter.name} tracker cannot hold one")
        return None
    except TrackerError as exc:
        report.errors.append(ItemError(SUMMARY_ITEM, f"not written: {exc}", judged=True))
        return None
    report.summary_issue = outcome
    return outcome
