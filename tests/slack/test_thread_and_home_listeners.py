"""Thread replies, their edits and deletions, App Home and its buttons, through the real Bolt
app in process (``tests/slack/test_listeners.py``'s harness; Jira comments are the fake)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import messages
from bot.db.models import ThreadComment
from bot.errors import StorageError
from bot.slack import blocks
from bot.tickets import TicketState
from emulators.slack import StoredMessage, events
from tests.slack import test_listeners
from tests.slack.test_listeners import Harness

# The in-process harness and its database, shared with test_listeners.py.
harness = test_listeners.harness
database_url = test_listeners.database_url


async def settle(harness: Harness, until: Callable[[], object] = lambda: True) -> None:
    """Wait until ``until()`` holds (Bolt runs event listeners after it has acknowledged the
    event, so dispatch returns first), then for the background work the listeners started."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not until():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)
    await harness.services.background.drain(deadline=loop.time() + 5)


def event_body(harness: Harness, message: StoredMessage) -> dict[str, Any]:
    return events.event_callback(events.message_event(message, harness.channel(message.channel)))


def envelope_body(harness: Harness, envelope_id: str | None) -> dict[str, Any]:
    assert envelope_id is not None
    return harness.slack.envelope(envelope_id).payload


async def a_ticket(harness: Harness) -> StoredMessage:
    await harness.dispatch(harness.command("/ticket", "The VPN drops every hour"))
    return await harness.posted()


async def test_a_thread_reply_becomes_one_comment_even_when_redelivered(harness: Harness) -> None:
    parent = await a_ticket(harness)
    reply = await harness.slack.post_user_message(
        "C1", "Also <@U3> sees it", user="U2", thread_ts=parent.ts, deliver=False
    )
    body = event_body(harness, reply)
    status, _ = await harness.dispatch(body)
    await settle(harness, lambda: harness.comments.adds)
    await harness.dispatch(body)  # Slack delivers it again
    await settle(harness)
    assert status == 200
    [comment] = harness.comments.bodies("KAN-1")
    assert comment.startswith("Bob Baker in Slack\\:") and "Also @Carol Clark sees it" in comment
    assert harness.comments.adds == 1


async def test_a_reply_is_in_the_database_before_its_event_is_acknowledged(
    harness: Harness, engine: AsyncEngine
) -> None:
    parent = await a_ticket(harness)
    reply = await harness.slack.post_user_message(
        "C1", "Still down", user="U2", thread_ts=parent.ts, deliver=False
    )
    status, _ = await harness.dispatch(event_body(harness, reply))
    async with engine.connect() as connection:  # at once: a crash from here on loses nothing
        recorded = await connection.scalar(select(func.count()).select_from(ThreadComment))
    assert (status, recorded) == (200, 1)
    await settle(harness, lambda: harness.comments.adds)


