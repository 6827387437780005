"""A tiny REST client for building fixtures in Redmine (projects, versions, issues, notes).

Test-only and deliberately separate from the adapter's client: fixtures must not depend on the
code under test.
"""

from __future__ import annotations

from typing import Any

import httpx


class RedmineRest:
    def __init__(self, url: str, api_key: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"X-Redmine-API-Key": api_key}, timeout=30)
        self._trackers: dict[str, int] | None = None
        self._statuses: dict[str, int] | None = None

    def close(self) -> None:
        self.http.close()

    def _check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            raise AssertionError(
                f"{response.request.method} {response.request.url.path}: "
                f"{response.status_code} {response.text[:300]}"
            )
        return response

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._check(self.http.get(path, params=params)).json()  # type: ignore[no-any-return]

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self._check(self.http.post(path, json=payload)).json()  # type: ignore[no-any-return]

    def put(self, path: str, payload: dict[str, Any]) -> None:
        self._check(self.http.put(path, json=payload))

    def delete(self, path: str) -> None:
        response = self.http.delete(path)
        if response.status_code not in (204, 404):
            self._check(response)

    # -- look-ups ------------------------------------------------------------------------------
    @property
    def trackers(self) -> dict[str, int]:
        if self._trackers is None:
            rows = self.get("/trackers.json")["trackers"]
            self._trackers = {r["name"]: r["id"] for r in rows}
        return self._trackers

    @property
    def statuses(self) -> dict[str, int]:
        if self._statuses is None:
            rows = self.get("/issue_statuses.json")["issue_statuses"]
            self._statuses = {r["name"]: r["id"] for r in rows}
        return self._statuses

    def custom_field_id(self, name: str) -> int:
        rows = self.get("/custom_fields.json")["custom_fields"]
        return next(r["id"] for r in rows if r["name"] == name)

    def current_user_id(self) -> int:
        return int(self.get("/users/current.json")["user"]["id"])

    # -- fixtures ------------------------------------------------------------------------------
    def recreate_project(self, identifier: str, name: str) -> int:
        self.delete(f"/projects/{identifier}.json")
        body = self.post(
            "/projects.json",
            {
                "project": {
                    "name": name,
                    "identifier": identifier,
                    "is_public": False,
                    "tracker_ids": list(self.trackers.values()),
                }
            },
        )
        return int(body["project"]["id"])

    def version(self, project: str, name: str, due: str | None = None) -> int:
        payload: dict[str, Any] = {"name": name}
        if due:
            payload["due_date"] = due
        body = self.post(f"/projects/{project}/versions.json", {"version": payload})
        return int(body["version"]["id"])

    def issue(self, project_id: int, tracker: str, subject: str, **fields: Any) -> int:
        payload: dict[str, Any] = {
            "project_id": project_id,
            "tracker_id": self.trackers[tracker],
            "subject": subject,
        }
        if "status" in fields:
            payload["status_id"] = self.statuses[fields.pop("status")]
        payload.update(fields)
        return int(self.post("/issues.json", {"issue": payload})["issue"]["id"])

    def update(self, issue_id: int, **fields: Any) -> None:
        if "status" in fields:
            fields["status_id"] = self.statuses[fields.pop("status")]
        self.put(f"/issues/{issue_id}.json", {"issue": fields})

    def relate(self, issue_id: int, to_id: int, relation_type: str) -> None:
        self.post(
            f"/issues/{issue_id}/relations.json",
            {"relation": {"issue_to_id": to_id, "relation_type": relation_type}},
        )

    def read(self, issue_id: int) -> dict[str, Any]:
        return self.get(f"/issues/{issue_id}.json", include="journals,relations")["issue"]  # type: ignore[no-any-return]

    def journals(self, issue_id: int) -> list[dict[str, Any]]:
        return list(self.read(issue_id).get("journals") or [])

    def notes_by(self, issue_id: int, user_id: int) -> list[dict[str, Any]]:
        return [
            j
            for j in self.journals(issue_id)
            if j["user"]["id"] == user_id and (j.get("notes") or "").strip()
        ]

    # -- people ------------------------------------------------------------------------------
    def person(self, login: str) -> int:
        """A non-admin user (created once), for notes a person writes."""
        found = self.get("/users.json", name=login).get("users") or []
        for row in found:
            if row.get("login") == login:
                return int(row["id"])
        body = self.post(
            "/users.json",
            {
                "user": {
                    "login": login,
                    "firstname": login.capitalize(),
                    "lastname": "Person",
                    "mail": f"{login}@example.org",
                    "password": "not-a-secret-1234",
                }
            },
        )
        return int(body["user"]["id"])

    def add_member(self, project: str, user_id: int, role: str = "Developer") -> None:
        roles = {r["name"]: r["id"] for r in self.get("/roles.json")["roles"]}
        self.post(
            f"/projects/{project}/memberships.json",
            {"membership": {"user_id": user_id, "role_ids": [roles[role]]}},
        )

    def note_as(self, issue_id: int, notes: str, login: str | None = None) -> None:
        """Add a note, as the API user or (admin keys only) as ``login``."""
        headers = {"X-Redmine-Switch-User": login} if login else {}
        self._check(
            self.http.put(
                f"/issues/{issue_id}.json", json={"issue": {"notes": notes}}, headers=headers
            )
        )
