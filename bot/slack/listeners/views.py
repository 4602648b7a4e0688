"""The `/ticket` form: validate, record, close."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot import messages
from bot.errors import QuotaExceeded, StorageError
from bot.slack import blocks
from bot.slack.context import services_of
from bot.slack.field_blocks import field_values
from bot.tickets import NewRequest, TicketSource

log = logging.getLogger(__name__)


async def handle_ticket_form(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    values = blocks.modal_values(view)
    summary = " ".join(values[blocks.SUMMARY_BLOCK].split())
    error = _summary_error(summary)
    if error:
        await ack(response_action="errors", errors={blocks.SUMMARY_BLOCK: error})
        return
    details = values[blocks.DETAILS_BLOCK].strip()
    request = NewRequest(
        dedupe_key=f"view:{view['id']}",
        source=TicketSource.MODAL,
        channel_id=view.get("private_metadata") or body["user"]["id"],
        requester_id=body["user"]["id"],
        text=f"{summary}\n\n{details}" if details else summary,
        team_id=(body.get("team") or {}).get("id"),
        requester_name=body["user"].get("name"),
        summary_override=summary,
        label_override=values[blocks.TYPE_BLOCK] or None,
        jira_fields=field_values(view),
    )
    try:
        await services_of(context).intake.receive(request)
    except QuotaExceeded as refusal:
        text = messages.over_quota(refusal)
        await ack(response_action="errors", errors={blocks.SUMMARY_BLOCK: text})
        return
    except StorageError:
        log.exception("could not record the form from %s", body["user"]["id"])
        await ack(response_action="errors", errors={blocks.SUMMARY_BLOCK: messages.CANNOT_SAVE})
        return
    await ack()


def register(app: AsyncApp) -> None:
    app.view(blocks.MODAL_CALLBACK)(handle_ticket_form)


def _summary_error(summary: str) -> str | None:
    if not summary or not any(ch.isalnum() for ch in summary):
        return messages.MODAL_SUMMARY_REQUIRED
    if len(summary) > blocks.MODAL_SUMMARY_LIMIT:
        return messages.MODAL_SUMMARY_TOO_LONG.format(limit=blocks.MODAL_SUMMARY_LIMIT)
    return None
