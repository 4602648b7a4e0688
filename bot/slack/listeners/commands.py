"""`/ticket` and `/ticket_status`."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import ClientError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.errors import (
    InvalidIssueKey,
    IssueNotFound,
    QuotaExceeded,
    StorageError,
    TrackerError,
    TransientError,
)
from bot.slack import blocks
from bot.slack.context import CONTEXT_KEY, SlackServices, services_of
from bot.slack.field_blocks import field_blocks
from bot.tickets import NewRequest, TicketSource
from bot.triage.notify import is_notify_command

log = logging.getLogger(__name__)


async def handle_ticket(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    text = blocks.unescape(command.get("text") or "").strip()
    if not text:
        await ack()
        await _open_modal(client, command, context.get(CONTEXT_KEY))
        return
    await ack(await _file(services_of(context), command, text))


async def handle_ticket_status(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    services = services_of(context)
    try:
        services.intake.quotas.take_status(command["user_id"])
    except QuotaExceeded as refusal:
        await ack(messages.over_quota(refusal))
        return
    await ack()
    query = blocks.unescape(command.get("text") or "").strip()
    services.background.spawn(
        _status(services, query, command["user_id"], respond),
        name=f"status-{command['user_id']}",
    )


def register(app: AsyncApp) -> None:
    app.command("/ticket")(handle_ticket)
    app.command("/ticket_status")(handle_ticket_status)


async def _file(services: SlackServices, command: dict[str, Any], text: str) -> str:
    request = NewRequest(
        dedupe_key=f"slash:{command['trigger_id']}",
        source=TicketSource.SLASH_COMMAND,
        channel_id=command["channel_id"],
        requester_id=command["user_id"],
        text=text,
        team_id=command.get("team_id"),
        requester_name=command.get("user_name"),
        response_url=command.get("response_url"),
    )
    try:
        receipt = await services.intake.receive(request)
    except QuotaExceeded as refusal:
        return messages.over_quota(refusal)
    except StorageError:
        log.exception("could not record /ticket from %s", command["user_id"])
        return messages.CANNOT_SAVE
    if not receipt.created:
        return messages.ALREADY_RECEIVED.format(id=receipt.ticket.id)
    behind = services.intake.queued_behind(receipt)
    return messages.FILING_QUEUED.format(ahead=behind) if behind else messages.FILING


async def _open_modal(
    client: AsyncWebClient, command: dict[str, Any], services: SlackServices | None
) -> None:
    view = blocks.ticket_modal(command["channel_id"])
    if services is not None and services.forms is not None:  # what the project requires
        view["blocks"] += field_blocks(await services.forms.for_channel(command["channel_id"]))
    try:
        await client.views_open(trigger_id=command["trigger_id"], view=view)
    except (SlackApiError, ClientError, TimeoutError) as exc:
        # A dropped connection is not re-sent (bot.slack.app): the form may be open or not.
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        log.warning("views.open failed for %s: %s", command["user_id"], reason)
        await client.chat_postEphemeral(
            channel=command["channel_id"], user=command["user_id"], text=messages.MODAL_OPEN_FAILED
        )


async def _status(services: SlackServices, query: str, user_id: str, respond: AsyncRespond) -> None:
    if services.notify is not None and is_notify_command(query):
        await respond(text=await services.notify.choose(user_id, query))
        return
    if not query:
        await respond(**blocks.recent_message(await services.status.recent(user_id)))
        return
    try:
        issue = await services.status.issue(query, user_id)
    except InvalidIssueKey:
        await respond(text=messages.STATUS_USAGE)
    except IssueNotFound as exc:
        await respond(text=messages.STATUS_NOT_FOUND.format(key=exc.key))
    except TransientError:
        await respond(text=messages.STATUS_UNAVAILABLE)
    except StorageError:
        log.exception("could not read the ticket log for /ticket_status from %s", user_id)
        await respond(text=messages.UNEXPECTED)
    except TrackerError as exc:
        await respond(text=messages.STATUS_FAILED.format(reason=blocks.escape(str(exc))))
    else:
        await respond(**blocks.status_message(issue))
