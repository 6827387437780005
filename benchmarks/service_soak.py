"""Soak benchmark of ``trackerguard serve`` with the documented configuration (issue 12).

The service runs as a real ``trackerguard serve`` subprocess with the configuration of
``docs/service.md`` for GitHub: ``[github] repos`` and ``api_url`` (the repository's GitHub
simulator on 127.0.0.1), a token and a webhook secret from the environment, **no**
``bot_login`` (the identity is looked up in the background), every other setting at its
default (2 workers judging, ``synchronous = "FULL"``, every bound of ``service/http.py``).
``--senders`` keep-alive connections (one asyncio process; the simulator runs in another)
send signed ``issues.edited`` deliveries for the
simulator's issues, paced together at ``--rate`` per second (open loop: each delivery has a
scheduled time; its latency is measured from that time, so a stalled server is not hidden by
senders that slowed down with it). Two runs of ``--seconds`` each:

1. **healthy**: GitHub's API answers; the workers judge the delivered items meanwhile.
2. **jira hangs**: the service also serves Jira, whose API accepts connections and never
   answers (its identity lookup and every job hang until the client's timeout); 10% of the
   deliveries are Jira's.

Recorded per run: deliveries sent, non-2xx answers (and transport errors), acknowledgement
latency p50/p99/max, the service's RSS every ``--sample-seconds`` (is it flat?) and its CPU
seconds per 1,000 deliveries (comparable across loaded machines, unlike wall clock). The
end is a ready-to-paste Markdown summary.

Usage: ``python benchmarks/service_soak.py [--seconds 600] [--rate 1000] [--senders 50]``
(``--seconds 3 --rate 100 --senders 5`` is the smoke test's short mode).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_load import _free_port, _RawConnection  # noqa: E402
from trackerguard.plugins.github.webhooks import signature as github_signature  # noqa: E402
from trackerguard.plugins.jira.webhooks import sign as jira_sign  # noqa: E402

from tests.github_sim import TOKEN  # noqa: E402
from tests.service_support.hung import HungServer  # noqa: E402

SECRET = "soak-webhook-secret"
REPO = "acme/web"
PAYLOAD = json.loads((ROOT / "tests" / "data" / "github" / "issues_opened.json").read_text())


def _github(n: int, items: int, tag: str) -> tuple[str, bytes, dict[str, str]]:
    payload = json.loads(json.dumps(PAYLOAD))
    payload["action"] = "edited"
    payload["repository"]["full_name"] = REPO
    payload["repository"]["name"] = REPO.split("/")[1]
    payload["issue"]["number"] = 1 + n % items
    body = json.dumps(payload).encode()
    return (
        "github",
        body,
        {
            "Content-Type": "application/json",
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": f"{tag}-{n}",
            "X-Hub-Signature-256": github_signature(SECRET, body),
        },
    )


def _jira(n: int, items: int, tag: str) -> tuple[str, bytes, dict[str, str]]:
    payload = {
        "webhookEvent": "jira:issue_updated",
        "timestamp": 1_800_000_000_000 + n,
        "user": {"accountId": "human-1", "displayName": "someone"},
        "issue": {"id": str(10_000 + n % items), "key": f"ACME-{1 + n % items}", "fields": {}},
    }
    body = json.dumps(payload).encode()
    return (
        "jira",
        body,
        {
            "Content-Type": "application/json",
            "X-Hub-Signature": jira_sign(body, SECRET),
            "X-Atlassian-Webhook-Identifier": f"{tag}-{n}",
        },
    )


def _config(tmp: Path, github_url: str, jira_url: str | None, ack_only: bool = False) -> Path:
    """docs/service.md's configuration; Jira added (hung) for the second run; ``ack_only``:
    nothing falls due during the run (the acknowledgement path's cost alone)."""
    lines = ['tracker = "github"', f'state_path = "{tmp / "state.db"}"']
    if jira_url:
        lines.append('query = "project = ACME"')
    lines.append("[service]")
    lines.append(f'queue_path = "{tmp / "queue.db"}"')
    if ack_only:
        lines.append("coalesce_seconds = 86400")
    if jira_url:
        lines.append('trackers = ["github", "jira"]')
    lines += ["[github]", f'repos = ["{REPO}"]', f'api_url = "{github_url}"']
    if jira_url:
        lines += ["[jira]", f'url = "{jira_url}"', 'email = "bot@example.com"', "timeout = 10"]
    config = tmp / "trackerguard.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


class Simulator:
    """The GitHub simulator in a process of its own: in the load generator's process, its
    answers to the workers would take the senders' GIL, and the senders' own lateness would
    be measured as the service's."""

    _CODE = (
        "import sys, threading\n"
        "from tests.github_sim import GitHubSimulator, generate\n"
        "sim = GitHubSimulator().start()\n"
        "generate(sim.world, int(sys.argv[1]), repos=[sys.argv[2]])\n"
        "print(sim.api_url, flush=True)\n"
        "sys.stdin.read()\n"  # until the benchmark closes the pipe
        "sim.stop()\n"
    )

    def __init__(self, items: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self._CODE, str(items), REPO],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.api_url = self.proc.stdout.readline().strip()
        if not self.api_url:
            raise SystemExit("the GitHub simulator did not start")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


class Serve:
    """``trackerguard serve`` as a subprocess; RSS and CPU read from /proc."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = config.parent / "serve.log"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "trackerguard.cli", "serve", "--config", str(config),
                 "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env},
                cwd=config.parent,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("serve exited:\n" + self.log.read_text(errors="replace"))
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise SystemExit("serve did not come up:\n" + self.log.read_text(errors="replace"))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@dataclass
class Run:
    name: str
    seconds: float
    rate: float
    senders: int
    sent: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)
    cpu_seconds: float = 0.0
    late: int = 0
    worst: dict[int, float] = field(default_factory=dict)
    """The slowest acknowledgement of each second of the run (where the tail comes from)."""

    @property
    def non_2xx(self) -> int:
        return sum(n for code, n in self.statuses.items() if not code.startswith("2"))

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    def summary(self) -> dict[str, Any]:
        rss = [mb for _, mb in self.rss]
        return {
            "run": self.name,
            "seconds": self.seconds,
            "offered_per_s": self.rate,
            "senders": self.senders,
            "sent": self.sent,
            "statuses": dict(sorted(self.statuses.items())),
            "non_2xx": self.non_2xx,
            "p50_ms": round(self.pct(0.50), 1),
            "p99_ms": round(self.pct(0.99), 1),
            "max_ms": round(max(self.latencies) * 1000, 1) if self.latencies else None,
            "rss_mb": [(round(t), round(mb, 1)) for t, mb in self.rss],
            "rss_first_last_max": [round(rss[0], 1), round(rss[-1], 1), round(max(rss), 1)]
            if rss
            else [],
            "service_cpu_s_per_1000": round(1000 * self.cpu_seconds / max(self.sent, 1), 3),
            "sent_late": self.late,  # the previous answer came after this one's send time
            "worst_ms_per_second": [round(self.worst[k] * 1000) for k in sorted(self.worst)],
        }


async def _drive(serve: Serve, run: Run, make: Any, sample_seconds: float) -> None:
    """``run.senders`` connections, delivery k due at start + k / rate (open loop)."""
    started = time.monotonic() + 0.2
    total = int(run.seconds * run.rate)
    cpu_before = serve.cpu_seconds()

    async def sender(index: int) -> None:
        connection = _RawConnection(serve.url)
        try:
            for k in range(index, total, run.senders):
                due = started + k / run.rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    run.late += 1
                tracker, body, headers = make(k)
                try:
                    code = str(await connection.post(f"/webhooks/{tracker}", body, headers))
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    code = type(exc).__name__
                    await connection.close()
                    connection = _RawConnection(serve.url)
                run.sent += 1
                run.statuses[code] = run.statuses.get(code, 0) + 1
                if code.startswith("2"):
                    run.latencies.append(time.monotonic() - due)
                    second = int(due - started)
                    run.worst[second] = max(run.worst.get(second, 0.0), run.latencies[-1])
        finally:
            await connection.close()

    async def sampler() -> None:
        while True:
            run.rss.append((time.monotonic() - started, serve.rss_mb()))
            await asyncio.sleep(sample_seconds)

    sampling = asyncio.create_task(sampler())
    await asyncio.gather(*(sender(i) for i in range(run.senders)))
    sampling.cancel()
    run.rss.append((time.monotonic() - started, serve.rss_mb()))
    run.cpu_seconds = serve.cpu_seconds() - cpu_before


def one_run(args: argparse.Namespace, hang: bool) -> Run:
    name = "jira API hangs (10% Jira deliveries)" if hang else "healthy"
    if args.ack_only:
        name += ", nothing judged (--ack-only)"
    run = Run(name, args.seconds, args.rate, args.senders)
    github = Simulator(args.items)
    env = {"TRACKERGUARD_GITHUB__TOKEN": TOKEN, "TRACKERGUARD_GITHUB__WEBHOOK_SECRET": SECRET}
    hung = HungServer().__enter__() if hang else None
    if hung is not None:
        env |= {
            "TRACKERGUARD_JIRA__TOKEN": "jira-token",
            "TRACKERGUARD_JIRA__WEBHOOK_SECRET": SECRET,
        }
    try:
        with tempfile.TemporaryDirectory(prefix="tg-soak-") as tmp:
            config = _config(Path(tmp), github.api_url, hung.url if hung else None, args.ack_only)
            serve = Serve(config, env)
            tag = "hang" if hang else "ok"

            def make(k: int) -> tuple[str, bytes, dict[str, str]]:
                if hang and k % 10 == 9:
                    return _jira(k, args.items, tag)
                return _github(k, args.items, tag)

            try:
                asyncio.run(_drive(serve, run, make, args.sample_seconds))
            finally:
                serve.stop()
    finally:
        if hung is not None:
            hung.__exit__(None, None, None)
        github.stop()
    return run


def markdown(runs: list[Run], args: argparse.Namespace) -> str:
    load = os.getloadavg()[0]
    lines = [
        f"Soak, `benchmarks/service_soak.py --seconds {args.seconds:g} --rate {args.rate:g} "
        f"--senders {args.senders}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at the end; Python "
        f"{platform.python_version()}); the documented GitHub configuration, no `bot_login`:",
        "",
        "| run | sent | non-2xx | ack p50 | ack p99 | max | RSS first → last (max) | "
        "service CPU s / 1,000 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        s = run.summary()
        rss = s["rss_first_last_max"]
        rss_text = f"{rss[0]} → {rss[1]} MB ({rss[2]})" if rss else "-"
        lines.append(
            f"| {run.name} | {s['sent']:,} | {s['non_2xx']} | {s['p50_ms']} ms | "
            f"{s['p99_ms']} ms | {s['max_ms']} ms | {rss_text} | {s['service_cpu_s_per_1000']} |"
        )
    lines.append("")
    for run in runs:
        points = ", ".join(f"{t}s {mb}" for t, mb in run.summary()["rss_mb"])
        lines.append(f"RSS over time ({run.name}), MB: {points}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="length of each run")
    parser.add_argument("--rate", type=float, default=1000.0, help="deliveries per second")
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--items", type=int, default=500, help="issues in the simulator")
    parser.add_argument("--sample-seconds", type=float, default=None)
    parser.add_argument(
        "--runs",
        default="healthy,hang",
        choices=("healthy", "hang", "healthy,hang", "both"),
        help="healthy, hang, or both (healthy,hang)",
    )
    parser.add_argument(
        "--ack-only",
        action="store_true",
        help="no job falls due during the run: what the acknowledgements alone cost",
    )
    args = parser.parse_args()
    if args.sample_seconds is None:
        args.sample_seconds = max(1.0, min(30.0, args.seconds / 20))
    runs = []
    names = ("healthy", "hang") if args.runs == "both" else args.runs.split(",")
    for name in names:
        run = one_run(args, hang=name == "hang")
        print(json.dumps(run.summary()), flush=True)
        runs.append(run)
    print()
    print(markdown(runs, args))


if __name__ == "__main__":
    main()
