from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import __version__
from bot.cli import main
from bot.db import migrate
from bot.doctor import check_database, check_settings

RUNNABLE = {
    "SLACK_BOT_TOKEN": "xoxb-1-test",
    "SLACK_APP_TOKEN": "xapp-1-test",
    "JIRA_BASE_URL": "https://example.atlassian.net",
    "JIRA_PROJECT_KEY": "KAN",
    "JIRA_EMAIL": "bot@example.com",
    "JIRA_API_TOKEN": "jira-secret-123",
}


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # Slack, Jira and model checks are exercised against the emulators in tests/e2e.
    monkeypatch.setattr("bot.cli.doctor_checks", lambda: [check_settings, check_database])
    return CliRunner()


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_db_upgrade_then_current(runner: CliRunner, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    head = migrate.head_revision()
    assert f"is at revision {head}" in upgraded.output
    current = runner.invoke(main, ["db", "current"], env=env)
    assert f"current: {head}  head: {head}" in current.output


def test_config_error_exits_2_with_one_line(runner: CliRunner) -> None:
    result = runner.invoke(main, ["db", "upgrade"], env={"LOG_LEVEL": "chatty"})
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "LOG_LEVEL is invalid" in result.output


def test_doctor_warns_about_an_unmigrated_database(runner: CliRunner, tmp_path: Path) -> None:
    env = {**RUNNABLE, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"}
    result = runner.invoke(main, ["doctor"], env=env)
    line = next(row for row in result.output.splitlines() if " database " in row)
    assert line.startswith("WARN") and "ticketbot db upgrade" in line


def test_doctor_fails_on_an_unreachable_database(runner: CliRunner) -> None:
    env = {**RUNNABLE, "DATABASE_URL": "postgresql://bot:pw-9876@127.0.0.1:1/x"}
    result = runner.invoke(main, ["doctor"], env=env)
    line = next(row for row in result.output.splitlines() if " database " in row)
    assert line.startswith("FAIL") and "cannot open the database" in line
    assert "pw-9876" not in result.output
    assert result.exit_code == 1


def test_doctor_passes_its_own_checks_once_migrated(runner: CliRunner, tmp_path: Path) -> None:
    env = {
        **RUNNABLE,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ok.db'}",
        "APPROVERS": "U123",
    }
    runner.invoke(main, ["db", "upgrade"], env=env)
    result = runner.invoke(main, ["doctor"], env=env)
    lines = {
        line.split()[1]: line.split()[0] for line in result.output.splitlines() if "  " in line
    }
    assert lines["settings"] == "ok"
    assert lines["database"] == "ok"
    assert "jira-secret-123" not in result.output


def test_doctor_reports_missing_settings(runner: CliRunner, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}
    result = runner.invoke(main, ["doctor"], env=env)
    assert result.exit_code == 1
    assert "SLACK_BOT_TOKEN is missing" in result.output


def test_tickets_list_show_and_retry(runner: CliRunner, tmp_path: Path) -> None:
    import asyncio

    from bot.db.engine import create_engine, session_factory
    from bot.db.tickets import TicketLog
    from bot.tickets import NewRequest, TicketSource

    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    env = {"DATABASE_URL": url}
    runner.invoke(main, ["db", "upgrade"], env=env)

    async def seed() -> None:
        engine = create_engine(url)
        log = TicketLog(session_factory(engine))
        ticket, _ = await log.record_request(NewRequest(
            "k", TicketSource.SLASH_COMMAND, "C1", "U1", "Printer jammed\nsecond line"))
        await log.record_failure(ticket.id, "Jira said no", retry_at=None, give_up=True)
        await engine.dispose()

    asyncio.run(seed())
    listed = runner.invoke(main, ["tickets", "list", "--state", "failed"], env=env)
    assert "#1" in listed.output and "failed" in listed.output and "Printer jammed" in listed.output
    shown = runner.invoke(main, ["tickets", "show", "1"], env=env)
    assert "audit trail" in shown.output and "received" in shown.output
    assert "Jira said no" in shown.output
    retried = runner.invoke(main, ["tickets", "retry", "1"], env=env)
    assert retried.exit_code == 0 and "retried from received" in retried.output
    again = runner.invoke(main, ["tickets", "retry", "1"], env=env)
    assert again.exit_code == 1 and "has not failed" in again.output
    assert runner.invoke(main, ["tickets", "show", "9"], env=env).exit_code == 1
