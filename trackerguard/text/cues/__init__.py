"""Reason and success-measure cues: the engine that compiles and runs them.

Why: single keywords are weak (reference: "users" appears in 45% of bodies with a
purpose and 23% without), so each cue is a short *phrase* pattern with a weight:
2 = a reason on its own ("because", "this would allow", "users can't", "data loss"),
1 = a hint that needs company ("manually", "tedious", "due to"). Patterns are only
run when one of their trigger words occurs in the text (a set intersection), which
keeps a ~260-character description well under 50 µs even with ~100 patterns.

The purpose cues are data, one TOML file per language beside this module
(``en.toml``, ``es.toml``…; the format is described at the top of ``en.toml``). They
are compiled once, at import; a language file may ``extends`` another (every language
also uses the English cues, since real issues mix English into other languages). A
team's ``[text] purpose_cues`` entries use the same keys. Adding a language is adding
a file (plus its detection words in ``languages.py`` and its test cases).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from trackerguard.text.cues._regex import required_literals
from trackerguard.text.languages import fold

__all__ = [
    "LANG_CUES",
    "Cue",
    "CueFileError",
    "CueHit",
    "CueSet",
    "check_configured_cue",
    "compile_cue",
    "cue_set",
    "scan",
]


def _wordset(words: str) -> frozenset[str]:
    """A set of space-separated words (keeps long word lists readable)."""
    return frozenset(words.split())


@dataclass(frozen=True, slots=True)
class Cue:
    """One phrase pattern: ``category`` names the kind of reason it shows."""

    category: str
    weight: int
    triggers: frozenset[str]
    rx: re.Pattern[str]
    # Anchored cues: ``rx`` is matched right after an occurrence of a trigger word
    # (found with str.find) instead of searched over the whole text. Used for cues that
    # start with a long alternation of nouns, which ``re`` scans slowly.
    anchored: bool = False
    # A substring that must occur in the text for the cue to be tried at all ("%"), or
    # "0-9" for any digit.
    needs: str = ""
    # Anchored cues: words of which one must follow the trigger within the same
    # sentence before the (slower) tail regex is tried.
    gate: frozenset[str] = frozenset()
    # Anchored cues: a weaker pattern (weight 1) tried when ``rx`` does not match.
    fallback: re.Pattern[str] | None = None
    # How far before the first trigger word a match can start; the search starts there
    # instead of at 0 (the text before cannot hold a match).
    lead: int = 40
    # Set from ``rx``: the same pattern without its leading ``\b`` (see ``_search``).
    fast: re.Pattern[str] | None = None
    # Set from ``rx`` once the cue has been tried a few times (parsing every pattern at
    # import would add a third to the import time): groups of literals of which every
    # match holds one per group (see ``_regex.required_literals``); a text without them
    # is not searched. Only for unanchored cues whose pattern ``re`` cannot scan for
    # quickly (the others would pay more for the substring tests than they save).
    requires: tuple[tuple[str, ...], ...] | None = field(default=None, compare=False)
    # Anchored cues without gate and fallback: the regex "trigger word + rx" per word,
    # compiled on first use (see ``_anchored_search``).
    tails: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # ``re`` scans quickly for a pattern that starts with a literal or a set of
        # characters, but a leading ``\b`` makes it test every position (3-4x slower);
        # the boundary is checked on the match instead. Every cue starts with a word
        # character after its ``\b``, so the two are equivalent.
        if not self.anchored and self.rx.pattern.startswith("\\b"):
            object.__setattr__(self, "fast", re.compile(self.rx.pattern[2:], self.rx.flags))
        # A bounded gap ("{0,n}") may put the trigger word further into the match; the
        # longest such gap before a trigger word in the cue lists is ~50 characters.
        if "{0," in self.rx.pattern and not self.anchored:
            object.__setattr__(self, "lead", 70)

    def required(self) -> tuple[tuple[str, ...], ...]:
        """``requires``, derived on the first call (once per distinct pattern: the
        other languages' files repeat the English cues)."""
        if self.requires is None:
            literals: tuple[tuple[str, ...], ...] = ()
            # Anchored cues are searched as "trigger word + tail", a literal start that
            # ``re`` scans for quickly; a fallback may match where ``rx`` cannot.
            if self.fallback is None and not self.anchored:
                run = self.fast if self.fast is not None else self.rx
                memo = (run.pattern, run.flags, self.triggers)
                found = _REQUIRED.get(memo)
                if found is None:
                    found = _REQUIRED[memo] = required_literals(*memo)
                literals = found
            object.__setattr__(self, "requires", literals)
            return literals
        return self.requires


_REQUIRED: dict[tuple[str, int, frozenset[str]], tuple[tuple[str, ...], ...]] = {}


@dataclass(frozen=True, slots=True)
class CueHit:
    """A matched cue and the text it matched (for evidence)."""

    category: str
    weight: int
    text: str
    start: int


def _trie(alternation: str) -> str:
    """A plain ``a|ab|b c`` word alternation as a prefix tree (``a(?:b)?|b c``).

    ``re`` tries the branches of an alternation one by one at every position; factored
    by prefix, a position that starts no branch is rejected after one character. Longer
    branches are preferred, as a greedy match would.
    """
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for alt in alternation.split("|"):
        node = root
        for ch in alt:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return ("(?:" + body + ")?") if len(branches) == 1 else body + "?"
        return body

    return emit(root)


class CueFileError(ValueError):
    """A cue file or a configured cue that cannot be compiled (says where and why)."""


_CATEGORIES = frozenset({"cause", "benefit", "impact", "today", "who", "configured"})
_CUE_KEYS = frozenset(
    {"category", "weight", "triggers", "pattern", "anchored", "gate", "needs", "fallback"}
)
_REF = re.compile(r"<<(?:(trie):)?([a-z_]+)>>")


def _expand(pattern: str, words: dict[str, str], where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(2)
        if name not in words:
            raise CueFileError(f"{where}: unknown word list <<{m.group(0)[2:-2]}>>")
        return _trie(words[name]) if m.group(1) else words[name]

    return _REF.sub(sub, pattern)


def compile_cue(spec: Mapping[str, object], words: dict[str, str], where: str) -> Cue:
    """One ``[[cue]]`` table (or a team's configured cue) as a :class:`Cue`."""
    unknown = set(spec) - _CUE_KEYS
    if unknown:
        raise CueFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    category = spec.get("category", "configured")
    weight = spec.get("weight", 2)
    triggers = spec.get("triggers")
    pattern = spec.get("pattern")
    if category not in _CATEGORIES:
        raise CueFileError(f"{where}: category must be one of {', '.join(sorted(_CATEGORIES))}")
    if weight not in (1, 2):
        raise CueFileError(f"{where}: weight must be 1 or 2")
    if not isinstance(triggers, str) or not triggers.split():
        raise CueFileError(f"{where}: 'triggers' must name at least one word")
    if not isinstance(pattern, str) or not pattern:
        raise CueFileError(f"{where}: 'pattern' is required")
    anchored = bool(spec.get("anchored", False))
    gate = spec.get("gate", "")
    needs = spec.get("needs", "")
    fallback = spec.get("fallback")
    if not isinstance(gate, str) or not isinstance(needs, str):
        raise CueFileError(f"{where}: 'gate' and 'needs' are strings")
    if (gate or fallback is not None) and not anchored:
        raise CueFileError(f"{where}: 'gate' and 'fallback' need 'anchored = true'")
    try:
        rx = re.compile(_expand(pattern, words, where))
        fb = re.compile(_expand(str(fallback), words, where)) if fallback is not None else None
    except re.error as exc:
        raise CueFileError(f"{where}: pattern does not compile: {exc}") from None
    return Cue(
        str(category),
        int(weight),
        frozenset(fold(triggers).split()),
        rx,
        anchored,
        needs=needs,
        gate=frozenset(gate.split()),
        fallback=fb,
    )


def check_configured_cue(spec: Mapping[str, object], index: int) -> Cue:
    """Compile one ``[text] purpose_cues`` table (English word lists available)."""
    return compile_cue(spec, _WORDS, f"[text] purpose_cues entry {index + 1}")


def _read(lang: str) -> dict[str, Any]:
    try:
        text = resources.files(__name__).joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CueFileError(f"no cue file for language '{lang}'") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CueFileError(f"{lang}.toml: {exc}") from None


def load_language(lang: str) -> tuple[tuple[Cue, ...], dict[str, str]]:
    """The compiled cues of one language file (with those it extends) and its word lists."""
    data = _read(lang)
    base: tuple[Cue, ...] = ()
    words: dict[str, str] = {}
    parent = data.get("extends")
    if parent:
        base, words = load_language(str(parent))
    words = {**words, **data.get("words", {})}
    own = tuple(
        compile_cue(spec, words, f"{lang}.toml cue #{i + 1}")
        for i, spec in enumerate(data.get("cue", []))
    )
    return base + own, words


def _languages() -> tuple[str, ...]:
    return tuple(
        sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".toml"))
    )


