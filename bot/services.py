"""Builds and closes the long-lived services: ticket log, classifier, Jira tracker.

The classifier is the chain behind the memory of confirmed tickets (``bot.learn``), rebuilt
from the database in the background once the bot runs (``MemoryClassifier.start``); the ticket
log carries the example store that approvals and corrections write to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.classify.registry import build_chain
from bot.db import migrate
from bot.db.engine import create_engine, session_factory
from bot.doctor import CheckFunction
from bot.learn.classifier import MemoryClassifier
from bot.learn.ticketlog import LearningTicketLog
from bot.settings import Settings
from bot.tracker.client import Tracker

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    settings: Settings
    engine: AsyncEngine
    tickets: LearningTicketLog
    classifier: MemoryClassifier
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
    tickets = LearningTicketLog(session_factory(engine))
    classifier = MemoryClassifier(build_chain(settings.classifier), tickets.examples)
    return Services(
        settings=settings,
        engine=engine,
        tickets=tickets,
        classifier=classifier,
        tracker=Tracker(settings.jira),
    )


def extra_doctor_checks() -> list[CheckFunction]:
    """Checks contributed by the Slack, Jira and classifier parts."""
    from bot.classify.health import check_backends
    from bot.slack.health import check_slack
    from bot.tracker.health import check_tracker

    return [check_slack, check_tracker, check_backends]
