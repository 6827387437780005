"""A small JQL evaluator: exactly the subset trackerguard and the tests send.

Clauses ``field op value`` joined by AND / OR / NOT with parentheses, the operators
``= != > >= < <= in, not in, is, is not`` and an ``ORDER BY`` suffix. Unknown fields are a
400 like real Jira ("Field 'x' does not exist"), so a typo in the adapter cannot pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.)*')|(!=|>=|<=|=|>|<|~)|([(),])|([^\s(),=!<>~"']+))"""
)


class JqlError(ValueError):
    """Invalid JQL (the simulator answers 400)."""


def tokenize(jql: str) -> list[tuple[str, str]]:
    pos = 0
    out: list[tuple[str, str]] = []
    while pos < len(jql):
        if jql[pos:].strip() == "":
            break
        m = _TOKEN.match(jql, pos)
        if not m or m.end() == pos:
            raise JqlError(f"cannot parse JQL near {jql[pos : pos + 20]!r}")
        pos = m.end()
        dq, sq, op, punct, word = m.groups()
        if dq is not None or sq is not None:
            text = (dq or sq or "")[1:-1]
            out.append(("str", re.sub(r"\\(.)", r"\1", text)))
        elif op is not None:
            out.append(("op", op))
        elif punct is not None:
            out.append(("p", punct))
        else:
            out.append(("word", word or ""))
    return out


Predicate = Callable[[Any], bool]
Resolver = Callable[[Any, str], Any]


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], resolve: Resolver, tz: tzinfo = UTC) -> None:
        self.tz = tz
        self.tokens = tokens
        self.i = 0
        self.resolve = resolve

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise JqlError("unexpected end of JQL")
        self.i += 1
        return tok

    def kw(self, word: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok[0] == "word" and tok[1].lower() == word

    def parse(self) -> Predicate:
        pred = self.or_()
        if self.peek() is not None:
            raise JqlError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return pred

    def or_(self) -> Predicate:
        parts = [self.and_()]
        while self.kw("or"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else (lambda it: any(p(it) for p in parts))

    def and_(self) -> Predicate:
        parts = [self.not_()]
        while self.kw("and"):
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else (lambda it: all(p(it) for p in parts))

    def not_(self) -> Predicate:
        if self.kw("not"):
            self.take()
            inner = self.not_()
            return lambda it: not inner(it)
        tok = self.peek()
        if tok == ("p", "("):
            self.take()
            inner = self.or_()
            if self.take() != ("p", ")"):
                raise JqlError("missing )")
            return inner
        return self.clause()

    def clause(self) -> Predicate:
        kind, field = self.take()
        if kind not in ("word", "str"):
            raise JqlError(f"expected a field, got {field!r}")
        if kind == "word" and self.peek() == ("p", "("):  # never: functions unsupported
            raise JqlError("JQL functions are not supported by the simulator")
        field = field.lower()
        self.resolve(None, field)  # raises for unknown fields
        if self.kw("not") and self.kw("in", 1):
            self.take()
            self.take()
            values = self.values()
            return lambda it: not _in(self.resolve(it, field), values)
        if self.kw("in"):
            self.take()
            values = self.values()
            return lambda it: _in(self.resolve(it, field), values)
        if self.kw("is"):
            self.take()
            negate = False
            if self.kw("not"):
                self.take()
                negate = True
            word = self.take()[1].lower()
            if word not in ("empty", "null"):
                raise JqlError("IS takes EMPTY or NULL")
            return lambda it: _empty(self.resolve(it, field)) != negate
        kind, op = self.take()
        if kind != "op":
            raise JqlError(f"expected an operator after {field!r}")
        value = self.value()
        return lambda it: _compare(self.resolve(it, field), op, value, field, self.tz)

    def values(self) -> list[str]:
        if self.take() != ("p", "("):
            raise JqlError("IN needs a list")
        out = [self.value()]
        while self.peek() == ("p", ","):
            self.take()
            out.append(self.value())
        if self.take() != ("p", ")"):
            raise JqlError("missing ) after list")
        return out

    def value(self) -> str:
        kind, text = self.take()
        if kind not in ("word", "str"):
            raise JqlError(f"expected a value, got {text!r}")
        return text


def _empty(actual: Any) -> bool:
    return actual is None or actual == [] or actual == ""


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _in(actual: Any, values: list[str]) -> bool:
    wanted = {v.lower() for v in values}
    if isinstance(actual, list):
        return any(_norm(a) in wanted for a in actual)
    return _norm(actual) in wanted


def key_tuple(key: str) -> tuple[str, int]:
    project, _, number = key.rpartition("-")
    return project.upper(), int(number) if number.isdigit() else -1


def parse_when(text: str, tz: tzinfo = UTC) -> datetime:
    """JQL dates are wall-clock times in the searching user's time zone."""
    for fmt in ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise JqlError(f"bad date {text!r}")


def _compare(actual: Any, op: str, value: str, field: str, tz: tzinfo = UTC) -> bool:
    if op == "~":
        return isinstance(actual, str) and value.lower() in actual.lower()
    if isinstance(actual, list):
        if op == "=":
            return _in(actual, [value])
        if op == "!=":
            return not _in(actual, [value])
        raise JqlError(f"operator {op} not supported for {field}")
    if op in ("=", "!="):
        same = _norm(actual) == _norm(value)
        return same if op == "=" else not same
    if actual is None:
        return False
    left: Any
    right: Any
    if isinstance(actual, datetime):
        left, right = actual, parse_when(value, tz)
    elif field in ("key", "issuekey", "id", "issue"):
        left, right = key_tuple(str(actual)), key_tuple(value)
        if left[0] != right[0]:
            return False
    else:
        left, right = actual, value
    return {
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }[op]


def split_order(jql: str) -> tuple[str, list[tuple[str, bool]]]:
    """Separate ``ORDER BY`` (outside quotes) from the condition."""
    in_quote: str | None = None
    for i, ch in enumerate(jql):
        if in_quote:
            if ch == in_quote:
                in_quote = None
            continue
        if ch in "\"'":
            in_quote = ch
            continue
        at_word = i == 0 or not (jql[i - 1].isalnum() or jql[i - 1] == "_")
        if at_word and re.match(r"order\s+by\b", jql[i:], re.I):
            cond = jql[:i].strip()
            order_text = re.sub(r"^order\s+by\s+", "", jql[i:], flags=re.I)
            order: list[tuple[str, bool]] = []
            for part in order_text.split(","):
                bits = part.strip().split()
                if not bits:
                    continue
                desc = len(bits) > 1 and bits[-1].lower() == "desc"
                name = " ".join(b for b in bits if b.lower() not in ("asc", "desc"))
                order.append((name.strip('"').lower(), desc))
            return cond, order
    return jql.strip(), []


def compile_jql(
    jql: str, resolve: Resolver, tz: tzinfo = UTC
) -> tuple[Predicate, list[tuple[str, bool]]]:
    cond, order = split_order(jql)
    if not cond:
        raise JqlError("unbounded JQL queries are not allowed")
    return _Parser(tokenize(cond), resolve, tz).parse(), order
