"""docs/service.md documents every [service] key and every metric the service exports."""

from __future__ import annotations

import re
from pathlib import Path

from trackerguard.service.metrics import Metrics
from trackerguard.service.settings import ServiceSettings

DOC = Path(__file__).resolve().parents[1] / "docs" / "service.md"


def test_every_service_key_is_documented() -> None:
    text = DOC.read_text()
    missing = [k for k in ServiceSettings.model_fields if f"`{k}`" not in text]
    assert missing == []


def test_every_metric_is_documented() -> None:
    text = DOC.read_text()
    names = {
        metric.name + ("_total" if metric.type == "counter" else "")
        for metric in Metrics(lambda: {"pending": 0}).registry.collect()
    }
    assert names and all(f"`{name}`" in text for name in names), sorted(
        n for n in names if f"`{n}`" not in text
    )
    assert re.search(r"/etc/systemd/system/trackerguard\.service", text)