_LOADED = {lang: load_language(lang) for lang in _languages()}
CUE_DATA_DIGEST: str = hashlib.sha256(
    b"".join(resources.files(__name__).joinpath(f"{lang}.toml").read_bytes() for lang in _LOADED)
).hexdigest()[:16]
"""Fingerprint of the cue files: part of every verdict-cache key, so editing a file can
never serve a verdict computed with the old cues."""
LANG_CUES: dict[str, tuple[Cue, ...]] = {lang: cues for lang, (cues, _) in _LOADED.items()}
_WORDS: dict[str, str] = _LOADED["en"][1]

# Languages we cannot grade: a few unmistakable reason markers, only to lean towards
# present=True (never used to raise a high-confidence finding).
OTHER_SCRIPT_REASON = re.compile(
    r"因为|由于|为了|以便|目的|背景|动机|(?<!什么)(?<!什麼)原因|导致|影响|影響|用户|用戶|不方便|麻烦|丢失|很难|难以|"
    r"只能|耗时|费时|浪费|手工|手动|否则|不然|投诉|阻塞|麻煩|不便|更方便|太累|很累|每次|"
    r"面倒|手間|煩雑|困る|困って|毎回|"
    r"때문에|위해|목적|배경|동기|이유|불편|영향|놓치|놓쳐|문의|매번|낭비|수동|그렇지 않으면|"
    r"потому что|так как|чтобы|из-за|мотивац|зачем|пользовател|"
    r"нет возможности|невозможно|неудобно|потерял|потеряли|теряю|теряет|сложно|"
    r"надоедает|приходится|было бы удобно|меньше времени|тратим|"
    r"ため|目的|背景|ので|"
    # benefit connectors (2026-12-04): "this way", "so that everyone / users", "then one
    # can" (not "就可以了", "then it works"), "so that" / "convenient" (ja), "simpler /
    # easier / more convenient" (ru), "convenient / easily" (ko)
    r"这样(?:就|可以|能|才)|让(?:大家|用户|用戶|我们|使用者)|就可以(?!了)|ように|便利|"
    r"удобнее|проще|легче|편리|편하게|쉽게|упрост|слишком (?:много|долго)|麻了|繁琐|拥挤"
)

