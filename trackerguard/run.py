"""The one code path behind both front doors: fetch → graph → rules → plan → (apply) → report.

``trackerguard check`` calls :meth:`Runner.check` once for a whole scan; the webhook service
calls it with the keys of the items an event touched. Keeping one path means a verdict seen
in CI is the verdict the service acts on.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from trackerguard.adapter import Action, AdapterContext, ScanRequest, TrackerAdapter
from trackerguard.engine import Engine, Explanation, PolicyFinding
from trackerguard.errors import (
    AuthError,
    ConfigError,
    RateLimited,
    TrackerError,
    UsageError,
    WriteDeferred,
)
from trackerguard.failures import describe, raising_function
from trackerguard.graph import StrategyGraph
from trackerguard.ledger import RUN_ITEM, SCAN_ITEM, name_gaps
from trackerguard.levels import LevelMap
from trackerguard.model import WorkItem
from trackerguard.planner import Planner
from trackerguard.plugins_manager import Registry
from trackerguard.progress import NoProgress
from trackerguard.report import Coverage, Report, RunContext
from trackerguard.rule import Finding, RuleContext
from trackerguard.settings import Settings
from trackerguard.state import StateStore, scope_of
from trackerguard.status import StatusMap, as_people_left_it
from trackerguard.text.cache import VerdictCache

if TYPE_CHECKING:
    from trackerguard.history import Snapshot


class Progress(Protocol):
    """Receives progress of long phases (the CLI draws a bar on a TTY)."""

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, count: int = 1) -> None: ...

    def done(self) -> None: ...


log = logging.getLogger("trackerguard.run")
_PROSE_MODULE = "trackerguard.text.analysis"


def preload_prose() -> None:
    """Import the prose analyser (and compile its cue patterns) in a background thread.

    Compiling the cues is ~40% of a ``check``'s start-up CPU, and nothing needs them before
    the first items are read, so the runner starts this import as it opens the connection:
    it runs while the main thread waits for the tracker's first answers. A rule that needs
    the analyser before it is ready simply waits on the import lock; if the background
    import fails, the next ordinary import raises (and is reported) as it always would.
    """
    if _PROSE_MODULE in sys.modules:
        return

    def load() -> None:
        try:
            importlib.import_module(_PROSE_MODULE)
        except Exception:  # the rule that needs it imports it again and reports why
            log.debug("background import of %s failed", _PROSE_MODULE, exc_info=True)

    threading.Thread(target=load, name="trackerguard-preload", daemon=True).start()


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a phase that only builds data (nested: no-op).

    Reading and judging allocate millions of objects that all stay alive until the report
    (decoded JSON, items, verdicts) and form no garbage cycles worth collecting, so every
    collection re-walks a growing heap for nothing: at 10,000 Jira issues that was a fifth
    of the run's CPU time, charged to JSON decoding. Cycles made meanwhile are collected
    once the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Scan:
    """What was read: the judged items plus the context fetched around them."""

    scanned: list[WorkItem]
    graph: StrategyGraph


class Runner:
    """Owns the adapter, the engine and the planner for one configuration."""

    def __init__(self, settings: Settings, registry: Registry, tracker: str | None = None) -> None:
        self.settings = settings
        self.registry = registry
        self.tracker = tracker or settings.tracker
        if self.tracker not in registry.trackers:
            known = ", ".join(sorted(registry.trackers)) or "none"
            where = settings.source_of_value("tracker", self.tracker)
            raise ConfigError(
                f"{where}: key 'tracker': unknown tracker '{self.tracker}' (installed: {known})"
            )
        self.levels = LevelMap(settings.levels, settings.graph.default_level)
        self.statuses = StatusMap(settings.status)
        rules = dict(registry.rules)
        rules.update(_custom_rules(settings, registry))
        self.engine = Engine(rules, settings)
        self.planner = Planner(
            settings.actions,
            {a.rule.id: type(a.rule).why() for a in self.engine.active},
            {  # plugin and custom rules: their own docs (built-ins link to actions.docs_url)
                a.rule.id: type(a.rule).docs_url()
                for a in self.engine.active
                if not type(a.rule).__module__.startswith("trackerguard.rules")
            },
        )
        self.state = StateStore(settings.state_path)
        self.text_cache = VerdictCache(self.state)
        self._adapter: TrackerAdapter | None = None
        self._others: dict[str, TrackerAdapter] = {}
        """Adapters of the ``[[goal_trackers]]`` (read only, for goals named by URL)."""
        self._adopted = False
        self.notes: list[str] = []
        """Run notes of the last check (shown once in the report, not per item)."""
        self._hook_failures: set[str] = set()

    # -- adapter -------------------------------------------------------------------------------
    def new_context(self) -> AdapterContext:
        return AdapterContext(self.settings, self.levels, self.statuses, self.state)

    @property
    def adapter(self) -> TrackerAdapter:
        if self._adapter is None:
            self._adapter = self._build_adapter(self.tracker)
        return self._adapter

    def adapter_for(self, name: str) -> TrackerAdapter:
        """The adapter of another tracker (cross-tracker goals), made once per runner."""
        if name == self.tracker:
            return self.adapter
        if name not in self._others:
            if name not in self.registry.trackers:
                known = ", ".join(sorted(self.registry.trackers))
                raise ConfigError(
                    f"{self.settings.source_of(('goal_trackers',))}: key 'goal_trackers': "
                    f"unknown tracker '{name}' "
                    f"(installed: {known})"
                )
            self._others[name] = self._build_adapter(name)
        return self._others[name]

    def _build_adapter(self, name: str) -> TrackerAdapter:
        """An adapter for tracker ``name`` with its section validated as its own model."""
        adapter_cls = self.registry.trackers[name]
        section = self.settings.tracker_section(name)
        if not isinstance(section, adapter_cls.Settings):
            try:
                section = adapter_cls.Settings.model_validate(
                    section if isinstance(section, dict) else section.model_dump()
                )
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ConfigError(
                    f"configuration: key 'trackers.{name}.{where}': {first['msg']}"
                ) from None
        return adapter_cls(section, self.new_context())

    def adopt_adapter(self, adapter: TrackerAdapter) -> None:
        """Judge with another runner's adapter (``diff``: one read, two rule sets)."""
        self._adapter = adapter
        self._adopted = True

    def close(self) -> None:
        if self._adapter is not None and not self._adopted:
            self._adapter.close()
            self._adapter = None
        for other in self._others.values():
            other.close()
        self._others.clear()
        self.state.close()

    # -- reading -------------------------------------------------------------------------------
    def read(
        self,
        request: ScanRequest,
        progress: Progress,
        now: datetime | None = None,
        *,
        writing: bool = False,
    ) -> Scan:
        adapter = self.adapter
        if any(type(active.rule).reads_prose for active in self.engine.active):
            preload_prose()  # overlaps the connection's round trips
        adapter.check_connection()
        if writing:
            # Before any write: who trackerguard is decides which comments are its own
            # (a ConfigError naming the key when the tracker cannot tell).
            adapter.ensure_identity()
        progress.phase("Reading items", adapter.total_hint(request))
        scanned: list[WorkItem] = []
        known: dict[str, WorkItem] = {}
        # Rules' item-only work (prose) done by the adapter between network waits.
        early = RuleContext(
            StrategyGraph({}, self.levels, self.settings.graph.goal_link_types),
            self.settings,
            now,
            self.text_cache,
        )
        adapter.context.prepare = lambda item: self.engine.prepare(item, early)
        try:
            for item in adapter.scan(request):
                if not item.key:
                    adapter.context.ledger.problem(
                        f"not judged: the tracker returned an item without a key ({item.title!r})"
                    )
                    continue
                if item.key in known:
                    continue  # yielded twice: judged (and counted) once
                known[item.key] = item
                scanned.append(item)
                progress.advance()
        finally:
            adapter.context.prepare = None
        if request.keys:
            for key in request.keys:
                if adapter.canonical_key(key) not in known:
                    adapter.context.item_error(key, f"{key} was not found in the tracker")
        unreachable = self._link_foreign_goals(known, scanned)
        self._complete_context(known, scanned, request, unreachable)
        self._as_people_left_them(known)
        self._complete_subtrees(known, scanned, now)
        self._as_people_left_them(known)
        scanned = [known[item.key] for item in scanned]
        graph = StrategyGraph(
            known, self.levels, self.settings.graph.goal_link_types, [i.key for i in scanned]
        )
        return Scan(scanned, graph)

    def _link_foreign_goals(self, known: dict[str, WorkItem], scanned: list[WorkItem]) -> set[str]:
        """Goals in other trackers named by URL (``[[goal_trackers]]``), read with those
        trackers' adapters and linked from the work that names them; returns the foreign keys
        that could not be read, so the home tracker is never asked for them."""
        entries = self.settings.goal_trackers
        if not entries:
            return set()
        from trackerguard.cross_tracker import build_sources, link_foreign_goals

        sources = build_sources(
            [(e.tracker, e.link_pattern, e.fields) for e in entries], self.adapter_for
        )
        link_type = (self.settings.graph.goal_link_types or ["implements"])[0]
        cross = link_foreign_goals(scanned, sources, link_type)
        scanned[:] = cross.scanned
        for item in cross.scanned:
            known[item.key] = item
        for key, goal in cross.goals.items():
            known.setdefault(key, goal)
        context = self.adapter.context
        for key, reason in cross.failed.items():
            context.item_error(key, reason)
        self.notes.extend(cross.notes)
        for other in self._others.values():
            context.requests["read"] += other.context.requests.get("read", 0)
            other.context.requests["read"] = 0
        return cross.unreachable

    def _complete_context(
        self,
        known: dict[str, WorkItem],
        scanned: list[WorkItem],
        request: ScanRequest,
        unreachable: set[str] | None = None,
    ) -> None:
        """Fetch goals outside the scan (in batch rounds) and children of scanned goals.

        A goal's verdicts (plan, movement) depend on *all* its children. A full scan holds
        them already, so only goals without a live child are looked up; an incremental or
        keyed scan holds a slice, so every scanned goal's children are read (in batch),
        otherwise the same goal would be judged differently than in the full scan.
        """
        adapter = self.adapter
        link_types = self.settings.graph.goal_link_types
        missing_forever: set[str] = set(unreachable or ())
        frontier: Iterable[WorkItem] = scanned
        for _ in range(self.settings.graph.max_fetch_rounds):
            wanted = StrategyGraph.referenced(frontier, link_types) - known.keys() - missing_forever
            if not wanted:
                break
            fetched = adapter.fetch_items(sorted(wanted))
            for item in fetched:
                known.setdefault(item.key, item)
            missing_forever |= wanted - {item.key for item in fetched}
            frontier = fetched
        goals = [
            item.key for item in scanned if self.levels.is_goal(item.level) and not item.is_closed
        ]
        if goals:
            if request.since is not None or request.keys:
                need = goals
            else:
                probe = StrategyGraph(known, self.levels, link_types)
                need = [key for key in goals if not probe.has_live_child(key)]
            if need:
                for item in adapter.fetch_children(need):
                    known.setdefault(item.key, item)

    def _as_people_left_them(self, known: dict[str, WorkItem]) -> None:
        for key, item in known.items():
            known[key] = as_people_left_it(item, self.statuses)

    def _complete_subtrees(
        self, known: dict[str, WorkItem], scanned: list[WorkItem], now: datetime | None
    ) -> None:
        """Read everything below the scanned goals whose verdict depends on the whole subtree.

        A rule says which goals need it (:meth:`Rule.needs_subtree`, e.g. TG205 when nothing
        read so far moved recently). What was read is a subset of the subtree, and more items
        can only add movement or open work, so a goal that is settled by what is known keeps
        its verdict, and every other goal is judged on its complete subtree: a full, an
        incremental and a keyed run reach the same verdict. One batch read per level.
        """
        link_types = self.settings.graph.goal_link_types
        probe = StrategyGraph(known, self.levels, link_types)
        ctx = RuleContext(probe, self.settings, now)
        roots = [
            item.key
            for item in scanned
            if self.levels.is_goal(item.level)
            and not item.is_closed
            and self.engine.needs_subtree(probe.items.get(item.key, item), ctx)
        ]
        expanded: set[str] = set()
        frontier = roots
        for _ in range(self.settings.graph.max_fetch_rounds):
            todo = sorted(set(frontier) - expanded)
            if not todo:
                break
            expanded.update(todo)
            for item in self.adapter.fetch_children(todo):
                known.setdefault(item.key, item)
            probe = StrategyGraph(known, self.levels, link_types)
            frontier = [child.key for key in todo for child in probe.children(key)]

    # -- judging -------------------------------------------------------------------------------
    def judge(
        self, scan: Scan, context: RunContext, progress: Progress
    ) -> tuple[list[tuple[WorkItem, list[PolicyFinding]]], int, Coverage]:
        graph = scan.graph
        rule_ctx = RuleContext(graph, self.settings, context.started, self.text_cache)
        notify = bool(self.registry.hook.trackerguard_finding.get_hookimpls())
        results: list[tuple[WorkItem, list[PolicyFinding]]] = []
        coverage = Coverage()
        skip = self.engine.skip_label
        progress.phase("Judging items", len(scan.scanned))
        # Judging allocates many short-lived objects and no cycles worth collecting; the
        # cyclic GC would spend a third of the time scanning the item graph for nothing.
        with paused_gc():
            self._judge_items(scan, rule_ctx, context, notify, results, coverage, progress)
        exempt = sum(1 for item, found in results if skip in item.labels)
        return results, exempt, coverage

    def _judge_items(
        self,
        scan: Scan,
        rule_ctx: RuleContext,
        context: RunContext,
        notify: bool,
        results: list[tuple[WorkItem, list[PolicyFinding]]],
        coverage: Coverage,
        progress: Progress,
    ) -> None:
        graph = scan.graph
        levels = self.levels
        skip = self.engine.skip_label
        errors = self.adapter.context.errors
        for item in scan.scanned:
            item = graph.items.get(item.key, item)
            if skip in item.labels:
                results.append((item, []))
                progress.advance()
                continue
            before = len(errors)
            found = self.engine.evaluate(item, rule_ctx, errors)
            progress.advance()
            if len(errors) > before:
                continue  # a rule raised: the verdict is incomplete, the item unjudged
            if item.level is not None and not item.is_closed:
                if levels.is_work(item.level):
                    coverage.work_total += 1
                    if graph.goal_of(item.key).goal is not None:
                        coverage.work_serving += 1
                if levels.is_goal(item.level):
                    coverage.goals_total += 1
                    if graph.has_live_child(item.key):
                        coverage.goals_planned += 1
            if notify:
                for policy in found:
                    self._call_hook(
                        "trackerguard_finding", finding=policy.finding, item=item, context=context
                    )
            results.append((item, found))

    def _call_hook(self, name: str, **kwargs: Any) -> None:
        """Call an observer hook; a plugin that raises is named once in ``errors[]``.

        Observers (forwarding findings to chat, metrics) are part of what the run was
        configured to do, so a failing one makes the run partial (exit 3), never a
        traceback, and never stops the judging of the other items.
        """
        hook = getattr(self.registry.hook, name)
        try:
            hook(**kwargs)
        except Exception as exc:
            impls = hook.get_hookimpls()
            plugin = raising_function(
                exc, ((impl.function.__code__, impl.plugin_name) for impl in impls)
            )
            who = f"plugin '{plugin}'" if plugin else "a plugin"
            message = f"{who}: hook {name} raised {describe(exc)}"
            if message not in self._hook_failures:
                self._hook_failures.add(message)
                self.adapter.context.item_error(RUN_ITEM, message, judged=False)

    def check(
        self,
        request: ScanRequest,
        *,
        apply: bool | None = None,
        progress: Progress | None = None,
    ) -> Report:
        """Run the whole pipeline once and return the report (never raises for one item)."""
        progress = progress or NoProgress()
        apply = self.settings.apply if apply is None else apply
        context = RunContext(self.tracker, self.settings, apply, query=request.query)
        adapter_ctx = self.adapter.context
        adapter_ctx.errors.clear()  # a Runner may serve many checks (the service does)
        self.notes = []
        self._hook_failures = set()
        self.engine.stats.clear()
        adapter_ctx.ledger.clear()
        for kind in adapter_ctx.requests:
            adapter_ctx.requests[kind] = 0
        try:
            try:
                with paused_gc():
                    scan = self.read(request, progress, context.started, writing=apply)
            except TrackerError as exc:
                return self._unread_report(exc, context, apply)
            self._note_foreign_markers(scan.scanned)
            self.use_waivers(scan, request, context)
            results, exempt, coverage = self.judge(scan, context, progress)
            self.notes.extend(self._broken_rules())
            # Text verdicts computed in this run, for the next one (one transaction).
            self.text_cache.flush()
            name_gaps(adapter_ctx, {item.key for item, _ in results})
            actions = self._act(results, apply, progress)
            actions = self._flush(actions)
        finally:
            progress.done()
        findings: list[Finding] = [p.finding for _, found in results for p in found]
        report = Report(
            tracker=self.tracker,
            items=[item for item, _ in results],
            findings=findings,
            actions=actions,
            errors=list(adapter_ctx.errors),
            graph=scan.graph,
            coverage=coverage,
            applied=apply,
            requests=dict(adapter_ctx.requests),
            exempt=exempt,
            fail_on=self.settings.fail_on,
            level_names=self.levels.names,
            rules=[(a.rule.id, a.rule.name, a.applies_to) for a in self.engine.active],
            skip_label=self.engine.skip_label,
        )
        return self._finish(report, context)

    def _finish(self, report: Report, context: RunContext) -> Report:
        adapter_ctx = self.adapter.context
        report.notes.extend(self.notes)
        report.notes.extend(n for n in getattr(self.adapter, "notes", []) if n not in self.notes)
        self._call_hook("trackerguard_run_finished", report=report, context=context)
        report.errors = list(adapter_ctx.errors)
        return report

    def _broken_rules(self) -> list[str]:
        """One note per rule that raised on every item it applies to (a broken rule)."""
        notes = []
        for rule_id, count, first in self.engine.stats.always_failing():
            items = "the only item" if count == 1 else f"all {count} items"
            notes.append(
                f"rule {rule_id} failed on {items} it applies to, so none was judged by it "
                f"(fix or disable the rule: [rules.{rule_id}] enabled = false); "
                f"first error: {first}"
            )
        return notes

    def _unread_report(self, exc: TrackerError, context: RunContext, apply: bool) -> Report:
        """The report of a run whose reading failed (an outage, rejected credentials).

        Nothing was judged and nothing written, and the report says so: the error, every
        item the scan had listed as not judged, ``partial: true`` (exit 3). A CI job that
        archives the JSON report gets one either way.
        """
        adapter_ctx = self.adapter.context
        name_gaps(adapter_ctx, set())
        adapter_ctx.item_error(SCAN_ITEM, f"the {self.tracker} tracker could not be read: {exc}")
        report = Report(
            tracker=self.tracker,
            items=[],
            findings=[],
            actions=[],
            errors=list(adapter_ctx.errors),
            applied=apply,
            requests=dict(adapter_ctx.requests),
            fail_on=self.settings.fail_on,
            level_names=self.levels.names,
            rules=[(a.rule.id, a.rule.name, a.applies_to) for a in self.engine.active],
            skip_label=self.engine.skip_label,
            read_error=exc,
        )
        return self._finish(report, context)

    def _note_foreign_markers(self, items: Iterable[WorkItem]) -> None:
        """One run note for comments that carry the marker but are not the bot's."""
        foreign = [(i.key, i.bot.foreign_markers) for i in items if i.bot and i.bot.foreign_markers]
        if not foreign:
            return
        count = sum(n for _, n in foreign)
        keys = ", ".join(key for key, _ in foreign[:10]) + (", …" if len(foreign) > 10 else "")
        self.notes.append(
            f"{count} comment(s) carry the trackerguard marker but were written by someone "
            f"else; they are ignored, never edited or deleted ({keys})"
        )

    def _flush(self, actions: list[Action]) -> list[Action]:
        """Persist pending writes; if that fails, no write of this run was applied."""
        try:
            self.adapter.flush()
        except TrackerError as exc:
            errors = self.adapter.context
            out = []
            for action in actions:
                if action.status == "applied":
                    errors.item_error(action.item, f"{action.kind} failed: {exc}", judged=True)
                    action = replace(action, status="failed", error=str(exc))
                out.append(action)
            return out
        return actions

    def use_waivers(self, scan: Scan, request: ScanRequest, context: RunContext) -> None:
        """Waivers apply to the items just read (configured ones and those on the items)."""
        from trackerguard.waiver_collect import collect_waivers

        book = collect_waivers(
            self.settings,
            self.adapter,
            scan.scanned,
            [a.rule.id for a in self.engine.active] + self.engine.disabled,
            scan_query=request.query,
        )
        self.engine.use_waivers(book, context.started.date())
        self.notes.extend(book.notes)

    def _act(
        self,
        results: list[tuple[WorkItem, list[PolicyFinding]]],
        apply: bool,
        progress: Progress,
    ) -> list[Action]:
        planned: list[tuple[WorkItem, Action]] = []
        labels = self.adapter.supports_labels
        dropped = False
        for item, found in results:
            if item.level is None or (item.is_closed and item.bot is None):
                continue
            for action in self.planner.plan(item, found):
                if labels or action.kind not in ("label", "unlabel"):
                    planned.append((item, action))
                else:
                    dropped = True
        if dropped:
            self.notes.append(self.adapter.labels_note())
        if not apply:
            return [action for _, action in planned]
        return self._apply_all(planned, progress)

    def _apply_all(
        self, planned: list[tuple[WorkItem, Action]], progress: Progress
    ) -> list[Action]:
        """Apply the planned writes in order; every failure and every write not done is
        named (the run is then partial, exit 3).

        Writing stops for the rest of the run when the tracker refuses in a way no later
        write can escape (rejected credentials, a rate limit longer than ``max_wait``, the
        request budget) or after ``[actions] max_consecutive_failures`` failures in a row
        (a tracker that went down mid-run): hammering it helps no one, and the report
        lists every write that was not done.
        """
        adapter = self.adapter
        limit = self.settings.actions.max_consecutive_failures
        done: list[Action] = []
        streak = 0
        stopped: str | None = None
        skipped = 0
        progress.phase("Applying actions", len(planned))
        for item, action in planned:
            if stopped is not None:
                skipped += 1
                adapter.context.item_error(
                    item.key, f"{action.kind} not done: {stopped}", judged=True
                )
                done.append(replace(action, error=f"not done: {stopped}"))
                progress.advance()
                continue
            try:
                adapter.apply(item, action)
            except WriteDeferred as exc:
                done.append(replace(action, status="failed", error=str(exc)))
            except Exception as exc:  # a plugin adapter's bug fails this write, not the run
                detail = str(exc) if isinstance(exc, TrackerError) else describe(exc)
                adapter.context.item_error(item.key, f"{action.kind} failed: {detail}", judged=True)
                done.append(replace(action, status="failed", error=detail))
                streak += 1
                if isinstance(exc, AuthError | RateLimited):
                    stopped = f"writing stopped after '{exc}'"
                elif limit and streak >= limit:
                    stopped = (
                        f"writing stopped after {streak} failed writes in a row "
                        f"([actions] max_consecutive_failures = {limit})"
                    )
            else:
                streak = 0
                done.append(replace(action, status="applied"))
            progress.advance()
        if stopped is not None and skipped:
            self.notes.append(f"{stopped}; {skipped} planned write(s) not done")
        return done

    # -- incremental runs ----------------------------------------------------------------------
    def resolve_since(self, since: str | None, request: ScanRequest) -> datetime | None:
        if since is None:
            return None
        if since == "last":
            return self.state.last_success(self.tracker, scope_of(request.query, request.keys))
        try:
            parsed = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(
                f"--since: expected an ISO timestamp or 'last', got '{since}'"
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def record_success(self, request: ScanRequest, started: datetime) -> None:
        self.state.record_success(self.tracker, scope_of(request.query, request.keys), started)

    def record_history(self, request: ScanRequest, report: Report) -> list[Snapshot]:
        """One point on the trend (``trackerguard report --history``) for this run; returns
        the comparable trend of this scope, this point included, for the reports to draw."""
        from trackerguard.history import History, record_run

        kind = "incremental" if request.since else ("keys" if request.keys else "full")
        scope = scope_of(request.query, ())
        record_run(self.state, self.tracker, scope, report, kind=kind)
        return History(self.state).load(self.tracker, scope)

    # -- explaining ----------------------------------------------------------------------------
    def explain_item(self, key: str) -> tuple[WorkItem, list[Explanation], Scan]:
        request = ScanRequest(keys=(key,))
        scan = self.read(request, NoProgress())
        item = scan.graph.get(key)
        if item is None:
            raise UsageError(f"item '{key}' was not found in the {self.tracker} tracker")
        rule_ctx = RuleContext(scan.graph, self.settings)
        return item, self.engine.explain(item, rule_ctx), scan


def _custom_rules(settings: Settings, registry: Registry | None = None) -> dict[str, Any]:
    """Declarative ``[[custom_rules]]`` compiled into rule classes (see trackerguard.custom)."""
    if not settings.custom_rules:
        return {}
    from trackerguard.custom import compile_custom_rules

    try:
        return compile_custom_rules(
            settings.custom_rules,
            registered=registry,
            level_names=[level.name for level in settings.levels],
        )
    except ConfigError as exc:  # name the file (or variable) too, as every config error does
        raise ConfigError(f"{settings.source_of(('custom_rules',))}: {exc}") from None
