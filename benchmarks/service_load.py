"""Load benchmark of ``trackerguard serve`` on loopback (bounded in count and duration).

Runs the real service as a subprocess (``python -m trackerguard.cli serve``) with a config
file, the test tracker ``webfile`` (file tracker + webhooks, GitHub signature scheme) from
``tests/service_support/plugins``, signature verification on and the durable SQLite write
(WAL, ``synchronous=FULL``) included in every acknowledgement. Phases:

1. **ack**: ``--concurrency`` async senders (httpx) post signed deliveries for
   ``--duration`` seconds or ``--count`` deliveries, whichever first; reports acknowledged
   deliveries/s and ack latency p50/p99 (client-measured, full HTTP round trip).
2. **kill**: the same load, ``kill -9`` of the service mid-load, restart; every delivery
   that was answered 202 must be in the queue database (``deliveries`` table) afterwards.
3. **soak**: a paced load (``--soak-rate``/s) for ``--soak-seconds``; the service's RSS is
   sampled every 10 s.

Usage: ``python benchmarks/service_load.py [--duration 15] [--concurrency 50] [--soak-seconds 120]``
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "tests" / "service_support" / "plugins"
SECRET = "bench-secret"
COALESCE = float(os.environ.get("TG_BENCH_COALESCE", "2.0"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _setup(tmp: Path, items: int, workers: int, synchronous: str) -> Path:
    stories = [
        {
            "key": f"S-{i}",
            "type": "Story",
            "title": f"Story {i}",
            "description": "As a user I want it so that I can do it.",
            "status": "To Do",
            "created": "2026-01-01T00:00:00Z",
        }
        for i in range(items)
    ]
    (tmp / "backlog.json").write_text(json.dumps({"items": stories}), encoding="utf-8")
    config = tmp / "trackerguard.toml"
    config.write_text(
        "\n".join(
            [
                'tracker = "webfile"',
                f'state_path = "{tmp / "state.db"}"',
                f'plugins_dir = "{PLUGINS}"',
                "[trackers.webfile]",
                f'path = "{tmp / "backlog.json"}"',
                "[service]",
                f'queue_path = "{tmp / "queue.db"}"',
                f'synchronous = "{synchronous}"',
                f"workers = {workers}",
                f"coalesce_seconds = {COALESCE}",
                "reconcile_minutes = 0",
                "lease_seconds = 5",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return config


class Service:
    def __init__(self, config: Path) -> None:
        self.config = config
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        env = {**os.environ, "TRACKERGUARD_WEBFILE__WEBHOOK_SECRET": SECRET}
        log = (self.config.parent / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trackerguard.cli", "serve", "--config", str(self.config),
             "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.config.parent,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("service did not start; see serve.log")

    def rss_mb(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _delivery(index: int, items: int, tag: str) -> tuple[str, bytes, dict[str, str]]:
    delivery = f"{tag}-{index}"
    body = json.dumps(
        {"event": "updated", "key": f"S-{index % items}", "actor": "loadgen", "n": index}
    ).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256=" + digest,
    }
    return delivery, body, headers


class _RawConnection:
    """A minimal HTTP/1.1 keep-alive client (asyncio streams), for when the httpx client,
    not the server, is the bottleneck (``--client raw``)."""

    def __init__(self, url: str) -> None:
        self.port = int(url.rsplit(":", 1)[1])
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _load(
    url: str,
    *,
    concurrency: int,
    count: int,
    duration: float,
    items: int,
    tag: str,
    client: str = "httpx",
    rate: float | None = None,
    accepted: list[str] | None = None,
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    next_index = 0
    stop_at = time.monotonic() + duration
    started = time.monotonic()

    async def sender() -> None:
        # one connection per sender: httpx's shared pool costs O(connections) per request
        nonlocal next_index
        http = httpx.AsyncClient(base_url=url, timeout=10) if client == "httpx" else None
        raw = _RawConnection(url) if client == "raw" else None
        try:
            while next_index < count and time.monotonic() < stop_at:
                index = next_index
                next_index += 1
                if rate is not None:
                    delay = started + index / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                delivery, body, headers = _delivery(index, items, tag)
                t0 = time.perf_counter()
                try:
                    if http is not None:
                        response = await http.post(
                            "/webhooks/webfile", content=body, headers=headers
                        )
                        code = str(response.status_code)
                    else:
                        assert raw is not None
                        code = str(await raw.post("/webhooks/webfile", body, headers))
                except (httpx.HTTPError, OSError, asyncio.IncompleteReadError) as exc:
                    code = type(exc).__name__
                    if raw is not None:
                        raw = _RawConnection(url)
                elapsed = time.perf_counter() - t0
                statuses[code] = statuses.get(code, 0) + 1
                if code in ("202", "200"):
                    latencies.append(elapsed)
                    if accepted is not None and code == "202":
                        accepted.append(delivery)
        finally:
            if http is not None:
                await http.aclose()
            if raw is not None:
                await raw.close()

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    wall = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "client": client,
        "sent": sum(statuses.values()),
        "statuses": statuses,
        "acknowledged": len(latencies),
        "seconds": round(wall, 2),
        "acks_per_second": round(len(latencies) / wall, 1) if wall else 0.0,
        "p50_ms": round(pct(0.50), 2),
        "p99_ms": round(pct(0.99), 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
    }


def phase_ack(config: Path, args: argparse.Namespace) -> dict[str, Any]:
    service = Service(config).start()
    try:
        asyncio.run(_load(service.url, concurrency=args.concurrency, count=500,
                          duration=2, items=args.items, tag="warm",
                          client=args.client))  # fmt: skip
        result = asyncio.run(
            _load(service.url, concurrency=args.concurrency, count=args.count,
                  duration=args.duration, items=args.items, tag="ack",
                  client=args.client)
        )  # fmt: skip
        result["rss_mb_after"] = round(service.rss_mb(), 1)
        return result
    finally:
        service.stop()


def phase_kill(config: Path, args: argparse.Namespace) -> dict[str, Any]:
    service = Service(config).start()
    accepted: list[str] = []

    async def run() -> dict[str, Any]:
        load = asyncio.create_task(
            _load(service.url, concurrency=args.concurrency, count=10**9, duration=6,
                  items=args.items, tag="kill", accepted=accepted,
                  client=args.client)
        )  # fmt: skip
        await asyncio.sleep(3)
        service.kill9()
        return await load

    result = asyncio.run(run())
    restarted = Service(config).start()
    try:
        conn = sqlite3.connect(config.parent / "queue.db")
        stored = {row[0] for row in conn.execute("SELECT delivery_id FROM deliveries")}
        conn.close()
    finally:
        restarted.stop()
    lost = [d for d in accepted if d not in stored]
    return {
        "acknowledged_before_kill": len(accepted),
        "lost": len(lost),
        "client_statuses": result["statuses"],
    }


def phase_soak(config: Path, args: argparse.Namespace) -> dict[str, Any]:
    service = Service(config).start()
    samples: list[tuple[float, float]] = []

    async def run() -> dict[str, Any]:
        load = asyncio.create_task(
            _load(service.url, concurrency=args.concurrency, count=10**9,
                  duration=args.soak_seconds, items=args.items, tag="soak",
                  rate=args.soak_rate, client=args.client)
        )  # fmt: skip
        start = time.monotonic()
        while not load.done():
            samples.append((round(time.monotonic() - start), round(service.rss_mb(), 1)))
            await asyncio.sleep(10)
        return await load

    try:
        result = asyncio.run(run())
        samples.append((args.soak_seconds, round(service.rss_mb(), 1)))
    finally:
        service.stop()
    return {"load": result, "rss_mb_samples": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--soak-seconds", type=float, default=120.0)
    parser.add_argument("--soak-rate", type=float, default=300.0)
    parser.add_argument("--phases", default="ack,kill,soak")
    parser.add_argument("--client", choices=["httpx", "raw"], default="httpx")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "concurrency": args.concurrency,
        "synchronous": args.synchronous,
        "workers": args.workers,
        "client": args.client,
    }
    for phase in args.phases.split(","):
        with tempfile.TemporaryDirectory(prefix=f"tg-bench-{phase}-") as tmp:
            config = _setup(Path(tmp), args.items, args.workers, args.synchronous)
            runner = {"ack": phase_ack, "kill": phase_kill, "soak": phase_soak}[phase]
            results[phase] = runner(config, args)
            print(phase, json.dumps(results[phase]), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
