"""One :class:`Driver` per adapter: its tracker, a fault proxy in front, and the counts.

Every driver starts its tracker with a backlog on which a first ``check --apply`` writes
trackerguard comments, and points the project at the proxy, never at the tracker itself, so
each request can be made to fail *after* the tracker applied it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from trackerguard.adapter import MARKER

from ..github_sim import REPOS, GitHubSimulator, build
from ..github_sim.harness import Project as GitHubProject
from ..gitlab_sim import PROJECTS as GITLAB_PROJECTS
from ..gitlab_sim import GitLabSimulator
from ..gitlab_sim import build as build_gitlab
from ..gitlab_sim.harness import Project as GitLabProject
from ..linear_sim import BOT_ID as LINEAR_BOT_ID
from ..linear_sim import LinearSimulator
from ..linear_sim import build as build_linear
from ..linear_sim.harness import Project as LinearProject
from ..sim_support.faults import Fault, FaultProxy

LINEAR_COMMENTED = "ENG-3"
FINGERPRINT = "<!-- trackerguard:fingerprint=0123456789abcdef -->"


class Driver:
    """What a scenario needs from one adapter."""

    name: str
    comment_create: Fault
    """Matches the request that creates trackerguard's comment (the fault's mode is unused)."""
    comment_reread: Fault
    """Matches the request that re-reads an item's comments after a lost answer."""
    proxy: FaultProxy
    project: Any

    def check(self, *extra: str, apply: bool = True) -> tuple[int, dict[str, Any]]:
        code, doc = self.project.check(*extra, apply=apply)
        return int(code), doc

    def bot_comments(self) -> dict[str, int]:
        """Item key → number of comments by the bot carrying the marker (0 omitted)."""
        raise NotImplementedError

    def add_comment(self, key: str, body: str, *, by_bot: bool) -> None:
        """Write a comment on ``key`` as the bot or as a person, straight to the tracker."""
        raise NotImplementedError

    def comment_bodies(self, key: str) -> list[tuple[str, str]]:
        """(author, body) of every comment on ``key``, oldest first."""
        raise NotImplementedError

    def commented_key(self) -> str:
        """An item the first clean run comments on (and none other touches)."""
        raise NotImplementedError


