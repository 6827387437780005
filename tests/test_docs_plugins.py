"""docs/plugins.md stays true: every hook is documented with its exact signature, and the
tutorial's code runs (its ``# file:`` blocks are written, its other Python blocks executed)."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from trackerguard import hooks

DOC = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def code_signature(name: str) -> str:
    function = getattr(hooks, name)
    params = ", ".join(
        f"{p.name}: {p.annotation}" for p in inspect.signature(function).parameters.values()
    )
    returns = inspect.signature(function).return_annotation
    return f"def {name}({params}) -> {returns}"


def documented_signatures() -> dict[str, str]:
    reference = section("Hook reference")
    found: dict[str, str] = {}
    for match in re.finditer(r"^### (\w+)\n+```python\n(.*?)\n```", reference, re.M | re.S):
        found[match.group(1)] = " ".join(match.group(2).split())
    return found


@pytest.mark.parametrize("name", hooks.HOOK_NAMES)
def test_hook_is_documented_with_its_signature(name: str) -> None:
    documented = documented_signatures()
    assert name in documented, f"{name} is not documented in docs/plugins.md"
    assert documented[name] == code_signature(name), (
        f"docs/plugins.md documents {documented[name]!r}, the code says {code_signature(name)!r}"
    )


def test_no_documented_hook_is_unknown() -> None:
    assert set(documented_signatures()) <= set(hooks.HOOK_NAMES)


def test_hook_docstrings_exist() -> None:
    for name in hooks.HOOK_NAMES:
        assert (getattr(hooks, name).__doc__ or "").strip(), name


def tutorial_blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(section("Tutorial"))]


def test_tutorial_has_code() -> None:
    languages = [language for language, _ in tutorial_blocks()]
    assert languages.count("python") >= 3 and "yaml" in languages and "toml" in languages


def test_tutorial_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    executed = 0
    namespace: dict[str, Any] = {"__name__": "tutorial"}
    for language, body in tutorial_blocks():
        first = body.splitlines()[0] if body else ""
        marker = re.match(r"#\s*file:\s*(\S+)", first)
        if marker:
            target = tmp_path / marker.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
            if target.suffix == ".py" and "tests" not in target.parts:
                compile(body, str(target), "exec")
            continue
        if language == "python":
            exec(compile(body, f"docs/plugins.md block {executed}", "exec"), namespace)
            executed += 1
    assert executed >= 2
    sys.modules.pop("trackerguard_sla", None)


def test_tutorial_plugin_test_file_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tutorial's tests/test_sla.py, run by pytest with the kit's fixture."""
    for _language, body in tutorial_blocks():
        marker = re.match(r"#\s*file:\s*(\S+)", body.splitlines()[0] if body else "")
        if marker:
            target = tmp_path / marker.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    code = pytest.main(
        [
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "--rootdir",
            str(tmp_path),
            "-c",
            str(tmp_path / "pyproject.toml"),
            str(tmp_path / "tests"),
        ]
    )
    sys.modules.pop("trackerguard_sla", None)
    assert code == 0
