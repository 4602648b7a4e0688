"""The ticket's life after filing, read back from Jira by polling (issue 18), end to end:
`python app.py` against the Slack and Jira emulators with the change feed polling every
second (the overlap at its minimum, 60 s) and reminders after a few seconds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator, StoredMessage
from emulators.stack import BotFailed, BotProcess, start_connected
from tests.e2e.harness import TEST_CONFIG, bot_environment
from tests.e2e.test_ticket_flow import file_ticket, posted

SYNC = {
    "interval_s": 1,
    "overlap_s": 60,
    "lease_ttl_s": 5,
    "reminder_after_s": 3600,
    "reminder_check_s": 0.5,
}


def sync_config(workdir: Path, **overrides: object) -> Path:
    config = yaml.safe_load(TEST_CONFIG)
    config["sync"] = {**SYNC, **overrides}
    path = workdir / "sync.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture
def bot_env(
    slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator, tmp_path: Path
) -> dict[str, str]:
    env = bot_environment(slack, jira, tmp_path, model=llm)
    env["TICKETBOT_CONFIG"] = str(sync_config(tmp_path))
    return env


async def start(env: dict[str, str], workdir: Path, slack: SlackEmulator) -> BotProcess:
    try:
        return await start_connected(env, workdir, slack, timeout=30)
    except BotFailed as failed:
        pytest.fail(f"the bot never connected (exit code {failed.code}); its log:\n{failed.log}")


async def stop(process: BotProcess) -> None:
    code = await process.stop()
    assert code == 0, f"exit code {code}; log:\n{process.log}"
    assert "Traceback" not in process.log, process.log


@pytest.fixture
async def bot(
    bot_env: dict[str, str], slack: SlackEmulator, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    process = await start(bot_env, tmp_path, slack)
    yield process
    await stop(process)


def replies(slack: SlackEmulator, message: StoredMessage) -> list[str]:
    return [m.text for m in slack.thread("C1", message.ts)]


def shown(slack: SlackEmulator, message: StoredMessage) -> str:
    return str(slack.message("C1", message.ts).blocks)


async def filed(slack: SlackEmulator, jira: JiraEmulator, text: str) -> tuple[StoredMessage, str]:
    await file_ticket(slack, text)
    [message] = await posted(slack)
    [key] = jira.created_keys()
    return message, key


async def test_a_status_change_reaches_the_thread_and_the_message(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    message, key = await filed(slack, jira, "The VPN drops every hour")
    mia = jira.add_user("mia@example.com", "Mia Krystof")
    jira.transition_as(key, "In Progress", author=mia)
    jira.assign(key, mia, author=mia)
    [reply] = await slack.wait_for(
        lambda: [r for r in replies(slack, message) if "changed in Jira" in r] or None,
        timeout=20,
    )
    assert "<@U1>" in reply and "*To Do* → *In Progress*" in reply and "Mia Krystof" in reply
    await slack.wait_for(lambda: "Jira: *In Progress*" in shown(slack, message), timeout=20)
    assert "assigned to *Mia Krystof*" in shown(slack, message)
    assert "ticket_approve" in shown(slack, message)  # still undecided: the buttons stay


async def test_a_jira_comment_becomes_one_reply_and_internal_ones_stay(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    message, key = await filed(slack, jira, "Printer on floor 3 is out of toner")
    jira.comment_as(key, "internal: the vendor is late", internal=True)
    jira.comment_as(key, "restricted", visibility={"type": "role", "value": "Administrators"})
    jira.comment_as(key, "Ordered toner <!channel> & <https://evil.example|click me>")
    [reply] = await slack.wait_for(
        lambda: [r for r in replies(slack, message) if "commented in Jira" in r] or None,
        timeout=20,
    )
    assert "*Mia Krystof* commented in Jira" in reply
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click me&gt;" in reply
    await polled(slack, jira)
    texts = replies(slack, message)
    assert sum("commented in Jira" in t for t in texts) == 1
    assert not any("vendor" in t or "restricted" in t for t in texts)


def searches(jira: JiraEmulator) -> int:
    return jira.request_counts()["GET /search/jql"]


async def polled(slack: SlackEmulator, jira: JiraEmulator, polls: int = 3) -> None:
    """Wait until the bot has searched Jira ``polls`` more times (and the publisher has had
    time to send what those found)."""
    wanted = searches(jira) + polls
    await slack.wait_for(lambda: searches(jira) >= wanted, timeout=30)
