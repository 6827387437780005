"""One :class:`Driver` per adapter: its tracker, a fault proxy in front, and the counts.

Every driver starts its tracker with a backlog on which a first ``check --apply`` writes
trackerguard comments, and points the project at the proxy, never at the tracker itself, so
each request can be made to fail *after* the tracker applied it.

What the scenarios ask is the same for every tracker and lives in :class:`Driver` once: a
subclass only says how to start its tracker (:meth:`Driver.launch`), which requests create
and re-read comments (two :class:`~tests.sim_support.faults.Fault` patterns), and how its
tracker stores comments (:meth:`Driver.comments`, :meth:`Driver.seed`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from trackerguard.adapter import MARKER

from ..github_sim import REPOS, GitHubSimulator, build
from ..github_sim.harness import Project as GitHubProject
from ..gitlab_sim import PROJECTS as GITLAB_PROJECTS
from ..gitlab_sim import GitLabSimulator
from ..gitlab_sim import build as build_gitlab
from ..gitlab_sim.harness import Project as GitLabProject
from ..jira_sim import JiraSim, SimState, realistic
from ..jira_sim.harness import run_check
from ..jira_sim.spec import load_spec
from ..jira_sim.state import adf_text
from ..linear_sim import BOT_ID as LINEAR_BOT_ID
from ..linear_sim import LinearSimulator
from ..linear_sim import build as build_linear
from ..linear_sim.harness import Project as LinearProject
from ..redmine_support.backlog import Backlog, seed_orphans
from ..redmine_support.cli import run_check as run_redmine_check
from ..redmine_support.cli import write_config
from ..redmine_support.rest import RedmineRest
from ..redmine_support.server import RedmineServer
from ..redmine_support.server import require as require_redmine
from ..sim_support.faults import Fault, FaultProxy

FINGERPRINT = "<!-- trackerguard:fingerprint=0123456789abcdef -->"
CLIENT = {"timeout": 0.5, "max_retries": 2, "max_wait": 5}
"""Client settings every driver gives its tracker: short timeouts (a ``hang`` fault is past
them), few retries, and a ``max_wait`` far below the ``limit`` fault's Retry-After."""


@dataclass(frozen=True)
class Note:
    """One comment as the tracker stores it."""

    key: str
    author: str
    body: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    """Comment properties (Jira); empty elsewhere."""


class Driver:
    """What a scenario needs from one adapter; subclasses fill in the tracker's details."""

    name: ClassVar[str]
    comment_create: ClassVar[Fault]
    """Matches the request that creates trackerguard's comment (the fault's mode is unused)."""
    comment_reread: ClassVar[Fault]
    """Matches the request that re-reads an item's comments after a lost answer."""
    commented: ClassVar[str]
    """An item the first clean run comments on (and none other touches)."""
    reads_comments: ClassVar[bool] = True
    """Whether a scan reads the items' comments (so it can see duplicates and foreign
    markers); Jira reads its issue property instead and never lists comments on a scan."""
    bot: str
    """The bot's identity as the tracker records comment authors."""
    person: str
    """Someone else (a person writing comments)."""

    def __init__(self, sim: Any, proxy: FaultProxy, root: Path) -> None:
        self.sim = sim
        self.proxy = proxy
        self.project = self.make_project(root)

    # -- per tracker --------------------------------------------------------------------------
    @classmethod
    def launch(cls) -> Any:
        """Start the tracker with its backlog; the object has ``url`` and ``stop()``."""
        raise NotImplementedError

    @classmethod
    def verify(cls, sim: Any) -> None:
        """After the test: the tracker saw no invalid request (schema, spec)."""
        problems = getattr(sim, "invalid_queries", [])
        assert problems == [], problems

    def make_project(self, root: Path) -> Any:
        """The harness project pointed at :attr:`proxy` (``check()`` runs the CLI)."""
        raise NotImplementedError

    def comments(self) -> Iterable[Note]:
        """Every comment in the tracker."""
        raise NotImplementedError

    def seed(self, key: str, body: str, author: str) -> None:
        """Write a comment on ``key`` as ``author``, straight into the tracker's state."""
        raise NotImplementedError

    def marked(self, note: Note) -> bool:
        """Whether a comment carries trackerguard's mark (the body's marker by default)."""
        return MARKER in note.body

    # -- shared -------------------------------------------------------------------------------
    @classmethod
    @contextmanager
    def started(cls, root: Path) -> Iterator[Driver]:
        sim = cls.launch()
        proxy = FaultProxy(sim.url)
        try:
            yield cls(sim, proxy, root)
        finally:
            proxy.close()
            sim.stop()
        cls.verify(sim)

    def check(self, *extra: str, apply: bool = True) -> tuple[int, dict[str, Any]]:
        code, doc = self.project.check(*extra, apply=apply)
        return int(code), doc

    def bot_comments(self) -> dict[str, int]:
        """Item key → number of comments by the bot carrying the mark (0 omitted)."""
        out: dict[str, int] = {}
        for note in self.comments():
            if note.author == self.bot and self.marked(note):
                out[note.key] = out.get(note.key, 0) + 1
        return out

    def add_comment(self, key: str, body: str, *, by_bot: bool) -> None:
        """Write a comment on ``key`` as the bot or as a person, straight to the tracker."""
        self.seed(key, body, self.bot if by_bot else self.person)

    def comment_bodies(self, key: str) -> list[tuple[str, str]]:
        """(author, body) of every comment on ``key``, oldest first."""
        return [(n.author, n.body) for n in self.comments() if n.key == key]

    def commented_key(self) -> str:
        return self.commented


