"""Only the bot's own comments are ever edited or deleted (issue 13, point 2).

The bot's identity is known before any write: resolved from the token where the tracker
can say, else required in the config with an error naming the key. A comment by anyone else
that carries the marker is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trackerguard.adapter import MARKER

from .github_sim import INSTALLATION_TOKEN, REPOS, GitHubSimulator, build
from .github_sim.harness import Project

FOREIGN = f"{MARKER}\n<!-- trackerguard:fingerprint=0123456789abcdef -->\nDana's own notes"


@pytest.fixture
def sim() -> Iterator[GitHubSimulator]:
    simulator = GitHubSimulator().start()
    build(simulator.world)
    simulator.world.comment("acme/web", 4, FOREIGN, "dana")
    try:
        yield simulator
    finally:
        simulator.stop()


def installation_project(sim: GitHubSimulator, root: Path, **github: object) -> Project:
    env = {"TRACKERGUARD_GITHUB__TOKEN": INSTALLATION_TOKEN}
    return Project(sim, root, list(REPOS), github=dict(github), env=env)


def danas_comment(sim: GitHubSimulator) -> list[str]:
    return [c.body for c in sim.world.comments_of("acme/web", 4) if c.author == "dana"]


def test_a_token_without_a_user_and_no_bot_login_refuses_to_write(
    sim: GitHubSimulator, tmp_path: Path
) -> None:
    project = installation_project(sim, tmp_path)
    sim.reset_counts()
    code, out, err = project.run("check", "--tracker", "github", "--apply", "--quiet")
    assert code == 2, (out, err)
    assert "github.bot_login" in err and "TRACKERGUARD_GITHUB__BOT_LOGIN" in err
    assert "Traceback" not in err
    assert sim.writes == []
    assert danas_comment(sim) == [FOREIGN]


def test_a_dry_run_without_identity_still_reports_and_says_why(
    sim: GitHubSimulator, tmp_path: Path
) -> None:
    project = installation_project(sim, tmp_path)
    code, doc = project.check(apply=False)
    assert code == 1, doc["errors"]
    assert any("bot_login" in note for note in doc["notes"])
    assert sim.writes == []


def test_with_bot_login_a_persons_marker_is_ignored_and_reported_once(
    sim: GitHubSimulator, tmp_path: Path
) -> None:
    project = installation_project(sim, tmp_path, bot_login=f"{sim.app_slug}[bot]")
    code, doc = project.check()
    assert code == 1, doc["errors"]
    assert danas_comment(sim) == [FOREIGN]
    ours = [c for c in sim.world.comments_of("acme/web", 4) if c.author != "dana"]
    assert len(ours) == 1 and MARKER in ours[0].body
    notes = [n for n in doc["notes"] if "written by someone else" in n]
    assert len(notes) == 1 and "acme/web#4" in notes[0]
    # Stable: the second run recognises its own comment and writes nothing.
    sim.reset_counts()
    code, again = project.check()
    assert code == 1 and sim.writes == [], [a for a in again["actions"]]
    assert danas_comment(sim) == [FOREIGN]


def test_the_actions_github_token_writes_as_github_actions_bot(
    sim: GitHubSimulator, tmp_path: Path
) -> None:
    sim.app_slug = "github-actions"  # what GitHub shows as the author of GITHUB_TOKEN writes
    project = installation_project(sim, tmp_path)
    project.env.update({"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": INSTALLATION_TOKEN})
    code, doc = project.check()
    assert code == 1, doc["errors"]
    ours = [c for c in sim.world.comments_of("acme/web", 4) if c.author == "github-actions[bot]"]
    assert len(ours) == 1
    assert danas_comment(sim) == [FOREIGN]
    sim.reset_counts()
    project.check()
    assert sim.writes == []


def test_another_apps_token_in_actions_is_not_taken_for_github_actions(
    sim: GitHubSimulator, tmp_path: Path
) -> None:
    project = installation_project(sim, tmp_path)
    project.env.update({"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "ghs_someOtherToken"})
    code, _, err = project.run("check", "--tracker", "github", "--apply", "--quiet")
    assert code == 2 and "github.bot_login" in err
    assert sim.writes == []