# Success measures: numbers with targets and "done when" phrasing (language-neutral
# parts first; the digit gate keeps them cheap).
_NUM_UNIT = (
    r"\$?\d[\d.,]*\s*(?:%|percent|pct|ms|milliseconds|s\b|sec|seconds|minutes|mins?\b|"
    r"hours|h\b|days|weeks|users|customers|requests|rps|qps|req/s|errors|k\b|m\b|x\b|nps|"
    r"points|stars|downloads|signups|installs|teams|tenants|mb|gb|kb|fps|tickets|"
    r"nutzer|usuarios|utilisateurs)"
)
_METRIC_NOUNS = (
    r"rate|latency|uptime|conversion|retention|adoption|coverage|nps|csat|churn|error|"
    r"errors|availability|score|throughput|usage|accuracy|share|growth|satisfaction|"
    r"response time|load time|build time|tasa|taxa|quote|taux"
)
# (token gate, pattern): each part only runs when one of its gate words occurs.
MEASURE_NUMERIC_PARTS: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = (
    (
        frozenset({"from", "de", "von"}),
        re.compile(
            r"\b(?:from|de|von)\s*\$?\d[\d.,]*\s*\S{0,12}\s*(?:to|a|para|auf|bis|->|→)\s*\$?\d"
        ),
    ),
    (
        _wordset(
            "under below above over least most less more fewer greater within by to reach hit "
            "achieve exceed maintain menos mas mais weniger mehr unter moins plus pelo "
            "mindestens al"
        ),
        re.compile(
            r"\b(?:under|below|above|over|at least|at most|less than|more than|fewer than|"
            r"no more than|greater than|within|by|to|reach|hit|achieve|exceed|maintain|"
            r"menos de|mas de|mais de|weniger als|mehr als|unter|moins de|plus de|au moins|"
            r"al menos|pelo menos|mindestens)\s+" + _NUM_UNIT
        ),
    ),
    (frozenset({"p"}), re.compile(r"\bp(?:50|75|90|95|99)\b")),
    (
        _wordset(
            "rate latency uptime conversion retention adoption coverage nps csat churn error "
            "errors availability score throughput usage accuracy share growth satisfaction "
            "response load build tasa taxa quote taux"
        ),
        re.compile(
            r"\b(?:" + _METRIC_NOUNS + r")\b[^.!?\n]{0,60}?\d[\d.,]*\s*"
            r"(?:%|percent|ms|s\b|seconds|minutes|x\b)"
        ),
    ),
    (
        frozenset({"percent", "%"}),
        re.compile(
            r"\d[\d.,]*\s*(?:%|percent)[^.!?\n]{0,60}?\b(?:" + _METRIC_NOUNS + r"|of (?:users|"
            r"customers|requests|traffic|teams|tenants|repos|services|issues|tickets|"
            r"sessions)|reduction|increase|decrease|improvement|fewer|less|more|faster|"
            r"slower)\b"
        ),
    ),
)
# Comparison symbols with a number ("< 200 ms", "≥ 99.9%").
MEASURE_SYMBOL = re.compile(r"[<>≤≥]=?\s*\$?\d")


