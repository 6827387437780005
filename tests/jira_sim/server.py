"""The simulator's HTTP side: a threaded ``http.server`` on 127.0.0.1 speaking Jira REST.

Every exchange goes through one path: latency → injected fault → auth → route → spec
validation → count. Requests are counted as ``read`` (GET, searches, bulk fetch) or
``write`` (everything else) so tests and the benchmark can assert "a second run makes zero
writes". Spec violations are collected in :attr:`JiraSim.validator` and asserted empty by
the fixture at teardown, so a drift from the official API fails the test that caused it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

from tests.jira_sim.jql import JqlError, compile_jql, key_tuple, split_order
from tests.jira_sim.spec import SpecValidator
from tests.jira_sim.state import (
    ISSUE_TYPES,
    LINK_TYPES,
    STATUS_CATEGORIES,
    STATUSES,
    SimComment,
    SimIssue,
    SimState,
    to_adf,
    to_wiki,
    ts,
)

Reply = tuple[int, Any, dict[str, str]]


class Encoded(bytes):
    """A reply body already encoded as JSON (sent as is)."""


_KEY_LIST = re.compile(r"\s*key\s+in\s*\(([^()]*)\)\s*", re.IGNORECASE)


@dataclass
class Fault:
    """An injected failure: ``status`` 429/5xx, or 0 for a timeout (the server stalls)."""

    status: int
    count: int | None = 1
    """How many matching requests fail; ``None`` = all of them."""
    retry_after: float | None = None
    match: str | None = None
    """Regex searched in ``"METHOD /path"``."""
    stall: float = 0.0
    after: int = 0
    """How many matching requests pass untouched before the fault starts."""


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class JiraSim:
    """A stateful Jira (Cloud or Data Center) served over real HTTP on 127.0.0.1."""

    def __init__(
        self,
        state: SimState,
        *,
        latency: float = 0.0,
        validate: bool = True,
        sample_every: int = 1,
        max_page: int = 100,
        result_window: int = 10_000,
        strict: bool = True,
        short_page: int = 37,
        bulk_limit: int | None = None,
        memo_reads: bool = False,
    ) -> None:
        self.state = state
        self.memo_reads = memo_reads
        """Keep each bulk-fetched issue's encoded JSON until the next write request (for
        benchmarks: building and encoding 100 issues cost the simulator ~9 ms of CPU per
        bulk fetch, so at 10 in flight its own GIL, not the ``latency`` asked for, set the
        round trip). Off in tests, which also change ``state`` directly between runs."""
        self._memo: dict[tuple[int, str, tuple[str, ...], tuple[str, ...]], bytes] = {}
        self.latency = latency
        self.strict = strict
        """Answer with the spec's minimum (the default in tests): id-only pages carry only
        ``id``; ``nextPageToken`` is an opaque random string and is the only end-of-results
        signal (``isLast`` is optional and left out); pages asking for fields are shortened
        to ``short_page`` ("API may return fewer items per page where a large number of
        fields or properties are requested"). ``strict=False`` is the lenient mode for
        benchmarks that want full pages."""
        self.short_page = short_page
        self.bulk_limit = bulk_limit
        """Bulk fetch returns at most this many issues and lists the rest in
        ``issueErrors`` (the spec's "retriable error or payload constraint")."""
        self._tokens: dict[str, tuple[str, int]] = {}
        self.validator = SpecValidator(enabled=validate, sample_every=sample_every)
        self.max_page = max_page
        self.result_window = result_window
        self.faults: list[Fault] = []
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[str, str, int]] = []
        self.queries: list[tuple[str, str, str]] = []
        """(method, path, query string) of every request, for assertions on parameters."""
        self.errors: list[str] = []
        """Protocol misuse the spec cannot see (e.g. a wiki string sent to v3)."""
        self.seen_auth: list[str] = []
        self.seen_headers: list[frozenset[str]] = []
        """The header names (lower case) of every request, for "never sent" assertions."""
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> JiraSim:
        sim = self

        class Handler(_Handler):
            simulator = sim

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> JiraSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test helpers --------------------------------------------------------------------------
    def inject(self, status: int, count: int | None = 1, **kw: Any) -> Fault:
        fault = Fault(status, count, **kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.log.clear()
            self.queries.clear()

    @property
    def reads(self) -> int:
        return self.counts["read"]

    @property
    def writes(self) -> int:
        return self.counts["write"]

    def writes_log(self) -> list[tuple[str, str, int]]:
        return [entry for entry in self.log if _kind(entry[0], entry[1]) == "write"]

    # -- one exchange --------------------------------------------------------------------------
    def exchange(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, dict[str, str], float]:
        parts = urlsplit(target)
        path, query = unquote(parts.path), parts.query
        if self.latency:
            time.sleep(self.latency)
        kind = _kind(method, path)
        with self._lock:
            self.queries.append((method, path, query))
            self.seen_headers.append(frozenset(headers))
        fault = self._take_fault(method, path)
        if fault is not None:
            with self._lock:
                self.counts[kind] += 1
                self.counts["faults"] += 1
                self.log.append((method, path, fault.status))
            extra = {}
            if fault.retry_after is not None:
                extra["Retry-After"] = _fmt_seconds(fault.retry_after)
            payload = {"errorMessages": [f"simulated {fault.status or 'timeout'}"]}
            return fault.status or 504, json.dumps(payload).encode(), extra, fault.stall
        try:
            self._auth(headers)
            status, payload, extra = self.route(method, path, query, body)
        except ApiError as err:
            status, payload, extra = err.status, {"errorMessages": [str(err)], "errors": {}}, {}
        if isinstance(payload, Encoded):
            raw = bytes(payload)
        else:
            raw = b"" if payload is None else json.dumps(payload).encode()
        with self._lock:
            if kind == "write":
                self._memo.clear()
            self.counts[kind] += 1
            self.log.append((method, path, status))
        if self.validator.should_check():
            self.validator.check(
                method,
                path,
                query,
                headers,
                body,
                status,
                raw,
                {"content-type": "application/json"},
            )
        return status, raw, extra, 0.0

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.match and not re.search(fault.match, f"{method} {path}"):
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                if fault.count is not None:
                    if fault.count <= 0:
                        continue
                    fault.count -= 1
                return fault
        return None

    def _auth(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        state = self.state
        scheme, _, cred = auth.partition(" ")
        with self._lock:
            self.seen_auth.append(scheme.lower())
        if state.flavor == "cloud" and scheme.lower() == "basic":
            try:
                user, _, secret = base64.b64decode(cred).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user = secret = ""
            if user == state.bot_email and secret == state.token:
                return
        if state.flavor == "datacenter" and scheme.lower() == "bearer" and cred == state.pat:
            return
        raise ApiError(401, "You are not authenticated. Authentication required.")

    # -- routing -------------------------------------------------------------------------------
    def route(self, method: str, path: str, query: str, body: bytes) -> Reply:
        m = re.match(r"^/rest/api/(2|3|latest)/(.*)$", path)
        if not m:
            raise ApiError(404, "not found")
        version = "2" if m.group(1) == "latest" else m.group(1)
        if version == "3" and self.state.flavor == "datacenter":
            raise ApiError(404, "REST v3 does not exist on Data Center")
        rest = m.group(2).rstrip("/")
        params = dict(parse_qsl(query, keep_blank_values=True))
        data: Any = None
        if body:
            try:
                data = json.loads(body)
            except ValueError as err:
                raise ApiError(400, "body is not JSON") from err
        for pattern, verb, handler in _ROUTES:
            match = re.fullmatch(pattern, rest)
            if match and verb == method:
                with self.state.lock:
                    return handler(self, version, params, data, *match.groups())
        raise ApiError(404, f"no route for {method} {path}")

    def page_cap(self, fields: list[str]) -> int:
        """Jira returns far more per page when only ids are asked for."""
        if fields and set(fields) <= {"id", "key", "created"}:
            return 5000 if self.state.flavor == "cloud" else 1000
        return min(self.max_page, self.short_page) if self.strict else self.max_page

    def new_token(self, digest: str, offset: int) -> str:
        """An opaque continuation token (nothing in it can be decoded by a client)."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._tokens[token] = (digest, offset)
        return token

    def read_token(self, token: str) -> tuple[str, int]:
        with self._lock:
            found = self._tokens.get(token)
        if found is None:
            raise ApiError(400, "invalid nextPageToken")
        return found

    # -- helpers used by handlers ---------------------------------------------------------------
    def base(self, version: str) -> str:
        return f"{self.url}/rest/api/{version}"

    def issue_or_404(self, key: str) -> SimIssue:
        issue = self.state.get(key)
        if issue is None:
            raise ApiError(404, "Issue does not exist or you do not have permission to see it.")
        return issue

    def writable(self, issue: SimIssue) -> None:
        if issue.key in self.state.forbidden:
            raise ApiError(403, "You do not have permission to edit this issue.")

    def rich(self, version: str, text: str) -> Any:
        if not text:
            return None
        return to_adf(text) if version == "3" else to_wiki(text)

    def check_rich(self, version: str, value: Any, what: str) -> None:
        """Enforce ADF on v3 and strings on v2 (the spec types rich text loosely)."""
        if version == "3":
            ok = isinstance(value, dict) and value.get("type") == "doc"
        else:
            ok = isinstance(value, str)
        if not ok:
            msg = (
                f"{what}: v{version} expects {'an ADF document' if version == '3' else 'a string'}"
            )
            self.errors.append(msg)
            raise ApiError(400, msg)

    def user(self, name: str | None) -> dict[str, Any] | None:
        if name is None:
            return None
        if self.state.flavor == "cloud":
            account = self.state.bot_account if name == self.state.bot_name else f"acc-{name}"
            return {
                "accountId": account,
                "displayName": name,
                "active": True,
                "accountType": "atlassian",
            }
        return {"name": name, "key": name, "displayName": name, "active": True}

    def status_json(self, version: str, name: str) -> dict[str, Any]:
        sid, cat = STATUSES[name]
        category = dict(STATUS_CATEGORIES[cat])
        category["self"] = f"{self.base(version)}/statuscategory/{category['id']}"
        return {
            "self": f"{self.base(version)}/status/{sid}",
            "id": sid,
            "name": name,
            "statusCategory": category,
        }

    def type_json(self, version: str, name: str) -> dict[str, Any]:
        tid, level, subtask = ISSUE_TYPES[name]
        out: dict[str, Any] = {
            "self": f"{self.base(version)}/issuetype/{tid}",
            "id": tid,
            "name": name,
            "subtask": subtask,
        }
        if self.state.flavor == "cloud":
            out["hierarchyLevel"] = level
        return out

    def ref_json(self, version: str, issue: SimIssue) -> dict[str, Any]:
        return {
            "id": str(issue.id),
            "key": issue.key,
            "self": f"{self.base(version)}/issue/{issue.id}",
            "fields": {
                "summary": issue.summary,
                "status": self.status_json(version, issue.status),
                "issuetype": self.type_json(version, issue.type),
            },
        }

    def comment_json(self, version: str, comment: SimComment, expand: str = "") -> dict[str, Any]:
        body = comment.body
        if version == "3" and isinstance(body, str):
            body = to_adf(body)
        elif version == "2" and isinstance(body, dict):
            from tests.jira_sim.state import adf_text

            body = adf_text(body)
        issue = self.state.issues[comment.issue]
        out: dict[str, Any] = {
            "self": f"{self.base(version)}/issue/{issue.id}/comment/{comment.id}",
            "id": comment.id,
            "author": self.user(comment.author),
            "updateAuthor": self.user(comment.author),
            "body": body,
            "created": ts(comment.created),
            "updated": ts(comment.updated),
            "jsdPublic": True,
        }
        if "properties" in expand:
            out["properties"] = [{"key": k, "value": v} for k, v in comment.properties.items()]
        return out

    def issue_bytes(
        self, version: str, issue: SimIssue, fields: list[str], properties: list[str]
    ) -> bytes:
        """:meth:`issue_json` encoded, kept until the next write (``memo_reads``)."""
        key = (issue.id, version, tuple(fields), tuple(properties))
        raw = self._memo.get(key)
        if raw is None:
            raw = json.dumps(self.issue_json(version, issue, fields, properties)).encode()
            self._memo[key] = raw
        return raw

    def issue_json(
        self,
        version: str,
        issue: SimIssue,
        fields: list[str] | None,
        properties: list[str],
    ) -> dict[str, Any]:
        """An IssueBean with only the requested fields (``None`` = every field)."""
        state = self.state
        cloud = state.flavor == "cloud"
        wanted = (
            None if fields is None or "*all" in fields or "*navigable" in fields else set(fields)
        )

        def want(name: str) -> bool:
            return wanted is None or name in wanted

        f: dict[str, Any] = {}
        if want("summary"):
            f["summary"] = issue.summary
        if want("issuetype"):
            f["issuetype"] = self.type_json(version, issue.type)
        if want("status"):
            f["status"] = self.status_json(version, issue.status)
        if want("description"):
            f["description"] = self.rich(version, issue.description)
        if want("project"):
            f["project"] = {"id": "10001", "key": issue.project, "name": issue.project.title()}
        if want("labels"):
            f["labels"] = list(issue.labels)
        if want("assignee"):
            f["assignee"] = self.user(issue.assignee)
        if want("duedate"):
            f["duedate"] = issue.due
        if want("fixVersions"):
            f["fixVersions"] = (
                [{"id": "10500", "name": issue.fix_version, "released": False}]
                if issue.fix_version
                else []
            )
        if want("created"):
            f["created"] = ts(issue.created)
        if want("updated"):
            f["updated"] = ts(issue.updated)
        if want("parent"):
            parent_key = issue.parent if cloud else state.dc_parent(issue)
            parent = state.issues.get(parent_key or "")
            if parent is not None:
                f["parent"] = self.ref_json(version, parent)
        if want(state.epic_link_id):
            f[state.epic_link_id] = state.epic_link(issue)
        if want(state.parent_link_id):
            pl = state.parent_link(issue)
            target = state.issues.get(pl or "")
            f[state.parent_link_id] = (
                {
                    "hasEpicLinkFieldDependency": False,
                    "showField": True,
                    "data": {"id": target.id, "key": target.key, "summary": target.summary},
                }
                if target is not None
                else None
            )
        if want(state.flagged_id):
            f[state.flagged_id] = (
                [
                    {
                        "self": f"{self.base(version)}/customFieldOption/10019",
                        "value": "Impediment",
                        "id": "10019",
                    }
                ]
                if issue.flagged
                else None
            )
        if want("issuelinks"):
            links = []
            for lid, name, direction, other_key in state.links_of(issue):
                tid, inward, outward = LINK_TYPES[name]
                other = state.issues.get(other_key)
                if other is None:
                    continue
                links.append(
                    {
                        "id": lid,
                        "self": f"{self.base(version)}/issueLink/{lid}",
                        "type": {
                            "id": tid,
                            "name": name,
                            "inward": inward,
                            "outward": outward,
                            "self": f"{self.base(version)}/issueLinkType/{tid}",
                        },
                        f"{direction}Issue": self.ref_json(version, other),
                    }
                )
            f["issuelinks"] = links
        if want("comment"):
            comments = [self.comment_json(version, state.comments[c]) for c in issue.comment_ids]
            f["comment"] = {
                "comments": comments,
                "maxResults": len(comments),
                "total": len(comments),
                "startAt": 0,
            }
        out: dict[str, Any] = {
            "id": str(issue.id),
            "key": issue.key,
            "self": f"{self.base(version)}/issue/{issue.id}",
        }
        if wanted is not None and wanted <= {"id", "key"}:
            return {"id": str(issue.id), "key": issue.key, "self": out["self"]}
        out["fields"] = f
        props = {k: issue.properties[k] for k in properties if k in issue.properties}
        if props:
            out["properties"] = props
        return out

    def resolve_field(self, issue: SimIssue | None, name: str) -> Any:
        state = self.state
        cloud = state.flavor == "cloud"
        cf = re.fullmatch(r"cf\[(\d+)\]", name)
        if cf:
            name = f"customfield_{cf.group(1)}"
        aliases = {
            "epic link": state.epic_link_id,
            "parent link": state.parent_link_id,
            "flagged": state.flagged_id,
            "type": "issuetype",
            "issuekey": "key",
        }
        # JQL's ``id`` / ``issue`` fields take issue ids and keys alike ("id = 10001",
        # "issue in (10001, ACME-2)"); ``key`` / ``issuekey`` are compared as keys.
        by_id = name in ("id", "issue")
        name = "key" if by_id else aliases.get(name, name)
        known = {
            "project",
            "key",
            "parent",
            "status",
            "issuetype",
            "labels",
            "created",
            "updated",
            "summary",
            "statuscategory",
            "assignee",
            state.epic_link_id,
            state.parent_link_id,
            state.flagged_id,
        }
        if name not in known:
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
        if issue is None:
            return None
        if name == "project":
            return issue.project
        if name == "key":
            return [issue.key, str(issue.id)] if by_id else issue.key
        if name == "parent":
            return issue.parent if cloud else state.dc_parent(issue)
        if name == "status":
            return issue.status
        if name == "statuscategory":
            return STATUS_CATEGORIES[STATUSES[issue.status][1]]["name"]
        if name == "issuetype":
            return issue.type
        if name == "labels":
            return issue.labels
        if name == "created":
            return issue.created
        if name == "updated":
            return issue.updated
        if name == "summary":
            return issue.summary
        if name == "assignee":
            return issue.assignee
        if name == state.epic_link_id:
            return state.epic_link(issue)
        if name == state.parent_link_id:
            return state.parent_link(issue)
        return "Impediment" if issue.flagged else None

    def run_jql(self, jql: str) -> list[SimIssue]:
        try:
            pred, order = compile_jql(jql, self.resolve_field, ZoneInfo(self.state.bot_tz))
        except JqlError as err:
            raise ApiError(400, str(err)) from err
        cond = split_order(jql)[0]
        direct = _KEY_LIST.fullmatch(cond)
        if direct:
            # Fast path for ``key in (…)`` batches: same result, no scan of every issue.
            wanted = [k.strip().strip("\"'") for k in direct.group(1).split(",")]
            found = [i for i in (self.state.get(k) for k in wanted) if i is not None]
        else:
            found = [issue for issue in self.state.issues.values() if pred(issue)]
        if not order:
            order = [("key", True)]  # Jira's default order: key descending
        for name, desc in reversed(order):
            if name in ("key", "issuekey", "id"):
                found.sort(key=lambda i: key_tuple(i.key), reverse=desc)
            elif name in ("created", "updated"):
                found.sort(key=lambda i, n=name: getattr(i, n), reverse=desc)
            else:
                raise ApiError(400, f"ORDER BY {name} is not supported by the simulator")
        return found


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _kind(method: str, path: str) -> str:
    if method == "GET" or re.search(r"/(search(/jql)?|issue/bulkfetch)$", path):
        return "read"
    return "write"


def _csv(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        out: list[str] = []
        for v in value:
            out.extend(_csv(v))
        return out
    return [p.strip() for p in str(value).split(",") if p.strip()]


# -- handlers -------------------------------------------------------------------------------------
Handler = Callable[..., Reply]


def h_server_info(sim: JiraSim, v: str, params: dict[str, str], data: Any) -> Reply:
    cloud = sim.state.flavor == "cloud"
    return (
        200,
        {
            "baseUrl": sim.url,
            "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.4",
            "versionNumbers": [1001, 0, 0] if cloud else [9, 12, 4],
            "deploymentType": "Cloud" if cloud else "Server",
            "buildNumber": 100275 if cloud else 9120004,
            "buildDate": "2026-11-20T00:00:00.000+0000",
            "serverTime": ts(datetime.now(UTC)),
            "scmInfo": "4fce4f2c3b9c",
            "serverTitle": "Jira",
        },
        {},
    )


def h_myself(sim: JiraSim, v: str, params: dict[str, str], data: Any) -> Reply:
    st = sim.state
    if st.flavor == "cloud":
        me = {
            "accountId": st.bot_account,
            "accountType": "atlassian",
            "active": True,
            "displayName": "trackerguard",
            "emailAddress": st.bot_email,
        }
    else:
        me = {
            "name": st.bot_name,
            "key": st.bot_name,
            "active": True,
            "displayName": "trackerguard",
        }
    me["self"] = f"{sim.base(v)}/user?accountId={st.bot_account}"
    me["timeZone"] = st.bot_tz
    return 200, me, {}


def h_fields(sim: JiraSim, v: str, params: dict[str, str], data: Any) -> Reply:
    st = sim.state
    out = []
    for fid, name, stype in (
        ("summary", "Summary", "string"),
        ("issuetype", "Issue Type", "issuetype"),
        ("status", "Status", "status"),
        ("parent", "Parent", "issuelink"),
        ("labels", "Labels", "array"),
        ("issuelinks", "Linked Issues", "array"),
        ("description", "Description", "string"),
        ("duedate", "Due date", "date"),
    ):
        out.append(
            {
                "id": fid,
                "key": fid,
                "name": name,
                "custom": False,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [fid],
                "schema": {"type": stype, "system": fid},
            }
        )
    for fid, name, custom, stype in (
        (st.epic_link_id, "Epic Link", "com.pyxis.greenhopper.jira:gh-epic-link", "any"),
        (st.parent_link_id, "Parent Link", "com.atlassian.jpo:jpo-custom-field-parent", "any"),
        (
            st.flagged_id,
            "Flagged",
            "com.atlassian.jira.plugin.system.customfieldtypes:multicheckboxes",
            "array",
        ),
        (
            "customfield_10999",
            "Story Points",
            "com.atlassian.jira.plugin.system.customfieldtypes:float",
            "number",
        ),
    ):
        num = int(fid.rsplit("_", 1)[1])
        schema: dict[str, Any] = {"type": stype, "custom": custom, "customId": num}
        if stype == "array":
            schema["items"] = "option"
        out.append(
            {
                "id": fid,
                "key": fid,
                "name": name,
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f"cf[{num}]", name],
                "schema": schema,
            }
        )
    return 200, out, {}


def _search_args(params: dict[str, str], data: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    return dict(params)


def h_search_jql(sim: JiraSim, v: str, params: dict[str, str], data: Any) -> Reply:
    if sim.state.flavor != "cloud":
        raise ApiError(404, "search/jql is not available on this server")
    args = _search_args(params, data)
    jql = str(args.get("jql") or "")
    found = sim.run_jql(jql)
    fields = _csv(args.get("fields")) or ["id"]
    props = _csv(args.get("properties"))
    token = args.get("nextPageToken")
    start = 0
    digest = hashlib.sha1(jql.encode()).hexdigest()[:8]
    if token:
        tag, start = sim.read_token(str(token))
        if tag != digest:
            raise ApiError(400, "nextPageToken does not belong to this query")
    size = min(int(args.get("maxResults") or 50), sim.page_cap(fields))
    page = found[start : start + size]
    id_only = set(fields) <= {"id"}
    out: dict[str, Any] = {
        "issues": [
            {"id": str(i.id)} if id_only and sim.strict else sim.issue_json(v, i, fields, props)
            for i in page
        ]
    }
    more = start + size < len(found)
    if more:
        out["nextPageToken"] = sim.new_token(digest, start + size)
    if not sim.strict:
        out["isLast"] = not more
    return 200, out, {}


def h_search_legacy(sim: JiraSim, v: str, params: dict[str, str], data: Any) -> Reply:
    if sim.state.flavor == "cloud":
        raise ApiError(
            410, "The requested API has been removed. Please use /rest/api/3/search/jql."
        )
    args = _search_args(params, data)
    found = sim.run_jql(str(args.get("jql") or ""))
    start = int(args.get("startAt") or 0)
    size = min(int(args.get("maxResults") or 50), sim.page_cap(_csv(args.get("fields"))))
    if start + size > sim.result_window:
        raise ApiError(
            400, f"Result window is too large, startAt + maxResults must be <= {sim.result_window}"
        )
    fields = _csv(args.get("fields")) or None
    props = _csv(args.get("properties"))
    page = found[start : start + size]
    head: dict[str, Any] = {"startAt": start, "maxResults": size, "total": len(found)}
    if sim.memo_reads and fields is not None:
        parts = b", ".join(sim.issue_bytes(v, i, fields, props) for i in page)
        return 200, Encoded(json.dumps(head)[:-1].encode() + b', "issues": [' + parts + b"]}"), {}
    return 200, {**head, "issues": [sim.issue_json(v, i, fields, props) for i in page]}, {}


def h_bulkfetch(sim: JiraSim, v: str, params: dict[str, str], data: Any) -> Reply:
    if sim.state.flavor != "cloud":
        raise ApiError(404, "bulkfetch is not available on this server")
    keys = list(data.get("issueIdsOrKeys") or [])
    if not keys or len(keys) > 100:
        raise ApiError(400, "issueIdsOrKeys must hold 1 to 100 ids or keys")
    fields = _csv(data.get("fields")) or ["*navigable"]
    props = _csv(data.get("properties"))
    issues: list[SimIssue] = []
    taken: set[int] = set()  # by id: comparing the issues themselves was O(n²) field by field
    for key in keys:
        issue = sim.state.get(str(key))
        if issue is not None and issue.id not in taken:
            # "Issues which aren't found or that the user doesn't have permission to view
            # won't be returned" (and are not listed in issueErrors either).
            taken.add(issue.id)
            issues.append(issue)
    issues.sort(key=lambda i: i.id)  # results come back in id order, not request order
    deferred: list[SimIssue] = []
    if sim.bulk_limit is not None and len(issues) > sim.bulk_limit:
        issues, deferred = issues[: sim.bulk_limit], issues[sim.bulk_limit :]
    errors = [
        {"id": str(i.id), "errorMessage": "Retry later: response size limit reached"}
        for i in deferred
    ]
    if sim.memo_reads:
        parts = b", ".join(sim.issue_bytes(v, i, fields, props) for i in issues)
        tail = json.dumps(errors).encode()
        return 200, Encoded(b'{"issues": [' + parts + b'], "issueErrors": ' + tail + b"}"), {}
    out: dict[str, Any] = {
        "issues": [sim.issue_json(v, i, fields, props) for i in issues],
        "issueErrors": errors,
    }
    return 200, out, {}


def h_get_issue(sim: JiraSim, v: str, params: dict[str, str], data: Any, key: str) -> Reply:
    issue = sim.issue_or_404(key)
    fields = _csv(params.get("fields")) or None
    return 200, sim.issue_json(v, issue, fields, _csv(params.get("properties"))), {}


def h_edit_issue(sim: JiraSim, v: str, params: dict[str, str], data: Any, key: str) -> Reply:
    issue = sim.issue_or_404(key)
    sim.writable(issue)
    data = data or {}
    for op in (data.get("update") or {}).get("labels", []):
        if "add" in op and op["add"] not in issue.labels:
            issue.labels.append(op["add"])
        if "remove" in op and op["remove"] in issue.labels:
            issue.labels.remove(op["remove"])
        if "set" in op:
            issue.labels = list(op["set"])
    for fid, value in (data.get("fields") or {}).items():
        if fid == sim.state.flagged_id:
            issue.flagged = bool(value)
        elif fid == "labels":
            issue.labels = list(value or [])
        else:
            raise ApiError(
                400, f"Field '{fid}' cannot be set. It is not on the appropriate screen."
            )
    comment_ops = (data.get("update") or {}).get("comment") or []
    if len(comment_ops) > 1:
        # Jira's comment field takes one operation per edit.
        raise ApiError(400, f"Field 'comment' takes one operation, {len(comment_ops)} given.")
    for op in comment_ops:
        _comment_operation(sim, v, issue, op)
    for prop in data.get("properties") or []:
        issue.properties[prop["key"]] = prop["value"]
    return 204, None, {}


def _comment_operation(sim: JiraSim, v: str, issue: SimIssue, op: dict[str, Any]) -> None:
    """``update.comment``: ``add`` (body only: like Jira, any ``properties`` given there
    are not stored), ``edit`` (id and body) and ``remove`` (id); an id that is not a
    comment of this issue is a validation error (400), as in Jira."""
    (verb, value), *_ = op.items()
    value = value or {}
    if verb == "add":
        sim.check_rich(v, value.get("body"), "comment body")
        sim.state.new_comment(issue, sim.state.bot_name, value["body"])
        return
    cid = str(value.get("id") or "")
    comment = sim.state.comments.get(cid)
    if comment is None or comment.issue != issue.key:
        raise ApiError(400, f"Can not find a comment for the id: {cid}.")
    if verb == "edit":
        sim.check_rich(v, value.get("body"), "comment body")
        comment.body = value["body"]
        comment.updated = datetime.now(UTC)
    elif verb == "remove":
        del sim.state.comments[cid]
        issue.comment_ids.remove(cid)
    else:
        raise ApiError(400, f"Operation '{verb}' is not supported by the comment field.")


def h_list_comments(sim: JiraSim, v: str, params: dict[str, str], data: Any, key: str) -> Reply:
    issue = sim.issue_or_404(key)
    start = int(params.get("startAt") or 0)
    size = int(params.get("maxResults") or 100)
    order = params.get("orderBy", "created")
    ordered = sorted(
        issue.comment_ids,
        key=lambda c: (sim.state.comments[c].created, int(c)),
        reverse=order == "-created",
    )
    ids = ordered[start : start + size]
    comments = [sim.comment_json(v, sim.state.comments[c], params.get("expand", "")) for c in ids]
    return (
        200,
        {
            "comments": comments,
            "startAt": start,
            "maxResults": size,
            "total": len(issue.comment_ids),
        },
        {},
    )


def h_add_comment(sim: JiraSim, v: str, params: dict[str, str], data: Any, key: str) -> Reply:
    issue = sim.issue_or_404(key)
    sim.writable(issue)
    sim.check_rich(v, (data or {}).get("body"), "comment body")
    comment = sim.state.new_comment(issue, sim.state.bot_name, data["body"])
    for prop in data.get("properties") or []:
        comment.properties[prop["key"]] = prop["value"]
    return 201, sim.comment_json(v, comment), {}


def _comment(sim: JiraSim, key: str, cid: str) -> tuple[SimIssue, SimComment]:
    issue = sim.issue_or_404(key)
    comment = sim.state.comments.get(cid)
    if comment is None or comment.issue != issue.key:
        raise ApiError(404, "Can not find a comment for the id.")
    return issue, comment


def h_get_comment(sim: JiraSim, v: str, p: dict[str, str], d: Any, key: str, cid: str) -> Reply:
    _, comment = _comment(sim, key, cid)
    return 200, sim.comment_json(v, comment, p.get("expand", "")), {}


def h_edit_comment(sim: JiraSim, v: str, p: dict[str, str], d: Any, key: str, cid: str) -> Reply:
    issue, comment = _comment(sim, key, cid)
    sim.writable(issue)
    sim.check_rich(v, (d or {}).get("body"), "comment body")
    comment.body = d["body"]
    comment.updated = datetime.now(UTC)
    return 200, sim.comment_json(v, comment), {}


def h_delete_comment(sim: JiraSim, v: str, p: dict[str, str], d: Any, key: str, cid: str) -> Reply:
    issue, _ = _comment(sim, key, cid)
    sim.writable(issue)
    del sim.state.comments[cid]
    issue.comment_ids.remove(cid)
    return 204, None, {}


def h_issue_prop_keys(sim: JiraSim, v: str, p: dict[str, str], d: Any, key: str) -> Reply:
    issue = sim.issue_or_404(key)
    keys = [
        {"key": k, "self": f"{sim.base(v)}/issue/{issue.id}/properties/{k}"}
        for k in issue.properties
    ]
    return 200, {"keys": keys}, {}


def h_get_issue_prop(sim: JiraSim, v: str, p: dict[str, str], d: Any, key: str, prop: str) -> Reply:
    issue = sim.issue_or_404(key)
    if prop not in issue.properties:
        raise ApiError(404, f"The property with key '{prop}' does not exist.")
    return 200, {"key": prop, "value": issue.properties[prop]}, {}


def h_put_issue_prop(sim: JiraSim, v: str, p: dict[str, str], d: Any, key: str, prop: str) -> Reply:
    issue = sim.issue_or_404(key)
    sim.writable(issue)
    if d is None:
        raise ApiError(400, "The property value must not be empty.")
    if len(json.dumps(d)) > 32768:
        raise ApiError(400, "The property value is too long (32768 characters at most).")
    existed = prop in issue.properties
    issue.properties[prop] = d
    return (200 if existed else 201), None, {}


def h_del_issue_prop(sim: JiraSim, v: str, p: dict[str, str], d: Any, key: str, prop: str) -> Reply:
    issue = sim.issue_or_404(key)
    sim.writable(issue)
    if issue.properties.pop(prop, None) is None:
        raise ApiError(404, f"The property with key '{prop}' does not exist.")
    return 204, None, {}


def h_get_comment_prop(
    sim: JiraSim, v: str, p: dict[str, str], d: Any, cid: str, prop: str
) -> Reply:
    comment = sim.state.comments.get(cid)
    if comment is None or prop not in comment.properties:
        raise ApiError(404, "The property does not exist.")
    return 200, {"key": prop, "value": comment.properties[prop]}, {}


def h_put_comment_prop(
    sim: JiraSim, v: str, p: dict[str, str], d: Any, cid: str, prop: str
) -> Reply:
    comment = sim.state.comments.get(cid)
    if comment is None:
        raise ApiError(404, "Can not find a comment for the id.")
    sim.writable(sim.state.issues[comment.issue])
    existed = prop in comment.properties
    comment.properties[prop] = d
    return (200 if existed else 201), None, {}


def h_transitions(sim: JiraSim, v: str, p: dict[str, str], d: Any, key: str) -> Reply:
    issue = sim.issue_or_404(key)
    out = []
    for name, (sid, _) in STATUSES.items():
        if name == issue.status:
            continue
        # Transition names differ from target status names on purpose ("Flag as blocked"
        # → Blocked): adapters must pick by target status, not by transition name.
        tname = {"Blocked": "Flag as blocked", "To Do": "Reopen", "Done": "Resolve"}.get(
            name, f"Move to {name}"
        )
        out.append(
            {
                "id": str(int(sid) % 1000 + 11),
                "name": tname,
                "to": sim.status_json(v, name),
                "hasScreen": False,
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
                "isLooped": False,
            }
        )
    return 200, {"transitions": out}, {}


def h_do_transition(sim: JiraSim, v: str, p: dict[str, str], d: Any, key: str) -> Reply:
    issue = sim.issue_or_404(key)
    sim.writable(issue)
    tid = str(((d or {}).get("transition") or {}).get("id", ""))
    for name, (sid, _) in STATUSES.items():
        if name != issue.status and str(int(sid) % 1000 + 11) == tid:
            issue.status = name
            for prop in (d or {}).get("properties") or []:
                issue.properties[prop["key"]] = prop["value"]
            return 204, None, {}
    raise ApiError(400, f"Transition id '{tid}' is not valid for this issue.")


_K = r"([A-Za-z0-9_-]+)"
_ROUTES: list[tuple[str, str, Handler]] = [
    ("serverInfo", "GET", h_server_info),
    ("myself", "GET", h_myself),
    ("field", "GET", h_fields),
    ("search/jql", "GET", h_search_jql),
    ("search/jql", "POST", h_search_jql),
    ("search", "GET", h_search_legacy),
    ("search", "POST", h_search_legacy),
    ("issue/bulkfetch", "POST", h_bulkfetch),
    (f"issue/{_K}", "GET", h_get_issue),
    (f"issue/{_K}", "PUT", h_edit_issue),
    (f"issue/{_K}/comment", "GET", h_list_comments),
    (f"issue/{_K}/comment", "POST", h_add_comment),
    (f"issue/{_K}/comment/{_K}", "GET", h_get_comment),
    (f"issue/{_K}/comment/{_K}", "PUT", h_edit_comment),
    (f"issue/{_K}/comment/{_K}", "DELETE", h_delete_comment),
    (f"issue/{_K}/properties", "GET", h_issue_prop_keys),
    (f"issue/{_K}/properties/{_K}", "GET", h_get_issue_prop),
    (f"issue/{_K}/properties/{_K}", "PUT", h_put_issue_prop),
    (f"issue/{_K}/properties/{_K}", "DELETE", h_del_issue_prop),
    (f"comment/{_K}/properties/{_K}", "GET", h_get_comment_prop),
    (f"comment/{_K}/properties/{_K}", "PUT", h_put_comment_prop),
    (f"issue/{_K}/transitions", "GET", h_transitions),
    (f"issue/{_K}/transitions", "POST", h_do_transition),
]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    simulator: JiraSim

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, raw, extra, stall = self.simulator.exchange(
                self.command, self.path, headers, body
            )
        except Exception as err:  # a simulator bug must be visible, not a hung client
            self.simulator.errors.append(
                f"simulator crashed on {self.command} {self.path}: {err!r}"
            )
            status, raw, extra, stall = 500, b'{"errorMessages":["simulator crash"]}', {}, 0.0
        if stall:
            time.sleep(stall)
        try:
            self.send_response(status)
            if raw:
                self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            if raw:
                self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_DELETE = _serve
