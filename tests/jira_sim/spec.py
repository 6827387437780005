"""Validation of simulator traffic against the official Jira Cloud v3 OpenAPI file.

The simulator must not drift from real Jira, so every request it receives and every
response it sends is checked with ``openapi-core`` against the spec Atlassian publishes.
The quirks of that file (``trackers.md`` §8) are handled here and only here:

* four parameter defaults that are not in their enums are dropped on load;
* only ``/rest/api/3`` exists, so v2 (Data Center) traffic is checked against the v3
  operation (rich text is typed loosely there; the simulator enforces ADF vs wiki itself);
* comma lists in array query parameters are split before validation;
* Jira's ``+0000`` timestamps are accepted as ``date-time``;
* empty bodies are accepted where Jira sends none although the file declares JSON;
* the two deviations the ``jira`` package is known to send (numeric transition id, ``null``
  expand/properties in POST searches) are tolerated and recorded separately.
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

# openapi-core cannot check the spec's OAuth2 scheme; the simulator checks auth itself.
warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
SPEC_PATH = Path("/work/shared/reference/specs/jira-cloud-platform-v3.openapi.json")
_JIRA_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{4}|[+-]\d{2}:\d{2}|Z)$")


def _date_time(value: object) -> bool:
    return isinstance(value, str) and bool(_JIRA_TS.match(value))


def _drop_bad_defaults(node: Any) -> int:
    """Remove ``default`` values that are not members of their ``enum`` (4 in the file)."""
    dropped = 0
    if isinstance(node, dict):
        enum = node.get("enum")
        if enum is not None and "default" in node and node["default"] not in enum:
            del node["default"]
            dropped += 1
        schema = node.get("schema")
        if (
            isinstance(schema, dict)
            and "enum" in schema
            and "default" in schema
            and schema["default"] not in schema["enum"]
        ):
            del schema["default"]
            dropped += 1
        for value in node.values():
            dropped += _drop_bad_defaults(value)
    elif isinstance(node, list):
        for value in node:
            dropped += _drop_bad_defaults(value)
    return dropped


@cache
def load_spec() -> tuple[OpenAPI, dict[str, Any]]:
    """The parsed spec (loaded once per process; about half a second)."""
    data = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    _drop_bad_defaults(data)
    config = Config(extra_format_validators={"date-time": _date_time})
    return OpenAPI.from_dict(data, config=config), data


@dataclass
class _Request:
    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters


@dataclass
class _Response:
    status_code: int
    data: bytes | None
    content_type: str
    headers: Headers


def _array_params(data: dict[str, Any], path: str, method: str) -> set[str]:
    op = data["paths"].get(path, {}).get(method, {})
    out = set()
    for param in op.get("parameters", []):
        if param.get("in") == "query" and param.get("schema", {}).get("type") == "array":
            out.add(param["name"])
    return out


_TEMPLATES_LOCK = threading.Lock()
_PATH_TEMPLATES: list[tuple[re.Pattern[str], str]] = []


def _match_template(data: dict[str, Any], path: str) -> str | None:
    with _TEMPLATES_LOCK:  # requests validate in parallel: a half-built list matched nothing
        if not _PATH_TEMPLATES:
            built = []
            for template in data["paths"]:
                pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
                built.append((re.compile(pattern), template))
            # Literal paths first so /issue/bulkfetch does not match /issue/{issueIdOrKey}.
            built.sort(key=lambda pt: pt[1].count("{"))
            _PATH_TEMPLATES.extend(built)
    for pattern, template in _PATH_TEMPLATES:
        if pattern.match(path):
            return template
    return None


TOLERATED = (
    # jira 3.10 sends the transition id as a number; Jira accepts it.
    ("transition", "id"),
    # jira 3.10 sends "expand": null / "properties": null in POST searches.
    ("expand",),
    ("properties",),
)


@dataclass
class SpecValidator:
    """Collects spec violations; the test fixture asserts there are none at teardown."""

    enabled: bool = True
    sample_every: int = 1
    errors: list[str] = field(default_factory=list)
    tolerated: list[str] = field(default_factory=list)
    checked: int = 0
    _seen: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def should_check(self) -> bool:
        if not self.enabled:
            return False
        with self._lock:
            self._seen += 1
            return (self._seen - 1) % max(1, self.sample_every) == 0

    def check(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        status: int,
        response_body: bytes,
        response_headers: Mapping[str, str],
    ) -> None:
        """Validate one exchange; record (never raise) what does not match the spec."""
        openapi, data = load_spec()
        v3_path = re.sub(r"^/rest/api/(2|latest)/", "/rest/api/3/", path)
        template = _match_template(data, v3_path)
        where = f"{method.upper()} {path}"
        if template is None or method.lower() not in data["paths"][template]:
            self._add(f"{where}: no such operation in the Jira Cloud spec")
            return
        arrays = _array_params(data, template, method.lower())
        pairs: list[tuple[str, str]] = []
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name in arrays and "," in value:
                pairs.extend((name, part) for part in value.split(",") if part)
            else:
                pairs.append((name, value))
        content_type = headers.get("content-type", "application/json") if body else ""
        req_body = self._tolerate(body, where) if body else None
        request = _Request(
            host_url="https://your-domain.atlassian.net",
            path=v3_path,
            method=method.lower(),
            body=req_body,
            content_type=content_type.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(pairs),
                header=Headers(dict(headers)),
            ),
        )
        with self._lock:
            self.checked += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            request_errors = list(openapi.iter_request_errors(request))
        for error in request_errors:
            self._add(f"{where} request: {_describe(error)}")
        if status >= 400 or status == 204 or not response_body:
            # Error bodies are typed loosely in the file; empty bodies are Jira's real
            # answer where the file declares a (empty) JSON schema.
            return
        response = _Response(
            status_code=status,
            data=response_body,
            content_type=response_headers.get("content-type", "application/json"),
            headers=Headers(dict(response_headers)),
        )
        for error in openapi.iter_response_errors(request, response):
            self._add(f"{where} response {status}: {_describe(error)}")

    def _tolerate(self, body: bytes, where: str) -> bytes:
        try:
            payload = json.loads(body)
        except ValueError:
            return body
        if not isinstance(payload, dict):
            return body
        changed = False
        transition = payload.get("transition")
        if isinstance(transition, dict) and isinstance(transition.get("id"), int):
            transition["id"] = str(transition["id"])
            changed = True
            self.tolerated.append(f"{where}: numeric transition id")
        for key in ("expand", "properties"):
            if key in payload and payload[key] is None:
                del payload[key]
                changed = True
                self.tolerated.append(f"{where}: null {key}")
        return json.dumps(payload).encode() if changed else body

    def _add(self, message: str) -> None:
        with self._lock:
            self.errors.append(message)


def _describe(error: Exception) -> str:
    parts = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    while cause is not None:
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            parts.extend(str(e.message)[:300] for e in list(schema_errors)[:3])
            break
        parts.append(str(cause)[:300])
        cause = cause.__cause__
    return " | ".join(parts)
