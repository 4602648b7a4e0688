"""Tickets from a message, in process: the "File as ticket" shortcut, its form and the filing
emoji, as real payloads dispatched through the real Bolt app against the emulated Web API
(files, threads, permalinks included). Jira and the model are the fakes; the e2e tests
(tests/e2e/test_message_sources.py) start `python app.py`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import messages
from bot.db.engine import session_factory
from bot.db.examples import ExampleStore
from bot.db.leases import Leases
from bot.db.outbox import Outbox
from bot.db.sources import CONFIRM_IN_SOURCE, COPY_FILES
from bot.db.tickets import TicketLog
from bot.errors import TrackerValidationError
from bot.settings import PipelineSettings, Settings
from bot.settings_sources import SourceSettings
from bot.slack import blocks
from bot.slack.app import RATE_LIMIT_RETRIES, create_app
from bot.slack.chat import SlackChat
from bot.slack.context import SlackServices
from bot.slack.source_blocks import FILES_BLOCK, REQUESTER_BLOCK, SOURCE_MODAL_CALLBACK
from bot.slack.sources import MessageSources, SlackSources
from bot.slack.tasks import BackgroundTasks
from bot.tickets import TicketSource
from bot.triage.corrections import Corrector
from bot.triage.decisions import Decider
from bot.triage.forms import FormFields
from bot.triage.intake import Intake
from bot.triage.pipeline import TicketPipeline
from bot.triage.publisher import Publisher
from bot.triage.routing import Router
from bot.triage.sources import MessageFiling, SourceEffects
from bot.triage.status import StatusLookup
from bot.triage.visibility import Visibility
from bot.triage.worker import TicketWorker
from emulators.slack import SlackEmulator, StoredMessage, default_users, payloads
from emulators.slack import events as slack_events
from tests.triage.fakes import FakeAttachments, FakeChannels, FakeClassifier, FakeTracker, filing

BOT_TOKEN = "xoxb-test"
SOURCE_KINDS = (CONFIRM_IN_SOURCE, COPY_FILES)
NOT_USED: Any = None
WAIT = 10.0


def socket_mode(body: dict[str, Any]) -> AsyncBoltRequest:
    return AsyncBoltRequest(body=body, mode="socket_mode")


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"


@dataclass
class Harness:
    app: AsyncApp
    slack: SlackEmulator
    tickets: TicketLog
    tracker: FakeTracker
    attachments: FakeAttachments
    services: SlackServices
    worker: TicketWorker
    outbox: Outbox

    async def dispatch(self, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
        return json.loads(response.body) if response.body.startswith("{") else {}

    def user(self, user_id: str) -> Any:
        return next(u for u in default_users() if u.id == user_id)

    def shortcut(self, message: StoredMessage, user: str) -> dict[str, Any]:
        state, where = self.slack.state, self.slack.channel(message.channel)
        return slack_events.message_action(
            "file_as_ticket", self.user(user), where, message,
            trigger_id=state.issue_trigger(user),
            response_url=state.issue_response_url(self.slack.base_url, "actions", where.id, user),
        )

    def reaction(self, message: StoredMessage, user: str, emoji: str = "ticket") -> dict[str, Any]:
        event = slack_events.reaction_added(self.user(user), emoji, message)
        return slack_events.event_callback(event)

    def submit(self, values: dict[str, dict[str, Any]], user: str) -> dict[str, Any]:
        [record] = [v for v in self.slack.views.values() if v.state == "open"]
        state = payloads.view_state(record.view, values)
        return payloads.view_submission(
            record, self.user(user), state, trigger_id=self.slack.state.issue_trigger(user)
        )

    async def settle(self) -> None:
        """Until every ticket is posted and its source tasks are done."""
        async def done() -> bool:
            listed = await self.tickets.listing()
            if not listed or any(t.message_ts is None for t in listed):
                return False
            tasks = [task for t in listed for task in await self.outbox.tasks(t.id)]
            return all(task.state != "pending" for task in tasks if task.kind in SOURCE_KINDS)

        for _ in range(int(WAIT / 0.02)):
            if await done():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the tickets never settled")

    async def views(self, count: int = 1) -> list[Any]:
        """The views opened, once there are ``count`` (the listener runs after the ack)."""
        for _ in range(int(WAIT / 0.02)):
            if len(self.slack.views) >= count:
                return sorted(self.slack.views.values(), key=lambda v: v.id)
            await asyncio.sleep(0.02)
        raise AssertionError(f"{count} view(s) never opened")

    async def told(self, user: str, count: int) -> list[str]:
        for _ in range(int(WAIT / 0.02)):
            if len(self.ephemerals(user)) >= count:
                break
            await asyncio.sleep(0.02)
        return self.ephemerals(user)

    def ephemerals(self, user: str) -> list[str]:
        return [m.text for m in self.slack.ephemerals(user)]  # response_url ones included


@pytest.fixture
async def harness(engine: AsyncEngine) -> AsyncIterator[Harness]:
    async with SlackEmulator(bot_token=BOT_TOKEN, redeliver_after_s=None) as slack:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        sessions = session_factory(engine)
        tickets, examples, leases = TicketLog(sessions), ExampleStore(sessions), Leases(sessions)
        settings = Settings(pipeline=PipelineSettings(retry_base_s=0.01))
        sources_settings = SourceSettings(reaction_filing=True, attachment_max_bytes=100)
        tracker, chat = FakeTracker(), SlackChat(client, filing().installation)
        pipeline = TicketPipeline(
            tickets, leases, FakeClassifier(), tracker, filing(), chat, settings.pipeline
        )
        worker = TicketWorker(pipeline, tickets, settings.pipeline)
        source_slack = SlackSources(client, chat.person)
        attachments = FakeAttachments()
        effects = SourceEffects(source_slack, attachments, sources_settings)
        outbox = Outbox(sessions)
        publisher = Publisher(tickets, outbox, tracker, chat, settings, effects)
        worker.after_run = publisher.publish
        intake = Intake(tickets, worker, settings.pipeline.concurrency)
        visibility = Visibility("KAN", [], chat)
        services = SlackServices(
            intake=intake,
            status=StatusLookup(tickets, tracker, visibility),
            decider=Decider(tickets, publisher, settings, examples),
            corrector=Corrector(tickets, publisher, settings, examples),
            background=BackgroundTasks(),
            # Thread replies and App Home are not what these listeners use (their own tests:
            # tests/slack/test_thread_and_home_listeners.py).
            threads=NOT_USED,
            home=NOT_USED,
            sources=MessageSources(
                MessageFiling(intake, tickets, sources_settings), source_slack
            ),
        )
        yield Harness(
            create_app(client, services), slack, tickets, tracker, attachments, services,
            worker, outbox,
        )
        await worker.stop()


async def test_the_shortcut_opens_the_form_filled_from_the_message(harness: Harness) -> None:
    message = await harness.slack.post_user_message(
        "C1", "Printer <@U3> said is on fire\nsince <https://status.example|this morning>",
        user="U2", deliver=False,
    )
    await harness.dispatch(harness.shortcut(message, user="U1"))
    [record] = await harness.views()
    view = record.view
    assert view["callback_id"] == SOURCE_MODAL_CALLBACK
    inputs = {b.get("block_id"): b.get("element", {}) for b in view["blocks"]}
    assert inputs[blocks.SUMMARY_BLOCK]["initial_value"] == "Printer @carol said is on fire"
    details = inputs[blocks.DETAILS_BLOCK]["initial_value"]
    assert "since this morning (https://status.example)" in details
    assert inputs[REQUESTER_BLOCK]["initial_user"] == "U2"
    assert inputs[FILES_BLOCK]["type"] == "file_input"
    assert "/archives/C1/p" in json.dumps(view["blocks"][0])  # the permalink, shown


async def test_the_form_files_for_the_author_and_confirms_in_the_thread_once(
    harness: Harness,
) -> None:
    message = await harness.slack.post_user_message(
        "C1", "VPN drops every hour", user="U2", files=[("vpn.log", b"x" * 10)], deliver=False
    )
    await harness.dispatch(harness.shortcut(message, user="U1"))
    await harness.views()
    ack = await harness.dispatch(harness.submit({
        blocks.SUMMARY_BLOCK: {blocks.VALUE_ACTION: "VPN drops every hour"},
        blocks.DETAILS_BLOCK: {blocks.VALUE_ACTION: "since Monday"},
        REQUESTER_BLOCK: {blocks.VALUE_ACTION: "U2"},
    }, user="U1"))
    assert ack == {}
    await harness.settle()
    [ticket] = await harness.tickets.listing()
    assert ticket.source is TicketSource.SHORTCUT
    assert (ticket.requester_id, ticket.filed_by) == ("U2", "U1")
    assert harness.tracker.issues["KAN-1"].permalink == ticket.source_permalink
    assert harness.attachments.issues == {"KAN-1": [("vpn.log", 10)]}
    [reply] = harness.slack.thread("C1", message.ts)
    assert "Filed as" in reply.text and "KAN-1" in reply.text
    ticket = await harness.tickets.get(ticket.id)
    assert ticket is not None
    await harness.services.sources.slack.confirm_filed(ticket)  # type: ignore[union-attr]
    assert len(harness.slack.thread("C1", message.ts)) == 1  # found, not posted again


async def test_a_second_person_submitting_the_same_message_is_told_which(
    harness: Harness,
) -> None:
    message = await harness.slack.post_user_message("C1", "Badge reader broken", user="U2",
                                                    deliver=False)
    await harness.dispatch(harness.shortcut(message, user="U1"))
    await harness.views(1)
    await harness.dispatch(harness.shortcut(message, user="U3"))
    first, second = await harness.views(2)
    values = {blocks.SUMMARY_BLOCK: {blocks.VALUE_ACTION: "Badge reader broken"},
              REQUESTER_BLOCK: {blocks.VALUE_ACTION: "U2"}}

    def submitted(record: Any, user: str) -> dict[str, Any]:
        state = payloads.view_state(record.view, values)
        return payloads.view_submission(
            record, harness.user(user), state, trigger_id=harness.slack.state.issue_trigger(user)
        )

    assert await harness.dispatch(submitted(first, "U1")) == {}
    assert await harness.dispatch(submitted(first, "U1")) == {}  # a redelivery: fine
    refused = await harness.dispatch(submitted(second, "U3"))
    assert refused["response_action"] == "errors"
    assert "already filed as" in refused["errors"][blocks.SUMMARY_BLOCK]
    assert len(await harness.tickets.listing()) == 1


async def test_bot_messages_and_mentions_only_are_refused_privately(harness: Harness) -> None:
    bot = await harness.slack.post_user_message("C1", "deploy done", user="U3", bot_id="B9",
                                                deliver=False)
    mention = await harness.slack.post_user_message("C1", "<@U2> <!here>", user="U3",
                                                    deliver=False)
    await harness.dispatch(harness.shortcut(bot, user="U1"))
    await harness.dispatch(harness.shortcut(mention, user="U1"))
    told = await harness.told("U1", 2)
    assert sorted(told) == sorted([messages.SOURCE_FROM_BOT, messages.SOURCE_EMPTY])
    assert not harness.slack.views and not await harness.tickets.listing()


async def test_the_shortcut_where_the_bot_is_not_confirms_by_dm(harness: Harness) -> None:
    message = await harness.slack.post_user_message("random", "Coffee machine leaks",
                                                    user="U2", deliver=False)
    await harness.dispatch(harness.shortcut(message, user="U1"))
    await harness.views()
    await harness.dispatch(harness.submit({
        blocks.SUMMARY_BLOCK: {blocks.VALUE_ACTION: "Coffee machine leaks"},
        REQUESTER_BLOCK: {blocks.VALUE_ACTION: "U2"},
    }, user="U1"))
    await harness.settle()
    assert not harness.slack.thread("C2", message.ts)
    dm = harness.slack.messages("D1")
    assert any("Filed as" in m.text and "KAN-1" in m.text for m in dm)


async def test_the_emoji_files_once_however_many_react(harness: Harness) -> None:
    message = await harness.slack.post_user_message("C1", "Disk full on build-3", user="U2",
                                                    deliver=False)
    await asyncio.gather(
        harness.dispatch(harness.reaction(message, user="U1")),
        harness.dispatch(harness.reaction(message, user="U3")),
    )
    await harness.settle()
    [ticket] = await harness.tickets.listing()
    other = "U3" if ticket.filed_by == "U1" else "U1"
    await harness.dispatch(harness.reaction(message, user=ticket.filed_by or "U1"))
    assert ticket.source is TicketSource.REACTION and ticket.requester_id == "U2"
    assert ticket.filed_by in ("U1", "U3")
    told = await harness.told(other, 1) + await harness.told(ticket.filed_by or "U1", 1)
    assert len([t for t in told if "already filed as" in t]) == 2
    assert len(harness.slack.thread("C1", message.ts)) == 1


async def test_the_reaction_is_filed_before_it_is_acknowledged(harness: Harness) -> None:
    message = await harness.slack.post_user_message("C1", "Disk full on build-3", user="U2",
                                                    deliver=False)
    response = await harness.app.async_dispatch(socket_mode(harness.reaction(message, user="U1")))
    [ticket] = await harness.tickets.listing()  # at once: a crash from here on loses nothing
    assert response.status == 200 and ticket.source is TicketSource.REACTION
    await harness.settle()


async def test_a_reaction_slack_cannot_read_now_is_left_for_slack_to_redeliver(
    harness: Harness,
) -> None:
    message = await harness.slack.post_user_message("C1", "Disk full on build-3", user="U2",
                                                    deliver=False)
    body = harness.reaction(message, user="U1")
    harness.slack.faults.rate_limit(
        "conversations.history", times=RATE_LIMIT_RETRIES + 1, retry_after=0
    )
    first = await harness.app.async_dispatch(socket_mode(body))
    assert first.status != 200  # no ack: Slack delivers it again
    assert await harness.tickets.listing() == []
    harness.slack.faults.clear()
    again = await harness.app.async_dispatch(socket_mode(body))
    await harness.settle()
    [ticket] = await harness.tickets.listing()
    assert again.status == 200 and ticket.filed_by == "U1"
    assert harness.ephemerals("U1") == []


async def test_a_message_the_bot_may_not_read_is_explained(harness: Harness) -> None:
    message = await harness.slack.post_user_message("C1", "Disk full on build-3", user="U2",
                                                    deliver=False)
    harness.slack.faults.fail("conversations.history", "not_in_channel", times=1)
    response = await harness.app.async_dispatch(socket_mode(harness.reaction(message, user="U1")))
    [told] = await harness.told("U1", 1)
    assert response.status == 200 and "`not_in_channel`" in told and "/invite" in told
    assert await harness.tickets.listing() == []


async def test_other_emoji_and_files_over_the_cap(harness: Harness) -> None:
    message = await harness.slack.post_user_message(
        "C1", "Logs attached", user="U2", deliver=False,
        files=[("small.txt", b"s" * 10), ("big.bin", b"b" * 500)],
    )
    await harness.dispatch(harness.reaction(message, user="U1", emoji="eyes"))
    await harness.dispatch(harness.reaction(message, user="U1", emoji="ticket::skin-tone-2"))
    await harness.settle()
    assert len(await harness.tickets.listing()) == 1
    assert harness.attachments.issues == {"KAN-1": [("small.txt", 10)]}
    for _ in range(200):  # the comment is a task of its own, run by the publisher's loop
        [ticket] = await harness.tickets.listing()
        pending = [t for t in await harness.outbox.tasks(ticket.id) if t.kind == "jira_comment"]
        if pending:
            break
        await asyncio.sleep(0.02)
    [comment] = pending
    assert "big.bin" in comment.payload["text"] and "limit" in comment.payload["text"]


async def test_files_shared_in_the_form_are_attached_too(harness: Harness) -> None:
    message = await harness.slack.post_user_message(
        "C1", "Screen flickers", user="U2", files=[("one.txt", b"1" * 5)], deliver=False
    )
    shot = harness.slack.files.add("shot.png", b"p" * 7, user="U1")
    await harness.dispatch(harness.shortcut(message, user="U1"))
    await harness.views()
    await harness.dispatch(harness.submit({
        blocks.SUMMARY_BLOCK: {blocks.VALUE_ACTION: "Screen flickers"},
        REQUESTER_BLOCK: {blocks.VALUE_ACTION: "U2"},
        FILES_BLOCK: {blocks.VALUE_ACTION: {"files": [shot.to_api(harness.slack.base_url)]}},
    }, user="U1"))
    await harness.settle()
    assert sorted(harness.attachments.issues["KAN-1"]) == [("one.txt", 5), ("shot.png", 7)]


async def test_the_emoji_on_the_bots_own_message_does_nothing(harness: Harness) -> None:
    ours = harness.slack.state.post(harness.slack.channel("C1"), "KAN-1 filed", None)
    await harness.dispatch(harness.reaction(ours, user="U1"))
    other = await harness.slack.post_user_message("C1", "Disk full", user="U2", deliver=False)
    await harness.dispatch(harness.reaction(other, user="U1"))
    await harness.settle()
    [ticket] = await harness.tickets.listing()
    assert ticket.source_ts == other.ts
    assert harness.ephemerals("U1") == []


async def test_the_person_who_reacted_hears_when_jira_refuses(harness: Harness) -> None:
    harness.tracker.failures.append(TrackerValidationError("Jira refused", field_errors={}))
    message = await harness.slack.post_user_message("C1", "Disk full", user="U2", deliver=False)
    await harness.dispatch(harness.reaction(message, user="U1"))
    [told] = await harness.told("U1", 1)
    assert told.startswith("Jira rejected") and harness.ephemerals("U2") == []


async def test_the_shortcut_form_asks_for_the_required_fields_and_keeps_the_pick(
    harness: Harness,
) -> None:
    from tests.slack.test_routing_listeners import SETTINGS, Catalog

    catalog = Catalog()
    forms = FormFields(Router(SETTINGS, FakeChannels()), catalog)
    services = replace(harness.services, forms=forms)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=harness.slack.api_url)
    h = replace(harness, app=create_app(client, services), services=services)
    message = await h.slack.post_user_message("C1", "Deploy is stuck", user="U2", deliver=False)
    await h.dispatch(h.shortcut(message, user="U1"))
    [record] = await h.views()
    field = "jira-field-customfield_10010"
    block = next(b for b in record.view["blocks"] if b.get("block_id") == field)
    assert [o["value"] for o in block["element"]["options"]] == ["1", "2"]
    assert catalog.asked == ["OPS"]
    await h.dispatch(h.submit({
        blocks.SUMMARY_BLOCK: {blocks.VALUE_ACTION: "Deploy is stuck"},
        REQUESTER_BLOCK: {blocks.VALUE_ACTION: "U2"},
        field: {"value": "2"},
    }, user="U1"))
    await h.settle()
    [ticket] = await h.tickets.listing()
    assert ticket.jira_fields == {"customfield_10010": "2"}
