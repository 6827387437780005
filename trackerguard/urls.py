"""URLs as trackerguard may use and show them: same-origin checks and redaction.

Two rules of the security design meet here. Tokens go only to the configured base URL, so a
link the tracker sends back (``Link: rel="next"``) is followed only when it has the
configured origin (scheme, host and port). And a URL is never shown with credentials in
it: a base URL like ``https://bot:TOKEN@host`` would otherwise reach the log through the
HTTP library's request lines, so :class:`RedactUrlFilter` rewrites them on the way out.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SECRET_PARAMS = re.compile(
    r"(?i)([?&](?:key|token|access_token|private_token|api_key|apikey|password)=)[^&#\s]*"
)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def same_origin(url: str, base: str) -> bool:
    """Whether ``url`` is absolute and has ``base``'s origin (and carries no userinfo)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc or "@" in parts.netloc:
        return False
    return origin(url) == origin(base)


def redacted(url: str) -> str:
    """``url`` without userinfo and with secret-looking query values blanked."""
    parts = urlsplit(url)
    if parts.hostname is not None and "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        url = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return _SECRET_PARAMS.sub(r"\1***", url)


def has_credentials(url: str) -> bool:
    """Whether ``url`` carries a secret: a password (``user:password@``), any userinfo on
    an HTTP URL (``https://TOKEN@host`` is how tokens ride in URLs), or a token-like query
    parameter. A database URL's bare user name (``postgresql://trackerguard@db``) is not one."""
    if _SECRET_PARAMS.search(url):
        return True
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    if "@" not in parts.netloc:
        return False
    userinfo = parts.netloc.rsplit("@", 1)[0]
    return ":" in userinfo or parts.scheme.lower() in _DEFAULT_PORTS


def redact_text(text: str) -> str:
    """Every URL in free text, redacted (for log messages)."""
    return _SECRET_PARAMS.sub(r"\1***", _USERINFO.sub(r"\1", text))


class RedactUrlFilter(logging.Filter):
    """Rewrites a record's message and arguments so no URL in it carries credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_text(str(arg)) if _looks_like_url(arg) else arg for arg in record.args
            )
        return True


def _looks_like_url(value: object) -> bool:
    text = str(value) if not isinstance(value, int | float) else ""
    return "://" in text


_LOGGERS = ("httpx", "httpcore", "urllib3", "jira", "requests")


def install_url_redaction() -> None:
    """Attach :class:`RedactUrlFilter` to the loggers of the HTTP libraries trackerguard uses
    and to the root logger's handlers (so child loggers such as ``urllib3.connectionpool``
    are covered too); idempotent. Request lines at INFO never show a URL's userinfo."""
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in _LOGGERS]
    targets.extend(logging.getLogger().handlers)
    for target in targets:
        if not any(isinstance(f, RedactUrlFilter) for f in target.filters):
            target.addFilter(RedactUrlFilter())
