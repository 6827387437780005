"""What a cue pattern needs before it can match: derived from the pattern, at compile time.

Why: most cues are tried on text that cannot hold them (their trigger word occurs, the rest
of the phrase does not), and Python's ``re`` cannot skip ahead for a pattern that starts
with an alternation of branches: it tries the whole pattern at every position. (A pattern
that starts with a literal or a set of characters is scanned quickly in C already; it
gets no literals, since substring tests would cost as much on long bodies.)
:func:`required_literals` reads groups of literal strings off the parsed pattern, such
that every match contains at least one literal of each group (``end[- ]of[- ]life`` needs
``life``; ``(?:more|better)`` needs ``more`` or ``better``). A substring test (C speed)
that fails proves the pattern cannot match anywhere in the text, so it is not run: a
necessary condition, never a heuristic, so a cue's matches (and every verdict and
evidence string) are the same with or without it.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

try:  # Python's own pattern parser (``re._parser`` since 3.11; no type stubs).
    _c: Any = importlib.import_module("re._constants")
    _p: Any = importlib.import_module("re._parser")
    _compiler: Any = importlib.import_module("re._compiler")
except ImportError:  # pragma: no cover - a Python without them simply gets no shortcuts
    _c = _p = _compiler = None

__all__ = ["required_literals"]

# A group of more alternatives than this is not worth the substring tests.
_MAX_GROUP = 16
# Literals shorter than this occur in nearly every text ("a ", "s").
_MIN_LITERAL = 3


def _ignorecase(flags: int) -> bool:
    return bool(flags & re.IGNORECASE)


def _groups(items: Any) -> list[frozenset[str]] | None:
    """Requirement groups of a parsed sequence; ``None`` when the parse holds something
    we do not model (then the caller must not filter at all)."""
    groups: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            groups.append(frozenset({"".join(run)}))
            run.clear()

    stack = [iter(list(items))]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        op, av = item
        if op is _c.LITERAL:
            run.append(chr(av))
        elif op is _c.AT or op is _c.ASSERT or op is _c.ASSERT_NOT:
            continue  # zero width: the characters around it are still adjacent
        elif op is _c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if _ignorecase(add_flags):
                return None
            stack.append(iter(list(sub)))  # a group's items continue the sequence
        elif op is _c.MAX_REPEAT or op is _c.MIN_REPEAT or op is _c.POSSESSIVE_REPEAT:
            flush()
            low, _high, sub = av
            if low >= 1:
                inner = _groups(sub)
                if inner is None:
                    return None
                groups.extend(inner)
        elif op is _c.BRANCH:
            flush()
            alternatives = av[1]
            union: set[str] = set()
            for alt in alternatives:
                inner = _groups(alt)
                if inner is None:
                    return None
                best = _best(inner)
                if best is None:
                    union = set()
                    break
                union |= best
            # A literal that contains another one of the group adds nothing to the test.
            minimal = {x for x in union if not any(y != x and y in x for y in union)}
            if minimal:
                groups.append(frozenset(minimal))
        elif op is _c.ATOMIC_GROUP:
            flush()
            inner = _groups(av)
            if inner is None:
                return None
            groups.extend(inner)
        elif op in (_c.GROUPREF, _c.GROUPREF_EXISTS) or str(op).endswith("IGNORE"):
            return None
        else:  # IN, ANY, NOT_LITERAL, CATEGORY…: one unknown character
            flush()
    flush()
    return groups


def _rank(group: frozenset[str]) -> tuple[float, list[str]]:
    """Most selective first: roughly how likely a ~250-character text holds one of the
    literals (a three-letter literal is in about half of them, each letter more halves
    it); ties broken by the literals, so the choice is the same in every process."""
    return (sum(2.0 ** -(len(lit) - 2) for lit in group), sorted(group))


def _best(groups: list[frozenset[str]]) -> frozenset[str] | None:
    return min(groups, key=_rank) if groups else None


def _scans_fast(parsed: Any, flags: int) -> bool:
    """Whether ``re`` can skip ahead for this pattern (it starts with a literal or a set
    of characters): then a search over text without a match is a quick scan in C, and
    substring tests for its literals would cost about as much (more on long bodies)."""
    try:
        prefix = _compiler._get_literal_prefix(parsed, flags)[0]
        return bool(prefix) or bool(_compiler._get_charset_prefix(parsed, flags))
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - other Pythons
        return False


def required_literals(
    pattern: str, flags: int = 0, skip: frozenset[str] = frozenset()
) -> tuple[tuple[str, ...], ...]:
    """Groups of literals, each group holding at least one substring of every match.

    At most two groups are kept (the most selective ones), literals shorter than three
    characters or groups of more than eight alternatives are dropped, and so is a group
    that every word of ``skip`` satisfies (the trigger words: one of them occurs).
    """
    if _p is None or _ignorecase(flags):
        return ()
    try:
        parsed = _p.parse(pattern, flags)
    except re.error:
        return ()
    if _ignorecase(parsed.state.flags):
        return ()
    if _scans_fast(parsed, flags):
        return ()
    groups = _groups(parsed)
    if not groups:
        return ()
    kept = {
        g
        for g in groups
        if len(g) <= _MAX_GROUP
        and min(map(len, g)) >= _MIN_LITERAL
        and not (skip and all(any(lit in word for lit in g) for word in skip))
    }
    return tuple(tuple(sorted(g)) for g in sorted(kept, key=_rank)[:2])
