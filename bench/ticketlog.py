"""Read back what an app recorded in its ticket log, and give PostgreSQL runs a fresh database."""

from __future__ import annotations

import os
from dataclasses import dataclass

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.db.engine import create_engine
from bot.db.models import Ticket

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres:ticketbot@127.0.0.1:5432/ticketbot_bench"


@dataclass(frozen=True)
class LoggedTicket:
    text: str
    state: str
    jira_key: str | None
    classified_by: str | None


async def read_log(database_url: str) -> list[LoggedTicket]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Ticket.text, Ticket.state, Ticket.jira_key, Ticket.classified_by))
            return [LoggedTicket(text, str(state), key, by) for text, state, key, by in rows]
    finally:
        await engine.dispose()


def postgres_url() -> str:
    """BENCH_DATABASE_URL, else the local server's `ticketbot_bench` database."""
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)


async def fresh_postgres(url: str) -> str | None:
    """Drop and recreate the database in ``url``; None when done, else why it could not be."""
    parsed = make_url(url)
    name = parsed.database
    try:
        admin = await asyncpg.connect(
            host=parsed.host or "127.0.0.1", port=parsed.port or 5432, user=parsed.username,
            password=parsed.password, database="postgres", timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"no server ({type(exc).__name__}: {exc})"
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    except asyncpg.PostgresError as exc:
        return f"cannot recreate {name}: {exc}"
    finally:
        await admin.close()
    return None
