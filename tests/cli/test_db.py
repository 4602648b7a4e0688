"""`ticketbot db upgrade`, `ticketbot db current` and `ticketbot db backup`."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import stat
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.db import migrate
from bot.db.engine import create_engine, session_factory
from bot.db.tickets import TicketLog
from bot.tickets import NewRequest, TicketSource


def test_db_upgrade_then_current(runner: CliRunner, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    head = migrate.head_revision()
    assert f"is at revision {head}" in upgraded.output
    current = runner.invoke(main, ["db", "current"], env=env)
    assert f"current: {head}  head: {head}" in current.output


def _seed(url: str, texts: list[str]) -> None:
    async def seed() -> None:
        engine = create_engine(url)
        log = TicketLog(session_factory(engine))
        for n, text in enumerate(texts):
            await log.record_request(
                NewRequest(f"k{n}", TicketSource.SLASH_COMMAND, "C1", f"U{n}", text)
            )
        await engine.dispose()

    asyncio.run(seed())


def test_db_backup_restores_the_same_tickets(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    env = {"DATABASE_URL": url}
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    _seed(url, ["Printer jammed", "VPN drops", "New laptop please"])
    reader = sqlite3.connect(tmp_path / "live.db")  # another connection stays open meanwhile
    target = tmp_path / "backup" / "copy.db"
    target.parent.mkdir()
    result = runner.invoke(main, ["db", "backup", str(target)], env=env)
    reader.close()
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.db"]  # one file, no WAL
    with contextlib.closing(sqlite3.connect(target)) as restored:
        rows = restored.execute("SELECT requester_id, text FROM tickets ORDER BY id").fetchall()
    assert rows == [("U0", "Printer jammed"), ("U1", "VPN drops"), ("U2", "New laptop please")]
    listed = runner.invoke(
        main, ["tickets", "list"], env={"DATABASE_URL": f"sqlite+aiosqlite:///{target}"}
    )
    assert "Printer jammed" in listed.output and "New laptop please" in listed.output
    again = runner.invoke(main, ["db", "backup", str(target)], env=env)
    assert again.exit_code == 1 and "exists" in again.output


def test_db_backup_of_postgresql_points_at_pg_dump(runner: CliRunner, tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgresql://bot:pg-secret@db.example.com/tickets"}
    result = runner.invoke(main, ["db", "backup", str(tmp_path / "x.db")], env=env)
    assert result.exit_code == 1
    assert "pg_dump" in result.output and "pg-secret" not in result.output
    assert not (tmp_path / "x.db").exists()


def test_db_backup_without_a_database_file(runner: CliRunner, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'none' / 'missing.db'}"}
    result = runner.invoke(main, ["db", "backup", str(tmp_path / "x.db")], env=env)
    assert result.exit_code == 1 and "no SQLite database" in result.output
    assert not (tmp_path / "x.db").exists()
