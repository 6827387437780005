"""Benchmark: ``trackerguard serve`` replicas on one queue, kill -9 of one in the middle.

``--replicas`` service processes (``python -m trackerguard.cli serve``) share one PostgreSQL
queue (``scripts/postgres-test-server``; a fresh database per run) and judge issues on a
GitHub simulator (a process of its own, loopback only). ``--senders`` concurrent senders
(a minimal asyncio HTTP/1.1 client: httpx would be the bottleneck of its own run) post
``--deliveries`` signed ``issues.edited`` deliveries for ``--items`` orphan issues. Each
sender keeps a connection to its "home" replica, like a connection-level load balancer;
while that replica is down it sends to the next live one (a refused or reset connection is
resent there, as a balancer's retry would). Half-way, one replica is killed with SIGKILL
and restarted two seconds later.

Measured: acknowledgements per second (all replicas), ack latency p50/p99 (client-side,
full HTTP round trip), non-2xx answers, CPU seconds of the replicas and of the sender, and
at the end (queue drained): **lost** deliveries (acknowledged but not in the queue's
delivery table), **unjudged** items (no comment), **duplicate** comments (more than one
trackerguard comment on an issue), and which replica requeued the killed replica's stalled
jobs. ``--backend sqlite`` runs the same on one replica with the SQLite queue.

Prints a JSON record and a ready-to-paste Markdown table row.

Usage: ``python benchmarks/pg_replicas.py [--replicas 3] [--deliveries 5000] [--items 500]
[--senders 50] [--workers 2] [--backend postgres|sqlite] [--no-kill]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trackerguard.plugins.github.webhooks import signature  # noqa: E402

from benchmarks.service_load import _RawConnection as RawConnection  # noqa: E402
from tests.github_sim import TOKEN  # noqa: E402
from tests.github_sim.harness import LEVELS  # noqa: E402

SECRET = "bench-secret"
PG_ENV = Path(os.environ.get("PG_CI_DIR", "/tmp/pg-ci")) / "env"
LEASE_SECONDS = 5
"""Short, so the killed replica's jobs are recovered within seconds (default: 120)."""
_TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (children not included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def postgres_cpu_seconds(port: int) -> float | None:
    """CPU of the PostgreSQL server listening on ``port`` (found by its command line): its
    live processes plus the children it has reaped (backends of closed connections); None
    when it cannot be read (another machine, no permission)."""
    stats: dict[int, list[str]] = {}
    postmaster = None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            server = argv[0].endswith(b"/postgres") and b"-p" in argv
            if server and argv[argv.index(b"-p") + 1 :][:1] == [str(port).encode()]:
                postmaster = int(entry.name)
    if postmaster is None or postmaster not in stats:
        return None
    ticks = sum(int(f) for f in stats[postmaster][11:15])  # utime stime cutime cstime
    ticks += sum(int(st[11]) + int(st[12]) for st in stats.values() if int(st[1]) == postmaster)
    return ticks / _TICK


def pg_server() -> tuple[str, str]:
    url = os.environ.get("TG_TEST_PG_URL")
    password = os.environ.get("TG_TEST_PG_PASSWORD")
    if not url and PG_ENV.exists():
        values = dict(line.split("=", 1) for line in PG_ENV.read_text().splitlines() if "=" in line)
        url, password = values["TG_TEST_PG_URL"], values["TG_TEST_PG_PASSWORD"]
    if not url or not password:
        sys.exit("no PostgreSQL: run scripts/postgres-test-server start")
    return url, password


def fresh_database(url: str, password: str) -> str:
    import psycopg

    name = f"tg_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, password=password, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


# -- the simulator, in a process of its own ---------------------------------------------------
def simulator_main(items: int) -> None:
    """``--simulator N``: start a GitHub simulator with N orphan issues, print its URL and
    keys as one JSON line, then answer ``count`` (trackerguard comments per issue) on stdin
    until ``quit``."""
    from tests.github_sim import GitHubSimulator
    from trackerguard.adapter import MARKER

    sim = GitHubSimulator(strict=False).start()
    keys = [sim.world.issue("acme/web", f"Orphan task {n}", type="Task").key for n in range(items)]
    print(json.dumps({"api_url": sim.api_url, "keys": keys}), flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            with sim.world.lock:
                counts = [
                    sum(
                        1
                        for c in sim.world.comments_of("acme/web", int(k.split("#")[1]))
                        if MARKER in c.body
                    )
                    for k in keys
                ]
            print(json.dumps(counts), flush=True)
        elif line.strip() == "quit":
            break
    sim.stop()


class Simulator:
    def __init__(self, items: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--simulator", str(items)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        hello = json.loads(self.proc.stdout.readline())
        self.api_url: str = hello["api_url"]
        self.keys: list[str] = hello["keys"]

    def counts(self) -> list[int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return list(json.loads(self.proc.stdout.readline()))

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(20)


# -- replicas ---------------------------------------------------------------------------------
class Replica:
    def __init__(self, config: Path, env: dict[str, str], workdir: Path) -> None:
        self.config, self.env, self.workdir = config, env, workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.cpu_before_kill = 0.0
        self.log_path = workdir / f"serve-{self.port}.log"
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        log.write(f"--- start {self.starts}\n".encode())
        log.flush()
        self.starts += 1
        command = [sys.executable, "-m", "trackerguard.cli", "serve"]
        command += ["--config", str(self.config), "--port", str(self.port)]
        proc = subprocess.Popen(command, env=self.env, cwd=self.workdir, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    self.proc = proc  # the balancer's health check passes: traffic again
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"replica on {self.port} did not become ready (see {self.log_path})")

    def cpu(self) -> float:
        return self.cpu_before_kill + (cpu_seconds(self.proc.pid) if self.proc else 0.0)

    def kill(self) -> None:
        if self.proc is not None:
            proc, self.proc = self.proc, None  # out of the balancer first
            self.cpu_before_kill += cpu_seconds(proc.pid)
            proc.send_signal(signal.SIGKILL)
            proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None

    def counters(self) -> dict[str, float]:
        """This process's acknowledgements and finished jobs (from its /metrics)."""
        text = httpx.get(self.url + "/metrics", timeout=10).text
        totals = {"acks": 0.0, "jobs_done": 0.0}
        for line in text.splitlines():
            if line.startswith("trackerguard_webhook_deliveries_accepted_total{"):
                totals["acks"] += float(line.rsplit(" ", 1)[1])
            elif line.startswith("trackerguard_jobs_processed_total{") and 'outcome="done"' in line:
                totals["jobs_done"] += float(line.rsplit(" ", 1)[1])
        return totals

    def requeued(self) -> list[int]:
        """Stalled jobs this replica requeued, per start (from its log)."""
        per_start: list[int] = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("--- start"):
                per_start.append(0)
            elif match := re.search(r"(\d+) job\(s\) of stalled workers", line):
                per_start[-1] += int(match.group(1))
        return per_start


# -- the load ---------------------------------------------------------------------------------
async def send_all(
    replicas: list[Replica], deliveries: list[tuple[bytes, str]], senders: int, kill_at: int
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    acked: set[str] = set()
    resent = 0
    next_index = 0
    sent = 0

    async def killer() -> None:
        while sent < kill_at:
            await asyncio.sleep(0.005)
        await asyncio.to_thread(replicas[0].kill)
        await asyncio.sleep(2)
        await asyncio.to_thread(replicas[0].start)

    async def sender(lane: int) -> None:
        nonlocal next_index, sent, resent
        conn: RawConnection | None = None
        while next_index < len(deliveries):
            body, delivery = deliveries[next_index]
            next_index += 1
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": delivery,
                "X-Hub-Signature-256": signature(SECRET, body),
            }
            attempt = 0
            while True:  # home replica if it is up, else the next live one; until answered
                target = replicas[(lane + attempt) % len(replicas)]
                if target.proc is None:
                    attempt += 1
                    if attempt % len(replicas) == 0:
                        await asyncio.sleep(0.05)
                    continue
                if conn is None or conn.port != target.port:
                    if conn is not None:
                        await conn.close()
                    conn = RawConnection(target.url)
                started = time.perf_counter()
                try:
                    status = await conn.post("/webhooks/github", body, headers)
                except (OSError, asyncio.IncompleteReadError):
                    conn = None
                    resent += 1
                    attempt += 1
                    await asyncio.sleep(0.02)
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if status in (200, 202):
                    acked.add(delivery)
                break
            sent += 1
        if conn is not None:
            await conn.close()

    cpu_before = time.process_time()
    began = time.perf_counter()
    kill = asyncio.create_task(killer()) if kill_at >= 0 else None
    await asyncio.gather(*(sender(lane) for lane in range(senders)))
    wall = time.perf_counter() - began  # to the last acknowledgement
    if kill is not None:
        await kill  # the restart may come after the load: it still has stalled jobs to find
    ordered = sorted(latencies)
    return {
        "wall_s": round(wall, 2),
        "acks_per_s": round(len(acked) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "statuses": statuses,
        "resent_after_refused_or_reset": resent,
        "sender_cpu_s": round(time.process_time() - cpu_before, 2),
        "_acked": acked,
    }


def stored_deliveries(backend: str, queue: str, password: str | None) -> set[str]:
    if backend == "sqlite":
        with sqlite3.connect(queue) as conn:
            return {row[0] for row in conn.execute("SELECT delivery_id FROM deliveries")}
    import psycopg

    with psycopg.connect(queue, password=password) as conn:
        return {row[0] for row in conn.execute("SELECT delivery_id FROM tg_deliveries")}


def markdown(r: dict[str, Any]) -> str:
    statuses = ", ".join(f"{n} × {code}" for code, n in sorted(r["statuses"].items()))
    requeued = "; ".join(r["stalled_jobs_requeued"]) or "none"
    if r["backend"] == "sqlite":  # no heartbeats: a restarted process re-claims expired leases
        requeued = "— (expired leases re-claimed)"
    return (
        "| backend | replicas × workers | acks/s | p50 | p99 | max | non-2xx | lost | unjudged "
        "| duplicate comments | stalled jobs requeued by | CPU-s replicas / sender / sim / pg "
        "| replica CPU-ms per ack |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        f"| {r['backend']} | {r['replicas']} × {r['workers']} | {r['acks_per_s']:,} "
        f"| {r['p50_ms']} ms | {r['p99_ms']:,} ms | {r['max_ms']:,} ms "
        f"| {r['non_2xx']} ({statuses}) | **{r['lost_deliveries']}** | {r['unjudged_items']} "
        f"| **{r['duplicate_comments']}** | {requeued} "
        f"| {r['replica_cpu_s']} / {r['sender_cpu_s']} / {r['simulator_cpu_s']} "
        f"/ {r['postgres_cpu_s'] if r['postgres_cpu_s'] is not None else '—'} "
        f"| {r['replica_cpu_ms_per_ack']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--coalesce",
        type=float,
        default=0.5,
        help="[service] coalesce_seconds (0.5: jobs run from the first second, so the kill "
        "finds some in flight; 2.0, the shipped default, judges each item about a quarter "
        "as often during the load, and at high rates none runs yet when the kill comes)",
    )
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument(
        "--ack-only",
        action="store_true",
        help="the acknowledgement path alone: no job comes due during the load (coalesce "
        "an hour), nothing judged, no kill; CPU seconds per 1,000 acks is the figure",
    )
    parser.add_argument("--simulator", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.simulator is not None:
        simulator_main(args.simulator)
        return
    replicas_wanted = 1 if args.backend == "sqlite" else args.replicas
    if args.ack_only:
        args.coalesce, args.no_kill = 3600.0, True

    sim = Simulator(args.items)
    work = Path(tempfile.mkdtemp(prefix="tg-bench-replicas-"))
    env = dict(
        os.environ, TRACKERGUARD_GITHUB__TOKEN=TOKEN, TRACKERGUARD_GITHUB__WEBHOOK_SECRET=SECRET
    )
    password: str | None = None
    if args.backend == "postgres":
        url, password = pg_server()
        queue = fresh_database(url, password)
        queue_line = f'queue_url = "{queue}"'
        env["TRACKERGUARD_SERVICE__QUEUE_PASSWORD"] = password
    else:
        queue = str(work / "queue.db")
        queue_line = f'queue_path = "{queue}"'
    config = work / "trackerguard.toml"
    config.write_text(
        f'tracker = "github"\nstate_path = "{work / "state.db"}"\n{LEVELS}\n'
        f"[service]\n{queue_line}\nworkers = {args.workers}\n"
        f"coalesce_seconds = {args.coalesce}\nreconcile_minutes = 0\n"
        f"lease_seconds = {LEASE_SECONDS}\n"
        f'[github]\nrepos = ["acme/web"]\napi_url = "{sim.api_url}"\n'
        "write_interval = 0\nwrites_per_minute = 100000\nbackoff = 0.05\n"
    )
    if args.backend == "postgres":
        migrate = [sys.executable, "-m", "trackerguard.cli", "queue", "migrate"]
        subprocess.run(
            [*migrate, "--config", str(config)], env=env, cwd=work, check=True, capture_output=True
        )
    replicas = [Replica(config, env, work) for _ in range(replicas_wanted)]
    for replica in replicas:
        replica.start()
    base = {
        "action": "edited",
        "repository": {"full_name": "acme/web", "name": "web", "owner": {"login": "acme"}},
        "sender": {"login": "alice", "type": "User"},
    }
    deliveries = []
    for n in range(args.deliveries):
        number = int(sim.keys[n % len(sim.keys)].split("#")[1])
        payload = dict(base, issue={"number": number, "title": f"Orphan task {number}"})
        deliveries.append((json.dumps(payload).encode(), f"bench-{n}"))
    kill_at = -1 if args.no_kill else args.deliveries // 2
    cpu_start = {id(r): r.cpu() for r in replicas}
    sim_cpu_start = sim.cpu()
    pg_port = urlsplit(queue).port if args.backend == "postgres" else None
    pg_cpu_start = postgres_cpu_seconds(pg_port) if pg_port else None
    result = asyncio.run(send_all(replicas, deliveries, args.senders, kill_at))
    replica_cpu = sum(r.cpu() - cpu_start[id(r)] for r in replicas)
    simulator_cpu = sim.cpu() - sim_cpu_start
    pg_cpu_end = postgres_cpu_seconds(pg_port) if pg_port else None
    pg_cpu = None if pg_cpu_end is None or pg_cpu_start is None else pg_cpu_end - pg_cpu_start
    deadline = time.monotonic() + (0 if args.ack_only else 600)
    drained_after = None
    began = time.monotonic()
    while time.monotonic() < deadline:
        if all(sim.counts()):
            drained_after = round(time.monotonic() - began, 1)
            break
        time.sleep(1)
    if not args.ack_only:
        time.sleep(3)  # let any late duplicate show itself
    counts = sim.counts()
    acked: set[str] = result.pop("_acked")
    lost = len(acked - stored_deliveries(args.backend, queue, password))
    requeued = []
    for n, replica in enumerate(replicas):
        for start, count in enumerate(replica.requeued()):
            if count:
                when = "after its restart" if start else "first start"
                requeued.append(f"replica {n} ({when}): {count}")
    restarted = replicas[0].counters() if kill_at >= 0 else None
    for replica in replicas:
        replica.stop()
    sim.stop()
    result.update(
        backend=args.backend,
        replicas=replicas_wanted,
        workers=args.workers,
        deliveries=args.deliveries,
        items=args.items,
        senders=args.senders,
        killed_one=kill_at >= 0,
        lost_deliveries=lost,
        unjudged_items="n/a" if args.ack_only else sum(1 for c in counts if c == 0),
        duplicate_comments="n/a" if args.ack_only else sum(c - 1 for c in counts if c > 1),
        non_2xx=sum(v for k, v in result["statuses"].items() if k >= 300),
        all_judged_after_load_s=drained_after,
        stalled_jobs_requeued=requeued,
        restarted_replica_after_restart=restarted,
        replica_cpu_s=round(replica_cpu, 1),
        replica_cpu_ms_per_ack=round(replica_cpu * 1000 / max(1, len(acked)), 3),
        simulator_cpu_s=round(simulator_cpu, 1),
        postgres_cpu_s=None if pg_cpu is None else round(pg_cpu, 1),
    )
    print(json.dumps(result, indent=2))
    print()
    print(markdown(result))


if __name__ == "__main__":
    main()
