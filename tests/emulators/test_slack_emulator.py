"""The Slack emulator, driven by the real slack_sdk and slack_bolt clients."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from emulators.slack import Channel, SlackEmulator, default_channels

BOT_TOKEN = "xoxb-emulator-test"
APP_TOKEN = "xapp-emulator-test"
TIMEOUT = 10.0

Body = dict[str, Any]
METADATA: Body = {"event_type": "ticketbot_ticket", "event_payload": {"ticket_id": 7}}


def approval_blocks(ticket: str = "T-1") -> list[Body]:
    return [
        {"type": "section", "block_id": "summary", "text": {"type": "mrkdwn", "text": "*Printer*"}},
        {
            "type": "actions",
            "block_id": "decision",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "value": ticket,
                    "style": "primary",
                },
                {
                    "type": "button",
                    "action_id": "reject",
                    "text": {"type": "plain_text", "text": "Reject"},
                    "value": ticket,
                },
            ],
        },
    ]


MODAL: Body = {
    "type": "modal",
    "callback_id": "ticket_modal",
    "private_metadata": "C1",
    "title": {"type": "plain_text", "text": "New ticket"},
    "submit": {"type": "plain_text", "text": "File"},
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": {"type": "plain_text", "text": "Summary"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "kind",
            "optional": True,
            "label": {"type": "plain_text", "text": "Type"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "Bug"}, "value": "bug"},
                    {"text": {"type": "plain_text", "text": "Task"}, "value": "task"},
                ],
            },
        },
    ],
}


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    channels = [*default_channels(), Channel("C9", "old-news", archived=True)]
    async with SlackEmulator(
        bot_token=BOT_TOKEN, app_token=APP_TOKEN, channels=channels, redeliver_after_s=0.5
    ) as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)


def new_app(slack: SlackEmulator) -> AsyncApp:
    return AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url))


@asynccontextmanager
async def connected(
    slack: SlackEmulator, app: AsyncApp, *, ping_interval: float = 10
) -> AsyncIterator[AsyncSocketModeHandler]:
    handler = AsyncSocketModeHandler(app, APP_TOKEN, ping_interval=ping_interval)
    before = slack.connections_opened
    await handler.connect_async()  # type: ignore[no-untyped-call]
    await slack.wait_for_connections(before + 1, TIMEOUT)
    try:
        yield handler
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


# -- Socket Mode ---------------------------------------------------------------


async def test_slash_command_reaches_listener_and_ack_is_recorded(slack: SlackEmulator) -> None:
    app = new_app(slack)
    seen: list[Body] = []

    @app.command("/ticket")
    async def on_ticket(ack: Any, body: Body) -> None:
        await ack("Filing your ticket…")
        seen.append(body)

    async with connected(slack, app):
        envelope_id = await slack.slash_command("/ticket", "printer on fire", user="U2")
        ack = await slack.wait_for_ack(envelope_id, TIMEOUT)

    assert ack.payload == {"text": "Filing your ticket…"}
    assert ack.latency_s is not None and ack.latency_s < TIMEOUT
    assert seen[0]["text"] == "printer on fire"
    assert seen[0]["user_id"] == "U2"
    assert seen[0]["response_url"].startswith(slack.base_url + "/commands/")
    assert [m.text for m in slack.ephemerals("U2")] == ["Filing your ticket…"]
    assert slack.ephemerals("U2")[0].source == "ack"
    assert slack.envelope(envelope_id).deliveries == 1
    # bolt authorizes lazily: auth.test comes with the first request, not at start-up
    assert [c.token_kind for c in slack.api_calls("auth.test")] == ["bot"]
    assert slack.problems == []


async def test_bare_ack_is_recorded_without_payload(slack: SlackEmulator) -> None:
    app = new_app(slack)

    @app.command("/ticket_status")
    async def on_status(ack: Any) -> None:
        await ack()

    async with connected(slack, app):
        envelope_id = await slack.slash_command("/ticket_status", "OPS-1")
        ack = await slack.wait_for_ack(envelope_id, TIMEOUT)

    assert ack.payload is None
    assert slack.ephemerals("U1") == []


async def test_unacked_envelope_is_redelivered(slack: SlackEmulator) -> None:
    app = new_app(slack)  # no listener for /unknown: bolt sends no ack at all

    async with connected(slack, app):
        envelope_id = await slack.slash_command("/unknown", "hello")
        envelope = await slack.wait_for(
            lambda: (e := slack.envelope(envelope_id)).deliveries >= 2 and e, TIMEOUT
        )

    assert slack.ack_for(envelope_id) is None
    assert envelope.retry_attempt >= 1


async def test_redelivered_envelope_reaches_the_listener_again(slack: SlackEmulator) -> None:
    app = new_app(slack)
    calls: list[str] = []

    @app.command("/ticket")
    async def on_ticket(ack: Any, body: Body) -> None:
        await ack()
        calls.append(body["trigger_id"])

    async with connected(slack, app):
        envelope_id = await slack.slash_command("/ticket", "twice")
        await slack.wait_for_ack(envelope_id, TIMEOUT)
        await slack.redeliver(envelope_id)
        await slack.wait_for(lambda: len(calls) == 2, TIMEOUT)

    assert calls[0] == calls[1]  # same payload: the app must deduplicate
    assert len([a for a in slack.acks if a.envelope_id == envelope_id]) == 2


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
async def test_disconnect_message_makes_the_client_reconnect(
    slack: SlackEmulator, reason: str
) -> None:
    app = new_app(slack)

    @app.command("/ticket")
    async def on_ticket(ack: Any) -> None:
        await ack()

    async with connected(slack, app):
        await slack.disconnect(reason)
        await slack.wait_for_connections(2, TIMEOUT)
        envelope_id = await slack.slash_command("/ticket", "after reconnect")
        ack = await slack.wait_for_ack(envelope_id, TIMEOUT)

    assert len(slack.api_calls("apps.connections.open")) == 2
    assert ack.connection_id == 2


@pytest.mark.parametrize("abrupt", [False, True])
async def test_dropped_socket_makes_the_client_reconnect(
    slack: SlackEmulator, abrupt: bool
) -> None:
    app = new_app(slack)

    @app.command("/ticket")
    async def on_ticket(ack: Any) -> None:
        await ack()

    # An abrupt loss is only noticed by the SDK's monitor, every ping_interval seconds.
    async with connected(slack, app, ping_interval=0.5):
        await slack.drop_connections(abrupt=abrupt)
        await slack.wait_for_connections(2, TIMEOUT)
        envelope_id = await slack.slash_command("/ticket", "after drop")
        await slack.wait_for_ack(envelope_id, TIMEOUT)


async def test_envelopes_are_spread_over_connections(slack: SlackEmulator) -> None:
    apps = [new_app(slack), new_app(slack)]
    for app in apps:

        @app.command("/ticket")
        async def on_ticket(ack: Any) -> None:
            await ack()

    async with connected(slack, apps[0]), connected(slack, apps[1]):
        envelope_ids = [await slack.slash_command("/ticket", str(i)) for i in range(4)]
        acks = [await slack.wait_for_ack(e, TIMEOUT) for e in envelope_ids]

    assert {a.connection_id for a in acks} == {1, 2}


# -- Web API -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ("C1", None),  # public, bot is a member
        ("general", None),  # by name
        ("D1", None),  # the bot's IM with U1
        ("U2", None),  # a user id: the bot's IM with that user
        ("C2", "not_in_channel"),  # public, bot not a member
        ("G1", "channel_not_found"),  # private, bot not a member
        ("D2", "channel_not_found"),  # a DM between two people
        ("C9", "is_archived"),
        ("C404", "channel_not_found"),
    ],
)
async def test_post_message_channel_rules(
    client: AsyncWebClient, slack: SlackEmulator, channel: str, error: str | None
) -> None:
    if error is None:
        response = await client.chat_postMessage(channel=channel, text="hi")
        assert slack.message(response["channel"], response["ts"]).text == "hi"
    else:
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel=channel, text="hi")
        assert raised.value.response["error"] == error


async def test_chat_write_public_scope_allows_channels_the_bot_is_not_in() -> None:
    scopes = ["chat:write", "chat:write.public"]
    async with SlackEmulator(bot_token=BOT_TOKEN, app_token=APP_TOKEN, scopes=scopes) as slack:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        await client.chat_postMessage(channel="C2", text="hi")
        with pytest.raises(SlackApiError) as raised:
            await client.chat_postMessage(channel="G1", text="hi")
    assert raised.value.response["error"] == "channel_not_found"


async def test_messages_threads_and_updates_are_stored(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    parent = await client.chat_postMessage(channel="C1", text="ticket", blocks=approval_blocks())
    reply = await client.chat_postMessage(channel="C1", text="filed", thread_ts=parent["ts"])
    await client.chat_update(channel="C1", ts=parent["ts"], text="approved", blocks=[])

    message = slack.message("C1", parent["ts"])
    assert float(reply["ts"]) > float(parent["ts"])
    assert [m.ts for m in slack.thread("C1", parent["ts"])] == [reply["ts"]]
    assert message.text == "approved"
    assert [v.text for v in message.history] == ["ticket"]
    assert message.history[0].blocks == approval_blocks()


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "divider"}] * 51,
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        [{"text": {"type": "mrkdwn", "text": "no type"}}],
        approval_blocks("v" * 2001),
    ],
    ids=["51-blocks", "long-header", "long-section", "missing-type", "long-button-value"],
)
async def test_block_kit_limits_give_invalid_blocks(
    client: AsyncWebClient, slack: SlackEmulator, blocks: list[Body]
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="x", blocks=blocks)
    assert raised.value.response["error"] == "invalid_blocks"
    assert raised.value.response["response_metadata"]["messages"]
    assert slack.messages("C1") == []


async def test_long_text_is_truncated(client: AsyncWebClient, slack: SlackEmulator) -> None:
    response = await client.chat_postMessage(channel="C1", text="x" * 45_000)
    assert len(slack.message("C1", response["ts"]).text) == 40_000


async def test_rate_limit_gives_429_with_retry_after(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    slack.faults.rate_limit("chat.postMessage", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="first")
    await client.chat_postMessage(channel="C1", text="second")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    assert [m.text for m in slack.messages("C1")] == ["second"]


async def test_injected_error_and_latency(client: AsyncWebClient, slack: SlackEmulator) -> None:
    slack.faults.fail("users.info", "internal_error", times=1)
    slack.faults.latency("auth.test", 0.05)
    with pytest.raises(SlackApiError) as raised:
        await client.users_info(user="U1")
    assert raised.value.response["error"] == "internal_error"
    assert (await client.users_info(user="U1"))["user"]["profile"]["email"] == "alice@example.com"
    assert (await client.auth_test())["user_id"] == "UBOT"


async def test_auth_errors_and_scopes_header(slack: SlackEmulator) -> None:
    good = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    response = await good.auth_test()
    assert "chat:write" in response.headers["x-oauth-scopes"].split(",")
    assert response["team_id"] == "T111" and response["bot_id"]

    for token, error in [(None, "not_authed"), ("xoxb-wrong", "invalid_auth")]:
        with pytest.raises(SlackApiError) as raised:
            await AsyncWebClient(token=token, base_url=slack.api_url).auth_test()
        assert raised.value.response["error"] == error
    with pytest.raises(SlackApiError) as raised:
        await good.apps_connections_open(app_token=BOT_TOKEN)
    assert raised.value.response["error"] == "not_allowed_token_type"
    assert (await good.apps_connections_open(app_token=APP_TOKEN))["url"].startswith("ws://")


async def test_users_info(client: AsyncWebClient) -> None:
    user = (await client.users_info(user="U2"))["user"]
    assert (user["name"], user["real_name"]) == ("bob", "Bob Baker")
    with pytest.raises(SlackApiError) as raised:
        await client.users_info(user="U404")
    assert raised.value.response["error"] == "user_not_found"


# -- connection resets and stalls after the call took effect -------------------


async def test_reset_after_storing_makes_the_sdks_default_retry_post_twice(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    """slack_sdk's default handler re-sends after a reset: one call, two messages."""
    slack.faults.reset_after_success("chat.postMessage", times=1)
    response = await client.chat_postMessage(channel="C1", text="once")
    assert [m.text for m in slack.messages("C1")] == ["once", "once"]
    assert response["ts"] == slack.messages("C1")[1].ts
    calls = slack.api_calls("chat.postMessage")
    assert [c.connection_reset for c in calls] == [True, False]