class GitHubDriver(Driver):
    name = "github"
    comment_create = Fault("-", "POST", r"/issues/\d+/comments$")
    comment_reread = Fault("-", "GET", r"/issues/\d+/comments$")
    commented = "acme/web#4"
    person = "dana"

    @classmethod
    def launch(cls) -> GitHubSimulator:
        sim = GitHubSimulator().start()
        build(sim.world)
        return sim

    def make_project(self, root: Path) -> GitHubProject:
        self.bot = self.sim.bot_login
        api = self.proxy.url
        urls = {"api_url": api, "graphql_url": api + self.sim.graphql_path}
        return GitHubProject(self.sim, root, list(REPOS), github={**urls, **CLIENT})

    def comments(self) -> Iterable[Note]:
        for c in sorted(self.sim.world.comments.values(), key=lambda c: c.id):
            yield Note(f"{c.repo}#{c.number}", c.author, c.body)

    def seed(self, key: str, body: str, author: str) -> None:
        repo, number = key.split("#")
        self.sim.world.comment(repo, int(number), body, author)


class GitLabDriver(Driver):
    name = "gitlab"
    comment_create = Fault("-", "POST", r"/issues/\d+/notes$")
    comment_reread = Fault("-", "GET", r"/issues/\d+/notes$")
    commented = "acme/web#4"
    person = "dana"

    @classmethod
    def launch(cls) -> GitLabSimulator:
        sim = GitLabSimulator().start()
        build_gitlab(sim.world)
        return sim

    def make_project(self, root: Path) -> GitLabProject:
        self.bot = self.sim.bot_username
        options = {"url": self.proxy.url, **CLIENT}
        return GitLabProject(self.sim, root, list(GITLAB_PROJECTS), gitlab=options)

    def comments(self) -> Iterable[Note]:
        for project in self.sim.world.projects.values():
            for issue in project.issues.values():
                for note in issue.notes:
                    yield Note(issue.key, note.author, note.body)

    def seed(self, key: str, body: str, author: str) -> None:
        self.sim.world.note(key, body, author)


class LinearDriver(Driver):
    name = "linear"
    comment_create = Fault("-", "POST", r"/graphql$", body="commentCreate")
    comment_reread = Fault("-", "POST", r"/graphql$", body="TrackerguardCommentsOf")
    commented = "ENG-3"
    bot = LINEAR_BOT_ID

    @classmethod
    def launch(cls) -> LinearSimulator:
        sim = LinearSimulator().start()
        build_linear(sim.world)
        return sim

    def make_project(self, root: Path) -> LinearProject:
        self.person = next(u for u in self.sim.world.users if u != LINEAR_BOT_ID)
        return LinearProject(
            self.sim, root, linear={"api_url": self.proxy.url + "/graphql", **CLIENT}
        )

    def _key_of(self, comment: Any) -> str:
        w = self.sim.world
        if comment.issue_id:
            return str(w.identifier(w.issues[comment.issue_id]))
        if comment.project_id:
            return f"project:{w.projects[comment.project_id].slug}"
        return f"initiative:{comment.initiative_id}"

    def comments(self) -> Iterable[Note]:
        for c in sorted(self.sim.world.comments.values(), key=lambda c: c.created):
            yield Note(self._key_of(c), c.user_id, c.body)

    def seed(self, key: str, body: str, author: str) -> None:
        self.sim.world.comment(body, author, issue_id=self.sim.world.get(key).id)


