"""The action planner: from findings and what the bot left last time to the writes needed.

It implements DESIGN.md's comment contract for every tracker at once:

* findings act only through their mode (``observe`` never writes; ``comment`` comments;
  ``label`` also labels; ``block`` also blocks) and only at high confidence;
* same findings as last time (same fingerprint) → no write at all;
* changed findings → the same comment is edited in place;
* all fixed → the comment becomes a short resolved note (or is deleted), the label is
  removed and the block lifted;
* several comments of the bot's own on one item (a lost reply applied twice by an older
  version) → the newest is the comment, the others are deleted.

The plan is computed purely from data, so a dry run shows exactly what ``--apply`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trackerguard.adapter import Action
from trackerguard.comment import (
    RESOLVED_FINGERPRINT,
    fingerprint,
    render_findings,
    render_resolved,
)
from trackerguard.engine import PolicyFinding, mode_rank
from trackerguard.model import WorkItem
from trackerguard.settings import ActionsConfig


class Planner:
    """Plans the actions for one item at a time."""

    def __init__(
        self,
        config: ActionsConfig,
        why: Mapping[str, str] | None = None,
        links: Mapping[str, str | None] | None = None,
    ) -> None:
        self.config = config
        self.why = dict(why or {})
        self.links = dict(links or {})
        """Documentation per rule that is not a built-in (those link to ``docs_url``)."""

    def plan(self, item: WorkItem, findings: Sequence[PolicyFinding]) -> list[Action]:
        acting = [pf for pf in findings if pf.finding.acts and pf.mode != "observe"]
        top = max((mode_rank(pf.mode) for pf in acting), default=0)
        want_comment = top >= mode_rank("comment")
        want_label = top >= mode_rank("label")
        want_block = top >= mode_rank("block")
        bot = item.bot
        existing = bot.comment if bot is not None else None
        label = self.config.label
        has_label = label in item.labels
        blocked = bool(bot and bot.blocked)
        actions: list[Action] = []
        key = item.key

        if want_comment:
            acting_findings = [pf.finding for pf in acting]
            fp = fingerprint(acting_findings)
            if existing is None or existing.fingerprint != fp:
                rules = ", ".join(sorted({f.rule for f in acting_findings}))
                verb = "create" if existing is None else "update"
                actions.append(
                    Action(
                        key,
                        "comment",
                        f"{verb} comment ({rules})",
                        body=render_findings(
                            acting_findings,
                            self.config.docs_url,
                            self.config.skip_label,
                            self.why,
                            self.links,
                        ),
                        fingerprint=fp,
                        comment_id=existing.id if existing else None,
                    )
                )
        elif existing is not None and existing.fingerprint != RESOLVED_FINGERPRINT:
            resolved = self.config.resolved
            actions.append(
                Action(
                    key,
                    "uncomment",
                    "delete comment" if resolved == "delete" else "mark comment resolved",
                    body=None if resolved == "delete" else render_resolved(),
                    fingerprint=RESOLVED_FINGERPRINT,
                    comment_id=existing.id,
                )
            )

        for duplicate in bot.duplicates if bot is not None else ():
            actions.append(
                Action(
                    key,
                    "uncomment",
                    "delete a duplicate trackerguard comment (the newest one stays)",
                    fingerprint=RESOLVED_FINGERPRINT,
                    comment_id=duplicate,
                )
            )

        if want_label and not has_label:
            actions.append(Action(key, "label", f"add label '{label}'", label=label))
        elif not want_label and has_label:
            actions.append(Action(key, "unlabel", f"remove label '{label}'", label=label))

        if want_block and not blocked:
            actions.append(Action(key, "block", "block the item"))
        elif not want_block and blocked:
            actions.append(Action(key, "unblock", "lift the block"))
        return actions
