"""Benchmark: ``trackerguard serve`` replicas on one queue, kill -9 of one in the middle.

``--replicas`` service processes (``python -m trackerguard.cli serve``) share one PostgreSQL
queue (``scripts/postgres-test-server``; a fresh database per run) and judge issues on a
GitHub simulator (in this process, loopback only). ``--senders`` concurrent senders post
``--deliveries`` signed ``issues.edited`` deliveries for ``--items`` orphan issues,
round-robin over the live replicas like a load balancer (a refused connection is resent to
the next replica, as a balancer's retry would). Half-way, one replica is killed with
SIGKILL and restarted two seconds later.

Measured: acknowledgements per second (all replicas), ack latency p50/p99, non-2xx answers
to valid deliveries, and at the end (queue drained) **lost** items (no comment) and
**duplicate** comments (more than one trackerguard comment on an issue). ``--backend
sqlite`` runs the same on one replica with the SQLite queue, for comparison.

Usage: ``python benchmarks/pg_replicas.py [--replicas 3] [--deliveries 5000] [--items 500]
[--senders 50] [--backend postgres|sqlite]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trackerguard.plugins.github.webhooks import signature  # noqa: E402

from tests.github_sim import TOKEN, GitHubSimulator  # noqa: E402
from tests.github_sim.harness import LEVELS  # noqa: E402
from trackerguard.adapter import MARKER  # noqa: E402

SECRET = "bench-secret"
PG_ENV = Path(os.environ.get("PG_CI_DIR", "/tmp/pg-ci")) / "env"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


class Replica:
    def __init__(self, config: Path, env: dict[str, str], workdir: Path) -> None:
        self.config, self.env, self.workdir = config, env, workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.workdir / f"serve-{self.port}.log", "ab")  # noqa: SIM115
        command = [sys.executable, "-m", "trackerguard.cli", "serve"]
        command += ["--config", str(self.config), "--port", str(self.port)]
        self.proc = subprocess.Popen(
            command, env=self.env, cwd=self.workdir, stdout=log, stderr=log
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"replica on {self.port} did not become ready")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None


async def send_all(
    replicas: list[Replica], deliveries: list[tuple[bytes, str]], senders: int, kill_at: int
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    resent = 0
    next_index = 0
    sent = 0
    killed: list[float] = []
    lock = asyncio.Lock()

    async def killer() -> None:
        while sent < kill_at:
            await asyncio.sleep(0.01)
        victim = replicas[0]
        await asyncio.to_thread(victim.kill)
        killed.append(time.perf_counter())
        await asyncio.sleep(2)
        await asyncio.to_thread(victim.start)

    async def sender(client: httpx.AsyncClient, lane: int) -> None:
        nonlocal next_index, sent, resent
        while True:
            async with lock:
                if next_index >= len(deliveries):
                    return
                body, delivery = deliveries[next_index]
                next_index += 1
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": delivery,
                "X-Hub-Signature-256": signature(SECRET, body),
            }
            attempt = 0
            while True:  # a sender (or its balancer) retries until some replica answers
                target = replicas[(lane + attempt) % len(replicas)]
                attempt += 1
                if target.proc is None:
                    await asyncio.sleep(0.05)
                    continue
                started = time.perf_counter()
                try:
                    response = await client.post(
                        target.url + "/webhooks/github", content=body, headers=headers
                    )
                except httpx.TransportError:
                    resent += 1
                    await asyncio.sleep(0.05)
                    continue  # the balancer's retry: the next replica
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                break
            sent += 1

    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    began = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        tasks = [asyncio.create_task(sender(client, lane)) for lane in range(senders)]
        if kill_at >= 0:
            tasks.append(asyncio.create_task(killer()))
        await asyncio.gather(*tasks)
    wall = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "wall_s": round(wall, 2),
        "acks_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "statuses": statuses,
        "resent_after_refused_connection": resent,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args()
    replicas_wanted = 1 if args.backend == "sqlite" else args.replicas

    sim = GitHubSimulator().start()
    keys = [
        sim.world.issue("acme/web", f"Orphan task {n}", type="Task").key for n in range(args.items)
    ]
    work = Path(tempfile.mkdtemp(prefix="tg-bench-replicas-"))
    env = dict(
        os.environ, TRACKERGUARD_GITHUB__TOKEN=TOKEN, TRACKERGUARD_GITHUB__WEBHOOK_SECRET=SECRET
    )
    if args.backend == "postgres":
        url, password = pg_server()
        queue = f'queue_url = "{fresh_database(url, password)}"'
        env["TRACKERGUARD_SERVICE__QUEUE_PASSWORD"] = password
    else:
        queue = f'queue_path = "{work / "queue.db"}"'
    config = work / "trackerguard.toml"
    config.write_text(
        f'tracker = "github"\nstate_path = "{work / "state.db"}"\n{LEVELS}\n'
        f"[service]\n{queue}\nworkers = 4\ncoalesce_seconds = 0.5\nreconcile_minutes = 0\n"
        f'poll_seconds = 0.05\n[github]\nrepos = ["acme/web"]\napi_url = "{sim.api_url}"\n'
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
        number = int(keys[n % len(keys)].split("#")[1])
        payload = dict(base, issue={"number": number, "title": f"Orphan task {number}"})
        deliveries.append((json.dumps(payload).encode(), f"bench-{n}"))
    kill_at = -1 if args.no_kill else args.deliveries // 2
    result = asyncio.run(send_all(replicas, deliveries, args.senders, kill_at))
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with sim.world.lock:
            judged = sum(
                1
                for k in keys
                if any(
                    MARKER in c.body
                    for c in sim.world.comments_of("acme/web", int(k.split("#")[1]))
                )
            )
        if judged == len(keys):
            break
        time.sleep(1)
    time.sleep(3)  # let any late duplicate show itself
    with sim.world.lock:
        counts = [
            sum(
                1
                for c in sim.world.comments_of("acme/web", int(k.split("#")[1]))
                if MARKER in c.body
            )
            for k in keys
        ]
    for replica in replicas:
        replica.stop()
    sim.stop()
    result.update(
        backend=args.backend,
        replicas=replicas_wanted,
        deliveries=args.deliveries,
        items=args.items,
        senders=args.senders,
        killed_one=kill_at >= 0,
        lost_items=sum(1 for c in counts if c == 0),
        duplicate_comments=sum(c - 1 for c in counts if c > 1),
        non_2xx=sum(v for k, v in result["statuses"].items() if k >= 300),
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