class GitHubDriver(Driver):
    name = "github"
    comment_create = Fault("-", "POST", r"/issues/\d+/comments$")
    comment_reread = Fault("-", "GET", r"/issues/\d+/comments$")

    def __init__(self, sim: GitHubSimulator, proxy: FaultProxy, root: Path) -> None:
        self.sim = sim
        self.proxy = proxy
        self.project = GitHubProject(
            sim,
            root,
            list(REPOS),
            github={
                "api_url": proxy.url,
                "graphql_url": proxy.url + sim.graphql_path,
                "timeout": 0.5,
                "max_retries": 2,
                "max_wait": 5,
            },
        )

    def bot_comments(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.sim.world.comments.values():
            if MARKER in c.body and c.author == self.sim.bot_login:
                key = f"{c.repo}#{c.number}"
                out[key] = out.get(key, 0) + 1
        return out

    def add_comment(self, key: str, body: str, *, by_bot: bool) -> None:
        repo, number = key.split("#")
        author = self.sim.bot_login if by_bot else "dana"
        self.sim.world.comment(repo, int(number), body, author)

    def comment_bodies(self, key: str) -> list[tuple[str, str]]:
        repo, number = key.split("#")
        return [(c.author, c.body) for c in self.sim.world.comments_of(repo, int(number))]

    def commented_key(self) -> str:
        return "acme/web#4"


@contextmanager
def github(root: Path) -> Iterator[Driver]:
    sim = GitHubSimulator().start()
    build(sim.world)
    proxy = FaultProxy(sim.url)
    try:
        yield GitHubDriver(sim, proxy, root)
    finally:
        proxy.close()
        sim.stop()
    assert sim.invalid_queries == [], sim.invalid_queries


class GitLabDriver(Driver):
    name = "gitlab"
    comment_create = Fault("-", "POST", r"/issues/\d+/notes$")
    comment_reread = Fault("-", "GET", r"/issues/\d+/notes$")

    def __init__(self, sim: GitLabSimulator, proxy: FaultProxy, root: Path) -> None:
        self.sim = sim
        self.proxy = proxy
        self.project = GitLabProject(
            sim,
            root,
            list(GITLAB_PROJECTS),
            gitlab={"url": proxy.url, "timeout": 0.5, "max_retries": 2, "max_wait": 5},
        )

    def _issues(self) -> Iterator[Any]:
        for project in self.sim.world.projects.values():
            yield from project.issues.values()

    def bot_comments(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for issue in self._issues():
            n = sum(
                1
                for note in issue.notes
                if MARKER in note.body and note.author == self.sim.bot_username
            )
            if n:
                out[issue.key] = n
        return out

    def add_comment(self, key: str, body: str, *, by_bot: bool) -> None:
        self.sim.world.note(key, body, self.sim.bot_username if by_bot else "dana")

    def comment_bodies(self, key: str) -> list[tuple[str, str]]:
        issue = self.sim.world.get(key)
        assert issue is not None
        return [(n.author, n.body) for n in issue.notes]

    def commented_key(self) -> str:
        return "acme/web#4"


@contextmanager
def gitlab(root: Path) -> Iterator[Driver]:
    sim = GitLabSimulator().start()
    build_gitlab(sim.world)
    proxy = FaultProxy(sim.url)
    try:
        yield GitLabDriver(sim, proxy, root)
    finally:
        proxy.close()
        sim.stop()


class LinearDriver(Driver):
    name = "linear"
    comment_create = Fault("-", "POST", r"/graphql$", body="commentCreate")
    comment_reread = Fault("-", "POST", r"/graphql$", body="TrackerguardCommentsOf")

    def __init__(self, sim: LinearSimulator, proxy: FaultProxy, root: Path) -> None:
        self.sim = sim
        self.proxy = proxy
        self.project = LinearProject(
            sim,
            root,
            linear={
                "api_url": proxy.url + "/graphql",
                "timeout": 0.5,
                "max_retries": 2,
                "max_wait": 5,
            },
        )

    def _key_of(self, comment: Any) -> str:
        w = self.sim.world
        if comment.issue_id:
            return w.identifier(w.issues[comment.issue_id])
        if comment.project_id:
            return f"project:{w.projects[comment.project_id].slug}"
        return f"initiative:{comment.initiative_id}"

    def bot_comments(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.sim.world.comments.values():
            if MARKER in c.body and c.user_id == LINEAR_BOT_ID:
                key = self._key_of(c)
                out[key] = out.get(key, 0) + 1
        return out

    def add_comment(self, key: str, body: str, *, by_bot: bool) -> None:
        issue = self.sim.world.get(key)
        author = LINEAR_BOT_ID if by_bot else self._person()
        self.sim.world.comment(body, author, issue_id=issue.id)

    def _person(self) -> str:
        return next(u for u in self.sim.world.users if u != LINEAR_BOT_ID)

    def comment_bodies(self, key: str) -> list[tuple[str, str]]:
        issue = self.sim.world.get(key)
        return [(c.user_id, c.body) for c in self.sim.world.comments_on(issue_id=issue.id)]

    def commented_key(self) -> str:
        return LINEAR_COMMENTED


@contextmanager
def linear(root: Path) -> Iterator[Driver]:
    sim = LinearSimulator().start()
    build_linear(sim.world)
    proxy = FaultProxy(sim.url)
    try:
        yield LinearDriver(sim, proxy, root)
    finally:
        proxy.close()
        sim.stop()
    assert sim.invalid_queries == [], sim.invalid_queries


DRIVERS = {"github": github, "gitlab": gitlab, "linear": linear}
