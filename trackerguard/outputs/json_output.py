"""``--format json``: DESIGN.md's report document (keys are a contract)."""

from __future__ import annotations

import json

from trackerguard.report import Report


def write_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
