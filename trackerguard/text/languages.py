"""Language detection and accent folding.

Why: a finding is only *high* confidence when we can actually read the text. The
detector knows section names and reason cues for English, Spanish, Portuguese,
German and French; for anything else (Chinese, Korean, Russian, Japanese…) or
text too short to tell, an absence of cues proves nothing, so callers must never
raise a high-confidence finding. Detection is a cheap stop-word vote (no model,
no dependency) because it runs on every description.
"""

from __future__ import annotations

import re

__all__ = ["detect_language", "detect_language_tokens", "fold", "words"]


def _wordset(words: str) -> frozenset[str]:
    """A set of space-separated words (keeps long word lists readable)."""
    return frozenset(words.split())


# Accent folding via str.translate (C speed); lets cue regexes stay ASCII.
_FOLD_TABLE = str.maketrans(
    "àáâãäåāçćčèéêëēęìíîïīłñńòóôõöøōùúûüūýÿśšžźżßÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝ’‘",
    "aaaaaaaccceeeeeeiiiiilnnooooooouuuuuyysszzzsaaaaaaceeeeiiiinoooooouuuuy''",
)

_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Scripts of languages we cannot read: Cyrillic, Greek, Hebrew, Arabic, Indic, Thai,
# Hangul, kana, CJK ideographs.
_OTHER_SCRIPT = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u0e00-\u0e7f"
    r"\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _wordset(
        "the and is are to of for with this that it we when should would be not can on from "
        "have has an if there as by at or our you i will add fix update support use remove "
        "allow make new does doesn't don't can't isn't it's please need want which what how "
        "after before into all some any only also just but so than then they their users "
        "why steps problem describe expected behavior behaviour error issue bug feature click "
        "page button file using was were been get set see doc docs without within about "
        "because since while where who more most other each every could must may might your "
        "them these those over out up like got let"
    ),
    "es": _wordset(
        "el los las y del al una es se con cuando pero hay esto esta este ya muy tambien "
        "como sin sobre porque para usuarios puede poder no lo le su sus mas hacer debe "
        "seria nuevo nueva actualmente cuenta despues sin hasta muy siendo asi aun donde"
    ),
    "pt": _wordset(
        "o os e em um uma do da dos das no na nao com mais isso ao sao voce tambem quando "
        "pelo pela seria usuarios porque para ser pode precisa tem atualmente nos ja conta "
        "novo nova fazer esse essa apos depois sem ate muito sendo assim ainda onde"
    ),
    "de": _wordset(
        "der die das und ist nicht ein eine zu mit den dem auf fur es wir ich sie bei wird "
        "werden wenn auch oder von im sich kann konnen muss mussen nutzer benutzer weil "
        "damit dass aktuell derzeit sollte soll keine kein einen nach ohne bis sehr noch wo"
    ),
    "fr": _wordset(
        "le la les et est un une des du pas pour que qui dans sur avec ce cette il nous je "
        "ne sont au aux ou mais plus utilisateurs actuellement peut doit faut afin parce "
        "cela serait leur ils elles on apres sans jusqu tres ainsi encore"
    ),
}
_LANG_ORDER: tuple[str, ...] = ("en", "es", "pt", "de", "fr")
_STOP_ORDERED: tuple[frozenset[str], ...] = tuple(_STOPWORDS[lang] for lang in _LANG_ORDER)


# Runs of non-ASCII characters: ``str.translate`` with a dict costs ~50 ns per character
# on non-ASCII text, so only the (usually few and short) non-ASCII runs are translated.
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _fold_run(m: re.Match[str]) -> str:
    return m.group(0).translate(_FOLD_TABLE)


def fold(text: str) -> str:
    """Lower-case and strip common Latin accents (``"Motivación"`` → ``"motivacion"``)."""
    low = text.lower()
    return low if low.isascii() else _NON_ASCII_RUN.sub(_fold_run, low)


# Every ASCII character that is not a letter or an apostrophe becomes a space; translate +
# split is about twice as fast as a findall over the same text.
_SPLIT_TABLE = str.maketrans(
    {chr(i): " " for i in range(128) if not (chr(i).isalpha() or chr(i) == "'")}
)


# The same table for bytes: ``bytes.translate`` is several times faster than
# ``str.translate`` with a dict, and most descriptions are plain ASCII.
_SPLIT_BYTES = bytes(
    b if (chr(b).isalpha() or b == ord("'")) else ord(" ") for b in range(128)
) + bytes(range(128, 256))


# ``words`` on non-ASCII text: runs of anything but ASCII non-letters and whitespace (the
# same tokens as translating with ``_SPLIT_TABLE`` and splitting, without the slow path).
_WORD_RUN = re.compile(r"[^\x00-\x26\x28-\x40\x5b-\x60\x7b-\x7f\s]+")


def words(folded: str) -> list[str]:
    """Word tokens of already-folded text (letters and apostrophes: ``can't``).

    Quote marks around a word stay attached (``'save'``); stripping them costs more than
    the rare missed cue word is worth.
    """
    if folded.isascii():
        return folded.encode("ascii").translate(_SPLIT_BYTES).decode("ascii").split()
    return _WORD_RUN.findall(folded)


def detect_language(text: str) -> str:
    """Best guess of the language of ``text``.

    Returns ``"en"``, ``"es"``, ``"pt"``, ``"de"`` or ``"fr"``; ``"other"`` when the text
    is mostly in a script we cannot read (CJK, Hangul, Cyrillic…); ``"unknown"`` when
    there is too little text or no stop word to vote with.
    """
    return detect_language_tokens(text, words(fold(text)))


def detect_language_tokens(text: str, tokens: list[str] | set[str]) -> str:
    """:func:`detect_language` for callers that already hold ``words(fold(text))``.

    Votes with *distinct* words (set intersections run in C, which keeps this a few
    microseconds): the language whose stop words cover the most distinct words wins,
    provided they are at least a tenth of the distinct words.
    """
    if not text.isascii():
        other = len(_OTHER_SCRIPT.findall(text))
        if other:
            latin = len(_LATIN.findall(text))
            # One ideograph carries roughly a word; weigh it like ~3 Latin letters.
            if other * 3 >= latin * 0.5:
                return "other"
    distinct = tokens if isinstance(tokens, set) else set(tokens)
    if not distinct:
        return "unknown"
    counts = [len(distinct & stop) for stop in _STOP_ORDERED]
    best_hits = max(counts)
    if best_hits == 0 or best_hits * 10 < len(distinct):
        return "unknown"
    return _LANG_ORDER[counts.index(best_hits)]
