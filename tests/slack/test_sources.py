"""``SlackSources`` against the Slack emulator: reading a message, downloading its files with
the bot token, and the confirmation posted once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.db.models import Ticket
from bot.errors import ChatUnavailable, FileUnavailable
from bot.slack.app import ResendableResetRetryHandler
from bot.slack.sources import SlackSources
from bot.tickets import TicketSource, TicketState
from bot.triage.ports import Person
from emulators.slack import DEFAULT_SCOPES, SlackEmulator

BOT_TOKEN = "xoxb-sources"


async def person(user_id: str) -> Person:
    return Person(user_id, f"name-{user_id}")


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(bot_token=BOT_TOKEN, redeliver_after_s=None) as emulator:
        yield emulator


def sources(slack: SlackEmulator) -> SlackSources:
    """With the bot's own retry policy: a reset after Slack stored a post is not re-sent."""
    client = AsyncWebClient(
        token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[ResendableResetRetryHandler()]
    )
    return SlackSources(client, person)


def ticket(channel: str, ts: str, **values: Any) -> Ticket:
    values = {"id": 7, **values}
    return Ticket(
        dedupe_key=f"message:{channel}:{ts}", source=TicketSource.REACTION,
        slack_channel_id=channel, requester_id="U2", text="t", state=TicketState.POSTED,
        created_at=datetime.now(UTC), source_channel_id=channel, source_ts=ts,
        jira_key="KAN-7", jira_url="https://jira.example/browse/KAN-7", **values,
    )


async def test_read_a_message_and_a_thread_reply(slack: SlackEmulator) -> None:
    parent = await slack.post_user_message("C1", "Hi <@U3>, <https://x.example|see>", user="U2",
                                           files=[("a.txt", b"abc")], deliver=False)
    reply = await slack.post_user_message("C1", "in the thread", thread_ts=parent.ts,
                                          deliver=False)
    found = await sources(slack).read("C1", parent.ts)
    assert found is not None
    assert found.text == "Hi @name-U3, see (https://x.example)"
    assert found.author_id == "U2" and found.author_name == "name-U2"
    assert [(f.name, f.size) for f in found.files] == [("a.txt", 3)]
    assert found.permalink and "/archives/C1/p" in found.permalink
    in_thread = await sources(slack).read("C1", reply.ts)
    assert in_thread is not None and in_thread.text == "in the thread"
    assert await sources(slack).read("C1", "1.000001") is None


async def test_download_with_the_bot_token_within_the_cap(slack: SlackEmulator) -> None:
    message = await slack.post_user_message(
        "C1", "files", files=[("ok.txt", b"o" * 10), ("big.bin", b"b" * 100)], deliver=False
    )
    assert message.files
    ok, big = (f["id"] for f in message.files)
    assert await sources(slack).download(ok, 50) == b"o" * 10
    with pytest.raises(FileUnavailable) as too_big:
        await sources(slack).download(big, 50)
    assert "over the" in too_big.value.reason
    slack.files.get(ok).deleted = True
    with pytest.raises(FileUnavailable):
        await sources(slack).download(ok, 50)
    with pytest.raises(FileUnavailable):
        await sources(slack).download("FNOPE", 50)


async def test_without_files_read_nothing_is_downloaded() -> None:
    scopes = [s for s in DEFAULT_SCOPES if s != "files:read"]
    async with SlackEmulator(bot_token=BOT_TOKEN, scopes=scopes) as slack:
        message = await slack.post_user_message("C1", "x", files=[("a.txt", b"a")], deliver=False)
        assert message.files
        with pytest.raises(FileUnavailable):
            await sources(slack).download(message.files[0]["id"], 50)


async def test_the_confirmation_is_posted_once(slack: SlackEmulator) -> None:
    message = await slack.post_user_message("C1", "x", user="U2", deliver=False)
    for _ in range(3):
        await sources(slack).confirm_filed(ticket("C1", message.ts))
    [reply] = slack.thread("C1", message.ts)
    assert reply.text == "Filed as <https://jira.example/browse/KAN-7|KAN-7>."


async def test_where_the_bot_cannot_post_the_filer_gets_a_dm(slack: SlackEmulator) -> None:
    message = await slack.post_user_message("C2", "x", user="U2", deliver=False)
    await sources(slack).confirm_filed(ticket("C2", message.ts, filed_by="U1"))
    assert not slack.thread("C2", message.ts)
    [dm] = slack.messages("D1")
    assert "KAN-7" in dm.text and "<#C2>" in dm.text


async def test_the_dm_is_sent_once_even_when_slack_resets_after_storing_it(
    slack: SlackEmulator,
) -> None:
    message = await slack.post_user_message("C2", "x", user="U2", deliver=False)
    filed = ticket("C2", message.ts, filed_by="U1")
    slack.faults.reset_after_success("chat.postMessage", times=1)
    with pytest.raises(ChatUnavailable):  # the answer lost: the caller cannot tell
        await sources(slack).confirm_filed(filed)
    for _ in range(2):  # the retries look first
        await sources(slack).confirm_filed(filed)
    [dm] = slack.messages("D1")
    assert "KAN-7" in dm.text
    other = ticket("C2", message.ts, filed_by="U1", id=8)  # another ticket's DM is its own
    await sources(slack).confirm_filed(other)
    assert len(slack.messages("D1")) == 2


async def test_a_reply_is_confirmed_in_its_thread(slack: SlackEmulator) -> None:
    parent = await slack.post_user_message("C1", "the thread", user="U3", deliver=False)
    reply = await slack.post_user_message("C1", "x", user="U2", thread_ts=parent.ts,
                                          deliver=False)
    for _ in range(2):
        await sources(slack).confirm_filed(ticket("C1", reply.ts))
    replies = slack.thread("C1", parent.ts)
    assert [m.text for m in replies] == ["x", "Filed as <https://jira.example/browse/KAN-7|KAN-7>."]
    assert all(m.thread_ts == parent.ts for m in replies)