async def test_reset_after_storing_without_retry_raises_and_keeps_the_message(
    slack: SlackEmulator,
) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[])
    slack.faults.reset_after_success("chat.postMessage", times=1)
    with pytest.raises(aiohttp.ClientError):
        await client.chat_postMessage(channel="C1", text="once", metadata=METADATA)
    assert [(m.text, m.metadata) for m in slack.messages("C1")] == [("once", METADATA)]
    await client.chat_postMessage(channel="C1", text="twice")  # the fault was used up
    assert len(slack.messages("C1")) == 2


async def test_failed_calls_do_not_use_up_an_after_success_fault(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    slack.faults.reset_after_success("chat.postMessage", times=1)
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="G1", text="nowhere")
    slack.faults.clear("chat.postMessage")
    await client.chat_postMessage(channel="C1", text="answered")
    assert not any(c.connection_reset for c in slack.api_calls("chat.postMessage"))


async def test_stall_after_storing_holds_the_answer(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    slack.faults.stall_after_success("chat.postMessage", 30, times=1)
    pending = asyncio.create_task(client.chat_postMessage(channel="C1", text="stored"))
    try:
        stored = await slack.wait_for(lambda: slack.messages("C1"), TIMEOUT)
        assert [m.text for m in stored] == ["stored"]
        assert not pending.done()  # the caller has not heard back: a crash now loses the ts
    finally:
        pending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pending


# -- conversations.history and conversations.open -------------------------------


async def history(client: AsyncWebClient, channel: str = "C1", **args: Any) -> list[Body]:
    """Every page, following next_cursor while has_more says so."""
    pages: list[Body] = []
    cursor = None
    while True:
        page = await client.conversations_history(channel=channel, cursor=cursor, **args)
        pages.append(page.data)  # type: ignore[arg-type]
        if not page["has_more"]:
            assert "response_metadata" not in page.data
            return pages
        cursor = page["response_metadata"]["next_cursor"]
        assert cursor


async def test_history_pages_newest_first_through_a_busy_channel(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    mine = await client.chat_postMessage(channel="C1", text="ticket", metadata=METADATA)
    chatter = slack.fill_channel("C1", 250)
    assert all(m.user == "U2" and m.bot_id is None for m in chatter)

    pages = await history(client, limit=100, include_all_metadata=True)
    assert [len(p["messages"]) for p in pages] == [100, 100, 51]
    seen = [m["ts"] for p in pages for m in p["messages"]]
    assert seen == [m.ts for m in reversed(slack.messages("C1"))]  # newest first, no gaps
    assert pages[-1]["messages"][-1]["metadata"] == METADATA
    assert pages[-1]["messages"][-1]["ts"] == mine["ts"]


async def test_history_limit_default_cap_and_marketplace_cap(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    slack.fill_channel("C1", 1000)
    assert len((await client.conversations_history(channel="C1"))["messages"]) == 100
    assert len((await client.conversations_history(channel="C1", limit=5000))["messages"]) == 999
    slack.state.history_page_max = 15  # a non-Marketplace app since 2025
    assert len((await client.conversations_history(channel="C1", limit=200))["messages"]) == 15


async def test_history_oldest_and_latest_are_exclusive_unless_inclusive(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    ts = [m.ts for m in slack.fill_channel("C1", 5)]
    page = await client.conversations_history(channel="C1", oldest=ts[1], latest=ts[3])
    assert [m["ts"] for m in page["messages"]] == [ts[2]]
    page = await client.conversations_history(
        channel="C1", oldest=ts[1], latest=ts[3], inclusive=True
    )
    assert [m["ts"] for m in page["messages"]] == [ts[3], ts[2], ts[1]]

    pages = await history(client, oldest=ts[0], limit=2)  # paging keeps the oldest bound
    assert [[m["ts"] for m in p["messages"]] for p in pages] == [[ts[4], ts[3]], [ts[2], ts[1]]]


async def test_history_leaves_out_thread_replies_and_metadata_unless_asked(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    parent = await client.chat_postMessage(channel="C1", text="parent", metadata=METADATA)
    await client.chat_postMessage(channel="C1", text="reply", thread_ts=parent["ts"])
    plain = (await client.conversations_history(channel="C1"))["messages"]
    assert [m["text"] for m in plain] == ["parent"] and "metadata" not in plain[0]
    full = (await client.conversations_history(channel="C1", include_all_metadata=True))
    assert full["messages"][0]["metadata"] == METADATA


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"channel": "C1", "cursor": "bm9wZQ=="}, "invalid_cursor"),
        ({"channel": "C1", "cursor": "!!"}, "invalid_cursor"),
        ({"channel": "C1", "oldest": "yesterday"}, "invalid_ts_oldest"),
        ({"channel": "C1", "latest": "soon"}, "invalid_ts_latest"),
        ({"channel": "C2"}, "not_in_channel"),  # public, the bot is not a member
        ({"channel": "G1"}, "channel_not_found"),
        ({"channel": "D2"}, "channel_not_found"),
    ],
)
async def test_history_errors(client: AsyncWebClient, args: Body, error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_history(**args)
    assert raised.value.response["error"] == error


async def test_malformed_metadata_is_refused(client: AsyncWebClient, slack: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C1", text="x", metadata={"ticket_id": 7})
    assert raised.value.response["error"] == "invalid_metadata_format"
    assert slack.messages("C1") == []


async def test_conversations_open_gives_the_im_that_posts_to_a_user_land_in(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    existing = await client.conversations_open(users="U1")
    assert existing["channel"]["id"] == "D1" and existing["already_open"] is True
    new = await client.conversations_open(users="U3")
    assert "already_open" not in new.data and new["channel"]["id"].startswith("D")
    posted = await client.chat_postMessage(channel="U3", text="hello", metadata=METADATA)
    assert posted["channel"] == new["channel"]["id"]
    found = await client.conversations_history(
        channel=new["channel"]["id"], include_all_metadata=True
    )
    assert [m["metadata"] for m in found["messages"]] == [METADATA]


async def test_conversations_open_needs_im_write() -> None:
    scopes = ["chat:write", "im:history"]
    async with SlackEmulator(bot_token=BOT_TOKEN, app_token=APP_TOKEN, scopes=scopes) as slack:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        with pytest.raises(SlackApiError) as raised:
            await client.conversations_open(users="U1")
    assert raised.value.response["error"] == "missing_scope"


# -- views and triggers --------------------------------------------------------


async def test_views_open_with_fresh_reused_and_expired_trigger(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    app = new_app(slack)
    triggers: list[str] = []

    @app.command("/ticket")
    async def on_ticket(ack: Any, body: Body) -> None:
        await ack()
        triggers.append(body["trigger_id"])

    async with connected(slack, app):
        for _ in range(2):
            await slack.wait_for_ack(await slack.slash_command("/ticket"), TIMEOUT)

    opened = await client.views_open(trigger_id=triggers[0], view=MODAL)
    assert slack.view(opened["view"]["id"]).user == "U1"
    for trigger, error in [
        (triggers[0], "exchanged_trigger_id"),
        ("1.2.nope", "invalid_trigger_id"),
    ]:
        with pytest.raises(SlackApiError) as raised:
            await client.views_open(trigger_id=trigger, view=MODAL)
        assert raised.value.response["error"] == error
    slack.state.clock.advance(3.5)
    with pytest.raises(SlackApiError) as raised:
        await client.views_open(trigger_id=triggers[1], view=MODAL)
    assert raised.value.response["error"] == "expired_trigger_id"


async def test_invalid_modal_gives_invalid_arguments(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    trigger = slack.state.issue_trigger("U1")
    view = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError) as raised:
        await client.views_open(trigger_id=trigger, view=view)
    assert raised.value.response["error"] == "invalid_arguments"


async def test_modal_round_trip_with_validation_errors(slack: SlackEmulator) -> None:
    app = new_app(slack)
    submitted: list[Body] = []

    @app.command("/ticket")
    async def on_ticket(ack: Any, body: Body, client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("ticket_modal")
    async def on_submit(ack: Any, view: Body) -> None:
        summary = view["state"]["values"]["summary"]["value"]["value"]
        if len(summary) < 5:
            await ack(response_action="errors", errors={"summary": "Too short"})
            return
        await ack()
        submitted.append(view)

    async with connected(slack, app):
        await slack.wait_for_ack(await slack.slash_command("/ticket", ""), TIMEOUT)
        record = await slack.wait_for(lambda: next(iter(slack.views.values()), None), TIMEOUT)
        first = await slack.submit_view(record.id, {"summary": {"value": "hm"}})
        await slack.wait_for_ack(first, TIMEOUT)
        assert record.errors == {"summary": "Too short"} and record.state == "open"
        second = await slack.submit_view(
            record.id, {"summary": {"value": "printer broken"}, "kind": {"value": "bug"}}
        )
        await slack.wait_for_ack(second, TIMEOUT)

    assert record.state == "closed"
    assert submitted[0]["private_metadata"] == "C1"
    assert submitted[0]["state"]["values"]["kind"]["value"]["selected_option"]["value"] == "bug"


# -- response_url and buttons --------------------------------------------------


async def test_respond_goes_through_response_url(slack: SlackEmulator) -> None:
    app = new_app(slack)

    @app.command("/ticket")
    async def on_ticket(ack: Any, respond: Any) -> None:
        await ack()
        await respond("only you see this")
        await respond(text="everyone sees this", response_type="in_channel")

    async with connected(slack, app):
        envelope_id = await slack.slash_command("/ticket", "x", user="U1", channel="G1")
        await slack.wait_for_ack(envelope_id, TIMEOUT)
        await slack.wait_for(lambda: len(slack.response_url_posts) == 2, TIMEOUT)

    posts = slack.response_url_posts
    assert [(p.kind, p.status, p.response_type) for p in posts] == [
        ("commands", 200, None),
        ("commands", 200, "in_channel"),
    ]
    # response_url reaches a private channel the bot is not in
    assert [m.text for m in slack.messages("G1")] == ["everyone sees this"]
    assert [m.text for m in slack.ephemerals("U1")] == ["only you see this"]


async def test_button_click_reaches_action_listener(
    client: AsyncWebClient, slack: SlackEmulator
) -> None:
    app = new_app(slack)
    clicks: list[Body] = []

    @app.action("approve")
    async def on_approve(ack: Any, body: Body, respond: Any) -> None:
        await ack()
        clicks.append(body)
        await respond(replace_original=True, text="Approved by <@U2>")

    posted = await client.chat_postMessage(channel="C1", text="ticket", blocks=approval_blocks())
    async with connected(slack, app):
        envelope_id = await slack.click_button("C1", posted["ts"], "approve", user="U2")
        await slack.wait_for_ack(envelope_id, TIMEOUT)
        await slack.wait_for(lambda: slack.response_url_posts, TIMEOUT)

    body = clicks[0]
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C1",
        "is_ephemeral": False,
    }
    assert body["user"]["id"] == "U2" and body["channel"]["id"] == "C1"
    assert body["actions"][0]["value"] == "T-1"
    assert body["actions"][0]["block_id"] == "decision"
    assert body["message"]["blocks"] == approval_blocks()
    message = slack.message("C1", posted["ts"])
    assert message.text == "Approved by <@U2>" and message.source == "response_url"
    assert message.posted_with == "chat.postMessage"  # the first version's source
    assert slack.response_url_posts[0].replace_original


async def test_push_envelope_while_disconnected_waits_for_a_connection(
    slack: SlackEmulator,
) -> None:
    app = new_app(slack)

    @app.command("/ticket")
    async def on_ticket(ack: Any) -> None:
        await ack()

    envelope_id = await slack.slash_command("/ticket", "early")
    await asyncio.sleep(0)
    async with connected(slack, app):
        await slack.wait_for_ack(envelope_id, TIMEOUT)


async def test_control_routes_drive_a_standalone_emulator(slack: SlackEmulator) -> None:
    app = new_app(slack)

    @app.command("/ticket")
    async def on_ticket(ack: Any) -> None:
        await ack("ok")

    async with connected(slack, app), aiohttp.ClientSession(slack.base_url) as http:
        command = {"command": "/ticket", "text": "hi", "user": "U3", "channel": "C1"}
        async with http.post("/_emulator/slash_command", json=command) as response:
            envelope_id = (await response.json())["envelope_id"]
        await slack.wait_for_ack(envelope_id, TIMEOUT)
        async with http.get("/_emulator/state") as response:
            state = await response.json()
        async with http.post(
            "/_emulator/slash_command", json={"command": "/x", "user": "U9"}
        ) as bad:
            assert bad.status == 400

    assert state["ephemerals"]["U3"][0]["text"] == "ok"
    assert state["acks"][0]["envelope_id"] == envelope_id


async def test_shutdown_with_a_connected_client_is_quick() -> None:
    emulator = SlackEmulator(bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    await emulator.start()
    handler = AsyncSocketModeHandler(new_app(emulator), APP_TOKEN, ping_interval=0.2)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    await emulator.wait_for_connections(1, TIMEOUT)
    try:
        await asyncio.wait_for(emulator.stop(), TIMEOUT)
        assert emulator.open_connections == 0
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
