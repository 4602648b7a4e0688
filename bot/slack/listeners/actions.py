"""The Approve and Reject buttons, and the type selector (corrections)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import messages
from bot.slack import blocks
from bot.slack.listeners import UseCases
from bot.tickets import Decision
from bot.triage.corrections import Corrector
from bot.triage.decisions import DecisionResult, Refusal

log = logging.getLogger(__name__)

REFUSAL_TEXT = {
    Refusal.NO_APPROVERS: messages.REFUSED_NO_APPROVERS,
    Refusal.NOT_APPROVER: messages.REFUSED_NOT_APPROVER,
    Refusal.OWN_TICKET: messages.REFUSED_OWN_TICKET,
    Refusal.ALREADY_DECIDED: messages.REFUSED_ALREADY,
    Refusal.NOT_READY: messages.REFUSED_NOT_READY,
    Refusal.UNKNOWN_TICKET: messages.REFUSED_UNKNOWN,
}
CORRECTION_REFUSAL = {Refusal.NOT_READY: messages.REFUSED_CANNOT_CORRECT}
DECISIONS = {blocks.APPROVE_ACTION: Decision.APPROVED, blocks.REJECT_ACTION: Decision.REJECTED}


def register(app: AsyncApp, use_cases: UseCases) -> None:
    async def clicked(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        decision = DECISIONS[action["action_id"]]
        user_id = body["user"]["id"]
        try:
            ticket_id = int(action.get("value", ""))
        except ValueError:
            await respond(text=messages.REFUSED_UNKNOWN, replace_original=False)
            return
        use_cases.background.spawn(
            _decide(use_cases, ticket_id, decision, user_id, respond), name=f"decide-{ticket_id}"
        )

    async def selected(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        value = str((action.get("selected_option") or {}).get("value") or "")
        parsed = blocks.parse_type_value(value)
        corrector = use_cases.decider.corrector
        if parsed is None or corrector is None:
            await respond(text=messages.REFUSED_UNKNOWN, replace_original=False)
            return
        ticket_id, label = parsed
        use_cases.background.spawn(
            _correct(corrector, ticket_id, label, body["user"]["id"], respond),
            name=f"correct-{ticket_id}",
        )

    for action_id in DECISIONS:
        app.action(action_id)(clicked)
    app.action(blocks.TYPE_ACTION)(selected)


async def _decide(
    use_cases: UseCases, ticket_id: int, decision: Decision, user_id: str, respond: AsyncRespond
) -> None:
    result = await use_cases.decider.decide(ticket_id, decision, user_id)
    if not result.accepted:
        await respond(text=_refusal(result), replace_original=False, response_type="ephemeral")


async def _correct(
    corrector: Corrector, ticket_id: int, label: str, user_id: str, respond: AsyncRespond
) -> None:
    result = await corrector.correct(ticket_id, label, user_id)
    if result.refusal is not None:
        text = CORRECTION_REFUSAL.get(result.refusal, REFUSAL_TEXT[result.refusal])
        await respond(text=text, replace_original=False, response_type="ephemeral")


def _refusal(result: DecisionResult) -> str:
    assert result.refusal is not None
    return blocks.refusal_text(REFUSAL_TEXT[result.refusal], result.ticket)
