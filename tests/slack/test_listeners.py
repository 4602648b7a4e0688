"""The Slack layer in process: real Socket Mode payloads dispatched through the real Bolt app
(``AsyncApp.async_dispatch``), talking to the emulated Web API over HTTP.

The use cases are real (ticket log on SQLite, intake, worker, pipeline, decisions); Jira and
the model are the in-memory fakes of ``tests/triage/fakes.py``. What starts `python app.py`
is in tests/e2e; this tier is for listener behaviour and runs in milliseconds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import messages
from bot.db.engine import session_factory
from bot.db.examples import ExampleStore
from bot.db.home_reads import HomeReads
from bot.db.leases import Leases
from bot.db.outbox import Outbox
from bot.db.thread_comments import ThreadComments
from bot.db.tickets import TicketLog
from bot.settings import ApprovalSettings, PipelineSettings, Settings
from bot.slack import blocks
from bot.slack.app import create_app
from bot.slack.chat import SlackChat
from bot.slack.context import SlackServices
from bot.slack.home import SlackHome
from bot.slack.tasks import BackgroundTasks
from bot.slack.threads import SlackThreads
from bot.tickets import TicketState
from bot.triage.corrections import Corrector
from bot.triage.decisions import Decider
from bot.triage.home import HomeTab
from bot.triage.intake import Intake
from bot.triage.pipeline import TicketPipeline
from bot.triage.publisher import Publisher
from bot.triage.reply_files import ReplyFiles
from bot.triage.status import StatusLookup
from bot.triage.thread_sync import ThreadSync
from bot.triage.visibility import Visibility
from bot.triage.worker import TicketWorker
from emulators.slack import Channel, SlackEmulator, StoredMessage, User, default_users, payloads
from tests.triage.fakes import (
    FakeAttachments,
    FakeClassifier,
    FakeComments,
    FakeSourceChat,
    FakeTracker,
    filing,
)

BOT_TOKEN = "xoxb-test"


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"


@dataclass
class Harness:
    app: AsyncApp
    slack: SlackEmulator
    tickets: TicketLog
    tracker: FakeTracker
    services: SlackServices
    worker: TicketWorker
    comments: FakeComments

    def user(self, user_id: str) -> User:
        return next(u for u in default_users() if u.id == user_id)

    def channel(self, channel_id: str) -> Channel:
        return self.slack.channel(channel_id)

    async def dispatch(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Bolt's answer as the Socket Mode adapter sends it back to Slack."""
        response = await self.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
        await asyncio.sleep(0)
        if not response.body:
            return response.status, {}
        if response.body.startswith("{"):
            return response.status, json.loads(response.body)
        return response.status, {"text": response.body}

    def command(
        self, command: str, text: str, user: str = "U1", channel: str = "C1"
    ) -> dict[str, Any]:
        state = self.slack.state
        return payloads.slash_command(
            command,
            text,
            self.user(user),
            self.channel(channel),
            response_url=state.issue_response_url(self.slack.base_url, "commands", channel, user),
            trigger_id=state.issue_trigger(user),
        )

    def click(self, message: StoredMessage, action_id: str, user: str) -> dict[str, Any]:
        block, button = next(
            (b.get("block_id"), e)
            for b in message.blocks or []
            for e in b.get("elements") or []
            if e.get("action_id") == action_id
        )
        state = self.slack.state
        return payloads.block_actions(
            payloads.button_action(block, button, button.get("value")),
            self.user(user),
            self.channel(message.channel),
            message,
            response_url=state.issue_response_url(
                self.slack.base_url, "actions", message.channel, user, message.ts
            ),
            trigger_id=state.issue_trigger(user),
        )

    async def posted(self, channel: str = "C1") -> StoredMessage:
        """The first ticket message, once the ticket log has recorded it too."""
        for _ in range(200):
            found = [m for m in self.slack.messages(channel) if m.blocks]
            recorded = {t.message_ts for t in await self.tickets.listing()}
            if found and found[0].ts in recorded:
                return found[0]
            await asyncio.sleep(0.02)
        raise AssertionError("the ticket message was never posted")

    async def response_texts(self) -> list[str]:
        await self.services.background.drain(deadline=asyncio.get_running_loop().time() + 5)
        return [str(post.body.get("text")) for post in self.slack.response_url_posts]


