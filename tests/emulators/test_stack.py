"""The launcher: the bot's environment, and a bot that exits instead of connecting."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotFailed, emulators_running, sqlite_url, start_connected


async def test_environment_names_every_emulator_and_a_local_ticket_log(tmp_path: Path) -> None:
    async with emulators_running(
        SlackEmulator(bot_token="xoxb-1", app_token="xapp-1"), JiraEmulator(), OpenAIEmulator()
    ) as services:
        env = services.environment(tmp_path, approvers=("U2", "U3"))
    assert env["SLACK_BOT_TOKEN"] == "xoxb-1" and env["SLACK_APP_TOKEN"] == "xapp-1"
    assert env["SLACK_API_URL"] == services.slack.api_url
    assert env["JIRA_BASE_URL"] == services.jira.url
    assert env["LLM_BACKENDS"] == "openai"
    assert env["DATABASE_URL"] == sqlite_url(tmp_path)
    assert env["APPROVERS"] == "U2,U3"


async def test_a_bot_that_exits_is_reported_with_its_code_and_log(tmp_path: Path) -> None:
    exits = [sys.executable, "-c", "print('no tokens'); raise SystemExit(2)"]
    async with SlackEmulator() as slack:
        with pytest.raises(BotFailed) as failed:
            await start_connected({}, tmp_path, slack, command=exits, timeout=30)
    assert failed.value.code == 2
    assert "no tokens" in failed.value.log
