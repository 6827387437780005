"""Size, depth and cost limits for CEL expressions, checked before they are compiled.

Why our own: the CEL library in use (``common-expression-language``) offers no cost limit
and no depth limit. Its parser overflows the native stack on deep input (a chain of ~30,000
``+`` crashes the interpreter with a segmentation fault; 100,000 nested parentheses raise a
Rust panic), and evaluation cannot be interrupted (nested ``map`` over literal lists ran for
minutes). A configuration is input like any other, so these are checked statically and a
breach is a :class:`~trackerguard.errors.ConfigError` naming the rule and the key:

* length: at most :data:`MAX_CHARS` characters;
* depth: brackets ``( [ {`` nested at most :data:`MAX_DEPTH` deep, and at most
  :data:`MAX_OPERATORS` operators (long operator chains are deep trees too);
* cost: an estimate of the steps one evaluation takes, at most :data:`MAX_COST`. Each
  comprehension macro (``all``, ``exists``, ``exists_one``, ``map``, ``filter``) costs the
  size of the list it walks (a list literal's length, else :data:`ASSUMED_LIST` for item
  data) times the cost of its body, so two nested walks over item lists pass and a third
  level, or walks over huge literals, do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trackerguard.cel_item import STRING_LITERAL

MAX_CHARS = 4_000
MAX_DEPTH = 32
MAX_OPERATORS = 400
MAX_COST = 20_000
ASSUMED_LIST = 100
"""Size assumed for a list the expression does not spell out (labels, links, children)."""

_MACRO = re.compile(r"\.\s*(all|exists_one|exists|map|filter)\s*\(")
_OPERATOR = re.compile(r"&&|\|\||==|!=|<=|>=|[-+*/%<>?!]|\bin\b")
_OPENERS = {"(": ")", "[": "]", "{": "}"}


class ExpressionTooCostly(ValueError):
    """The expression breaks a limit; the message says which and by how much."""


@dataclass
class _Macro:
    start: int
    end: int
    size: int
    inner: list[_Macro] = field(default_factory=list)

    def cost(self) -> int:
        return self.size * (1 + sum(macro.cost() for macro in self.inner))


def check_limits(source: str) -> None:
    """Raise :class:`ExpressionTooCostly` when ``source`` breaks a limit."""
    if len(source) > MAX_CHARS:
        raise ExpressionTooCostly(
            f"the expression is {len(source):,} characters long (at most {MAX_CHARS:,})"
        )
    code = STRING_LITERAL.sub(lambda m: '""' + " " * (len(m.group()) - 2), source)
    closing = _matching_brackets(code)
    operators = len(_OPERATOR.findall(code))
    if operators > MAX_OPERATORS:
        raise ExpressionTooCostly(
            f"the expression has {operators} operators (at most {MAX_OPERATORS}); "
            "split it into several rules"
        )
    macros = [
        _Macro(
            match.start(),
            closing.get(match.end() - 1, len(code)),
            _list_size(code, match.start(), closing),
        )
        for match in _MACRO.finditer(code)
    ]
    top: list[_Macro] = []
    stack: list[_Macro] = []
    for macro in macros:  # in source order: nesting follows from the argument spans
        while stack and macro.start >= stack[-1].end:
            stack.pop()
        (stack[-1].inner if stack else top).append(macro)
        stack.append(macro)
    cost = 1 + sum(macro.cost() for macro in top)
    if cost > MAX_COST:
        raise ExpressionTooCostly(
            f"the expression may take about {cost:,} steps per item (at most {MAX_COST:,}): "
            "comprehensions (all, exists, map, filter) nested too deep or over long lists"
        )


def _matching_brackets(code: str) -> dict[int, int]:
    """Opening bracket index → closing index; too deep or unbalanced nesting is refused
    here (unbalanced input is left to the parser's own syntax error)."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, char in enumerate(code):
        if char in _OPENERS:
            stack.append(index)
            if len(stack) > MAX_DEPTH:
                raise ExpressionTooCostly(
                    f"brackets are nested more than {MAX_DEPTH} deep (at character {index + 1})"
                )
        elif char in ")]}" and stack:
            pairs[stack.pop()] = index
    return pairs


def _list_size(code: str, dot: int, closing: dict[int, int]) -> int:
    """Length of the list literal a macro walks (``[1, 2, 3].map(…)``), else the
    assumed size of item data."""
    end = dot
    while end > 0 and code[end - 1].isspace():
        end -= 1
    if end == 0 or code[end - 1] != "]":
        return ASSUMED_LIST
    opener = next((o for o, c in closing.items() if c == end - 1 and code[o] == "["), None)
    if opener is None:
        return ASSUMED_LIST
    before = code[:opener].rstrip()
    if before and (before[-1].isalnum() or before[-1] in "_)]."):
        return ASSUMED_LIST  # an index (``x[0]``), not a literal
    body = code[opener + 1 : end - 1]
    if not body.strip():
        return 0
    depth = 0
    commas = 0
    for char in body:
        if char in _OPENERS:
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            commas += 1
    return commas + 1