MEASURE_PHRASE = re.compile(
    r"\b(?:(?:done|complete|completed|finished|successful|a success|succeeded|closed|"
    r"shipped) (?:when|once|if)\b|success (?:is|means|will be|would be|looks like|=)\s+\w|"
    r"we(?:'ll| will| can) (?:know|consider|say|call) (?:this|it|we)\b|considered (?:done|"
    r"complete|successful|a success)\b|measured by\b|measure(?:d)? (?:success|progress|it|"
    r"this|impact) (?:by|with|through|via|using)\b|"
    r"(?:terminado|listo|completo|exito|pronto|concluido|sucesso) (?:cuando|quando|si|se)\b|"
    r"(?:fertig|erledigt|abgeschlossen|erfolgreich),? wenn\b|"
    r"(?:termine|fini|reussi|atteint)e?s? (?:quand|lorsque|si)\b)"
)
MEASURE_KEYWORD = re.compile(
    r"\b(?:success|metrics?|kpis?|targets?|outcomes?|measur\w+|key results?|okrs?|baseline|"
    r"acceptance criteria|definition of done|exit criteria|criterios?|criteres|kriterien|"
    r"metricas|metriques|kennzahlen|indicadores|indicateurs|exito|sucesso|erfolg|succes)\b"
)

# Token gates: the regexes above only run when one of these words occurs.
MEASURE_PHRASE_TRIGGERS = _wordset(
    "when once if success know consider say call considered measured measure cuando quando "
    "si se wenn quand lorsque"
)
MEASURE_KEYWORDS = _wordset(
    "success metric metrics kpi kpis target targets outcome outcomes measure measures "
    "measured measurable measurement measurements key result results okr okrs baseline "
    "acceptance criteria done exit criterio criterios criteres kriterien metricas metriques "
    "kennzahlen indicadores indicateurs exito sucesso erfolg succes"
)
STORY_TRIGGERS = _wordset("as como als tant")
STORY_VERBS = _wordset(
    "want need like wish able expect love can quiero necesito quisiera quero gostaria preciso "
    "mochte voudrais veux"
)


