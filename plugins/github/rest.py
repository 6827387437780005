"""REST calls: writes (comments, labels, statuses) and the reads GraphQL cannot do cheaply.

Writes go through REST rather than GraphQL mutations because REST takes the identifiers we
already hold (issue number, comment database id, label name), so one action is one request;
the GraphQL equivalents need node ids for labels, which would cost extra look-ups. All paths
follow GitHub's quirks (comment edit/delete paths omit the issue number).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .client import GitHubClient

LABEL_DESCRIPTIONS = {
    "block": "trackerguard: blocked until the item serves a goal / has a plan",
    "default": "Flagged by trackerguard (strategy-graph rules)",
}


class Rest:
    """Thin, typed wrappers over the REST endpoints the adapter uses."""

    def __init__(self, client: GitHubClient) -> None:
        self.client = client

    # -- identity -------------------------------------------------------------------------
    def user_login(self) -> str | None:
        """The token's user (``GET /user``); None when the token has no user (Actions)."""
        reply = self.client.rest("GET", "/user", ok=(200,), missing_ok=True, cache=True)
        data = reply.data if isinstance(reply.data, dict) else {}
        login = data.get("login")
        return str(login) if login else None

    # -- comments -------------------------------------------------------------------------
    def list_comments(self, repo: str, number: int, *, cache: bool = True) -> list[dict[str, Any]]:
        """Every comment of an issue, shaped like the GraphQL nodes the converter reads."""
        out = []
        for c in self.client.paginate(f"/repos/{repo}/issues/{number}/comments", cache=cache):
            out.append(
                {
                    "databaseId": c.get("id"),
                    "body": c.get("body") or "",
                    "createdAt": c.get("created_at"),
                    "updatedAt": c.get("updated_at"),
                    "author": {"login": (c.get("user") or {}).get("login")},
                }
            )
        return out

    def create_comment(self, repo: str, number: int, body: str) -> str:
        """Not idempotent: a lost answer raises ``AmbiguousWrite`` (the caller re-reads)."""
        reply = self.client.rest(
            "POST", f"/repos/{repo}/issues/{number}/comments", body={"body": body}, ok=(201,)
        )
        return str((reply.data or {}).get("id", ""))

    def edit_comment(self, repo: str, comment_id: str, body: str) -> bool:
        """Edit in place; False when the comment is gone (deleted by a person)."""
        reply = self.client.rest(
            "PATCH",
            f"/repos/{repo}/issues/comments/{comment_id}",
            body={"body": body},
            ok=(200,),
            missing_ok=True,
        )
        return reply.status != 404

    def delete_comment(self, repo: str, comment_id: str) -> None:
        self.client.rest(
            "DELETE", f"/repos/{repo}/issues/comments/{comment_id}", ok=(204,), missing_ok=True
        )

    # -- issues (the summary issue) -------------------------------------------------------
    def open_issue_with_label(self, repo: str, label: str) -> dict[str, Any] | None:
        """The oldest open issue (not pull request) carrying ``label``, if any."""
        params = {"labels": label, "state": "open", "sort": "created", "direction": "asc"}
        for issue in self.client.paginate(f"/repos/{repo}/issues", params):
            if isinstance(issue, dict) and "pull_request" not in issue:
                return issue
        return None

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> dict[str, Any]:
        reply = self.client.rest(
            "POST",
            f"/repos/{repo}/issues",
            body={"title": title, "body": body, "labels": labels},
            ok=(201,),
        )
        return reply.data if isinstance(reply.data, dict) else {}

    def edit_issue(self, repo: str, number: int, title: str, body: str) -> dict[str, Any]:
        reply = self.client.rest(
            "PATCH",
            f"/repos/{repo}/issues/{number}",
            body={"title": title, "body": body},
            ok=(200,),
        )
        return reply.data if isinstance(reply.data, dict) else {}

    # -- labels ---------------------------------------------------------------------------
    def label_exists(self, repo: str, name: str) -> bool:
        reply = self.client.rest(
            "GET", f"/repos/{repo}/labels/{quote(name, safe='')}", missing_ok=True, cache=True
        )
        return reply.status != 404

    def create_label(self, repo: str, name: str, color: str, description: str) -> None:
        self.client.rest(
            "POST",
            f"/repos/{repo}/labels",
            body={"name": name, "color": color, "description": description[:100]},
            ok=(201, 422),  # 422: created meanwhile by someone else (or by our lost reply)
            idempotent=True,
        )

    def add_label(self, repo: str, number: int, name: str) -> None:
        self.client.rest(
            "POST",
            f"/repos/{repo}/issues/{number}/labels",
            body={"labels": [name]},
            ok=(200,),
            idempotent=True,  # adding a label the issue has changes nothing
        )

    def remove_label(self, repo: str, number: int, name: str) -> None:
        self.client.rest(
            "DELETE",
            f"/repos/{repo}/issues/{number}/labels/{quote(name, safe='')}",
            ok=(200, 204),
            missing_ok=True,
        )

    # -- commit statuses ------------------------------------------------------------------
    def set_status(
        self, repo: str, sha: str, state: str, context: str, description: str, target_url: str
    ) -> None:
        self.client.rest(
            "POST",
            f"/repos/{repo}/statuses/{sha}",
            body={
                "state": state,
                "context": context,
                "description": description[:140],
                "target_url": target_url,
            },
            ok=(201,),
            idempotent=True,  # the newest status of a context is the one that counts
        )
