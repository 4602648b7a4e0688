from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_engine
from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotFailed, BotProcess, start_connected
from tests.conftest import postgres_url, reset_schema
from tests.e2e.harness import bot_environment


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
    return bot_environment(slack, jira, tmp_path, model=llm)


@pytest.fixture
async def bot(
    bot_env: dict[str, str], slack: SlackEmulator, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    try:
        process = await start_connected(bot_env, tmp_path, slack, timeout=30)
    except BotFailed as failed:
        pytest.fail(f"the bot never connected (exit code {failed.code}); its log:\n{failed.log}")
    yield process
    code = await process.stop()
    assert code == 0, f"exit code {code}; log:\n{process.log}"
    assert "Traceback" not in process.log, process.log


@pytest.fixture
async def shared_postgres() -> AsyncIterator[tuple[str, AsyncEngine]]:
    """An empty PostgreSQL database for replicas to share (its URL and an engine on it)."""
    url = postgres_url()
    if url is None:
        pytest.skip("two replicas need PostgreSQL: TEST_DATABASE_URL (set by .ci/run)")
    engine = create_engine(url)
    await reset_schema(engine)
    yield url, engine
    await engine.dispose()

