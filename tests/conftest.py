"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import migrate
from bot.db.engine import create_engine, session_factory
from bot.db.examples import ExampleStore
from bot.db.leases import Leases
from bot.db.models import Base
from bot.db.outbox import Outbox
from bot.db.tickets import TicketLog
from bot.settings import ENV_NAMES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_NAMES_TO_CLEAR = (*ENV_NAMES, "TICKETBOT_CONFIG")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's own settings or .env."""
    for name in ENV_NAMES_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TICKETBOT_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url is None and os.environ.get("CI"):
        pytest.fail("TEST_DATABASE_URL must be set in CI (.ci/run starts PostgreSQL)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (set by .ci/run)")
    return url


async def reset_schema(engine: AsyncEngine) -> None:
    """Drop everything the migrations create, so each PostgreSQL test starts empty."""
    tables = [*(t.name for t in Base.metadata.sorted_tables), "alembic_version"]
    async with engine.begin() as connection:
        for table in tables:
            await connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))


@pytest.fixture
async def empty_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        await reset_schema(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(empty_engine: AsyncEngine) -> AsyncEngine:
    await migrate.upgrade(empty_engine)
    return empty_engine


@pytest.fixture
def ticket_log(engine: AsyncEngine) -> TicketLog:
    return TicketLog(session_factory(engine))


@pytest.fixture
def leases(engine: AsyncEngine) -> Leases:
    return Leases(session_factory(engine))


@pytest.fixture
def examples(engine: AsyncEngine) -> ExampleStore:
    return ExampleStore(session_factory(engine))


@pytest.fixture
def outbox(engine: AsyncEngine) -> Outbox:
    return Outbox(session_factory(engine))

