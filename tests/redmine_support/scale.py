"""The 2,500-issue Redmine project of the scale test: seeded once per instance, then reused.

Seeding goes through ``rails runner`` (``scale_seed.rb``: one short transaction, the nested
set computed there) because REST creates ~10 issues a second. What the seed made is stored
in the root project's description, so any later session on the same instance reads it with
one REST call and reuses the fixture; a changed :data:`LAYOUT` (its ``tag``) seeds anew. A
file lock keeps two pytest workers from seeding at once.

The tests only read this project (dry runs): writing on it would change what the next
session reuses.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .rest import RedmineRest
from .runner import run_ruby
from .server import RedmineServer

SEED = Path(__file__).with_name("scale_seed.rb")
LAYOUT: dict[str, Any] = {
    "tag": "trackerguard scale fixture v1",
    "root": "tg-scale",
    "initiatives": 3,
    "outside_epics": 150,
    "scanned": 2500,
    "wide_children": 120,
    "touched": 210,
}
"""2,500 scanned issues (25 pages); 151 goals outside the scan (two ``issue_id`` listings),
whose own goals need a second round; an epic whose 120 children live in another project
(two ``parent_id`` pages); 210 issues with a note by the API user (three ``updated_by``
pages, 210 journal reads on a cold run)."""
PAGE = 100


@dataclass(frozen=True)
class ScaleProject:
    summary: dict[str, Any]

    @property
    def scanned_project(self) -> str:
        return str(self.summary["projects"][1])

    def minimum_reads(self, *, journals_cached: bool = False) -> int:
        """The fewest requests a full dry scan can make, from the layout (see the adapter's
        docstring for the request plan)."""
        s = self.summary
        pages = lambda n: math.ceil(n / PAGE)  # noqa: E731
        journals = 0 if journals_cached else s["touched"]
        return (
            1  # /users/current.json
            + pages(s["scanned"])  # the scan's pages
            + pages(s["touched"])  # the same scope, updated_by the API user
            + journals  # /issues/N.json?include=journals of those (unless cached)
            + 1  # /issue_statuses.json (there are touched issues)
            + 1  # the scanned project's versions
            # round 1: the scanned issues' goals (outside epics + the wide epic's initiative),
            # 100 ids per listing, each with its updated_by listing; their project's versions
            + 2 * pages(s["outside_epics"] + 1)
            + 1
            # round 2: the outside epics' other initiatives
            + 2 * pages(len(s["initiatives"]) - 1)
            # the wide epic has no child in the scan: its children, and updated_by
            + pages(s["wide_children"])
            + 1
        )


def _intact(rest: RedmineRest, summary: dict[str, Any]) -> bool:
    """One request: does the scanned project still hold what the seed made?"""
    page = rest.get("/issues.json", project_id=summary["projects"][1], status_id="*", limit=1)
    return int(page.get("total_count", -1)) == summary["scanned"]


def _stored(rest: RedmineRest) -> dict[str, Any] | None:
    response = rest.http.get(f"/projects/{LAYOUT['root']}.json")
    if response.status_code != 200:
        return None
    tag, _, rest_of = (response.json()["project"].get("description") or "").partition("\n")
    if tag != LAYOUT["tag"]:
        return None
    try:
        summary = json.loads(rest_of)
    except ValueError:
        return None
    return summary if isinstance(summary, dict) else None


def ensure_scale_project(server: RedmineServer) -> ScaleProject:
    """The scale project on ``server``: reused when intact, else seeded (once, locked)."""
    digest = hashlib.sha256(server.url.encode()).hexdigest()[:12]
    lock = Path(tempfile.gettempdir()) / f"tg-redmine-scale-{digest}.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        rest = RedmineRest(server.url, server.api_key)
        try:
            summary = _stored(rest)
            if summary is not None and _intact(rest, summary):
                return ScaleProject(summary)
            # Stored but no longer intact (someone changed it): seed it again, never reuse.
            layout = {**LAYOUT, "force": summary is not None}
            out = run_ruby(server, SEED.read_text(encoding="utf-8"), json.dumps(layout))
            line = next(x for x in out.splitlines() if x.startswith("SCALE="))
            summary = json.loads(line.removeprefix("SCALE="))
            assert _intact(rest, summary), summary
            return ScaleProject(summary)
        finally:
            rest.close()
