"""Builds and closes the long-lived services: the ticket log (later the classifier and Jira)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import migrate
from bot.db.engine import create_engine, session_factory
from bot.db.repository import TicketLog
from bot.doctor import CheckFunction
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    tickets: TicketLog

    async def aclose(self) -> None:
        await self.engine.dispose()


async def build_services(settings: Settings) -> Services:
    """Open the database (migrating it to head) and build every service the bot uses."""
    engine = create_engine(settings.database.url)
    try:
        await migrate.upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return Services(settings=settings, engine=engine, tickets=TicketLog(session_factory(engine)))


def extra_doctor_checks() -> list[CheckFunction]:
    """Checks contributed by the Slack, Jira and classifier parts."""
    return []
