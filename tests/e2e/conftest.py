from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import BotProcess, bot_environment
from tests.emulators.jira_server import JiraEmulator
from tests.emulators.openai_server import OpenAIEmulator
from tests.emulators.slack_server import SlackEmulator


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
async def jira() -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator(
        issue_types=("Task", "Bug", "Story", "Epic"),
        statuses={
            "To Do": "new",
            "In Progress": "indeterminate",
            "Done": "done",
            "Won't Do": "done",
        },
    ) as emulator:
        yield emulator


@pytest.fixture
async def llm() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator() as emulator:
        yield emulator


@pytest.fixture
def bot_env(
    slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator, tmp_path: Path
) -> dict[str, str]:
    return bot_environment(
        slack.api_url,
        jira.env(),
        tmp_path,
        LLM_BACKENDS="openai",
        OPENAI_BASE_URL=llm.url,
        OPENAI_API_KEY=llm.api_key,
        OPENAI_MODEL=llm.model,
    )


@pytest.fixture
async def bot(
    bot_env: dict[str, str], slack: SlackEmulator, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    process = await BotProcess(bot_env, tmp_path).start()
    try:
        await slack.wait_for_connections(1, timeout=30)
    except TimeoutError:
        await process.stop()
        pytest.fail(f"the bot never connected; its log:\n{process.log}")
    yield process
    code = await process.stop()
    assert code == 0, f"exit code {code}; log:\n{process.log}"
    assert "Traceback" not in process.log, process.log
