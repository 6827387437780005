"""Cues as data: one TOML file per language, compiled once; team cues in the same form."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from trackerguard.errors import ConfigError
from trackerguard.settings import load_settings
from trackerguard.text.analysis import TextAnalysisConfig, analyze_purpose
from trackerguard.text.cues import LANG_CUES, CueFileError, compile_cue, load_language

CUE_DIR = resources.files("trackerguard.text.cues")


def test_every_language_file_is_loaded_and_english_is_shared() -> None:
    files = sorted(p.name[:-5] for p in CUE_DIR.iterdir() if p.name.endswith(".toml"))
    assert files == sorted(LANG_CUES) == ["de", "en", "es", "fr", "pt"]
    english = LANG_CUES["en"]
    assert len(english) > 100
    for lang in ("es", "pt", "de", "fr"):
        cues = LANG_CUES[lang]
        assert cues[: len(english)] == english  # 'extends = "en"'
        assert len(cues) > len(english) + 20


def test_every_cue_in_the_files_has_the_documented_keys() -> None:
    allowed = {"category", "weight", "triggers", "pattern", "anchored", "gate", "needs", "fallback"}
    for lang in LANG_CUES:
        data = tomllib.loads(CUE_DIR.joinpath(f"{lang}.toml").read_text(encoding="utf-8"))
        assert data["language"] == lang
        for spec in data["cue"]:
            assert set(spec) <= allowed, (lang, spec)
            assert spec["weight"] in (1, 2)
            assert spec["triggers"].split()


def test_word_lists_expand_plain_and_as_prefix_tree() -> None:
    words = {"who": "users|user|customers|customer"}
    plain = compile_cue(
        {"category": "who", "weight": 2, "triggers": "users", "pattern": r"\b(?:<<who>>) lose\b"},
        words,
        "test",
    )
    tree = compile_cue(
        {
            "category": "who",
            "weight": 2,
            "triggers": "users",
            "pattern": r"\b(?:<<trie:who>>) lose\b",
        },
        words,
        "test",
    )
    for text in ("users lose", "customer lose", "customers lose"):
        assert plain.rx.search(text) and tree.rx.search(text)
    assert not plain.rx.search("admins lose") and not tree.rx.search("admins lose")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"category": "why", "triggers": "x", "pattern": "x"}, "category must be one of"),
        ({"weight": 3, "triggers": "x", "pattern": "x"}, "weight must be 1 or 2"),
        ({"triggers": "", "pattern": "x"}, "'triggers' must name"),
        ({"triggers": "x", "pattern": "(x"}, "does not compile"),
        ({"triggers": "x", "pattern": "<<nope>>"}, "unknown word list"),
        ({"triggers": "x", "pattern": "x", "gate": "y"}, "need 'anchored = true'"),
        ({"triggers": "x", "pattern": "x", "colour": "red"}, "unknown key(s) colour"),
    ],
)
def test_a_bad_cue_is_named_with_its_place(spec: dict[str, object], message: str) -> None:
    with pytest.raises(CueFileError) as err:
        compile_cue(spec, {}, "xx.toml cue #3")
    assert "xx.toml cue #3" in str(err.value) and message in str(err.value)


def test_loading_an_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(CueFileError, match="no cue file for language 'xx'"):
        load_language("xx")


def test_team_cue_in_the_language_file_form_counts_as_a_reason() -> None:
    body = "Move the nightly invoice run to 02:00. Finance closes the books at 06:00 sharp."
    assert not analyze_purpose(body, "Invoice run").present
    config = TextAnalysisConfig(
        purpose_cues=[
            {
                "category": "impact",
                "weight": 2,
                "triggers": "closes",
                "pattern": r"\bfinance closes the books\b",
            }
        ]
    )
    verdict = analyze_purpose(body, "Invoice run", config=config)
    assert verdict.present and "impact" in verdict.evidence
    # plain phrases keep working next to structured cues
    mixed = TextAnalysisConfig(purpose_cues=["closes the books", {"triggers": "x", "pattern": "x"}])
    assert analyze_purpose(body, "Invoice run", config=mixed).present


def test_a_broken_team_cue_is_a_configuration_error(tmp_path: Path) -> None:
    config = tmp_path / "trackerguard.toml"
    config.write_text(
        'tracker = "file"\n[text]\npurpose_cues = [{ triggers = "x", pattern = "(unclosed" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_settings(config, cwd=tmp_path, use_pyproject=False)
    assert "purpose_cues entry 1" in str(err.value) and "does not compile" in str(err.value)
