"""Core speed benchmark: strategy graph + rule engine on a synthetic backlog, one core.

Run from the repository root::

    python benchmarks/engine.py                      # 10k and 100k items, both modes
    python benchmarks/engine.py 10000 100000 1000000 --write   # and write RESULTS_engine.md
    python benchmarks/engine.py --profile 100000 full          # cProfile top functions

What is measured, per size and mode, each in a **fresh subprocess** (single-threaded, so one
core; ``ru_maxrss`` is that run's own peak and no run warms the next). Times are **CPU time of
the process** (``time.process_time``), so other jobs on a shared machine do not distort them;
wall-clock time is recorded too (``--pin`` pins each run to one CPU):

* ``generate``: building the ``WorkItem`` values (benchmarks/synthetic.py), not counted in
  the engine figures: a tracker adapter pays its own price for this;
* ``graph``: ``StrategyGraph(...)`` over all items (what ``Runner.read`` builds);
* ``judge``: ``Runner.judge`` exactly as ``trackerguard check`` runs it (coverage, skip label,
  ``Engine.evaluate`` of every active rule on every item, policy);
* ``plan``: the action planner over the findings (dry run, as ``Runner._act`` does);
* items/s = items / (graph + judge); peak RSS of the whole process.

Modes: ``structural`` = TG101, TG102, TG201, TG202, TG203, TG205 (TG103 and TG204 disabled
through settings, as a user would); ``full`` = the whole built-in pack.
Targets: structural >= 50,000 items/s, full >= 20,000 items/s, peak RSS < 500 MB at 100k.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = Path(__file__).resolve().parent / "RESULTS_engine.md"
DEFAULT_SIZES = (10_000, 100_000)
MODES = ("structural", "full")
TARGETS = {"structural": 50_000, "full": 20_000}
MEMORY_TARGET_MB = 500
STRUCTURAL_OFF = ("TG103", "TG204")


def _rss_mb() -> float:
    """Current resident set size (Linux /proc), in MB."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # KB on Linux


class _GcTimer:
    """Total time spent in the cyclic garbage collector (it matters at 1M objects)."""

    def __init__(self) -> None:
        self.total = 0.0
        self.collections = 0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.total += time.process_time() - self._start
            self.collections += 1


def build_runner(mode: str, state_dir: str) -> Any:
    """A real ``Runner`` (registry of built-in plugins, settings as from a config file)."""
    from trackerguard.plugins_manager import build_registry
    from trackerguard.run import Runner
    from trackerguard.settings import load_settings

    overrides: dict[str, Any] = {"state_path": str(Path(state_dir) / "state.db")}
    if mode == "structural":
        overrides["rules"] = {rule: {"enabled": False} for rule in STRUCTURAL_OFF}
    settings = load_settings(None, overrides, cwd=Path(state_dir), use_pyproject=False)
    registry = build_registry(load_entry_points=False)
    return Runner(settings, registry, tracker="file")


