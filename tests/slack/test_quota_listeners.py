"""Quotas as a person meets them: real payloads through the Bolt app (see test_listeners)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.settings import QuotaSettings
from bot.slack import blocks
from bot.slack.app import create_app
from bot.triage.intake import Intake
from bot.triage.quotas import Quotas
from emulators.slack import payloads
from tests.slack.test_listeners import BOT_TOKEN, Harness

# The in-process harness's fixtures, used here as they are:
from tests.slack.test_listeners import database_url as database_url
from tests.slack.test_listeners import harness as harness

TIGHT = QuotaSettings(tickets=2, status_lookups=2, unfinished_per_requester=5, unfinished_total=3)


@pytest.fixture
async def quota_harness(harness: Harness) -> AsyncIterator[Harness]:
    """The harness, with ``TIGHT`` quotas."""
    intake = Intake(harness.tickets, harness.worker, 8, Quotas.from_settings(TIGHT))
    services = dataclasses.replace(harness.services, intake=intake)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=harness.slack.api_url)
    yield dataclasses.replace(harness, app=create_app(client, services), services=services)


async def test_over_the_ticket_quota_the_answer_is_private_and_nothing_is_filed(
    quota_harness: Harness,
) -> None:
    h = quota_harness
    acks = [(await h.dispatch(h.command("/ticket", f"Printer {n} jammed")))[1] for n in range(3)]
    assert [a["text"] for a in acks[:2]] == [messages.FILING, messages.FILING]
    refusal = acks[2]["text"]
    assert refusal.startswith("You have reached the limit of 2 tickets per 10 minutes")
    assert "You can file another in about 5 minutes." in refusal
    assert acks[2].get("response_type") in (None, "ephemeral")
    assert len(await h.tickets.listing()) == 2
    _, other = await h.dispatch(h.command("/ticket", "VPN is down", user="U2"))
    assert other["text"] == messages.FILING


async def test_the_form_over_the_quota_shows_the_answer_on_the_summary(
    quota_harness: Harness,
) -> None:
    h = quota_harness
    await h.dispatch(h.command("/ticket", ""))  # the form is open; then two tickets by command
    [record] = h.slack.views.values()
    for n in range(2):
        await h.dispatch(h.command("/ticket", f"Printer {n} jammed"))
    state = payloads.view_state(
        record.view, {blocks.SUMMARY_BLOCK: {blocks.VALUE_ACTION: "New laptop please"}}
    )
    body = payloads.view_submission(record, h.user("U1"), state, trigger_id="t-form")
    _, ack = await h.dispatch(body)
    assert ack["response_action"] == "errors"
    assert ack["errors"][blocks.SUMMARY_BLOCK].startswith("You have reached the limit of 2")
    assert len(await h.tickets.listing()) == 2


async def test_over_the_status_quota_the_answer_comes_with_the_ack(
    quota_harness: Harness,
) -> None:
    h = quota_harness
    for _ in range(2):
        _, ack = await h.dispatch(h.command("/ticket_status", "KAN-404"))
        assert ack == {}
    _, ack = await h.dispatch(h.command("/ticket_status", "KAN-404"))
    assert ack["text"].startswith("You have reached the limit of 2 status lookups per minute")
    assert len(await h.response_texts()) == 2  # the third never reached the lookup
    _, other = await h.dispatch(h.command("/ticket_status", "KAN-404", user="U2"))
    assert other == {}


async def test_everyone_over_the_unfinished_cap_is_told_busy(quota_harness: Harness) -> None:
    h = quota_harness
    await h.worker.stop()  # nothing gets finished, so every ticket stays unfinished
    for user in ("U1", "U2", "U3"):
        _, ack = await h.dispatch(h.command("/ticket", f"Request from {user}", user=user))
        assert ack["text"] == messages.FILING
    _, ack = await h.dispatch(h.command("/ticket", "One more", user="U2"))
    assert ack["text"].startswith("ticketbot is busy: 3 tickets are waiting to be filed")
    assert "try again in about 5 minutes" in ack["text"]
    assert len(await h.tickets.listing()) == 3
