"""Webhook signature and token checks, all constant-time (``hmac.compare_digest``).

Adapters call these from ``verify_webhook``; the service never inspects a signature itself.

=========  ===========================  ==============================================
Tracker    Header                       Scheme
=========  ===========================  ==============================================
GitHub     ``X-Hub-Signature-256``      ``sha256=`` + hex HMAC-SHA256(secret, raw body)
Jira       ``X-Hub-Signature``          ``sha256=`` + hex HMAC-SHA256(secret, raw body)
GitLab     ``X-Gitlab-Token``           the secret token itself, verbatim
Linear     ``Linear-Signature``         hex HMAC-SHA256(secret, raw body), and the
                                        signed ``webhookTimestamp`` in the body (epoch
                                        ms; the unsigned ``Linear-Timestamp`` header only
                                        when the body has none) within 60 s of now
=========  ===========================  ==============================================
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr

LINEAR_WINDOW_SECONDS = 60.0


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header look-up (works for plain dicts and Starlette headers)."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if key.lower() == wanted:
            return candidate
    return None


def delivery_id(headers: Mapping[str, str], body: bytes, *names: str) -> str:
    """The first non-blank of the ``names`` headers, else ``sha256:`` + a hash of the body.

    Trackers resend a failed delivery with the same id, which is how the queue recognises a
    duplicate; when a tracker (or an older version of one) sends no id, the body hash keeps
    identical resends recognisable.
    """
    for name in names:
        value = header(headers, name)
        if value and value.strip():
            return value.strip()
    return "sha256:" + hashlib.sha256(body).hexdigest()


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _same(expected: str, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.strip().encode("utf-8", "replace"))


def sign_sha256_prefixed(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: the GitHub ``X-Hub-Signature-256`` / Jira ``X-Hub-Signature`` value."""
    return "sha256=" + hmac_sha256_hex(secret, body)


def verify_github(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`` over the raw body."""
    return _same(sign_sha256_prefixed(secret, body), header(headers, "X-Hub-Signature-256"))


def verify_jira(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Jira admin webhooks: ``X-Hub-Signature: sha256=<hex HMAC-SHA256>`` over the raw body."""
    return _same(sign_sha256_prefixed(secret, body), header(headers, "X-Hub-Signature"))


def verify_gitlab(secret: str, headers: Mapping[str, str], body: bytes = b"") -> bool:
    """GitLab: ``X-Gitlab-Token`` carries the configured secret token verbatim."""
    given = header(headers, "X-Gitlab-Token")
    if not given or not secret:
        return False
    return hmac.compare_digest(secret.encode("utf-8"), given.encode("utf-8", "replace"))


def sign_linear(secret: str, body: bytes) -> str:
    return hmac_sha256_hex(secret, body)


def verify_linear(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    window: float = LINEAR_WINDOW_SECONDS,
) -> bool:
    """Linear: hex HMAC in ``Linear-Signature`` plus a timestamp within ``window`` of now.

    The timestamp is the body's ``webhookTimestamp`` (epoch milliseconds), which the
    signature covers; the ``Linear-Timestamp`` header, which it does not, stands in only when
    the body has none — otherwise an old captured delivery with a fresh header would pass.
    Being unsigned, a header that is present can only make the check stricter (a stale one
    refuses the delivery too). A delivery without any usable timestamp is refused.
    """
    if not _same(sign_linear(secret, body), header(headers, "Linear-Signature")):
        return False
    if not _is_json_object(body):
        # Signed by Linear's secret but no JSON object: not an auth failure (401) but a
        # malformed body, which the service answers 400; nothing is ever queued from it.
        return True
    stamp = _linear_timestamp(headers, body)
    if stamp is None:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp / 1000.0) > window:
        return False
    raw = header(headers, "Linear-Timestamp")
    if raw is None:
        return True
    sent = _number(raw)
    return sent is not None and abs(current - sent / 1000.0) <= window


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False


def _linear_timestamp(headers: Mapping[str, str], body: bytes) -> float | None:
    raw: Any = None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        document = None
    if isinstance(document, dict) and "webhookTimestamp" in document:
        raw = document["webhookTimestamp"]  # signed: wins (an invalid value is refused)
    else:
        raw = header(headers, "Linear-Timestamp")
    return _number(raw)


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


# -- configuration look-ups (secrets are read, never logged) ---------------------------------
def _section_value(section: Any, key: str) -> Any:
    if isinstance(section, Mapping):
        return section.get(key)
    return getattr(section, key, None)


def webhook_secret(section: Any, tracker: str, environ: Mapping[str, str] | None = None) -> str:
    """The tracker's webhook secret: its section's ``webhook_secret``, else the environment
    (``TRACKERGUARD_NAME__WEBHOOK_SECRET`` or ``..._FILE``) for third-party trackers."""
    value = _section_value(section, "webhook_secret")
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str) and value:
        return value
    env = os.environ if environ is None else environ
    name = f"TRACKERGUARD_{tracker.upper()}__WEBHOOK_SECRET"
    if env.get(name):
        return env[name]
    file_name = env.get(name + "_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return ""
    return ""


def insecure_no_signature(section: Any) -> bool:
    return _section_value(section, "insecure_no_signature") is True
