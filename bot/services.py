"""Builds and closes the long-lived services: ticket log, classifier chain, Jira tracker."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.classify.chain import ClassifierChain
from bot.classify.registry import build_chain
from bot.db import migrate
from bot.db.engine import create_engine, session_factory
from bot.db.repository import TicketLog
from bot.doctor import CheckFunction
from bot.settings import Settings
from bot.tracker.client import Tracker

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    tickets: TicketLog
    classifier: ClassifierChain
    tracker: Tracker

    async def aclose(self) -> None:
        await self.classifier.aclose()
        await self.tracker.aclose()
        await self.engine.dispose()


async def build_services(settings: Settings) -> Services:
    """Open the database (migrating it to head) and build every service the bot uses."""
    engine = create_engine(settings.database.url)
    try:
        await migrate.upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return Services(
        settings=settings,
        engine=engine,
        tickets=TicketLog(session_factory(engine)),
        classifier=build_chain(settings.classifier),
        tracker=Tracker(settings.jira),
    )


def extra_doctor_checks() -> list[CheckFunction]:
    """Checks contributed by the Slack, Jira and classifier parts."""
    from bot.classify.health import check_backends
    from bot.slack.health import check_slack
    from bot.tracker.health import check_tracker

    return [check_slack, check_tracker, check_backends]
