"""The bot comment: what it says, and how it is recognised again.

One comment per item, in canonical Markdown. It starts with the hidden marker
``<!-- trackerguard -->`` and carries a fingerprint of the findings it describes
(``<!-- trackerguard:fingerprint=… -->``), so "same findings as last time" is decided by
comparing fingerprints, never prose (a wording change in a new release must not re-edit
every comment in a tracker). Trackers without hidden text (Jira) keep the fingerprint in a
comment property instead; adapters get it from :class:`~trackerguard.adapter.Action`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from trackerguard.adapter import MARKER
from trackerguard.rule import Finding

RESOLVED_FINGERPRINT = "resolved"
_FINGERPRINT_RE = re.compile(r"<!--\s*trackerguard:fingerprint=([A-Za-z0-9_-]+)\s*-->")


def fingerprint(findings: Sequence[Finding]) -> str:
    """A short stable hash of the acting findings (rule, message, evidence, hint)."""
    digest = hashlib.sha256()
    for finding in sorted(findings, key=lambda f: (f.rule, f.message)):
        for part in (finding.rule, str(finding.severity), finding.message, finding.evidence):
            digest.update(part.encode("utf-8"))
            digest.update(b"\x1f")
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


def parse_fingerprint(body: str) -> str:
    """The fingerprint a trackerguard comment carries, or '' for foreign/old comments."""
    match = _FINGERPRINT_RE.search(body)
    return match.group(1) if match else ""


def is_trackerguard_comment(body: str) -> bool:
    return MARKER in body


def _markers(fp: str) -> str:
    return f"{MARKER}\n<!-- trackerguard:fingerprint={fp} -->\n"


def render_findings(
    findings: Sequence[Finding],
    docs_url: str,
    skip_label: str,
    why: Mapping[str, str] | None = None,
    links: Mapping[str, str | None] | None = None,
) -> str:
    """The comment listing what is missing, why it matters, and how to fix it.

    ``links`` gives each rule's documentation (``None``: the rule has none, so the comment
    shows no link); rules missing from it link to ``docs_url#<rule id>`` (the built-in pack).
    """
    fp = fingerprint(findings)
    count = len(findings)
    lines = [
        _markers(fp),
        f"**trackerguard** found {count} thing{'s' if count != 1 else ''} to fix on this item:",
        "",
    ]
    for finding in sorted(findings, key=lambda f: (-f.severity.rank, f.rule)):
        anchor = finding.rule.lower()
        lines.append(f"- **{finding.rule} {finding.name}** ({finding.severity}): {finding.message}")
        reason = (why or {}).get(finding.rule, "")
        if reason:
            lines.append(f"  - _Why it matters:_ {reason}")
        if finding.hint:
            lines.append(f"  - _How to fix:_ {finding.hint}")
        if finding.evidence:
            lines.append(f"  - _What trackerguard saw:_ {finding.evidence}")
        link = (links or {}).get(finding.rule, f"{docs_url}#{anchor}")
        if link:
            lines.append(f"  - [About {finding.rule}]({link})")
    lines += [
        "",
        "_This comment updates itself when the item changes. To exempt this item, add the "
        f"label `{skip_label}`._",
    ]
    return "\n".join(lines)


def render_resolved() -> str:
    """What the comment becomes once every finding is fixed."""
    return (
        _markers(RESOLVED_FINGERPRINT)
        + "**trackerguard**: everything is in order now. Thank you for fixing it."
    )
