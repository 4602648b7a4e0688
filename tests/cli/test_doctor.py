"""`ticketbot doctor` with its own checks (settings, database); the rest run in tests/e2e."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.cli.doctor import CHECKS, render_table, run_checks
from bot.health import Check
from bot.settings import Settings

RUNNABLE = {
    "SLACK_BOT_TOKEN": "xoxb-1-test",
    "SLACK_APP_TOKEN": "xapp-1-test",
    "JIRA_BASE_URL": "https://example.atlassian.net",
    "JIRA_PROJECT_KEY": "KAN",
    "JIRA_EMAIL": "bot@example.com",
    "JIRA_API_TOKEN": "jira-secret-123",
}


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


def test_every_part_contributes_its_checks_in_table_order() -> None:
    names = [check.__name__ for check in CHECKS]
    assert names == [
        "check_settings", "check_database", "check_slack", "check_tracker", "check_routes",
        "check_backends", "check_encoder",
    ]


def test_a_crashing_check_becomes_a_failed_row() -> None:
    async def broken(settings: Settings) -> list[Check]:
        raise RuntimeError("boom")

    rows = asyncio.run(run_checks(Settings(), [broken]))
    assert rows == [Check("broken", False, "crashed: boom")]
    assert render_table(rows).startswith("FAIL  broken")


def status_of(output: str, name: str) -> tuple[str, str]:
    """The status and the detail of the row named ``name``."""
    for line in output.splitlines():
        status, _, rest = line.partition("  ")
        if rest.strip().startswith(name + "  "):
            return status.strip(), rest.strip()[len(name):].strip()
    raise AssertionError(f"no row {name!r} in:\n{output}")


def test_doctor_warns_about_a_dotenv_and_database_others_can_read(
    runner: CliRunner, tmp_path: Path
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("JIRA_API_TOKEN=jira-secret-123\n", encoding="utf-8")
    dotenv.chmod(0o644)
    database = tmp_path / "loose.db"
    env = {**RUNNABLE, "TICKETBOT_HOME": str(tmp_path), "APPROVERS": "U123",
           "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    runner.invoke(main, ["db", "upgrade"], env=env)
    database.chmod(0o640)
    result = runner.invoke(main, ["doctor"], env=env)
    status, detail = status_of(result.output, ".env file mode")
    assert status == "WARN" and f"chmod 600 {dotenv}" in detail and "0644" in detail
    status, detail = status_of(result.output, "SQLite file modes")
    assert status == "WARN" and f"{database} (mode 0640)" in detail
    assert result.exit_code == 0  # a warning, not a failure
    assert "jira-secret-123" not in result.output

    dotenv.chmod(0o600)
    database.chmod(0o600)
    result = runner.invoke(main, ["doctor"], env=env)
    assert status_of(result.output, ".env file mode")[0] == "ok"
    assert status_of(result.output, "SQLite file modes")[0] == "ok"
