"""The literal prefilter of the cue engine: a necessary condition, never a guess.

A cue whose required literals are absent from a text is not searched (see
``trackerguard.text.cues._regex``). These tests check the derivation on known shapes and,
on every written evaluation body, that no cue which matches a text is ever filtered out.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from trackerguard.text.cues import LANG_CUES, Cue, compile_cue
from trackerguard.text.cues._regex import required_literals
from trackerguard.text.languages import fold
from trackerguard.text.sections import parse_document

EVAL_DIR = Path(__file__).parent / "data" / "text_eval"


def test_literals_are_read_off_sequences_branches_and_repeats() -> None:
    assert required_literals(r"\bin order (?:to|for)\b") == (("in order ",),)
    # a branch needs one literal per alternative; the most selective groups are kept
    assert required_literals(r"\b(?:reach|past) end[- ]of[- ]life\b|\bno longer (?:x|y)\b") == (
        (" end", "no longer "),
    )
    assert required_literals(r"(?:\d+|many) ?% of (?:our |the )?(?:traffic|users)") == (
        ("% of ",),
        ("traffic", "users"),
    )
    # re scans quickly for a pattern that starts with a literal or a character set:
    # substring tests would cost as much, so such a pattern gets none
    assert required_literals(r"\d ?% of (?:traffic|users)") == ()
    assert required_literals(r"in order (?:to|for)\b") == ()
    assert required_literals(r"(?:abc)+ and") == ((" and",), ("abc",))  # longest first


def test_what_a_match_may_skip_gives_no_literal() -> None:
    assert required_literals(r"(?:because)? s") == ()  # optional, and " s" is too short
    assert required_literals(r"(?:since|)\bwe\b") == ()  # an empty alternative
    assert required_literals(r"\bbecause\b", skip=frozenset({"because"})) == ()  # the trigger
    assert required_literals(r"(?i)because") == ()  # case-insensitive: not modelled
    assert required_literals(r"(a)bc\1") == ()  # group references: not modelled
    assert required_literals(r"[abc]{2,5}\w+") == ()


def test_cues_with_a_fallback_are_never_filtered() -> None:
    cue = compile_cue(
        {
            "triggers": "users",
            "pattern": r" cannot log in\b",
            "anchored": True,
            "gate": "cannot",
            "fallback": r" want\b",
        },
        {},
        "test",
    )
    assert isinstance(cue, Cue) and cue.required() == ()


def _texts() -> list[str]:
    out: list[str] = []
    for path in sorted(EVAL_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            prose = parse_document(str(case.get("body") or "")).prose
            if prose:
                out.append(fold(prose))
    return out


def test_no_cue_that_matches_a_written_case_is_filtered_out() -> None:
    texts = _texts()
    assert len(texts) > 300
    checked = 0
    for lang, cues in LANG_CUES.items():
        for cue in cues:
            if not cue.required():
                continue
            rx = cue.fast or cue.rx
            for text in texts:
                if rx.search(text) is None:
                    continue
                checked += 1
                for group in cue.required():
                    assert any(lit in text for lit in group), (lang, cue.rx.pattern, group)
    assert checked > 50  # the check saw real matches


def test_the_slow_cues_get_a_prefilter() -> None:
    english = LANG_CUES["en"]
    with_literals = [c for c in english if c.required()]
    assert len(with_literals) >= 10
    assert not any(c.anchored or c.fallback is not None for c in with_literals)
    assert any("end[- ]of[- ]life" in c.rx.pattern for c in with_literals)
    for cue in with_literals:
        for group in cue.required():
            assert group and all(isinstance(lit, str) and len(lit) >= 3 for lit in group)
            assert not re.search(r"[\\\[\]()|?*+{}]", "".join(group))  # literals, not regex


def test_placeholder_patterns_read_lower_cased_ascii_as_the_case_insensitive_ones() -> None:
    from trackerguard.text import placeholders as p

    lines = [line.strip() for text in _texts() for line in text.splitlines()]
    lines += [
        "TBD",
        "N/A",
        "See Title",
        "Lorem Ipsum dolor",
        "XXX%",
        "$xx",
        "A Clear And Concise description of the bug",
        "Go To 'settings'",
        "WHAT ACTUALLY HAPPENED?",
        "Ref 12.",
    ]
    pairs = ((p._FILLER, p._FILLER_ASCII), (p._TEMPLATE_SENTENCE, p._TEMPLATE_SENTENCE_ASCII))
    for rx, twin in pairs:
        assert twin is not rx and not twin.flags & re.IGNORECASE
        for line in lines:
            for variant in (line, line.upper(), line.title()):
                if variant.isascii():
                    assert bool(rx.match(variant)) == bool(twin.match(variant.lower())), variant
    # non-ASCII text keeps the case-insensitive pattern (ſ folds to s there)
    assert p.is_placeholder_line("TBD.") and p.is_placeholder_line("ſee title")