@dataclass
class JiraProject:
    """``trackerguard check --tracker jira`` through the proxy, the real ``jira`` library on
    the wire (the Jira harness passes the connection through the environment)."""

    sim: JiraSim
    root: Path
    url: str

    def client_env(self) -> dict[str, str]:
        """The proxy's URL and :data:`CLIENT`'s limits, as ``TRACKERGUARD_JIRA__*``."""
        return {
            "TRACKERGUARD_JIRA__URL": self.url,
            "TRACKERGUARD_JIRA__TIMEOUT": str(CLIENT["timeout"]),
            "TRACKERGUARD_JIRA__MAX_RETRIES": str(CLIENT["max_retries"]),
            "TRACKERGUARD_JIRA__MAX_RETRY_AFTER": str(CLIENT["max_wait"]),
            "TRACKERGUARD_JIRA__BACKOFF_BASE": "0.01",
            "TRACKERGUARD_JIRA__MAX_BACKOFF": "0.05",
        }

    def check(self, *extra: str, apply: bool = True) -> tuple[int, dict[str, Any]]:
        args = ("--query", "project = ACME", *extra)
        result = run_check(self.sim, self.root, args, apply=apply, env=self.client_env())
        if not result.report:
            raise AssertionError(f"exit {result.exit_code}, no report: {result.stderr[:2000]}")
        return result.exit_code, result.report


class JiraDriver(Driver):
    """Jira (Cloud; Data Center below): the comment is added by an issue edit (``update.comment`` ``add``) that
    also sets the issue property; the bot's comment is the one its account wrote."""

    name = "jira"
    flavor: ClassVar[str] = "cloud"
    comment_create = Fault(
        "-", "PUT", r"/rest/api/\d/issue/[A-Z]+-\d+$", body=r'"comment": \[\{"add"'
    )
    comment_reread = Fault("-", "GET", r"/rest/api/\d/issue/[A-Z]+-\d+/comment$")
    commented = "ACME-11"
    reads_comments = False
    person = "human-ana"

    @classmethod
    def launch(cls) -> JiraSim:
        load_spec()  # parsed before the clock runs: the client's timeout is half a second
        state = realistic(SimState(cls.flavor))
        state.forbidden.clear()  # every write allowed: the faults are the proxy's
        return JiraSim(state).start()

    @classmethod
    def verify(cls, sim: JiraSim) -> None:
        assert not sim.validator.errors, sim.validator.errors[:10]
        assert not sim.errors, sim.errors[:10]

    def make_project(self, root: Path) -> JiraProject:
        self.bot = self.sim.state.bot_name
        return JiraProject(self.sim, root, self.proxy.url)

    def comments(self) -> Iterable[Note]:
        st = self.sim.state
        for issue in st.issues.values():
            for cid in issue.comment_ids:
                c = st.comments[cid]
                body = adf_text(c.body) if isinstance(c.body, dict) else str(c.body)
                yield Note(issue.key, c.author, body, dict(c.properties))

    def seed(self, key: str, body: str, author: str) -> None:
        st = self.sim.state
        st.new_comment(st.issues[key], author, body)

    def marked(self, note: Note) -> bool:
        return "trackerguard" in note.body


class JiraDataCenterDriver(JiraDriver):
    """Jira Data Center: REST v2, wiki-markup bodies, a personal access token."""

    name = "jira-dc"
    flavor = "datacenter"


