"""The `ticketbot doctor` check for the ticket log database: reachable and migrated."""

from __future__ import annotations

from bot.db import migrate
from bot.db.engine import create_engine, redacted
from bot.errors import ConfigError, DatabaseBehind, StorageError
from bot.health import Check
from bot.settings import Settings


async def check_database(settings: Settings) -> list[Check]:
    name, where = "database", redacted(settings.database.url)
    try:
        engine = create_engine(settings.database.url)
    except ConfigError as exc:
        return [Check(name, False, str(exc))]
    try:
        await migrate.ensure_current(engine)
        return [Check(name, True, f"{where} reachable, schema at {migrate.head_revision()}")]
    except DatabaseBehind as exc:
        return [Check(name, True, f"{exc} (the bot also migrates at start-up)", warning=True)]
    except StorageError as exc:
        return [Check(name, False, str(exc))]
    finally:
        await engine.dispose()
