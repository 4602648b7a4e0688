"""The Approve and Reject buttons, and the type selector (corrections)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot import messages
from bot.slack import blocks
from bot.slack.context import services_of
from bot.tickets import Decision, MessageRef
from bot.triage.corrections import Corrector
from bot.triage.decisions import Decider, DecisionResult, Refusal
from bot.triage.home import HomeTab

log = logging.getLogger(__name__)

REFUSAL_TEXT = {
    Refusal.NO_APPROVERS: messages.REFUSED_NO_APPROVERS,
    Refusal.NOT_APPROVER: messages.REFUSED_NOT_APPROVER,
    Refusal.OWN_TICKET: messages.REFUSED_OWN_TICKET,
    Refusal.ALREADY_DECIDED: messages.REFUSED_ALREADY,
    Refusal.NOT_READY: messages.REFUSED_NOT_READY,
    Refusal.UNKNOWN_TICKET: messages.REFUSED_UNKNOWN,
    Refusal.WRONG_MESSAGE: messages.REFUSED_UNKNOWN,
}
CORRECTION_REFUSAL = {Refusal.NOT_READY: messages.REFUSED_CANNOT_CORRECT}
DECISIONS = {blocks.APPROVE_ACTION: Decision.APPROVED, blocks.REJECT_ACTION: Decision.REJECTED}


async def handle_decision(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond | None,
    context: AsyncBoltContext,
) -> None:
    await ack()
    services = services_of(context)
    decision = DECISIONS[action["action_id"]]
    user_id = body["user"]["id"]
    try:
        ticket_id = int(action.get("value", ""))
    except ValueError:
        if respond is not None:  # None in App Home, which has no response_url
            await respond(text=messages.REFUSED_UNKNOWN, replace_original=False)
        return
    where = None if from_home(body) else clicked_message(body)
    services.background.spawn(
        _decide(services.decider, services.home, ticket_id, decision, user_id, where, respond),
        name=f"decide-{ticket_id}",
    )


async def handle_type_selected(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    context: AsyncBoltContext,
) -> None:
    await ack()
    services = services_of(context)
    value = str((action.get("selected_option") or {}).get("value") or "")
    parsed = blocks.parse_type_value(value)
    if parsed is None:
        await respond(text=messages.REFUSED_UNKNOWN, replace_original=False)
        return
    ticket_id, label = parsed
    where, user_id = clicked_message(body), body["user"]["id"]
    services.background.spawn(
        _correct(services.corrector, ticket_id, label, user_id, where, respond),
        name=f"correct-{ticket_id}",
    )


def register(app: AsyncApp) -> None:
    for action_id in DECISIONS:
        app.action(action_id)(handle_decision)
    app.action(blocks.TYPE_ACTION)(handle_type_selected)


def clicked_message(body: dict[str, Any]) -> MessageRef:
    """The message whose button or menu was used, as Slack reports it."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id") or ""
    return MessageRef(str(channel), str(container.get("message_ts") or ""))


def from_home(body: dict[str, Any]) -> bool:
    """Whether the click came from the clicker's App Home (a view the bot published)."""
    container, view = body.get("container") or {}, body.get("view") or {}
    return container.get("type") == "view" and view.get("type") == "home"


async def _decide(
    decider: Decider,
    home: HomeTab,
    ticket_id: int,
    decision: Decision,
    user_id: str,
    where: MessageRef | None,
    respond: AsyncRespond | None,
) -> None:
    result = await decider.decide(ticket_id, decision, user_id, where)
    text = None if result.accepted else _refusal(result)
    if text is not None and where is not None and respond is not None:
        await respond(text=text, replace_original=False, response_type="ephemeral")
    await home.after_decision(result.ticket, user_id, text, from_home=where is None)


async def _correct(
    corrector: Corrector,
    ticket_id: int,
    label: str,
    user_id: str,
    where: MessageRef,
    respond: AsyncRespond,
) -> None:
    result = await corrector.correct(ticket_id, label, user_id, where)
    if result.refusal is not None:
        text = CORRECTION_REFUSAL.get(result.refusal, REFUSAL_TEXT[result.refusal])
        await respond(text=text, replace_original=False, response_type="ephemeral")


def _refusal(result: DecisionResult) -> str:
    assert result.refusal is not None
    return blocks.refusal_text(REFUSAL_TEXT[result.refusal], result.ticket)
