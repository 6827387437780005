"""Property-based fuzzing: no header set or body ever yields a 5xx or a crash."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_support import helpers as h

from trackerguard.service.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

_HEADER_NAMES = st.sampled_from(
    [
        "Content-Type", "Content-Length", "X-Hub-Signature-256", "X-GitHub-Delivery",
        "X-GitHub-Event", "X-Hub-Signature", "X-Gitlab-Token", "Linear-Signature",
        "Linear-Timestamp", "X-Atlassian-Webhook-Identifier", "X-Custom",
    ]
)  # fmt: skip
_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | _TEXT,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["event", "key", "actor", "body", "x"]), children, max_size=5
        )
    ),
    max_leaves=12,
)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[str, bytes, dict[str, str]]:
    import json

    kind = draw(st.sampled_from(["signed", "raw", "garbage"]))
    if kind == "garbage":
        body = draw(st.binary(max_size=300))
    else:
        body = json.dumps(draw(_JSONISH)).encode()
    if kind == "signed":
        _, headers = h.signed(body, draw(_TEXT))
    else:
        headers = {}
    headers |= draw(st.dictionaries(_HEADER_NAMES, _TEXT, max_size=4))
    # let the client compute a correct Content-Length most of the time
    if "Content-Length" in headers and draw(st.booleans()):
        del headers["Content-Length"]
    if draw(st.booleans()):
        headers["Content-Type"] = "application/json"
    path = draw(st.sampled_from(["/webhooks/webfile", "/webhooks/other", "/webhooks/webfile"]))
    return path, body, headers


@pytest.fixture(scope="module")
def app_and_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("fuzz")
    mp = pytest.MonkeyPatch()
    mp.setenv(h.SECRET_ENV, h.SECRET)
    settings_, registry = h.load(h.write_setup(tmp))
    yield create_app(settings_, registry, background=False)
    mp.undo()


def _safe_headers(headers: dict[str, str]) -> dict[str, str]:
    # What an HTTP client can put on the wire at all: h11 refuses a Content-Length that
    # disagrees with the body and header values with leading/trailing whitespace.
    out = {k: v.strip() for k, v in headers.items() if v.strip()}
    out.pop("Content-Length", None)
    return out


@pytest.fixture(scope="module")
def client(app_and_tmp: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    with TestClient(app_and_tmp, raise_server_exceptions=True) as test_client:
        yield test_client


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(delivery=deliveries())
def test_fuzz_never_5xx_testclient(client: Any, delivery: Any) -> None:
    path, body, headers = delivery
    try:
        response = client.post(path, content=body, headers=headers)
    except (httpx.LocalProtocolError, ValueError):
        response = client.post(path, content=body, headers=_safe_headers(headers))
    assert response.status_code < 500, (response.status_code, response.text)


def test_app_restarts_after_a_stop(app_and_tmp: Any, client: Any) -> None:
    from starlette.testclient import TestClient

    with TestClient(app_and_tmp) as again:
        assert again.get("/healthz").status_code == 200


@pytest.fixture(scope="module")
def real_server(app_and_tmp: Any) -> Iterator[Any]:
    with h.ThreadServer(app_and_tmp) as server:
        yield server


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(delivery=deliveries())
def test_fuzz_never_5xx_real_http(real_server: Any, delivery: Any) -> None:
    path, body, headers = delivery
    response = httpx.post(
        real_server.url + path, content=body, headers=_safe_headers(headers), timeout=10
    )
    assert response.status_code < 500, (response.status_code, response.text)
