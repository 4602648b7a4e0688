"""The ticket's life after filing, read back from Jira by polling (issue 18), end to end:
`python app.py` against the Slack and Jira emulators with the change feed polling every
second (the overlap at its minimum, 60 s) and reminders after a few seconds."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from emulators.jira import JiraEmulator, jira_time
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator, StoredMessage
from emulators.stack import BotFailed, BotProcess, start_connected
from tests.e2e.harness import LIFTED_QUOTAS, TEST_CONFIG, bot_environment, start_replicas
from tests.e2e.test_modal_and_status import status_reply
from tests.e2e.test_ticket_flow import file_ticket, posted

SYNC = {
    "interval_s": 1,
    "overlap_s": 60,
    "lease_ttl_s": 5,
    "reminder_after_s": 3600,
    "reminder_check_s": 0.5,
}


def sync_config(workdir: Path, **overrides: object) -> Path:
    config = yaml.safe_load(TEST_CONFIG + LIFTED_QUOTAS)
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
    assert "direct message" in await status_reply(slack, "notify dm")
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
    [dm] = await slack.wait_for(lambda: slack.messages("D1") or None, timeout=20)
    assert f"{key}>* changed in Jira: status *To Do* → *In Progress*" in dm.text


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


async def test_a_comment_edited_in_jira_is_told_once_in_the_thread(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    message, key = await filed(slack, jira, "Printer on floor 3 is out of toner")
    comment_id = jira.comment_as(key, "Toner arrives Monday")
    await slack.wait_for(
        lambda: [r for r in replies(slack, message) if "commented in Jira" in r] or None,
        timeout=20,
    )
    [stored] = jira.issues[key]["comments"]
    stored["created"] = jira_time(datetime.now(UTC) - timedelta(seconds=10))  # a while ago
    lee = jira.add_user("lee@example.com", "Lee Park")
    jira.edit_comment_as(key, comment_id, "Toner arrives Tuesday", editor=lee)
    [edit] = await slack.wait_for(
        lambda: [r for r in replies(slack, message) if "edited a comment" in r] or None,
        timeout=20,
    )
    assert edit == "*Lee Park* edited a comment in Jira:\nToner arrives Tuesday"
    await polled(slack, jira)
    texts = replies(slack, message)
    assert sum("commented in Jira" in t for t in texts) == 1
    assert sum("edited a comment" in t for t in texts) == 1


def searches(jira: JiraEmulator) -> int:
    return jira.request_counts()["GET /search/jql"]


async def polled(slack: SlackEmulator, jira: JiraEmulator, polls: int = 3) -> None:
    """Wait until the bot has searched Jira ``polls`` more times (and the publisher has had
    time to send what those found)."""
    wanted = searches(jira) + polls
    await slack.wait_for(lambda: searches(jira) >= wanted, timeout=30)


async def test_a_restart_in_between_loses_and_repeats_nothing(
    bot: BotProcess,
    bot_env: dict[str, str],
    slack: SlackEmulator,
    jira: JiraEmulator,
    tmp_path: Path,
) -> None:
    message, key = await filed(slack, jira, "The badge reader at door 2 is dead")
    await polled(slack, jira)  # the feed has seen the issue as filed
    await stop(bot)
    jira.transition_as(key, "In Progress")  # while the bot is down
    jira.comment_as(key, "On my way with a new reader")
    again = await start(bot_env, tmp_path, slack)
    try:
        await slack.wait_for(lambda: len(replies(slack, message)) >= 2, timeout=30)
        await polled(slack, jira)
    finally:
        await stop(again)
    third = await start(bot_env, tmp_path, slack)
    try:
        await polled(slack, jira)
    finally:
        await stop(third)
    texts = replies(slack, message)
    assert sum("changed in Jira" in t for t in texts) == 1, texts
    assert sum("commented in Jira" in t for t in texts) == 1, texts
    assert "Jira: *In Progress*" in shown(slack, message)


async def test_a_reminder_fires_once_after_the_wait(
    slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator, tmp_path: Path
) -> None:
    env = bot_environment(slack, jira, tmp_path, model=llm)
    env["TICKETBOT_CONFIG"] = str(sync_config(tmp_path, reminder_after_s=2))
    process = await start(env, tmp_path, slack)
    try:
        message, _ = await filed(slack, jira, "Please order a second monitor")
        [reminder] = await slack.wait_for(
            lambda: [r for r in replies(slack, message) if "waiting for a decision" in r] or None,
            timeout=20,
        )
        assert reminder.startswith(("<@U1> <@U2> ", "<@U2> <@U1> "))  # the approvers
        await polled(slack, jira, polls=4)  # reminders are looked for every 0.5 s meanwhile
    finally:
        await stop(process)
    assert sum("waiting for a decision" in t for t in replies(slack, message)) == 1


async def test_two_replicas_tell_each_change_once(
    bot_env: dict[str, str],
    slack: SlackEmulator,
    jira: JiraEmulator,
    tmp_path: Path,
    shared_postgres: tuple[str, AsyncEngine],
) -> None:
    url, _ = shared_postgres
    env = {**bot_env, "DATABASE_URL": url}
    replicas = await start_replicas(env, tmp_path)
    try:
        await slack.wait_for_connections(2, timeout=30)
        message, key = await filed(slack, jira, "Wifi in the lab keeps dropping")
        await polled(slack, jira)
        for status in ("In Progress", "Done"):
            jira.transition_as(key, status)
            jira.comment_as(key, f"now {status}")
            await polled(slack, jira, polls=4)
        await slack.wait_for(lambda: len(replies(slack, message)) >= 4, timeout=30)
        await polled(slack, jira, polls=4)
    finally:
        codes = [await replica.stop() for replica in replicas]
    texts = replies(slack, message)
    assert sum("changed in Jira" in t for t in texts) == 2, texts
    assert sum("commented in Jira" in t for t in texts) == 2, texts
    assert codes == [0, 0]
    assert all("Traceback" not in r.log for r in replicas)


async def test_the_poll_costs_what_the_readme_says(
    slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator, tmp_path: Path
) -> None:
    """Per poll and project: ceil(issues changed in the window / page size) searches, at least
    one, and nothing per open ticket (docs/sync.md)."""
    env = bot_environment(slack, jira, tmp_path, model=llm)
    env["TICKETBOT_CONFIG"] = str(sync_config(tmp_path, page_size=2, reminder_after_s=None))
    process = await start(env, tmp_path, slack)
    try:
        for n in range(5):
            await file_ticket(slack, f"Request number {n} about the printer")
        await posted(slack, count=5, timeout=60)
        await polled(slack, jira, polls=2)
        start_at = len(jira.requests)
        await polled(slack, jira, polls=12)
        window = jira.requests[start_at:]
    finally:
        await stop(process)
    searches = [r for r in window if r.path == "/search/jql"]
    firsts = [i for i, r in enumerate(searches) if "nextPageToken" not in r.query]
    polls = [searches[a:b] for a, b in itertools.pairwise(firsts)]
    assert len(polls) >= 3
    assert {len(p) for p in polls} == {3}  # ceil(5 / 2): the 5 issues are in the window
    assert all(r.method == "GET" and r.path == "/search/jql" for r in window), {
        (r.method, r.path) for r in window
    }


async def test_many_tickets_changing_at_once_within_slacks_rate_limit(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    """Twelve tickets move at once while Slack allows 3 posts at once, then 2 a second, in
    the channel: each thread gets its one reply, 429s are waited out, nothing doubles."""
    count = 12
    for n in range(count):
        await file_ticket(slack, f"Monitor {n} flickers in room 4")
    messages = await posted(slack, count=count, timeout=90)
    await polled(slack, jira)
    slack.faults.channel_post_rate(2.0, burst=3)
    for key in jira.created_keys():
        jira.transition_as(key, "In Progress")
        jira.transition_as(key, "Done")  # two changes in one poll: one reply

    def told() -> list[int]:
        return [sum("changed in Jira" in t for t in replies(slack, m)) for m in messages]

    await slack.wait_for(lambda: all(told()), timeout=120)
    await polled(slack, jira)
    assert told() == [1] * count
    assert all("*To Do* → *Done*" in replies(slack, m)[0] for m in messages)
    limited = [c for c in slack.api_calls("chat.postMessage") if c.status == 429]
    assert limited, "the test meant Slack to refuse some posts"


async def test_no_echo_between_the_thread_and_jira(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    """A thread reply copied to Jira does not come back as a thread reply, and the bot's own
    replies about a Jira comment do not go back to Jira."""
    message, key = await filed(slack, jira, "The shared drive is read-only")
    await slack.post_user_message("C1", "Still broken for me", user="U3", thread_ts=message.ts)
    await slack.wait_for(lambda: jira.issues[key]["comments"] or None, timeout=20)
    jira.comment_as(key, "Fixed the permissions")
    await slack.wait_for(
        lambda: [r for r in replies(slack, message) if "commented in Jira" in r] or None,
        timeout=20,
    )
    await polled(slack, jira, polls=4)
    texts = replies(slack, message)
    assert sum("commented in Jira" in t for t in texts) == 1, texts
    assert not any("Still broken" in t for t in texts if "commented in Jira" in t)
    bodies = [str(c["body"]) for c in jira.issues[key]["comments"]]
    assert len(bodies) == 2, bodies  # the copied reply and the person's comment, nothing more


async def test_jira_down_during_polls_misses_nothing(
    slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator, tmp_path: Path
) -> None:
    env = bot_environment(slack, jira, tmp_path, model=llm)
    env["TICKETBOT_CONFIG"] = str(sync_config(tmp_path, backoff_max_s=2))
    process = await start(env, tmp_path, slack)
    try:
        message, key = await filed(slack, jira, "The meeting room screen is black")
        await polled(slack, jira)
        jira.down = True
        jira.transition_as(key, "Done")
        jira.comment_as(key, "Replaced the HDMI cable")
        await slack.wait_for(
            lambda: sum("poll failed" in line for line in process.log_lines) >= 2, timeout=30
        )
        assert not any("Jira" in t for t in replies(slack, message))
        jira.down = False
        await slack.wait_for(lambda: len(replies(slack, message)) >= 2, timeout=30)
        await polled(slack, jira)
    finally:
        await stop(process)
    texts = replies(slack, message)
    assert sum("changed in Jira" in t for t in texts) == 1, texts
    assert sum("commented in Jira" in t for t in texts) == 1, texts
