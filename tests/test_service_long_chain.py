"""The service judges an item at the end of a 3,000-long parent chain: the job is done and
commented, never dead-lettered (the goal walk is iterative, see tests/test_hostile_input.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_support import helpers as h

from trackerguard.service.app import create_app

CHAIN = 3_000


def test_a_job_on_a_long_parent_chain_is_done_not_dead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(h.SECRET_ENV, h.SECRET)
    config = h.write_setup(tmp_path, stories=1)
    backlog = tmp_path / "backlog.json"
    document = json.loads(backlog.read_text(encoding="utf-8"))
    for index in range(CHAIN):  # W-0 → W-1 → … → W-2999, which has no parent: no goal
        parent = f"W-{index + 1}" if index + 1 < CHAIN else None
        document["items"].append(
            {"key": f"W-{index}", "type": "Story", "title": f"Step {index}", "parent": parent,
             "status": "To Do", "created": "2026-01-01T00:00:00Z"}
        )  # fmt: skip
    backlog.write_text(json.dumps(document), encoding="utf-8")
    settings, registry = h.load(config)
    app = create_app(settings, registry)
    with h.ThreadServer(app) as server:
        body, headers = h.signed({"event": "updated", "key": "W-0", "actor": "ana"}, "d-1")
        answer = httpx.post(server.url + "/webhooks/webfile", content=body, headers=headers)
        assert answer.status_code == 202
        assert h.wait_until(lambda: h.comments_of(backlog)["W-0"] == 1, timeout=60)
        metrics = httpx.get(server.url + "/metrics").text
    done = [
        line for line in metrics.splitlines() if "jobs_processed_total" in line and "#" not in line
    ]
    assert any('outcome="done"' in line and line.endswith(" 1.0") for line in done), done
    assert not any('outcome="dead"' in line and not line.endswith(" 0.0") for line in done), done
