"""Short real-issue shapes: harms in the reporter's own words count as a purpose, and a
short body acts as a clear absence only when it names no harm, difficulty or benefit;
a goal's plain list is only a possible measure, a list of sub-issues a likely one.

The cases are written for this test (tests/data/text_real_shapes.yaml); the corpus they
stand for is described in benchmarks/real_corpus/README.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trackerguard.text.analysis import analyze_purpose, analyze_success_measure

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "text_real_shapes.yaml").read_text(encoding="utf-8")
)


def test_the_cases_cover_every_expectation_and_five_languages() -> None:
    assert {c["expect"] for c in CASES} == {"present", "absent_high", "absent_low"}
    assert {c["lang"] for c in CASES} == {"en", "pt", "es", "fr", "de", "zh"}
    assert {c.get("rule", "purpose") for c in CASES} == {"purpose", "measure"}
    assert len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_verdict_matches_the_written_label(case: dict[str, Any]) -> None:
    analyse = analyze_success_measure if case.get("rule") == "measure" else analyze_purpose
    verdict = analyse(case["body"], case["title"])
    if case["expect"] == "present":
        assert verdict.present, verdict
    else:
        assert not verdict.present, verdict
        assert verdict.confidence == ("high" if case["expect"] == "absent_high" else "low"), verdict
