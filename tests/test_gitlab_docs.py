"""docs/gitlab.md stays true to the code, and the adapter registers like a plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trackerguard.plugins.gitlab.settings import GitLabSettings

ROOT = Path(__file__).resolve().parents[1]


def test_every_gitlab_key_is_documented() -> None:
    text = (ROOT / "docs" / "gitlab.md").read_text()
    section = text.split("## All `[gitlab]` keys", 1)[1]
    for key in GitLabSettings.model_fields:
        assert f"`{key}`" in section, key


def test_the_plugin_registers_the_adapter_lazily() -> None:
    from trackerguard.plugins import gitlab

    registered: dict[str, Any] = {}
    gitlab.trackerguard_register_trackers(lambda name, cls: registered.__setitem__(name, cls))
    adapter = registered["gitlab"]
    assert adapter.__name__ == "GitLabAdapter" and adapter.name == "gitlab"
    assert adapter.supports_webhooks and adapter.Settings is GitLabSettings
