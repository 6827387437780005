"""pytest plugin of the rule-author kit (registered through the ``pytest11`` entry point).

Two ways to test rules with YAML case files (format: :mod:`trackerguard.testing`):

* the ``trackerguard_cases`` fixture::

      def test_my_rule(trackerguard_cases):
          trackerguard_cases.check_file("tests/cases/okr1.yaml")

* files named ``*.tgcases.yaml`` anywhere under the test paths are collected on their own,
  one test item per case (no Python needed). The pattern is the ini option
  ``trackerguard_cases_pattern``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trackerguard.testing import (
    Case,
    Outcome,
    check_case,
    collect_cases,
    load_cases,
    run_rules,
)

DEFAULT_PATTERN = "*.tgcases.yaml"


class CaseRunner:
    """What the ``trackerguard_cases`` fixture hands a test."""

    def load(self, path: str | Path) -> list[Case]:
        return load_cases(path)

    def collect(self, *patterns: str | Path) -> list[Case]:
        return collect_cases(*patterns)

    def check(self, case: Case) -> Outcome:
        return check_case(case)

    def check_file(self, path: str | Path) -> list[Outcome]:
        """Check every case of a file; fails with the differences of *all* failing cases."""
        failures: list[str] = []
        outcomes: list[Outcome] = []
        for case in load_cases(path):
            try:
                outcomes.append(check_case(case))
            except AssertionError as exc:
                failures.append(str(exc))
        if failures:
            raise AssertionError("\n\n".join(failures))
        return outcomes

    def run(self, items: list[dict[str, Any]], **kwargs: Any) -> Outcome:
        """:func:`trackerguard.testing.run_rules` (items in, findings and errors out)."""
        return run_rules(items, **kwargs)


@pytest.fixture
def trackerguard_cases() -> CaseRunner:
    """Load, run and check YAML rule cases (see :mod:`trackerguard.testing`)."""
    return CaseRunner()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "trackerguard_cases_pattern",
        help=f"glob of YAML rule case files collected as tests (default {DEFAULT_PATTERN})",
        default=DEFAULT_PATTERN,
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    pattern = str(parent.config.getini("trackerguard_cases_pattern") or DEFAULT_PATTERN)
    if fnmatch.fnmatch(file_path.name, pattern):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    """A ``*.tgcases.yaml`` file: one test item per case."""

    def collect(self) -> Iterator[pytest.Item]:
        for case in load_cases(self.path):
            yield CaseItem.from_parent(self, name=case.name, case=case)


class CaseItem(pytest.Item):
    """One case of a case file."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        check_case(self.case)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        if isinstance(excinfo.value, AssertionError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.name}"
