"""The Slack emulator's people: messages they post (with files), message shortcuts, reactions,
``files.info`` and the authenticated download, driven by slack_sdk / slack_bolt."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from emulators.slack import DEFAULT_SCOPES, SlackEmulator
from tests.emulators.bolt_app import (
    BOT_TOKEN,
    TIMEOUT,
    Body,
    connected,
    new_app,
)
from tests.emulators.bolt_app import client as client
from tests.emulators.bolt_app import slack as slack


async def test_a_person_posts_and_bolt_receives_the_message_event(slack: SlackEmulator) -> None:
    app, seen = new_app(slack), asyncio.Queue[Body]()

    @app.event("message")
    async def on_message(event: Body) -> None:
        await seen.put(event)

    async with connected(slack, app):
        parent = await slack.post_user_message("general", "the printer <@U2> is on fire")
        reply = await slack.post_user_message("C1", "still burning", user="U2", thread_ts=parent.ts)
        first = await asyncio.wait_for(seen.get(), TIMEOUT)
        second = await asyncio.wait_for(seen.get(), TIMEOUT)
    assert first["channel"] == "C1" and first["user"] == "U1" and first["ts"] == parent.ts
    assert first["channel_type"] == "channel" and "bot_id" not in first
    assert second["thread_ts"] == parent.ts and second["ts"] == reply.ts
    assert slack.thread("C1", parent.ts)[0].text == "still burning"


async def test_no_message_event_where_the_bot_is_not(slack: SlackEmulator) -> None:
    await slack.post_user_message("random", "hello")
    assert not slack.socket.envelopes


async def test_a_message_from_another_app_carries_its_bot_id(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    message = await slack.post_user_message(
        "C1", "deploy done", user="U3", bot_id="B999", subtype="bot_message", deliver=False
    )
    history = await client.conversations_history(channel="C1")
    shown = history["messages"][0]
    assert shown["ts"] == message.ts and shown["bot_id"] == "B999"
    assert shown["subtype"] == "bot_message" and shown["app_id"] != "A111"


async def test_files_info_and_the_authenticated_download(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    message = await slack.post_user_message(
        "C1", "logs attached", files=[("log.txt", b"boom\n" * 10)], deliver=False
    )
    assert message.files and message.subtype == "file_share"
    file_id = message.files[0]["id"]
    info = (await client.files_info(file=file_id))["file"]
    assert info["name"] == "log.txt" and info["size"] == 50
    url = info["url_private_download"]
    async with aiohttp.ClientSession() as http:
        async with http.get(url, headers={"Authorization": f"Bearer {BOT_TOKEN}"}) as response:
            assert response.status == 200
            assert await response.read() == b"boom\n" * 10
        async with http.get(url) as response:
            assert response.status == 401
        async with http.get(url, headers={"Authorization": "Bearer xoxb-other"}) as response:
            assert response.status == 403
        slack.files.get(file_id).deleted = True
        async with http.get(url, headers={"Authorization": f"Bearer {BOT_TOKEN}"}) as response:
            assert response.status == 404
    with pytest.raises(SlackApiError) as deleted:
        await client.files_info(file=file_id)
    assert deleted.value.response["error"] == "file_deleted"
    with pytest.raises(SlackApiError) as unknown:
        await client.files_info(file="FNOPE")
    assert unknown.value.response["error"] == "file_not_found"


async def test_files_info_needs_files_read(client: AsyncWebClient) -> None:
    scopes = [s for s in DEFAULT_SCOPES if s != "files:read"]
    async with SlackEmulator(bot_token=BOT_TOKEN, scopes=scopes) as slack:
        message = await slack.post_user_message("C1", "x", files=[("a.txt", b"a")])
        bare = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        assert message.files
        with pytest.raises(SlackApiError) as refused:
            await bare.files_info(file=message.files[0]["id"])
    assert refused.value.response["error"] == "missing_scope"


async def test_message_shortcut_payload_even_where_the_bot_is_not(slack: SlackEmulator) -> None:
    app, seen = new_app(slack), asyncio.Queue[Body]()

    @app.message_shortcut("file_as_ticket")
    async def on_shortcut(ack: Any, body: Body) -> None:
        await ack()
        await seen.put(body)

    message = await slack.post_user_message("random", "<!here> wifi down", user="U2")
    async with connected(slack, app):
        envelope_id = await slack.message_shortcut("random", message.ts, user="U3")
        body = await asyncio.wait_for(seen.get(), TIMEOUT)
        await slack.wait_for_ack(envelope_id, TIMEOUT)
    assert body["type"] == "message_action" and body["callback_id"] == "file_as_ticket"
    assert body["user"]["id"] == "U3" and body["channel"]["id"] == "C2"
    assert body["message"]["user"] == "U2" and body["message_ts"] == message.ts
    assert body["trigger_id"] and body["response_url"].startswith(slack.base_url)


async def test_reaction_added_events(slack: SlackEmulator) -> None:
    app, seen = new_app(slack), asyncio.Queue[Body]()

    @app.event("reaction_added")
    async def on_reaction(event: Body) -> None:
        await seen.put(event)

    message = await slack.post_user_message("C1", "disk full", user="U2", deliver=False)
    async with connected(slack, app):
        await slack.react("C1", message.ts, "ticket", user="U1")
        await slack.react("C1", message.ts, "ticket", user="U3")
        first = await asyncio.wait_for(seen.get(), TIMEOUT)
        second = await asyncio.wait_for(seen.get(), TIMEOUT)
    assert first["reaction"] == "ticket" and first["user"] == "U1"
    assert first["item"] == {"type": "message", "channel": "C1", "ts": message.ts}
    assert first["item_user"] == "U2" and second["user"] == "U3"
    with pytest.raises(ValueError, match="already_reacted"):
        await slack.react("C1", message.ts, "ticket", user="U1")
    slack.unreact("C1", message.ts, "ticket", user="U1")
    assert await slack.react("random", (await slack.post_user_message("C2", "x")).ts) is None


async def test_control_routes(slack: SlackEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        posted = await http.post(
            f"{slack.base_url}/_emulator/post_message",
            json={"channel": "general", "text": "hi", "user": "U2",
                  "files": [{"name": "a.txt", "text": "abc"}]},
        )
        body = await posted.json()
        ts = body["ts"]
        shortcut = await http.post(
            f"{slack.base_url}/_emulator/message_shortcut",
            json={"channel": "C1", "ts": ts, "user": "U1"},
        )
        reacted = await http.post(
            f"{slack.base_url}/_emulator/react", json={"channel": "C1", "ts": ts, "user": "U3"}
        )
        assert (await shortcut.json())["envelope_id"] and (await reacted.json())["envelope_id"]
    message = slack.message("C1", ts)
    assert message.user == "U2" and message.files and message.files[0]["size"] == 3