@dataclass(frozen=True, slots=True)
class CueSet:
    """Purpose cues per language plus a team's extra cues, indexed by trigger word."""

    by_lang: dict[str, dict[str, tuple[Cue, ...]]]
    trigger_keys: dict[str, frozenset[str]]
    extra_purpose: re.Pattern[str] | None
    extra_measure: re.Pattern[str] | None
    extra_purpose_sections: tuple[str, ...]
    extra_measure_sections: tuple[str, ...]


def _index(cues: tuple[Cue, ...]) -> dict[str, tuple[Cue, ...]]:
    idx: dict[str, list[Cue]] = {}
    for cue in cues:
        for t in cue.triggers:
            idx.setdefault(t, []).append(cue)
    return {k: tuple(v) for k, v in idx.items()}


_INDEXED: dict[str, dict[str, tuple[Cue, ...]]] = {k: _index(v) for k, v in LANG_CUES.items()}
_KEYS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in _INDEXED.items()}


def _phrases(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = [" ".join(fold(p).split()) for p in phrases if p.strip()]
    if not cleaned:
        return None
    alts = "|".join(re.escape(p) for p in sorted(cleaned, key=len, reverse=True))
    return re.compile(r"(?<!\w)(?:" + alts + r")(?!\w)")


ConfiguredCue = tuple[tuple[str, object], ...]
"""A team's structured cue, frozen for caching: the items of its ``[[cue]]``-style table."""


@lru_cache(maxsize=64)
def cue_set(
    purpose_cues: tuple[str | ConfiguredCue, ...] = (),
    measure_cues: tuple[str, ...] = (),
    purpose_sections: tuple[str, ...] = (),
    measure_sections: tuple[str, ...] = (),
) -> CueSet:
    """Compiled cues for one configuration (cached: configs are reused across calls).

    ``purpose_cues`` holds plain phrases (a match is a strong reason) and structured cues
    in the form of the language files; structured cues are added to every language.
    """
    from trackerguard.text.sections import normalize_key

    phrases = tuple(p for p in purpose_cues if isinstance(p, str))
    structured = tuple(
        check_configured_cue(dict(spec), i)
        for i, spec in enumerate(p for p in purpose_cues if not isinstance(p, str))
    )
    by_lang, keys = _INDEXED, _KEYS
    if structured:
        by_lang = {k: _index(v + structured) for k, v in LANG_CUES.items()}
        keys = {k: frozenset(v) for k, v in by_lang.items()}
    return CueSet(
        by_lang,
        keys,
        _phrases(phrases),
        _phrases(measure_cues),
        tuple(normalize_key(s) for s in purpose_sections if s.strip()),
        tuple(normalize_key(s) for s in measure_sections if s.strip()),
    )


def scan(
    folded: str, tokens: set[str], lang: str, cues: CueSet, enough: int = 1_000
) -> list[CueHit]:
    """Purpose cues found in ``folded`` text (one hit per distinct cue pattern).

    Stops early once the weights add up to ``enough`` and a strong cue was seen: the
    caller only needs to know the reason is there, not every way it is phrased.
    """
    if lang not in cues.by_lang:
        lang = "en"
    index = cues.by_lang[lang]
    seen: set[int] = set()
    hits: list[CueHit] = []
    total = 0
    strong = False
    has_digit: bool | None = None
    weak: dict[int, CueHit] = {}
    windows: dict[int, set[str]] = {}
    find = folded.find
    contains = folded.__contains__
    # Sorted: set order varies between processes, and evidence must not flap.
    for t in sorted(tokens & cues.trigger_keys[lang]):
        if total >= enough and strong:
            break
        ends: list[int] | None = None
        first_t = -2  # folded.find(t), computed when a cue first needs it
        for cue in index[t]:
            key = id(cue)
            if key in seen:
                continue
            needs = cue.needs
            if needs:
                if needs == "0-9":
                    if has_digit is None:
                        has_digit = _ANY_DIGIT.search(folded) is not None
                    missing = not has_digit
                else:
                    missing = needs not in folded
                if missing:
                    seen.add(key)
                    continue
            requires = cue.requires
            if requires is None:
                # Deriving the literals parses the pattern (~0.2 ms): only worth it for a
                # cue tried often, so a short run never pays for cues it hardly uses.
                tried = _TRIED.get(key, 0) + 1
                _TRIED[key] = tried
                requires = cue.required() if tried >= _DERIVE_AFTER else ()
            if requires:
                # The literals the pattern cannot match without (see ``Cue.requires``):
                # absent, the cue cannot match for any of its trigger words.
                for group in requires:
                    if not any(map(contains, group)):
                        break
                else:
                    requires = ()
                if requires:
                    seen.add(key)
                    continue
            if cue.anchored:
                if cue.fallback is None and not cue.gate:
                    # One regex search: the word followed by the cue's tail (see
                    # ``_anchored_search``), compiled once per cue and word.
                    rx = cue.tails.get(t)
                    if rx is None:
                        rx = _word_tail(cue, t)
                    m = rx.search(folded)
                    if m is None:
                        continue
                    weight = cue.weight
                    hit = CueHit(cue.category, weight, m.group(0), m.start())
                else:
                    if ends is None:
                        ends = _word_ends(folded, t)
                    found = _anchored_match(folded, t, cue, ends, windows)
                    if found is None:
                        continue
                    hit = found
                    weight = hit.weight
                    if weight < cue.weight:
                        # Only the fallback matched here; another trigger word of the same
                        # cue may still give the full-weight match.
                        weak.setdefault(key, hit)
                        continue
                seen.add(key)
                if weak:
                    weak.pop(key, None)
                hits.append(hit)
                total += weight
                if weight >= 2:
                    strong = True
                continue
            seen.add(key)
            triggers = cue.triggers
            if len(triggers) == 1:
                if first_t == -2:
                    first_t = find(t)
                first = first_t
            else:
                inter = triggers.intersection(tokens)
                if len(inter) == 1:
                    if first_t == -2:
                        first_t = find(t)
                    first = first_t
                else:
                    first = min(map(find, inter))
            pos = first - cue.lead
            if pos < 0:
                pos = 0
            # ``_search``, inlined (it runs for most cues tried).
            fast = cue.fast
            if fast is None:
                m = cue.rx.search(folded, pos)
            else:
                m = fast.search(folded, pos)
                while m is not None:
                    start = m.start()
                    if start == 0:
                        break
                    prev = folded[start - 1]
                    if not (prev.isalnum() or prev == "_"):
                        break
                    m = fast.search(folded, start + 1)
            if m is not None:
                weight = cue.weight
                hits.append(CueHit(cue.category, weight, m.group(0), m.start()))
                total += weight
                if weight >= 2:
                    strong = True
    hits.extend(weak.values())
    if cues.extra_purpose is not None:
        m = cues.extra_purpose.search(folded)
        if m:
            hits.append(CueHit("configured", 2, m.group(0), m.start()))
    hits.sort(key=lambda h: h.start)
    return hits


_ANY_DIGIT = re.compile(r"\d")
# How often a cue is tried before its required literals are derived (see ``scan``), and
# the count so far per cue (``id``: cues live as long as the module).
_DERIVE_AFTER = 256
_TRIED: dict[int, int] = {}


def _search(cue: Cue, folded: str, pos: int) -> re.Match[str] | None:
    """``cue.rx.search(folded, pos)``, faster (see ``Cue.fast``)."""
    fast = cue.fast
    if fast is None:
        return cue.rx.search(folded, pos)
    m = fast.search(folded, pos)
    while m is not None:
        start = m.start()
        if start == 0:
            return m
        prev = folded[start - 1]
        if not (prev.isalnum() or prev == "_"):
            return m
        m = fast.search(folded, start + 1)
    return None


# Punctuation becomes a space so "lose." still opens the gate; the tail regex itself
# stops at the sentence end.
_GATE_SPLIT = str.maketrans({c: " " for c in ',;:()[]"`*_.!?'})
_GATE_BYTES = bytes(b if chr(b) not in ',;:()[]"`*_.!?' else 32 for b in range(256))


def _word_tail(cue: Cue, word: str) -> re.Pattern[str]:
    """The trigger ``word`` followed by the cue's tail, as one regex (kept in
    ``cue.tails``). A pattern that starts with a literal lets ``re`` jump between
    occurrences of the word in C."""
    w = re.escape(word)
    rx = re.compile(w + r"(?<!\w" + w + r")(?!\w)(?:" + cue.rx.pattern + ")")
    cue.tails[word] = rx
    return rx


def _anchored_search(folded: str, word: str, cue: Cue) -> CueHit | None:
    """``_anchored_match`` for cues without gate or fallback, as one regex search."""
    rx = cue.tails.get(word) or _word_tail(cue, word)
    m = rx.search(folded)
    if m is None:
        return None
    return CueHit(cue.category, cue.weight, m.group(0), m.start())


def _word_ends(folded: str, word: str) -> list[int]:
    """End offsets of the whole-word occurrences of ``word`` in ``folded``."""
    n = len(word)
    size = len(folded)
    out: list[int] = []
    pos = folded.find(word)
    while pos != -1:
        end = pos + n
        if (pos == 0 or not folded[pos - 1].isalnum()) and (
            end == size or not folded[end].isalnum()
        ):
            out.append(end)
        pos = folded.find(word, end)
    return out


def _anchored_match(
    folded: str,
    word: str,
    cue: Cue,
    ends: list[int] | None = None,
    windows: dict[int, set[str]] | None = None,
) -> CueHit | None:
    """Match ``cue.rx`` right after each whole-word occurrence of ``word``.

    ``ends`` (the occurrences) and ``windows`` (the words after each one, for the gate)
    can be shared between the cues of one trigger word; ``scan`` does.
    """
    if ends is None:
        ends = _word_ends(folded, word)
    n = len(word)
    gate = cue.gate
    weak: CueHit | None = None
    for end in ends:
        if gate:
            window = windows.get(end) if windows is not None else None
            if window is None:
                chunk = folded[end : end + 64]
                if chunk.isascii():
                    chunk = chunk.encode("ascii").translate(_GATE_BYTES).decode("ascii")
                else:
                    chunk = chunk.translate(_GATE_SPLIT)
                window = set(chunk.split())
                if windows is not None:
                    windows[end] = window
            if gate.isdisjoint(window):
                continue
        m = cue.rx.match(folded, end)
        if m:
            return CueHit(cue.category, cue.weight, folded[end - n : m.end()], end - n)
        if weak is None and cue.fallback is not None:
            f = cue.fallback.match(folded, end)
            if f:
                weak = CueHit(cue.category, 1, folded[end - n : f.end()], end - n)
    return weak
