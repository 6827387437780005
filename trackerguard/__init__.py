"""trackerguard: a rules engine for project trackers.

Flags work that serves no goal and goals without a plan, in Jira, GitHub, Redmine or a local
backlog file, from CI (``trackerguard check``) or as a webhook service (``trackerguard serve``).
The public API for plugin authors is re-exported here.
"""

from __future__ import annotations

from trackerguard.adapter import (
    Action,
    AdapterContext,
    ScanRequest,
    TrackerAdapter,
    TrackerSettings,
    WebhookError,
    WebhookEvent,
)
from trackerguard.hooks import hookimpl, hookspec
from trackerguard.model import (
    BotComment,
    BotState,
    ItemRef,
    Link,
    Severity,
    StatusCategory,
    WorkItem,
)
from trackerguard.rule import PASS, Finding, Rule, RuleContext, RuleOptions, Verdict, fail, ok

__version__ = "0.1.0"

__all__ = [
    "PASS",
    "Action",
    "AdapterContext",
    "BotComment",
    "BotState",
    "Finding",
    "ItemRef",
    "Link",
    "Rule",
    "RuleContext",
    "RuleOptions",
    "ScanRequest",
    "Severity",
    "StatusCategory",
    "TrackerAdapter",
    "TrackerSettings",
    "Verdict",
    "WebhookError",
    "WebhookEvent",
    "WorkItem",
    "__version__",
    "fail",
    "hookimpl",
    "hookspec",
    "ok",
]
