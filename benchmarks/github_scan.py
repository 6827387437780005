"""Benchmark: scan 10,000 GitHub issues across 3 repositories over a 50 ms-latency simulator.

Measures, for ``trackerguard check --tracker github --apply`` (run as a child process so its
peak memory is its own):

* read requests used vs the minimum (one GraphQL page of 100 issues per repository page,
  plus the identity call), target ≤ 1.2 × the minimum;
* wall time and peak RSS;
* writes on the first run, and writes on an unchanged rerun (target: zero).

Run: ``python benchmarks/github_scan.py [--issues 10000] [--latency 0.05]``. Writes are
unpaced here (``write_interval = 0``, no per-minute cap) so the first run measures the tool,
not the pacing; with the defaults (≥ 1 s apart, ≤ 80/min) N writes take at least N/80 minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.github_sim import REPOS, TOKEN, GitHubSimulator, generate  # noqa: E402
from tests.github_sim.harness import LEVELS  # noqa: E402


def run_check(config: Path) -> tuple[int, dict[str, object], float, float]:
    """One CLI run; returns exit code, JSON report, wall seconds, peak RSS of the child (MiB)."""
    env = dict(os.environ, TRACKERGUARD_GITHUB__TOKEN=TOKEN)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "trackerguard.cli",
            "check",
            "--config",
            str(config),
            "--tracker",
            "github",
            "--apply",
            "--format",
            "json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode not in (0, 1):
        raise SystemExit(f"check failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.returncode, json.loads(proc.stdout), wall, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()

    sim = GitHubSimulator(latency=args.latency, strict=False)
    sim.validate = False  # validation is covered by the tests; here it would skew wall time
    generate(sim.world, args.issues)
    sim.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "trackerguard.toml"
            config.write_text(
                f'tracker = "github"\nstate_path = "state.db"\n{LEVELS}\n[github]\n'
                f"repos = {json.dumps(REPOS)}\napi_url = {json.dumps(sim.api_url)}\n"
                "write_interval = 0\nwrites_per_minute = 1000000\nrequest_budget = 0\n",
                encoding="utf-8",
            )
            per_repo = [len(sim.world.repos[r].issues) for r in REPOS]
            minimum = sum(math.ceil(n / 100) for n in per_repo) + 1  # + the identity call

            sim.reset_counts()
            code, doc, wall, peak = run_check(config)
            first = dict(sim.counts)
            busy1 = sim.busy
            sim.reset_counts()
            _, doc2, wall2, peak2 = run_check(config)
            second = dict(sim.counts)
            busy2 = sim.busy
    finally:
        sim.stop()

    reads1 = first.get("graphql", 0) + first.get("rest_read", 0)
    reads2 = second.get("graphql", 0) + second.get("rest_read", 0)
    summary = doc["summary"]
    result = {
        "issues": args.issues,
        "repos": len(REPOS),
        "latency_ms": args.latency * 1000,
        "minimum_read_requests": minimum,
        "first_run": {
            "exit": code,
            "read_requests": reads1,
            "ratio_to_minimum": round(reads1 / minimum, 3),
            "graphql": first.get("graphql", 0),
            "rest_reads": first.get("rest_read", 0),
            "writes": first.get("write", 0),
            "wall_s": round(wall, 2),
            "simulator_compute_s": round(busy1, 2),
            "peak_rss_mib": round(peak, 1),
            "items": summary["items"],  # type: ignore[index]
            "findings": summary["findings"],  # type: ignore[index]
        },
        "rerun": {
            "read_requests": reads2,
            "ratio_to_minimum": round(reads2 / minimum, 3),
            "writes": second.get("write", 0),
            "not_modified": second.get("not_modified", 0),
            "wall_s": round(wall2, 2),
            "simulator_compute_s": round(busy2, 2),
            "peak_rss_mib": round(peak2, 1),
            "actions": len(doc2["actions"]),  # type: ignore[arg-type]
        },
    }
    print(json.dumps(result, indent=2))
    ok = result["rerun"]["writes"] == 0 and reads1 <= 1.2 * minimum  # type: ignore[index]
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
