"""A fresh database per test on the real PostgreSQL of ``scripts/postgres-test-server``.

The server's address comes from ``TG_TEST_PG_URL`` / ``…_PASSWORD`` (``./dev test``
starts the server and exports them). Without a server the Postgres tests are skipped on a
developer's machine and FAIL under CI, so a CI run can never pass them silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV_FILE = Path(os.environ.get("PG_CI_DIR", "/tmp/pg-ci")) / "env"


def server() -> tuple[str, str]:
    url = os.environ.get("TG_TEST_PG_URL")
    password = os.environ.get("TG_TEST_PG_PASSWORD")
    if not url and ENV_FILE.exists():
        values = dict(
            line.split("=", 1) for line in ENV_FILE.read_text().splitlines() if "=" in line
        )
        url, password = (
            values.get("TG_TEST_PG_URL"),
            values.get("TG_TEST_PG_PASSWORD"),
        )
    if not url or not password:
        message = "no PostgreSQL test server (scripts/postgres-test-server start)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url, password


@pytest.fixture
def pg_database() -> Iterator[tuple[str, str]]:
    """(url, password) of a new, empty database, dropped after the test."""
    import psycopg

    url, password = server()
    name = f"tg_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, password=password, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}")), password
    finally:
        with psycopg.connect(url, password=password, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_TABLES = (
    "procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
    "procrastinate_workers, tg_deliveries, tg_echoes, tg_dead, tg_meta"
)


@pytest.fixture(scope="session")
def _pg_migrated_session() -> Iterator[tuple[str, str]]:
    """One migrated database per test process (creating and migrating one costs seconds)."""
    import psycopg

    from trackerguard.service.pg_queue import PostgresQueue

    url, password = server()
    name = f"tg_m_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, password=password, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    db_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    store = PostgresQueue(db_url, password=password, check_schema=False)
    store.migrate()
    store.close()
    try:
        yield db_url, password
    finally:
        with psycopg.connect(url, password=password, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_migrated(_pg_migrated_session: tuple[str, str]) -> tuple[str, str]:
    """(url, password) of a migrated queue database, emptied for this test."""
    import psycopg

    url, password = _pg_migrated_session
    with psycopg.connect(url, password=password, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE")
    return url, password
