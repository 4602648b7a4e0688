"""`ticketbot config show`: every setting with its source, secrets never printed."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import main


def test_config_show_names_each_source_and_masks_secrets(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text("jira: {timeout_s: 42}\n", encoding="utf-8")
    (tmp_path / ".env").write_text(
        "JIRA_API_TOKEN=jira-secret-123\nLOG_LEVEL=warning\n", encoding="utf-8"
    )
    env = {
        "TICKETBOT_HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-1-very-secret",
        "DATABASE_URL": "postgresql+asyncpg://bot:pg-pass-987@db.example.com/tickets",
        "OPENAI_BASE_URL": "https://user:url-pass-555@llm.example.com/v1",
    }
    result = CliRunner().invoke(main, ["config", "show"], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    for secret in ("xoxb-1-very-secret", "jira-secret-123", "pg-pass-987", "url-pass-555"):
        assert secret not in out
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "********" in lines["slack.bot_token"] and "[environment (SLACK_BOT_TOKEN)]" in (
        lines["slack.bot_token"]
    )
    assert "[.env (JIRA_API_TOKEN)]" in lines["jira.api_token"]
    assert "WARNING" in lines["logging.level"] and "[.env (LOG_LEVEL)]" in lines["logging.level"]
    assert "bot:***@db.example.com" in lines["database.url"]
    assert "42" in lines["jira.timeout_s"] and "config.yml override" in lines["jira.timeout_s"]
    assert "[shipped config.yml]" in lines["jira.max_attempts"]
    assert "(not set)" in lines["jira.pat"] and "[default]" in lines["jira.pat"]
    assert "classifier.openai.max_retries" in lines


def test_config_show_stops_on_a_bad_setting(tmp_path: Path) -> None:
    env = {"TICKETBOT_HOME": str(tmp_path), "LOG_LEVEL": "loud"}
    result = CliRunner().invoke(main, ["config", "show"], env=env)
    assert result.exit_code == 2 and "LOG_LEVEL" in result.output
