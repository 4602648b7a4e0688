"""The Slack emulator's App Home (views.publish, app_home_opened, clicks in the home view) and
message edits / deletions as events, driven by slack_sdk / slack_bolt over Socket Mode."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from emulators.slack import SlackEmulator
from tests.emulators.bolt_app import (
    TIMEOUT,
    Body,
    connected,
    new_app,
)
from tests.emulators.bolt_app import client as client
from tests.emulators.bolt_app import slack as slack

HOME = {
    "type": "home",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Your tickets"}},
        {
            "type": "actions",
            "block_id": "decide-7",
            "elements": [
                {
                    "type": "button",
                    "action_id": "ticket_approve",
                    "value": "7",
                    "text": {"type": "plain_text", "text": "Approve"},
                }
            ],
        },
    ],
}

async def test_views_publish_stores_one_home_view_per_user(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    first = await client.views_publish(user_id="U1", view=HOME)
    again = await client.views_publish(user_id="U1", view=HOME)
    assert first["view"]["id"] == again["view"]["id"]
    assert slack.home.views["U1"]["blocks"] == HOME["blocks"]
    assert "Your tickets" in slack.home.text("U1")
    assert slack.home.buttons("U1", "ticket_approve") == ["7"]
    url = f"{slack.base_url}/_emulator/home_views"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert (await response.json())["U1"]["type"] == "home"


@pytest.mark.parametrize(
    ("user", "view", "error"),
    [
        ("U404", HOME, "user_not_found"),
        (
            "U1",
            {"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []},
            "invalid_arguments",
        ),
        ("U1", {"type": "home", "blocks": [{"type": "nonsense"}]}, "invalid_arguments"),
    ],
)
async def test_views_publish_refuses_what_slack_refuses(
    client: AsyncWebClient, user: str, view: Body, error: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.views_publish(user_id=user, view=view)
    assert caught.value.response["error"] == error


async def test_a_stale_hash_is_a_conflict(client: AsyncWebClient) -> None:
    await client.views_publish(user_id="U1", view=HOME)
    with pytest.raises(SlackApiError) as caught:
        await client.views_publish(user_id="U1", view=HOME, hash="1.stale")
    assert caught.value.response["error"] == "hash_conflict"


async def test_home_opened_and_a_click_in_home_reach_bolt(
    slack: SlackEmulator, client: AsyncWebClient
) -> None:
    app, seen = new_app(slack), asyncio.Queue[Body]()

    @app.event("app_home_opened")
    async def on_open(event: Body) -> None:
        await seen.put(event)

    @app.action("ticket_approve")
    async def on_click(ack: Any, body: Body) -> None:
        await ack()
        await seen.put(body)

    async with connected(slack, app):
        await slack.home.open_home("U1")
        opened = await asyncio.wait_for(seen.get(), TIMEOUT)
        assert (opened["user"], opened["tab"]) == ("U1", "home") and "view" not in opened
        await client.views_publish(user_id="U1", view=HOME)
        await slack.home.click("U1", "ticket_approve", "7")
        click = await asyncio.wait_for(seen.get(), TIMEOUT)
    assert click["container"]["type"] == "view" and click["view"]["type"] == "home"
    assert click["actions"][0]["value"] == "7" and "response_url" not in click


async def test_edits_and_deletions_arrive_as_hidden_message_events(slack: SlackEmulator) -> None:
    app, seen = new_app(slack), asyncio.Queue[Body]()

    @app.event("message")
    async def on_message(event: Body) -> None:
        await seen.put(event)

    async with connected(slack, app):
        parent = await slack.post_user_message("general", "parent")
        reply = await slack.post_user_message("general", "first", thread_ts=parent.ts)
        await asyncio.wait_for(seen.get(), TIMEOUT)
        await asyncio.wait_for(seen.get(), TIMEOUT)
        await slack.changes.edit("general", reply.ts, "second")
        changed = await asyncio.wait_for(seen.get(), TIMEOUT)
        await slack.changes.delete("general", reply.ts)
        deleted = await asyncio.wait_for(seen.get(), TIMEOUT)
    assert changed["subtype"] == "message_changed" and changed["hidden"] is True
    assert changed["message"]["text"] == "second" and changed["message"]["thread_ts"] == parent.ts
    assert changed["previous_message"]["text"] == "first"
    assert deleted["subtype"] == "message_deleted" and deleted["deleted_ts"] == reply.ts
    assert slack.thread("general", parent.ts) == []


async def test_no_events_from_channels_the_bot_is_not_in(slack: SlackEmulator) -> None:
    message = await slack.post_user_message("random", "hello")  # C2: the bot is not a member
    assert await slack.changes.edit("random", message.ts, "hi") is None
    assert await slack.changes.delete("random", message.ts) is None
    assert not [e for e in slack.socket.envelopes.values() if e.type == "events_api"]
