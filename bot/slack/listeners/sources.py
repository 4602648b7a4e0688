"""Tickets from a message already in Slack: the "File as ticket" message shortcut, its form,
and the filing emoji (``reaction_added``). The rules are in ``bot.triage.sources``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.errors import ChatError, ChatUnavailable, QuotaExceeded, StorageError
from bot.slack import blocks
from bot.slack.acks import recorded_before_ack
from bot.slack.context import services_of
from bot.slack.field_blocks import field_blocks, field_values
from bot.slack.source_blocks import (
    SHORTCUT_CALLBACK,
    SOURCE_MODAL_CALLBACK,
    parse_metadata,
    source_modal,
    submitted,
)
from bot.slack.sources import MessageSources, found_message
from bot.tickets import TicketSource
from bot.triage.sources import FoundMessage, already_filed, refusal

log = logging.getLogger(__name__)

#: The context key under which ``record_reaction`` leaves its answer for ``handle_reaction``.
REACTION_ANSWER = "ticketbot_reaction_answer"
#: Looking up names and the permalink before the form opens; the trigger expires after 3 s.
FORM_LOOKUPS_S = 1.0


def _sources(context: AsyncBoltContext) -> MessageSources:
    sources = services_of(context).sources
    if sources is None:
        raise RuntimeError("message sources are not configured")
    return sources


async def handle_file_shortcut(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    context: AsyncBoltContext,
) -> None:
    await ack()
    sources, user = _sources(context), body["user"]["id"]
    channel, raw = body["channel"]["id"], body.get("message") or {}
    forms = services_of(context).forms
    # Both wait on other services; together they must stay inside the trigger's 3 s.
    message, required = await asyncio.gather(
        _shortcut_message(sources, raw, channel),
        forms.for_channel(channel) if forms is not None else asyncio.sleep(0, result=[]),
    )
    problem = refusal(message)
    if problem:
        await respond(text=problem, response_type="ephemeral")
        return
    existing = await sources.filing.filed_from(channel, message.ts)
    if existing is not None:
        await respond(text=already_filed(existing), response_type="ephemeral")
        return
    try:
        view = source_modal(message)
        view["blocks"] += field_blocks(required)
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except (SlackApiError, ClientError, TimeoutError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        log.warning("views.open failed for the shortcut of %s: %s", user, reason)
        await respond(text=messages.MODAL_OPEN_FAILED, response_type="ephemeral")


async def _shortcut_message(
    sources: MessageSources, raw: dict[str, Any], channel: str
) -> FoundMessage:
    """The message with names and its permalink, as far as Slack answers within
    ``FORM_LOOKUPS_S`` (then ids, and no link: the form must open before the trigger expires)."""
    names: dict[str, str] = {}
    permalink = None
    try:
        async with asyncio.timeout(FORM_LOOKUPS_S):
            names, permalink = await asyncio.gather(
                sources.slack.names(str(raw.get("text") or "")),
                sources.slack.permalink(channel, str(raw.get("ts"))),
            )
    except TimeoutError:
        log.info("names or permalink too slow for the form of %s in %s", raw.get("ts"), channel)
    return found_message(raw, channel, names=names, permalink=permalink)


async def handle_source_form(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    sources, user = _sources(context), body["user"]["id"]
    message = parse_metadata(view.get("private_metadata") or "")
    values = blocks.modal_values(view)
    summary = " ".join(values[blocks.SUMMARY_BLOCK].split())
    error = _summary_error(summary)
    if error or message is None:
        text = error or messages.UNEXPECTED
        await ack(response_action="errors", errors={blocks.SUMMARY_BLOCK: text})
        return
    requester, files = submitted(view)
    try:
        filed = await sources.filing.file(
            message,
            filed_by=user,
            source=TicketSource.SHORTCUT,
            requester_id=requester,
            team_id=(body.get("team") or {}).get("id"),
            summary=summary,
            details=values[blocks.DETAILS_BLOCK].strip(),
            label=values[blocks.TYPE_BLOCK] or None,
            files=files,
            jira_fields=field_values(view),
        )
    except QuotaExceeded as refused:
        text = messages.over_quota(refused)
        await ack(response_action="errors", errors={blocks.SUMMARY_BLOCK: text})
        return
    except StorageError:
        log.exception("could not record the shortcut form from %s", user)
        await ack(response_action="errors", errors={blocks.SUMMARY_BLOCK: messages.CANNOT_SAVE})
        return
    ticket = filed.ticket
    by = ticket.filed_by or ticket.requester_id
    mine = ticket.source is TicketSource.SHORTCUT and by == user  # a redelivery of this form
    if not filed.created and not mine:  # someone else filed the message meanwhile
        text = already_filed(ticket, link=False)
        await ack(response_action="errors", errors={blocks.SUMMARY_BLOCK: text})
        return
    await ack()


async def record_reaction(
    event: dict[str, Any],
    context: AsyncBoltContext,
    next_: Callable[[], Awaitable[None]],
) -> None:
    """Listener middleware: files the reacted-to message *before* Bolt acknowledges the event.

    Bolt acknowledges events before their listener runs, so recording there left a window in
    which a crash lost an acknowledged reaction. Here, if the process dies first, the envelope
    is never acknowledged and Slack redelivers it; Slack rate-limiting the read, or the
    database failing before the filing, leaves it unacknowledged too (Slack retries after 1 and
    5 minutes). A filing the database refuses is answered instead ("react again"). What to tell
    the person who reacted waits in the context for the listener, which runs after the ack.
    """
    context[REACTION_ANSWER] = await recorded_before_ack(_file_reaction(event, context))
    await next_()


async def handle_reaction(
    event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    answer = context.get(REACTION_ANSWER)
    if answer is not None:
        item = event.get("item") or {}
        await _tell(client, str(item.get("channel")), str(event.get("user")), answer)


async def _file_reaction(event: dict[str, Any], context: AsyncBoltContext) -> str | None:
    """File the message the filing emoji was put on; what to tell the reactor, if anything."""
    sources = services_of(context).sources
    item = event.get("item") or {}
    if sources is None or item.get("type") != "message":
        return None
    emoji = str(event.get("reaction") or "").split("::", 1)[0]  # ticket::skin-tone-2
    if emoji != sources.filing.settings.reaction_emoji:
        return None
    if event.get("item_user") and event.get("item_user") == context.bot_user_id:
        return None  # the emoji on the bot's own message (a ticket message, say): nothing to file
    channel, ts, user = str(item.get("channel")), str(item.get("ts")), str(event.get("user"))
    if not await sources.filing.emoji_files_in(channel):
        return None
    existing = await sources.filing.filed_from(channel, ts)
    if existing is not None:
        return already_filed(existing)
    try:
        message = await sources.slack.read(channel, ts)
    except ChatUnavailable:
        raise  # left unacknowledged: Slack delivers the reaction again
    except ChatError as exc:
        log.warning("reaction by %s on %s in %s: cannot read it: %s", user, ts, channel, exc)
        return messages.SOURCE_UNREADABLE.format(code=exc.code or "an error")
    if message is None:
        log.info("reaction by %s on %s in %s: the message is gone", user, ts, channel)
        return None
    problem = refusal(message)
    if problem:
        return problem
    try:
        filed = await sources.filing.file(message, filed_by=user, source=TicketSource.REACTION)
    except QuotaExceeded as refused:
        return messages.over_quota(refused)
    except StorageError:
        log.exception("could not record the reaction of %s on %s in %s", user, ts, channel)
        return messages.CANNOT_SAVE
    ticket = filed.ticket
    if filed.created or (ticket.source is TicketSource.REACTION and ticket.filed_by == user):
        return None  # filed now, or by this same reaction delivered twice (Slack redelivers)
    return already_filed(ticket)


async def _tell(client: AsyncWebClient, channel: str, user: str, text: str) -> None:
    """An ephemeral answer to ``user``; a failure is only logged (nothing else depends on it)."""
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except (SlackApiError, ClientError, TimeoutError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        log.info("could not tell %s in %s: %s", user, channel, reason)


def _summary_error(summary: str) -> str | None:
    if not summary or not any(ch.isalnum() for ch in summary):
        return messages.MODAL_SUMMARY_REQUIRED
    if len(summary) > blocks.MODAL_SUMMARY_LIMIT:
        return messages.MODAL_SUMMARY_TOO_LONG.format(limit=blocks.MODAL_SUMMARY_LIMIT)
    return None


def register(app: AsyncApp) -> None:
    app.message_shortcut(SHORTCUT_CALLBACK)(handle_file_shortcut)
    app.view(SOURCE_MODAL_CALLBACK)(handle_source_form)
    app.event("reaction_added", middleware=[record_reaction])(handle_reaction)

