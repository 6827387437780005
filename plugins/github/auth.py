"""Credentials: a static token, or a GitHub App's short-lived installation token.

A GitHub App is the recommended identity for an organisation-wide bot: its installation
token is scoped to the repositories it is installed on, expires after an hour, and its
writes appear as ``<app-slug>[bot]`` rather than as a person. The App signs a 10-minute JWT
(RS256, ``iss`` = App id) with its private key, exchanges it for an installation token, and
we refresh that token a few minutes before it expires. ``pyjwt[crypto]`` is imported only
when App auth is configured, so PAT users need nothing extra.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from trackerguard.errors import AuthError, ConfigError

if TYPE_CHECKING:
    from .client import GitHubClient
    from .settings import GitHubSettings

_REFRESH_MARGIN = 300.0


def app_jwt(app_id: int, private_key: str, now: float | None = None) -> str:
    """The App's JWT: issued 60 s in the past (clock drift), valid for 9 minutes."""
    try:
        import jwt
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "github.app_id: GitHub App authentication needs 'pyjwt[crypto]' "
            "(pip install 'pyjwt[crypto]')"
        ) from None
    issued = int(now if now is not None else time.time()) - 60
    try:
        token = jwt.encode(
            {"iat": issued, "exp": issued + 600 - 60, "iss": str(app_id)},
            private_key,
            algorithm="RS256",
        )
    except Exception:
        raise ConfigError(
            "github.app_private_key: not a valid PEM RSA private key for RS256"
        ) from None
    return str(token)


class AppTokens:
    """Mints and refreshes installation tokens; used as the client's token provider."""

    def __init__(self, settings: GitHubSettings, wall: Callable[[], float] = time.time) -> None:
        if settings.app_id is None or settings.app_private_key is None:
            raise ConfigError("github.app_id and github.app_private_key must be set together")
        self.app_id = settings.app_id
        self._key = settings.app_private_key
        self.installation_id = settings.installation_id
        self.repos = list(settings.repos)
        self._wall = wall
        self._token: str | None = None
        self._expires = 0.0
        self.client: GitHubClient | None = None

    def jwt(self) -> str:
        return app_jwt(self.app_id, self._key.get_secret_value(), self._wall())

    def __call__(self) -> str | None:
        if self._token is None or self._wall() > self._expires - _REFRESH_MARGIN:
            self._refresh()
        return self._token

    def slug(self) -> str | None:
        """The App's slug (its bot login is ``<slug>[bot]``)."""
        assert self.client is not None
        reply = self.client.rest("GET", "/app", token=self.jwt())
        data = reply.data if isinstance(reply.data, dict) else {}
        slug = data.get("slug")
        return str(slug) if slug else None

    def _refresh(self) -> None:
        client = self.client
        assert client is not None, "AppTokens.client must be set before use"
        app_token = self.jwt()
        if self.installation_id is None:
            if not self.repos:
                raise ConfigError("github.installation_id: set it, or list github.repos")
            reply = client.rest("GET", f"/repos/{self.repos[0]}/installation", token=app_token)
            self.installation_id = int(reply.data["id"])
        reply = client.rest(
            "POST",
            f"/app/installations/{self.installation_id}/access_tokens",
            token=app_token,
            ok=(201,),
            write=False,
        )
        data = reply.data if isinstance(reply.data, dict) else {}
        token = data.get("token")
        if not token:
            raise AuthError("GitHub App: no installation token in the answer")
        self._token = str(token)
        expires = data.get("expires_at")
        try:
            self._expires = datetime.fromisoformat(str(expires).replace("Z", "+00:00")).timestamp()
        except ValueError:
            self._expires = self._wall() + 3600


class StaticToken:
    """A PAT or ``GITHUB_TOKEN``; ``None`` for anonymous reads (public repos, 60 req/h)."""

    def __init__(self, settings: GitHubSettings) -> None:
        self._token = settings.token

    def __call__(self) -> str | None:
        return self._token.get_secret_value() if self._token is not None else None
