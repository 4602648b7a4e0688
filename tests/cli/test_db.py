"""`ticketbot db upgrade` and `ticketbot db current`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.db import migrate


def test_db_upgrade_then_current(runner: CliRunner, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    head = migrate.head_revision()
    assert f"is at revision {head}" in upgraded.output
    current = runner.invoke(main, ["db", "current"], env=env)
    assert f"current: {head}  head: {head}" in current.output