async def test_a_reply_the_database_cannot_take_is_left_for_slack_to_redeliver(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    parent = await a_ticket(harness)
    reply = await harness.slack.post_user_message(
        "C1", "Still down", user="U2", thread_ts=parent.ts, deliver=False
    )
    body = event_body(harness, reply)

    async def database_down(*_: object) -> int:
        raise StorageError("cannot record a thread reply: OperationalError (disk I/O error)")

    with monkeypatch.context() as patched:
        patched.setattr(harness.services.threads, "reply", database_down)
        with caplog.at_level(logging.WARNING, logger="bot.slack.listeners.errors"):
            status, _ = await harness.dispatch(body)
    assert status != 200  # the Socket Mode adapter sends no ack: Slack delivers it again
    assert "message event not recorded, left for Slack to redeliver" in caplog.text
    assert "Traceback" not in caplog.text
    status, _ = await harness.dispatch(body)  # the redelivery, the database back
    await settle(harness, lambda: harness.comments.adds)
    assert status == 200 and harness.comments.adds == 1


async def test_bots_other_threads_and_top_level_messages_are_not_copied(harness: Harness) -> None:
    parent = await a_ticket(harness)
    slack = harness.slack
    other = await slack.post_user_message("C1", "unrelated", user="U2", deliver=False)
    candidates = [
        await slack.post_user_message("C1", "hi", user="U2", deliver=False),
        await slack.post_user_message("C1", "x", user="U2", thread_ts=other.ts, deliver=False),
        await slack.post_user_message(
            "C1", "an app", user="U2", thread_ts=parent.ts, bot_id="B999", deliver=False
        ),
    ]
    last = await slack.post_user_message("C1", "ok", user="U2", thread_ts=parent.ts, deliver=False)
    for message in [*candidates, last]:  # handled in order: the last one shows they were seen
        status, _ = await harness.dispatch(event_body(harness, message))
        assert status == 200
    await settle(harness, lambda: harness.comments.adds)
    [comment] = harness.comments.bodies("KAN-1")
    assert comment.splitlines()[1] == "ok"
    assert harness.comments.adds == 1


async def test_an_edit_and_a_deletion_reach_the_same_comment(harness: Harness) -> None:
    parent = await a_ticket(harness)
    slack = harness.slack
    reply = await slack.post_user_message(
        "C1", "first", user="U2", thread_ts=parent.ts, deliver=False
    )
    comments = harness.comments
    await harness.dispatch(event_body(harness, reply))
    await settle(harness, lambda: comments.adds)
    await harness.dispatch(envelope_body(harness, await slack.changes.edit("C1", reply.ts, "2nd")))
    await settle(harness, lambda: "2nd" in str(comments.bodies("KAN-1")))
    [comment] = comments.bodies("KAN-1")
    assert "\\(edited\\)" in comment
    await harness.dispatch(envelope_body(harness, await slack.changes.delete("C1", reply.ts)))
    await settle(harness, lambda: comments.bodies("KAN-1") == [])


async def test_home_shows_the_requester_their_tickets_and_the_approver_the_waiting(
    harness: Harness,
) -> None:
    await a_ticket(harness)
    slack = harness.slack
    for user in ("U1", "U2", "U3"):
        await harness.dispatch(envelope_body(harness, await slack.home.open_home(user)))
    await settle(harness, lambda: len(slack.home.views) == 3)
    assert "KAN-1" in slack.home.text("U1") and messages.HOME_WAITING not in slack.home.text("U1")
    assert slack.home.buttons("U2", blocks.APPROVE_ACTION) == ["1"]
    assert "KAN-1" not in slack.home.text("U3")  # neither requester nor approver


async def test_approve_from_home_decides_and_updates_the_ticket_message(harness: Harness) -> None:
    parent = await a_ticket(harness)
    slack = harness.slack
    await harness.dispatch(envelope_body(harness, await slack.home.open_home("U2")))
    await settle(harness, lambda: "U2" in slack.home.views)
    status, _ = await harness.dispatch(slack.home.click_payload("U2", blocks.APPROVE_ACTION, "1"))
    await settle(harness, lambda: "Done" in slack.home.text("U2"))
    assert status == 200
    [ticket] = await harness.tickets.listing()
    assert (ticket.state, ticket.decided_by) == (TicketState.APPROVED, "U2")
    assert "<@U2>" in str(slack.message("C1", parent.ts).blocks)  # the ticket message shows it
    home = slack.home.text("U2")
    assert messages.HOME_DECIDED.format(key="KAN-1", decision="approved") in home
    assert slack.home.buttons("U2", blocks.APPROVE_ACTION) == []


async def test_a_forged_home_click_by_a_non_approver_decides_nothing(harness: Harness) -> None:
    await a_ticket(harness)
    slack = harness.slack
    await harness.dispatch(envelope_body(harness, await slack.home.open_home("U2")))
    await settle(harness, lambda: "U2" in slack.home.views)
    forged = slack.home.click_payload("U2", blocks.APPROVE_ACTION, "1")
    forged["user"] = {"id": "U3", "username": "carol", "name": "carol", "team_id": "T111"}
    await harness.dispatch(forged)
    await settle(harness, lambda: "U3" in slack.home.views)
    [ticket] = await harness.tickets.listing()
    assert ticket.state is TicketState.POSTED
    assert messages.REFUSED_NOT_APPROVER in slack.home.text("U3")
