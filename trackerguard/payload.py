"""Typed views of webhook payloads: every field a parser reads is type-checked first.

A tracker's payload is untrusted input. Reading it with ``dict.get`` and ``isinstance`` at
every step is easy to get wrong (``issue.number: true`` once became the key
``acme/web#True``), so each adapter declares, as small pydantic models, *only the fields
it reads* with strict types (``StrictInt`` refuses ``true`` and ``"12"``; ``StrictStr``
refuses ``12``), and :func:`read_payload` turns a mismatch into a
:class:`~trackerguard.adapter.WebhookError` that names the field — the service answers
``400`` with that message. Unknown fields are ignored: trackers add fields all the time.

:class:`PayloadModel` is the base of those models; :func:`read_payload` the one entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from trackerguard.adapter import WebhookError

__all__ = ["ItemNumber", "PayloadModel", "decoded", "json_object", "read_payload"]

M = TypeVar("M", bound=BaseModel)


ItemNumber = Annotated[int, Field(gt=0)]
"""An issue number or iid: trackers count from 1, so ``0`` or ``-1`` is a malformed payload
(a 400 naming the field), never a key such as ``acme/web#-1``."""


class PayloadModel(BaseModel):
    """Base of payload views: strict types, unknown fields ignored, frozen."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True, populate_by_name=True)


_DECODED: ContextVar[tuple[bytes, dict[str, Any]] | None] = ContextVar(
    "trackerguard_decoded_body", default=None
)


@contextmanager
def decoded(body: bytes, document: dict[str, Any]) -> Iterator[None]:
    """While parsing one delivery, :func:`json_object` of that very ``body`` object is
    ``document``: the service has already decoded it (to answer 400 for a body that is not a
    JSON object before any parser runs), and the built-in parsers decoded it a second time on
    the ack path. Per task (a context variable), and only for the identical bytes object."""
    token = _DECODED.set((body, document))
    try:
        yield
    finally:
        _DECODED.reset(token)


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or :class:`WebhookError` (the service answers 400)."""
    known = _DECODED.get()
    if known is not None and known[0] is body:
        return known[1]
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WebhookError("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookError("the body is not a JSON object")
    return payload


def _where(location: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "payload"


def read_payload(model: type[M], payload: Any) -> M:
    """``payload`` as ``model``, or :class:`WebhookError` naming the first bad field."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        # Aliased fields report the alias (the name in the payload), as the sender sees it.
        where = _where(tuple(p for p in first["loc"] if p not in ("function-after",)))
        count = exc.error_count()
        more = f" (and {count - 1} more)" if count > 1 else ""
        raise WebhookError(f"malformed payload: {where}: {first['msg']}{more}") from None
