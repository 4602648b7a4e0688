"""ChannelMembers: paged, cached for its TTL on a given clock, one fetch per channel at a time;
a refusal is "nobody vouched for", an outage is not cached. SlackChat.members against the
emulated Web API."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import ChatError, ChatUnavailable
from bot.slack.chat import SlackChat
from bot.slack.members import MEMBERS_PAGES, ChannelMembers
from emulators.slack import Channel, SlackEmulator, User, default_channels, default_users
from tests.triage.fakes import filing


class Pages:
    """A conversation's members served ``size`` a page; raises ``error`` when set."""

    def __init__(self, members: Sequence[str], size: int = 2) -> None:
        self.members = list(members)
        self.size = size
        self.calls: list[tuple[str, str | None]] = []
        self.error: ChatError | None = None
        self.gate: asyncio.Event | None = None

    async def __call__(self, channel: str, cursor: str | None) -> tuple[list[str], str | None]:
        self.calls.append((channel, cursor))
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        start = int(cursor or 0)
        end = start + self.size
        return self.members[start:end], (str(end) if end < len(self.members) else None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_every_page_is_read_and_the_list_reused_until_it_expires() -> None:
    pages, clock = Pages(["U1", "U2", "U3", "U4", "U5"]), Clock()
    members = ChannelMembers(pages, ttl_s=60, clock=clock)
    assert await members.of("C1") == {"U1", "U2", "U3", "U4", "U5"}
    assert pages.calls == [("C1", None), ("C1", "2"), ("C1", "4")]
    clock.now += 59
    assert await members.of("C1") == {"U1", "U2", "U3", "U4", "U5"}
    assert len(pages.calls) == 3
    pages.members = ["U1"]
    clock.now += 2  # expired: someone left the channel
    assert await members.of("C1") == {"U1"}


async def test_lookups_at_the_same_time_share_one_fetch() -> None:
    pages = Pages(["U1"])
    pages.gate = asyncio.Event()
    members = ChannelMembers(pages, clock=Clock())
    waiting = [asyncio.create_task(members.of("C1")) for _ in range(20)]
    await asyncio.sleep(0)
    pages.gate.set()
    assert await asyncio.gather(*waiting) == [frozenset({"U1"})] * 20
    assert pages.calls == [("C1", None)]


async def test_a_cancelled_asker_leaves_the_fetch_to_the_others() -> None:
    pages = Pages(["U1"])
    pages.gate = asyncio.Event()
    members = ChannelMembers(pages, clock=Clock())
    first, second = (asyncio.create_task(members.of("C1")) for _ in range(2))
    await asyncio.sleep(0)
    first.cancel()
    pages.gate.set()
    assert await second == {"U1"}
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_refusal_is_nobody_and_cached_an_outage_raises_and_is_not() -> None:
    pages, clock = Pages(["U1"]), Clock()
    members = ChannelMembers(pages, clock=clock)
    pages.error = ChatUnavailable("Slack is down", code="ratelimited")
    with pytest.raises(ChatUnavailable):
        await members.of("G1")
    pages.error = ChatError("refused", code="channel_not_found")
    assert await members.of("G1") == frozenset()
    pages.error = None
    assert await members.of("G1") == frozenset()  # cached for the TTL
    assert len(pages.calls) == 2


async def test_a_huge_channel_stops_at_the_page_cap() -> None:
    pages = Pages([f"U{n}" for n in range(MEMBERS_PAGES * 2 + 10)], size=1)
    found = await ChannelMembers(pages, clock=Clock()).of("C1")
    assert len(found) == len(pages.calls) == MEMBERS_PAGES


async def test_slack_chat_lists_members_through_the_web_api() -> None:
    crowd = [User(f"U{n:04d}", f"u{n}", f"User {n}") for n in range(450)]
    channels = [
        *default_channels(),
        Channel("G5", "hush", "private", bot_is_member=True, members={"U1", "U3"}),
    ]
    async with SlackEmulator(
        bot_token="xoxb-m", users=[*default_users(), *crowd], channels=channels
    ) as slack:
        chat = SlackChat(AsyncWebClient(token="xoxb-m", base_url=slack.api_url),
                         filing().installation)
        everyone = await chat.members("C1")
        assert len(everyone) == 454 and {"U1", "U0449", "UBOT"} <= everyone
        assert len(slack.api_calls("conversations.members")) == 3  # 200 a page
        assert await chat.members("G5") == {"U1", "U3", "UBOT"}
        assert await chat.members("G1") == frozenset()  # private, the bot is not in it
        assert await chat.members("C1") == everyone
        assert len(slack.api_calls("conversations.members")) == 5  # C1 came from the cache
