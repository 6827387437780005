"""Declarative rules: ``[[custom_rules]]`` entries compiled into ordinary rule classes.

Each entry is two CEL expressions over the item object of :mod:`trackerguard.cel_item`:
``condition`` (when the rule applies, default ``true``) and ``require`` (what must hold)::

    [[custom_rules]]
    id = "OKR1"
    name = "bug-has-severity"
    level = ["work"]
    condition = 'item.type == "Bug"'
    require = 'has(item.fields.severity) && item.fields.severity != ""'
    severity = "warn"
    message = "A bug needs a severity."
    hint = "Set the Severity field."

Expressions are compiled **once, at config load**: a syntax error, an unknown variable or
function, an operation on the wrong types, or a result that is not a boolean is a
:class:`~trackerguard.errors.ConfigError` naming the rule id, the key, the expression and the
position (types are checked by evaluating against a fully populated sample item, since CEL
here is dynamically typed). The result is a :class:`~trackerguard.rule.Rule` subclass per
entry, so severities, modes, exemptions, grace, ``explain`` and every report format work
exactly as for built-in rules.

At run time, data a rule did not expect (``item.fields["points"]`` on an item without
that field, ``item.due < now`` on an item without a due date) raises
:class:`CustomRuleError` for that item and that rule only; the engine records it in the
report's ``errors`` (``judged=True``) and goes on with the other rules and items. Guard
optional data with ``has(item.fields.x)`` or ``item.due != null``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

import cel
from cel.stdlib import STDLIB_FUNCTIONS, add_stdlib_to_context

from trackerguard.cel_item import (
    ALL_FIELDS,
    ATTRIBUTE,
    ITEM_FIELDS,
    STRING_LITERAL,
    FieldSet,
    item_map,
    referenced_fields,
    sample_item,
    timestamp,
)
from trackerguard.cel_limits import ExpressionTooCostly, check_limits
from trackerguard.errors import ConfigError
from trackerguard.model import WorkItem
from trackerguard.rule import Rule, RuleContext, RuleEvaluationError, Verdict, fail, ok

if TYPE_CHECKING:
    from trackerguard.plugins_manager import Registry
    from trackerguard.settings import CustomRuleConfig

CUSTOM_RULES_DOCS = "https://github.com/trackerguard/trackerguard/blob/main/docs/custom-rules.md"
_ID = re.compile(r"^[A-Z][A-Z0-9_-]*$")
_POSITION = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*)")


class CustomRuleError(RuleEvaluationError):
    """A custom rule could not be evaluated on one item; the run goes on without that verdict.

    The engine turns it into an entry of the report's ``errors`` for ``item`` (the item *was*
    judged by every other rule, so the scan is not partial).
    """

    def __init__(self, rule_id: str, item: str, message: str) -> None:
        super().__init__(f"custom rule {rule_id}: {message}")
        self.rule_id = rule_id
        self.item = item
        self.message = message


class _Activations:
    """One CEL context per item, shared by every custom rule compiled together.

    The engine runs all rules on one item before the next, so caching the last item's
    context (per thread) converts each item once however many custom rules there are; and
    the first rule to look evaluates *every* rule in one call of a combined program (a list
    of the rules' results), so the others only index it. When that combined call fails (one
    rule cannot be evaluated on this item), each rule runs its own program, so the error
    names the rule and the others still judge the item.
    """

    def __init__(self, fields: FieldSet, *, flat: bool = False) -> None:
        self.fields = fields
        self.flat = flat
        self.batch: cel.Program | None = None
        self.functions: frozenset[str] | None = None
        self._local = threading.local()

    def evaluate(self, item: WorkItem, ctx: RuleContext) -> tuple[cel.Context, list[Any] | None]:
        """The item's context and, when the combined program ran, every rule's result."""
        local = self._local
        last: _Last | None = getattr(local, "last", None)
        if last is not None and last[0] is item and last[1] is ctx:
            return last[2], last[3]
        if last is not None and last[1] is ctx:
            context = last[2]
        else:
            context = new_context(ctx.now, functions=self.functions)
        if self.flat:
            context.update(item_map(item, ctx.graph, self.fields, FLAT_PREFIX))
        else:
            context.add_variable("item", item_map(item, ctx.graph, self.fields))
        results: list[Any] | None = None
        if self.batch is not None:
            try:
                results = self.batch.execute(context)
            except Exception:
                results = None
        local.last = (item, ctx, context, results)
        return context, results


_Last = tuple[WorkItem, RuleContext, cel.Context, "list[Any] | None"]


_MATCHES_CALL = re.compile(r"\bmatches(\s*\()")
_FAST_MATCHES = "tgMatches"
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _fast_matches(text: str, pattern: str) -> bool:
    """``matches`` with a compiled-pattern cache (the built-in recompiles on every call)."""
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        if len(_PATTERNS) > 1024:
            _PATTERNS.clear()
        compiled = _PATTERNS[pattern] = re.compile(pattern)
    return compiled.search(text) is not None


def _with_fast_matches(source: str) -> str:
    """``x.matches(p)`` → ``x.tgMatches(p)`` outside string literals (same result, ~10x faster).

    Patterns are RE2 (CEL's syntax); literal ones are validated by the built-in at load, and
    RE2 syntax means the same in Python's ``re`` for the constructs both support.
    """
    code = STRING_LITERAL.sub(lambda match: " " * len(match.group()), source)
    out = source
    for match in reversed(list(_MATCHES_CALL.finditer(code))):
        out = out[: match.start()] + _FAST_MATCHES + out[match.start() + len("matches") :]
    return out


FLAT_PREFIX = "item_"
_HAS_ATTRIBUTE = re.compile(r"(?<![\w.])has\s*\(\s*item\s*\.\s*[A-Za-z_]\w*\s*\)")
_DIRECT_ATTRIBUTE = re.compile(r"(?<![\w.])item\s*\.\s*([A-Za-z_]\w*)")


def _replace_outside_strings(source: str, pattern: re.Pattern[str], new: Any) -> str:
    code = STRING_LITERAL.sub(lambda match: " " * len(match.group()), source)
    out = source
    for match in reversed(list(pattern.finditer(code))):
        out = out[: match.start()] + new(match) + out[match.end() :]
    return out


def _runtime_source(source: str, flat: bool) -> str:
    """The expression as evaluated: fast ``matches`` and, when ``flat``, ``item.x`` → ``item_x``.

    Flat mode passes each attribute as its own variable, which converts about 40% faster
    than one map; ``has(item.x)`` of a top-level attribute is always true (every attribute is
    present, possibly null). Used only when ``item`` never appears as a whole value.
    """
    source = _with_fast_matches(source)
    if not flat:
        return source
    source = _replace_outside_strings(source, _HAS_ATTRIBUTE, lambda match: "true")
    return _replace_outside_strings(
        source, _DIRECT_ATTRIBUTE, lambda match: FLAT_PREFIX + match.group(1)
    )


def new_context(
    now: datetime,
    item: Mapping[str, Any] | None = None,
    functions: frozenset[str] | None = None,
) -> cel.Context:
    """A CEL context with ``now``, the extended standard library and (optionally) ``item``.

    ``functions`` limits the library to the names the programs call: the context is rebuilt
    on the first evaluation after each item is set, at a cost proportional to its size.
    """
    context = cel.Context({"now": timestamp(now)})
    if functions is None:
        add_stdlib_to_context(context)
    else:
        for name in sorted(functions & STDLIB_FUNCTIONS.keys()):
            context.add_function(name, STDLIB_FUNCTIONS[name])
    context.add_function(_FAST_MATCHES, _fast_matches)
    if item is not None:
        context.add_variable("item", dict(item))
    return context


class CustomRule(Rule):
    """Base of the rule classes made from ``[[custom_rules]]`` entries."""

    config: ClassVar[CustomRuleConfig]
    levels: ClassVar[frozenset[str]] = frozenset()
    program: ClassVar[cel.Program]
    condition_program: ClassVar[cel.Program | None] = None
    activations: ClassVar[_Activations]
    index: ClassVar[int]
    passed: ClassVar[Verdict]
    failed: ClassVar[Verdict]

    def check(self, item: WorkItem, ctx: RuleContext) -> Verdict | None:
        if self.levels and item.level not in self.levels:
            return None
        context, results = self.activations.evaluate(item, ctx)
        if results is not None:
            result = results[self.index]
        else:
            try:
                result = self.program.execute(context)
            except Exception as exc:
                raise self._error(item, context, exc) from None
        if result is True:
            return self.passed
        if result is False:
            return self.failed
        if result is None and self.condition_program is not None:
            return None
        raise CustomRuleError(
            self.id,
            item.key,
            f"on {item.key}: 'require' must be a boolean, got {_cel_type(result)} "
            f"(require: {self.config.require})",
        )

    def _error(self, item: WorkItem, context: cel.Context, exc: Exception) -> CustomRuleError:
        key = "require"
        if self.condition_program is not None:
            try:
                applies = self.condition_program.execute(context)
            except Exception as inner:
                key, exc = "condition", inner
            else:
                if not isinstance(applies, bool):
                    return CustomRuleError(
                        self.id,
                        item.key,
                        f"on {item.key}: 'condition' must be a boolean, got "
                        f"{_cel_type(applies)} (condition: {self.config.condition})",
                    )
        expression = getattr(self.config, key)
        return CustomRuleError(
            self.id, item.key, f"on {item.key}: {key} {expression!r} failed: {_describe(exc)}"
        )

    @classmethod
    def docs_url(cls) -> str:
        return CUSTOM_RULES_DOCS

    @classmethod
    def applies_to_label(cls) -> str:
        """The configured ``level`` list (the rule filters by level itself)."""
        return ", ".join(cls.config.level) if cls.config.level else "any"


def compile_custom_rules(
    configs: Sequence[CustomRuleConfig],
    *,
    registered: Registry | Mapping[str, type[Rule]] | None = None,
    level_names: Sequence[str] | None = None,
    now: datetime | None = None,
) -> dict[str, type[Rule]]:
    """Compile ``[[custom_rules]]`` into rule classes, keyed by id.

    :param configs: the validated entries (``Settings.custom_rules``).
    :param registered: the rules plugins registered (a :class:`Registry` names the owning
        plugin in the collision error); a custom id equal to one of them is an error.
    :param level_names: the configured level names; a ``level`` naming another is an error.
    :param now: the clock of the load-time type check (default: the current time).
    :raises ConfigError: naming the rule id, the key, the expression and the position.
    """
    if not configs:
        return {}
    rules_of: Mapping[str, type[Rule]]
    if registered is None:
        rules_of = {}
    elif isinstance(registered, Mapping):
        rules_of = registered
    else:
        rules_of = registered.rules
    sources = [text for config in configs for text in (config.condition, config.require)]
    fields = referenced_fields(sources)
    if any(config.level for config in configs):
        fields = FieldSet(fields.item | {"level"}, fields.nested)
    flat = fields != ALL_FIELDS
    activations = _Activations(fields, flat=flat)
    batch: list[str] = []
    probe = new_context(now or datetime.now(UTC), sample_item(now or datetime.now(UTC)))
    out: dict[str, type[Rule]] = {}
    for index, config in enumerate(configs):
        where = f"custom_rules[{index}] (id '{config.id}')"
        _check_identity(config, where, out, rules_of, registered, level_names)
        condition = _compile(config.condition, where, "condition")
        require = _compile(config.require, where, "require")
        _type_check(condition, config.condition, where, "condition", probe)
        _type_check(require, config.require, where, "require", probe)
        always = config.condition.strip() == "true"
        fast_require = _runtime_source(config.require, flat)
        fast_condition = _runtime_source(config.condition, flat)
        if always:
            element = f"({fast_require})"
        else:
            element = f"(({fast_condition}) ? ({fast_require}) : null)"
        program = cel.compile(element)
        if config.level:
            levels = ", ".join(f'"{_escape(level)}"' for level in config.level)
            level_ref = "item_level" if flat else "item.level"
            element = f"({level_ref} in [{levels}] ? {element} : null)"
        batch.append(element)
        condition_program = None if always else cel.compile(fast_condition)
        rule_class = _make_class(config, program, condition_program, activations)
        rule_class.index = index
        out[config.id] = rule_class
    activations.batch = cel.compile("[" + ", ".join(batch) + "]")
    activations.functions = frozenset(activations.batch.functions())
    return out


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _check_identity(
    config: CustomRuleConfig,
    where: str,
    seen: Mapping[str, type[Rule]],
    rules_of: Mapping[str, type[Rule]],
    registered: object,
    level_names: Sequence[str] | None,
) -> None:
    if not _ID.match(config.id):
        raise ConfigError(
            f"{where}: key 'id': use upper-case letters, digits, '-' and '_', starting with a "
            f"letter (e.g. 'OKR1'), so '[rules.ID]' and 'trackerguard explain ID' find it"
        )
    if config.id in seen:
        raise ConfigError(f"{where}: key 'id': '{config.id}' is used by two custom rules")
    if config.id in rules_of:
        owner = "a plugin"
        describe = getattr(registered, "_describe", None)
        owners = getattr(registered, "owners", None)
        if describe is not None and isinstance(owners, Mapping) and ("rule", config.id) in owners:
            owner = f"plugin {describe(owners[('rule', config.id)])}"
        rule = rules_of[config.id]
        raise ConfigError(
            f"{where}: key 'id': custom rule '{config.id}' ({config.name}) collides with rule "
            f"'{config.id}' ({rule.name}) registered by {owner}; choose another id"
        )
    if not config.name.strip():
        raise ConfigError(f"{where}: key 'name': must not be empty")
    if not config.message.strip():
        raise ConfigError(f"{where}: key 'message': must not be empty")
    if level_names is not None:
        unknown = [level for level in config.level if level not in level_names]
        if unknown:
            raise ConfigError(
                f"{where}: key 'level': unknown level '{unknown[0]}' "
                f"(configured: {', '.join(level_names)})"
            )


def _compile(source: str, where: str, key: str) -> cel.Program:
    if not source.strip():
        raise ConfigError(f"{where}: key '{key}': the expression is empty")
    try:
        check_limits(source)
    except ExpressionTooCostly as exc:
        raise ConfigError(f"{where}: key '{key}': {exc}") from None
    try:
        program = cel.compile(source)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # the native parser panics (a BaseException) on odd input
        text = str(exc)
        match = _POSITION.search(text)
        if match is None:
            raise ConfigError(f"{where}: key '{key}': {_first_line(text)} in {source!r}") from None
        line, column, problem = match.groups()
        raise ConfigError(
            f"{where}: key '{key}': syntax error at line {line}, column {column} of "
            f"{source!r}: {_short(problem)}"
        ) from None
    code = STRING_LITERAL.sub(lambda m: " " * len(m.group()), source)
    for match in ATTRIBUTE.finditer(code):
        if match.group(1) not in ITEM_FIELDS:
            line, column = _line_column(source, match.start(1))
            raise ConfigError(
                f"{where}: key '{key}': unknown attribute 'item.{match.group(1)}' at line "
                f"{line}, column {column} of {source!r} (known: {', '.join(ITEM_FIELDS)})"
            )
    return program


def _type_check(
    program: cel.Program, source: str, where: str, key: str, probe: cel.Context
) -> None:
    """Evaluate against the sample item: wrong types / unknown names are config errors."""
    try:
        result = program.execute(probe)
    except Exception as exc:
        if not _is_static_error(exc):
            return  # data-dependent (a missing key, an index): a run-time matter
        line, column = _locate(source, probe)
        raise ConfigError(
            f"{where}: key '{key}': {_describe(exc)} at line {line}, column {column} of {source!r}"
        ) from None
    if not isinstance(result, bool):
        raise ConfigError(
            f"{where}: key '{key}': the expression must be a boolean, got {_cel_type(result)} "
            f"in {source!r} (line 1, column 1)"
        )


def _is_static_error(exc: Exception) -> bool:
    text = str(exc)
    return (
        isinstance(exc, TypeError)
        or "Undefined variable or function" in text
        or "not a valid regex" in text
    )


def _locate(source: str, probe: cel.Context) -> tuple[int, int]:
    """Line and column of the first top-level ``&&``/``||`` operand that fails on its own."""
    for offset, part in _operands(source):
        try:
            cel.compile(part).execute(probe)
        except Exception as exc:
            if _is_static_error(exc):
                lead = len(part) - len(part.lstrip())
                return _line_column(source, offset + lead)
    return 1, 1


def _operands(source: str) -> list[tuple[int, str]]:
    """Split at top-level ``&&`` / ``||`` (outside brackets and strings): (offset, text)."""
    parts: list[tuple[int, str]] = []
    depth = 0
    start = 0
    index = 0
    quote = ""
    while index < len(source):
        char = source[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and source[index : index + 2] in ("&&", "||"):
            parts.append((start, source[start:index]))
            start = index + 2
            index += 1
        index += 1
    parts.append((start, source[start:]))
    return parts


def _line_column(source: str, offset: int) -> tuple[int, int]:
    before = source[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return line, column


def _make_class(
    config: CustomRuleConfig,
    program: cel.Program,
    condition: cel.Program | None,
    activations: _Activations,
) -> type[CustomRule]:
    evidence = f"require holds: {config.require}"
    attributes: dict[str, Any] = {
        "__doc__": _documentation(config),
        "__module__": __name__,
        "id": config.id,
        "name": config.name,
        "default_severity": config.severity,
        "applies_to": "any",
        "config": config,
        "levels": frozenset(config.level),
        "program": program,
        "condition_program": condition,
        "activations": activations,
        "passed": ok(evidence),
        "failed": fail(
            config.message, hint=config.hint, evidence=f"require is false: {config.require}"
        ),
    }
    name = "CustomRule_" + re.sub(r"\W", "_", config.id)
    return type(name, (CustomRule,), attributes)


def _documentation(config: CustomRuleConfig) -> str:
    levels = ", ".join(config.level) if config.level else "every level"
    lines = [
        f"{config.message}",
        "",
        "A custom rule declared in the configuration ([[custom_rules]]).",
        "",
        f"**Applies to**\n{levels}, when `{config.condition}`.",
        "",
        f"**Requires**\n`{config.require}`",
    ]
    if config.hint:
        lines += ["", f"**Best practice**\n{config.hint}"]
    return "\n".join(lines)


def _describe(exc: BaseException) -> str:
    text = _first_line(str(exc))
    if isinstance(exc, KeyError):
        return f"missing key {text} (guard it with has(...))"
    if isinstance(exc, TypeError) and text.startswith("No such overload"):
        return "type error: no such overload (an operation on the wrong types, or on null)"
    if "Undefined variable or function" in text:
        return "unknown name: " + text.split(": ", 1)[-1].split(". ", 1)[0]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _short(problem: str) -> str:
    return problem.split(" expecting ", 1)[0].strip()


def _cel_type(value: Any) -> str:
    if value is None:
        return "null"
    return {str: "string", int: "int", float: "double", list: "list", dict: "map"}.get(
        type(value), type(value).__name__
    )


__all__ = ["CUSTOM_RULES_DOCS", "CustomRule", "CustomRuleError", "compile_custom_rules"]
