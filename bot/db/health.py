"""The `ticketbot doctor` checks for the ticket log database: reachable and migrated, and (for
SQLite) files that only their owner can read."""

from __future__ import annotations

from bot.db import migrate
from bot.db.engine import create_engine, normalise_url, redacted, sqlite_path
from bot.errors import ConfigError, DatabaseBehind, StorageError
from bot.health import Check, privacy_check
from bot.settings import Settings


async def check_database(settings: Settings) -> list[Check]:
    files = _files_check(settings.database.url)
    return [await _reachable(settings), *([files] if files else [])]


def _files_check(url: str) -> Check | None:
    """SQLite keeps every ticket's text in these files: only the bot's user should read them."""
    try:
        path = sqlite_path(normalise_url(url))
    except ConfigError:
        return None
    if path is None:
        return None
    paths = [path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))]
    return privacy_check("SQLite file modes", paths)


async def _reachable(settings: Settings) -> Check:
    name, where = "database", redacted(settings.database.url)
    try:
        engine = create_engine(settings.database.url)
    except ConfigError as exc:
        return Check(name, False, str(exc))
    try:
        await migrate.ensure_current(engine)
        return Check(name, True, f"{where} reachable, schema at {migrate.head_revision()}")
    except DatabaseBehind as exc:
        return Check(name, True, f"{exc} (the bot also migrates at start-up)", warning=True)
    except StorageError as exc:
        return Check(name, False, str(exc))
    finally:
        await engine.dispose()