@pytest.fixture
async def harness(engine: AsyncEngine) -> AsyncIterator[Harness]:
    async with SlackEmulator(bot_token=BOT_TOKEN, redeliver_after_s=None) as slack:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        sessions = session_factory(engine)
        tickets, examples, leases = TicketLog(sessions), ExampleStore(sessions), Leases(sessions)
        settings = Settings(
            approvals=ApprovalSettings(approvers=["U2"]),
            pipeline=PipelineSettings(retry_base_s=0.01),
        )
        tracker, chat = FakeTracker(), SlackChat(client, filing().installation)
        comments = FakeComments()
        pipeline = TicketPipeline(
            tickets, leases, FakeClassifier(), tracker, filing(), chat, settings.pipeline
        )
        worker = TicketWorker(pipeline, tickets, settings.pipeline)
        publisher = Publisher(tickets, Outbox(sessions), tracker, chat, settings)
        services = SlackServices(
            intake=Intake(tickets, worker, settings.pipeline.concurrency),
            status=StatusLookup(
                tickets, tracker, Visibility("KAN", settings.approvals.approvers, chat)
            ),
            decider=Decider(tickets, publisher, settings, examples),
            corrector=Corrector(tickets, publisher, settings, examples),
            background=BackgroundTasks(),
            threads=ThreadSync(
                tickets, ThreadComments(sessions), comments, SlackThreads(client),
                ReplyFiles(FakeSourceChat(), FakeAttachments(), settings.sources),
                settings.pipeline,
            ),
            home=HomeTab(
                StatusLookup(tickets, tracker, Visibility("KAN", ["U2"], chat)),
                HomeReads(sessions), settings.approvals, SlackHome(client),
            ),
        )
        yield Harness(
            create_app(client, services), slack, tickets, tracker, services, worker, comments
        )
        await services.background.drain(deadline=asyncio.get_running_loop().time() + 5)
        await worker.stop()


async def test_ticket_is_acknowledged_recorded_and_posted(harness: Harness) -> None:
    status, ack = await harness.dispatch(harness.command("/ticket", "VPN drops every hour"))
    assert status == 200
    assert ack["text"] == messages.FILING
    message = await harness.posted()
    assert "KAN-1" in json.dumps(message.blocks)
    [ticket] = await harness.tickets.listing()
    assert (ticket.text, ticket.requester_id, ticket.slack_channel_id) == (
        "VPN drops every hour",
        "U1",
        "C1",
    )


async def test_the_same_command_delivered_twice_files_once(harness: Harness) -> None:
    body = harness.command("/ticket", "Printer jammed")
    await harness.dispatch(body)
    _, again = await harness.dispatch(body)
    assert again["text"] == messages.ALREADY_RECEIVED.format(id=1)
    assert len(await harness.tickets.listing()) == 1


async def test_ticket_without_text_opens_the_form(harness: Harness) -> None:
    _, ack = await harness.dispatch(harness.command("/ticket", "   "))
    assert ack == {}
    [view] = harness.slack.views.values()
    assert view.view["callback_id"] == blocks.MODAL_CALLBACK
    assert view.view["private_metadata"] == "C1"


async def test_status_of_an_unknown_issue_says_so(harness: Harness) -> None:
    await harness.dispatch(harness.command("/ticket_status", "KAN-404"))
    assert await harness.response_texts() == [messages.STATUS_NOT_FOUND.format(key="KAN-404")]


async def test_status_of_text_that_is_not_a_key_shows_usage(harness: Harness) -> None:
    await harness.dispatch(harness.command("/ticket_status", "<!channel> hello"))
    assert await harness.response_texts() == [messages.STATUS_USAGE]
    assert harness.tracker.issues == {}


async def test_a_non_approver_is_refused_privately(harness: Harness) -> None:
    await harness.dispatch(harness.command("/ticket", "Need a new laptop"))
    message = await harness.posted()
    await harness.dispatch(harness.click(message, blocks.APPROVE_ACTION, user="U3"))
    [refusal] = await harness.response_texts()
    assert messages.REFUSED_NOT_APPROVER in refusal
    [ticket] = await harness.tickets.listing()
    assert ticket.state is TicketState.POSTED


async def test_a_button_copied_into_another_message_decides_nothing(harness: Harness) -> None:
    await harness.dispatch(harness.command("/ticket", "Need a new laptop"))
    message = await harness.posted()
    forged = harness.click(message, blocks.APPROVE_ACTION, user="U2")
    forged["container"]["message_ts"] = "1700000000.000100"  # another message, same button
    await harness.dispatch(forged)
    assert await harness.response_texts() == [messages.REFUSED_UNKNOWN]
    [ticket] = await harness.tickets.listing()
    assert ticket.state is TicketState.POSTED


async def test_an_approver_decides_and_the_message_shows_it(harness: Harness) -> None:
    await harness.dispatch(harness.command("/ticket", "Need a new laptop"))
    message = await harness.posted()
    await harness.dispatch(harness.click(message, blocks.APPROVE_ACTION, user="U2"))
    await harness.services.background.drain(deadline=asyncio.get_running_loop().time() + 5)
    [ticket] = await harness.tickets.listing()
    assert (ticket.state, ticket.decided_by) == (TicketState.APPROVED, "U2")
    updated = harness.slack.message("C1", message.ts)
    assert "<@U2>" in json.dumps(updated.blocks)


async def test_an_unexpected_error_is_logged_and_answered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: Any) -> None:
        raise RuntimeError("the secret internals")

    monkeypatch.setattr(harness.services.intake, "receive", broken)
    status, _ = await harness.dispatch(harness.command("/ticket", "anything"))
    assert status == 500
    assert await harness.response_texts() == [messages.UNEXPECTED]
    assert "unhandled error in a command listener (user U1, channel C1)" in caplog.text
