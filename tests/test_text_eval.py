"""The labelled evaluation set: the detector must meet the project's quality targets.

Targets (from the TG103/TG204 issue): high-confidence findings precision ≥ 0.95 for both
rules; TG103 all findings (any confidence) recall ≥ 0.85 and precision ≥ 0.75; no
high-confidence finding on text in a language we cannot read.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from trackerguard.text.analysis import TextVerdict, analyze_purpose, analyze_success_measure

EVAL_DIR = Path(__file__).parent / "data" / "text_eval"
SUPPORTED = {"en", "es", "pt", "de", "fr"}
KINDS = {"work", "bug", "docs", "chore", "epic", "tracking", "roadmap", "initiative"}
GOAL_KINDS = {"epic", "tracking", "roadmap", "initiative"}


def _load() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(EVAL_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            case["_file"] = path.name
            case["body"] = case.get("body") or ""
            cases.append(case)
    return cases


CASES = _load()
PURPOSE = [(c, analyze_purpose(c["body"], c["title"])) for c in CASES]
MEASURE = [(c, analyze_success_measure(c["body"], c["title"])) for c in CASES if "measure" in c]


def _scores(
    rows: list[tuple[dict[str, Any], TextVerdict]], key: str, high_only: bool
) -> tuple[float, float, int]:
    findings = [
        (c, v) for c, v in rows if not v.present and (v.confidence == "high" or not high_only)
    ]
    true = sum(1 for c, _ in findings if not c[key])
    missing = sum(1 for c, _ in rows if not c[key])
    precision = true / len(findings) if findings else 1.0
    recall = true / missing if missing else 1.0
    return precision, recall, len(findings)


def test_the_set_is_well_formed_and_shaped_like_real_issues() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert len(CASES) >= 200
    for c in CASES:
        assert c["kind"] in KINDS, c["id"]
        assert isinstance(c["purpose"], bool), c["id"]
        assert ("measure" in c) == (c["kind"] in GOAL_KINDS), c["id"]
    goal_like = [c for c in CASES if c["kind"] in GOAL_KINDS]
    assert len(goal_like) >= 40
    langs = Counter(c["lang"] for c in CASES)
    assert sum(n for lang, n in langs.items() if lang != "en") / len(CASES) >= 0.07
    assert {"es", "pt", "de", "fr", "zh", "ko", "ru"} <= set(langs)
    with_purpose = sum(1 for c in CASES if c["purpose"]) / len(CASES)
    assert 0.3 <= with_purpose <= 0.6


def test_tg103_high_confidence_precision() -> None:
    precision, _, n = _scores(PURPOSE, "purpose", high_only=True)
    assert n >= 20
    assert precision >= 0.95


def test_tg103_all_findings_recall_and_precision() -> None:
    precision, recall, _ = _scores(PURPOSE, "purpose", high_only=False)
    assert recall >= 0.85
    assert precision >= 0.75


def test_tg204_high_confidence_precision() -> None:
    precision, _, n = _scores(MEASURE, "measure", high_only=True)
    assert n >= 3
    assert precision >= 0.95


HOLDOUT1 = {"holdout.yaml", "holdout_long.yaml"}
HOLDOUT2 = {"holdout2.yaml"}


def test_holdout_meets_the_all_findings_targets() -> None:
    """The held-out files were never used for tuning: they are the honest estimate."""
    rows = [(c, v) for c, v in PURPOSE if c["_file"] in HOLDOUT1]
    precision, recall, _ = _scores(rows, "purpose", high_only=False)
    assert recall >= 0.85
    assert precision >= 0.75


def test_second_holdout_meets_the_targets() -> None:
    """holdout2.yaml: realistic lengths, purposes in plain prose (consequences, conditions,
    costs, frequencies, who is blocked). Written and scored before the prose-reason cues
    for those were added (all findings: precision 0.597, recall 1.000 then)."""
    rows = [(c, v) for c, v in PURPOSE if c["_file"] in HOLDOUT2]
    assert len(rows) >= 60
    precision, recall, _ = _scores(rows, "purpose", high_only=False)
    assert recall >= 0.85
    assert precision >= 0.75
    high_precision, _, _ = _scores(rows, "purpose", high_only=True)
    assert high_precision >= 0.95


@pytest.mark.parametrize(
    ("case", "verdict"),
    [(c, v) for c, v in PURPOSE + MEASURE if c["lang"] not in SUPPORTED],
    ids=lambda x: x["id"] if isinstance(x, dict) else x.kind,
)
def test_unsupported_languages_never_yield_high_confidence_findings(
    case: dict[str, Any], verdict: TextVerdict
) -> None:
    assert verdict.present or verdict.confidence == "low"


def test_every_high_confidence_finding_explains_itself() -> None:
    for c, v in PURPOSE + MEASURE:
        if not v.present and v.confidence == "high":
            assert v.kind in {
                "empty",
                "template_only",
                "placeholder_only",
                "title_restated",
                "too_short",
                "short_no_reason",
                "list_only",
                "code_only",
                "no_cue",
            }
            assert v.evidence, c["id"]


def test_verdicts_do_not_depend_on_hash_seed() -> None:
    """Evidence must be stable across processes, or comments would flap between runs."""
    import json
    import subprocess
    import sys

    script = (
        "import json, sys, yaml, pathlib\n"
        "from dataclasses import astuple\n"
        "from trackerguard.text.analysis import analyze_purpose, analyze_success_measure\n"
        "out = []\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.yaml')):\n"
        "    for c in yaml.safe_load(p.read_text(encoding='utf-8')) or []:\n"
        "        b, t = c.get('body') or '', c['title']\n"
        "        out.append([astuple(analyze_purpose(b, t)), astuple(analyze_success_measure(b, t))])\n"
        "print(json.dumps(out))\n"
    )
    root = Path(__file__).resolve().parent.parent
    runs = []
    for seed in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-c", script, str(EVAL_DIR)],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(root), "PATH": ""},
        )
        runs.append(json.loads(proc.stdout))
    assert runs[0] == runs[1]