class RedmineTracker:
    """A fresh project on the real Redmine 5.0 (``scripts/redmine-test-server``): six
    orphan tasks to comment on, label and block, and a person (``dana``, a member) to write
    notes; ``stop()`` deletes the project."""

    PERSON = "dana"

    def __init__(self, server: RedmineServer) -> None:
        self.server = server
        self.url = server.url
        self.rest = RedmineRest(server.url, server.api_key)
        self.bot_id = self.rest.current_user_id()
        try:
            self.backlog: Backlog = seed_orphans(self.rest, f"tg-wf-{uuid.uuid4().hex[:10]}")
            self.person_id = self.rest.person(self.PERSON)
            self.rest.add_member(self.backlog.project, self.person_id)
        except BaseException:
            self.rest.close()
            raise

    def stop(self) -> None:
        try:
            self.rest.delete(f"/projects/{self.backlog.project}.json")
        finally:
            self.rest.close()


@dataclass
class RedmineProject:
    """``check()`` runs the real CLI in a subprocess against the proxy (key in env only)."""

    tracker: RedmineTracker
    config: Path

    def check(self, *extra: str, apply: bool = True) -> tuple[int, dict[str, Any]]:
        args = ("--apply", *extra) if apply else extra
        result = run_redmine_check(self.config, self.tracker.server.api_key, *args)
        assert result.report.get("summary"), (result.code, result.stderr[-2000:])
        return result.code, result.report


class RedmineDriver(Driver):
    """The real Redmine behind the fault proxy.

    A note is added with ``PUT /issues/N.json`` and ``{"issue": {"notes": …}}``; the same
    request without notes sets a label or a status (idempotent, retried), so the create
    fault matches the body too. A lost answer is looked for in the issue's journals
    (``GET /issues/N.json?include=journals``). trackerguard's notes end with the visible
    line ``trackerguard · <fingerprint>``; a person's note is written as another user
    (``X-Redmine-Switch-User``, an admin key's privilege).
    """

    name = "redmine"
    comment_create = Fault("-", "PUT", r"^/issues/\d+\.json$", body='"notes"')
    comment_reread = Fault("-", "GET", r"^/issues/\d+\.json$")
    commented = ""  # an issue id of this test's project: see commented_key
    # reads_comments: a scan reads the journals of the issues the API user has written on
    # (``updated_by``), so duplicates and foreign markers there are seen; a person's marker
    # on an issue trackerguard never wrote on is neither seen nor touched.

    sim: RedmineTracker

    @classmethod
    def launch(cls) -> RedmineTracker:
        return RedmineTracker(require_redmine())

    def make_project(self, root: Path) -> RedmineProject:
        self.bot = str(self.sim.bot_id)
        self.person = str(self.sim.person_id)
        # Redmine pages take ~0.2 s: a hang (1.5 s, then a dropped connection) is still a
        # lost answer with 5 s, and no slow read of a loaded machine times out.
        client = {"timeout": 5, "retries": CLIENT["max_retries"], "max_wait": CLIENT["max_wait"]}
        config = write_config(
            root, self.proxy.url, [self.sim.backlog.project], label_field="Labels", **client
        )
        return RedmineProject(self.sim, config)

    def comments(self) -> Iterable[Note]:
        for number in self.sim.backlog.ids.values():
            for journal in self.sim.rest.journals(number):
                if journal.get("notes"):
                    yield Note(f"#{number}", str(journal["user"]["id"]), journal["notes"])

    def seed(self, key: str, body: str, author: str) -> None:
        login = None if author == self.bot else RedmineTracker.PERSON
        self.sim.rest.note_as(int(key.lstrip("#")), body, login)

    def marked(self, note: Note) -> bool:
        last = note.body.replace("\r\n", "\n").rstrip().split("\n")[-1]
        return last.startswith("trackerguard \u00b7 ") or MARKER in note.body

    def commented_key(self) -> str:
        return self.sim.backlog.key("A1")


CLASSES: tuple[type[Driver], ...] = (
    GitHubDriver,
    GitLabDriver,
    LinearDriver,
    JiraDriver,
    JiraDataCenterDriver,
    RedmineDriver,
)
DRIVERS: dict[str, Callable[[Path], AbstractContextManager[Driver]]] = {
    cls.name: cls.started for cls in CLASSES
}
"""Adapter name → a context manager starting its driver (the suite's parameters)."""
READING = sorted(cls.name for cls in CLASSES if cls.reads_comments)
"""The adapters whose scans read comments (duplicates and foreign markers are theirs)."""
