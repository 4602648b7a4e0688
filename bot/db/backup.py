"""A consistent copy of a SQLite ticket log while the bot may be running.

``sqlite3``'s online backup API copies the database page by page and starts over if another
connection writes meanwhile, so the copy is always one committed state; the bot need not
stop. The copy is created ``0600`` (it holds every ticket's text) and left in rollback-journal
mode, one self-contained file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from bot.errors import StorageError

BUSY_TIMEOUT_S = 30.0


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy the database ``source`` to the new file ``target``; returns its size in bytes."""
    if not source.is_file():
        raise StorageError(f"no SQLite database at {source}")
    try:
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise StorageError(f"{target} exists; choose a new file name") from None
    except OSError as exc:
        raise StorageError(f"cannot create {target} ({exc.strerror})") from None
    os.fchmod(fd, 0o600)
    os.close(fd)
    try:
        with (
            contextlib.closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)) as src,
            contextlib.closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise StorageError(f"backup of {source} failed ({exc})") from None
    return target.stat().st_size
