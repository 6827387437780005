"""The built-in rule pack, tested as data: every case of ``cases/*.yaml`` is one test.

Adding a case needs no code: append it to the rule's YAML file (format:
:mod:`trackerguard.testing`). The same kit serves plugin authors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from trackerguard.testing import Case, case_params, check_case

CASES = Path(__file__).parent / "cases"
BUILTIN_RULES = ("TG101", "TG102", "TG103", "TG201", "TG202", "TG203", "TG204", "TG205")


@pytest.mark.parametrize("case", case_params(CASES / "*.yaml"))
def test_rule_case(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("rule", BUILTIN_RULES)
def test_every_builtin_rule_has_positive_and_negative_cases(rule: str) -> None:
    from trackerguard.testing import load_cases

    cases = load_cases(CASES / f"{rule}.yaml")
    assert all(case.rules == [rule] for case in cases)
    assert any(case.expect for case in cases), f"{rule}: no case expects a finding"
    assert any(not case.expect for case in cases), f"{rule}: no case expects a pass"