def run_once(
    size: int, mode: str, profile: bool = False, pin: bool = False, freeze: bool = False
) -> dict[str, Any]:
    """One measurement (call in a fresh process)."""
    from benchmarks.synthetic import NOW, generate
    from trackerguard.graph import StrategyGraph
    from trackerguard.progress import NoProgress
    from trackerguard.report import RunContext
    from trackerguard.run import Scan

    if pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    clock = time.process_time
    rss_import = _rss_mb()
    t0 = clock()
    items = generate(size)
    t_generate = clock() - t0
    rss_items = _rss_mb()

    with tempfile.TemporaryDirectory() as state_dir:
        runner = build_runner(mode, state_dir)
        active = [a.rule.id for a in runner.engine.active]
        gc_timer = _GcTimer()
        gc.collect()
        if freeze:
            # What a caller could do once the scan is loaded: move every object alive now
            # (the items) to the permanent generation, so full collections stop re-scanning them.
            gc.freeze()
        gc.callbacks.append(gc_timer)
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        w0 = time.perf_counter()
        t0 = clock()
        known = {item.key: item for item in items}
        graph = StrategyGraph(
            known, runner.levels, runner.settings.graph.goal_link_types, [i.key for i in items]
        )
        t_graph = clock() - t0
        context = RunContext("file", runner.settings, False, started=NOW)
        t0 = clock()
        results, exempt, coverage = runner.judge(Scan(items, graph), context, NoProgress())
        t_judge = clock() - t0
        wall = time.perf_counter() - w0
        t0 = clock()
        planned = 0
        for item, found in results:
            if item.level is None or (item.is_closed and item.bot is None):
                continue
            planned += len(runner.planner.plan(item, found))
        t_plan = clock() - t0
        if profiler is not None:
            profiler.disable()
        gc.callbacks.remove(gc_timer)
        # Steady state: the text verdicts of this run are written to the state store (as
        # ``check`` does after judging), and a new runner on the same store judges the
        # unchanged items again (a rescan: graph + judge, the text cache warm).
        t0 = clock()
        cached = runner.text_cache.flush()
        t_flush = clock() - t0
        runner.close()
        runner = build_runner(mode, state_dir)
        t0 = clock()
        graph = StrategyGraph(
            known, runner.levels, runner.settings.graph.goal_link_types, [i.key for i in items]
        )
        runner.judge(Scan(items, graph), context, NoProgress())
        t_rescan = clock() - t0
        reanalysed = runner.text_cache.analysed
        runner.close()

    by_rule: dict[str, int] = {}
    for _, found in results:
        for policy in found:
            by_rule[policy.finding.rule] = by_rule.get(policy.finding.rule, 0) + 1
    engine_s = t_graph + t_judge
    out = {
        "size": size,
        "mode": mode,
        "gc_freeze": freeze,
        "rules": active,
        "generate_s": round(t_generate, 3),
        "graph_s": round(t_graph, 3),
        "judge_s": round(t_judge, 3),
        "plan_s": round(t_plan, 3),
        "gc_s": round(gc_timer.total, 3),
        "gc_collections": gc_timer.collections,
        "items_per_s": round(size / engine_s),
        "cache_flush_s": round(t_flush, 3),
        "cached_verdicts": cached,
        "rescan_s": round(t_rescan, 3),
        "rescan_items_per_s": round(size / t_rescan),
        "rescan_reanalysed": reanalysed,
        "wall_s": round(wall, 3),
        "wall_items_per_s": round(size / wall),
        "us_per_item": round(engine_s / size * 1e6, 2),
        "rss_import_mb": round(rss_import, 1),
        "rss_items_mb": round(rss_items, 1),
        "peak_rss_mb": round(_peak_mb(), 1),
        "findings": dict(sorted(by_rule.items())),
        "actions": planned,
        "work_serving": coverage.ratio(coverage.work_serving, coverage.work_total),
        "exempt": exempt,
    }
    if profiler is not None:
        import io
        import pstats

        for key in ("tottime", "cumulative"):
            buffer = io.StringIO()
            pstats.Stats(profiler, stream=buffer).sort_stats(key).print_stats(30)
            out[f"profile_{key}"] = buffer.getvalue()
    return out


