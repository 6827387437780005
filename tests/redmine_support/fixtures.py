"""The real-Redmine fixtures every Redmine test module shares (import them into the module).

``server`` is the running test server (``require()``: a failure under CI, a skip elsewhere);
``rest`` a REST client on it for seeding and reading back, closed after the module. The
functions carry other names than the fixtures so that importing them does not shadow the
test functions' ``server`` / ``rest`` parameters.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from redmine_support.rest import RedmineRest
from redmine_support.server import RedmineServer, require


@pytest.fixture(scope="module", name="server")
def redmine_server() -> RedmineServer:
    return require()


@pytest.fixture(scope="module", name="rest")
def redmine_rest(server: RedmineServer) -> Iterator[RedmineRest]:
    client = RedmineRest(server.url, server.api_key)
    yield client
    client.close()
