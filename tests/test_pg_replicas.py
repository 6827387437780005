"""Two ``serve`` replicas on one PostgreSQL queue, a GitHub simulator behind them: 40 signed
deliveries for 8 issues from 12 concurrent senders, alternating replicas. Every delivery is
acknowledged, every issue judged, and each gets exactly one trackerguard comment; a replay
sent to the other replica is a duplicate; the queue CLI sees the shared queue."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from trackerguard.adapter import MARKER
from trackerguard.cli import main
from trackerguard.plugins_manager import build_registry
from trackerguard.service.app import create_app
from trackerguard.settings import load_settings

from .github_sim import REPOS, TOKEN, GitHubSimulator, build
from .github_sim.harness import Project
from .service_support import deliveries
from .service_support.deliveries import service_section
from .service_support.helpers import ThreadServer, wait_until

SECRET = "gh-webhook-secret"
DATA = Path(__file__).parent / "data" / "github"


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator().start()
    build(simulator.world)
    try:
        yield simulator
    finally:
        simulator.stop()


def _comments(sim: GitHubSimulator, key: str) -> list[Any]:
    repo, number = key.split("#")
    return [c for c in sim.world.comments_of(repo, int(number)) if MARKER in c.body]


def _deliver(url: str, payload: dict[str, Any], delivery: str) -> httpx.Response:
    return deliveries.post(url, deliveries.github(SECRET, payload, delivery), timeout=20)


def test_two_replicas_share_one_queue_without_duplicates(
    sim: GitHubSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_database: tuple[str, str],
) -> None:
    url, password = pg_database
    top = service_section(queue_url=url, coalesce_seconds=0.3, workers=3)
    project = Project(sim, tmp_path, list(REPOS), top=top)
    config = project.write()
    for name, value in {
        "TRACKERGUARD_GITHUB__TOKEN": TOKEN,
        "TRACKERGUARD_GITHUB__WEBHOOK_SECRET": SECRET,
        "TRACKERGUARD_SERVICE__QUEUE_PASSWORD": password,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    cli = CliRunner()
    unmigrated = cli.invoke(main, ["serve", "--config", str(config)])
    assert unmigrated.exit_code == 2 and "trackerguard queue migrate" in unmigrated.stderr
    assert password not in unmigrated.stderr
    migrated = cli.invoke(main, ["queue", "migrate", "--config", str(config)])
    assert migrated.exit_code == 0 and "created" in migrated.stdout, migrated.stderr

    settings = load_settings(config, use_pyproject=False)
    registry = build_registry(load_entry_points=False)
    # Eight fresh orphan tasks: judging one always writes exactly one comment (TG101), so a
    # comment on each proves each was judged, and a second one would be a duplicate.
    keys = [sim.world.issue("acme/web", f"Orphan task {n}", type="Task").key for n in range(8)]
    base = json.loads((DATA / "issues_opened.json").read_text())
    base["action"] = "edited"
    base["repository"]["full_name"] = "acme/web"
    sends: list[tuple[int, dict[str, Any], str]] = []
    for n in range(40):
        payload = copy.deepcopy(base)
        payload["issue"]["number"] = int(keys[n % len(keys)].split("#")[1])
        sends.append((n % 2, payload, f"d-{n}"))
    with (
        ThreadServer(create_app(settings, registry)) as one,
        ThreadServer(create_app(settings, registry)) as two,
    ):
        urls = [one.url, two.url]
        with ThreadPoolExecutor(max_workers=12) as pool:
            answers = list(pool.map(lambda s: _deliver(urls[s[0]], s[1], s[2]), sends))
        assert [a.status_code for a in answers] == [202] * 40, [a.text for a in answers][:3]
        assert _deliver(urls[1], sends[0][1], "d-0").status_code == 200  # replay: duplicate
        assert wait_until(lambda: all(_comments(sim, k) for k in keys), 60)
        assert wait_until(lambda: _queue_empty(config, cli), 60)
        metrics = [httpx.get(u + "/metrics", timeout=10).text for u in urls]
    assert {k: len(_comments(sim, k)) for k in keys} == {k: 1 for k in keys}  # no duplicate
    done = sum(_done(text) for text in metrics)
    assert len(keys) <= done < 40  # every item judged; bursts coalesced into fewer jobs


def _done(metrics: str) -> float:
    for line in metrics.splitlines():
        if line.startswith('trackerguard_jobs_processed_total{outcome="done",tracker="github"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _queue_empty(config: Path, cli: CliRunner) -> bool:
    out = cli.invoke(main, ["queue", "list", "--config", str(config), "--format", "json"])
    if out.exit_code != 0:
        return False
    return json.loads(out.stdout)["jobs"] == []