def _child(
    size: int, mode: str, profile: bool = False, pin: bool = False, freeze: bool = False
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(size), mode]
    if freeze:
        cmd.append("--freeze")
    if profile:
        cmd.append("--with-profile")
    if pin:
        cmd.append("--pin")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({size} {mode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average {:.1f} / {:.1f} / {:.1f} when written".format(*os.getloadavg())
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {cores} cores (each run single-threaded){load}, {system}"


def render(rows: list[dict[str, Any]], notes: str = "") -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        "# Engine speed benchmark (`benchmarks/engine.py`)",
        "",
        f"- Date: {date}",
        f"- Machine: {_machine()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        "- Input: `benchmarks/synthetic.py` (1% initiatives, 9% epics, 90% work; median "
        "description ~260 chars from a pool with templates, placeholders and empties; ~23% "
        "closed; orphans, dangling parents, cycles, `implements`/`relates to` links)",
        "- Measured: `StrategyGraph` build + `Runner.judge` (all active rules + policy), "
        "in-process, one fresh single-threaded subprocess per row; times are CPU seconds of "
        "that process (`time.process_time`, robust to other jobs on the machine); item "
        "generation is excluded; planning shown separately; wall-clock items/s for reference.",
        f"- Targets: structural >= {TARGETS['structural']:,} items/s, whole pack >= "
        f"{TARGETS['full']:,} items/s, peak RSS < {MEMORY_TARGET_MB} MB at 100k.",
        "",
        "| items | rules | graph s | judge s | items/s (CPU) | µs/item | GC s (incl.) | plan s "
        "| wall items/s | RSS after items MB | peak RSS MB | target |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        target = TARGETS[row["mode"]]
        speed_ok = row["items_per_s"] >= target
        mem_ok = row["size"] != 100_000 or row["peak_rss_mb"] < MEMORY_TARGET_MB
        verdict = (
            "met"
            if speed_ok and mem_ok
            else "MISSED" + ("" if speed_ok else " (speed)") + ("" if mem_ok else " (memory)")
        )
        label = "structural (6 rules)" if row["mode"] == "structural" else "whole pack (8 rules)"
        if row.get("gc_freeze"):
            label += " + `gc.freeze()`"
        lines.append(
            f"| {row['size']:,} | {label} | {row['graph_s']:.2f} | {row['judge_s']:.2f} | "
            f"{row['items_per_s']:,} | {row['us_per_item']:.1f} | {row['gc_s']:.2f} | "
            f"{row['plan_s']:.2f} | {row['wall_items_per_s']:,} | {row['rss_items_mb']:.0f} | "
            f"{row['peak_rss_mb']:.0f} | {verdict} |"
        )
    lines += ["", "## Linearity", ""]
    for mode, freeze in [(m, f) for m in MODES for f in (False, True)]:
        mode_rows = sorted(
            (r for r in rows if r["mode"] == mode and bool(r.get("gc_freeze")) == freeze),
            key=lambda r: r["size"],
        )
        if len(mode_rows) < 2:
            continue
        base = mode_rows[0]
        parts = [
            f"{r['size']:,}: {r['us_per_item']:.1f} µs/item "
            f"(x{r['us_per_item'] / base['us_per_item']:.2f})"
            for r in mode_rows
        ]
        name = mode + (" + gc.freeze()" if freeze else "")
        lines.append(f"- {name}: " + "; ".join(parts))
    lines += [
        "",
        "Time per item stays flat when growth is linear (x1.00 = same cost per item as the "
        "smallest size).",
        "",
        "## Findings per rule (sanity check of the synthetic shape)",
        "",
    ]
    for row in rows:
        if row.get("gc_freeze"):
            continue
        lines.append(
            f"- {row['size']:,} {row['mode']}: {row['findings']}, "
            f"{row['actions']:,} actions planned"
        )
    if notes:
        lines += ["", notes.rstrip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="item counts (default 10000 100000)")
    parser.add_argument("--modes", default=",".join(MODES), help="structural,full")
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.name}")
    parser.add_argument("--notes", type=Path, help="markdown appended to the results file")
    parser.add_argument("--json", type=Path, help="also save the raw rows as JSON")
    parser.add_argument("--profile", nargs=2, metavar=("SIZE", "MODE"), help="cProfile one run")
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--with-profile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pin", action="store_true", help="pin each run to one CPU")
    parser.add_argument(
        "--freeze",
        action="store_true",
        help="also run each size with gc.freeze() after loading (shows the GC share)",
    )
    args = parser.parse_args(argv)

    if args.child:
        row = run_once(int(args.child[0]), args.child[1], args.with_profile, args.pin, args.freeze)
        print(json.dumps(row))
        return 0
    if args.profile:
        row = _child(int(args.profile[0]), args.profile[1], profile=True, pin=args.pin)
        print(row.pop("profile_tottime"))
        print(row.pop("profile_cumulative"))
        print(json.dumps(row, indent=2))
        return 0

    sizes = args.sizes or list(DEFAULT_SIZES)
    modes = [m for m in args.modes.split(",") if m]
    rows: list[dict[str, Any]] = []
    variants = (False, True) if args.freeze else (False,)
    jobs = [(size, mode, freeze) for size in sizes for mode in modes for freeze in variants]
    for size, mode, freeze in jobs:
        row = _child(size, mode, pin=args.pin, freeze=freeze)
        rows.append(row)
        print(
            f"{size:>9,} {mode:<10}{' +freeze' if freeze else '':8} "
            f"graph {row['graph_s']:6.2f}s judge {row['judge_s']:7.2f}s "
            f"{row['items_per_s']:>8,} items/s {row['us_per_item']:6.1f} µs/item "
            f"(wall {row['wall_items_per_s']:>8,}) gc {row['gc_s']:5.2f}s "
            f"peak {row['peak_rss_mb']:7.1f} MB "
            f"(items alone {row['rss_items_mb'] - row['rss_import_mb']:.0f} MB); "
            f"rescan, text cache warm: {row['rescan_items_per_s']:,} items/s "
            f"({row['rescan_reanalysed']} re-analysed)",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    if args.write:
        notes = args.notes.read_text() if args.notes else ""
        RESULTS.write_text(render(rows, notes))
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
