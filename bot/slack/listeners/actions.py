"""The Approve and Reject buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import messages
from bot.db.models import Decision
from bot.slack import blocks
from bot.slack.listeners import UseCases
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

    for action_id in DECISIONS:
        app.action(action_id)(clicked)


async def _decide(
    use_cases: UseCases, ticket_id: int, decision: Decision, user_id: str, respond: AsyncRespond
) -> None:
    result = await use_cases.decider.decide(ticket_id, decision, user_id)
    if not result.accepted:
        await respond(text=_refusal(result), replace_original=False, response_type="ephemeral")


def _refusal(result: DecisionResult) -> str:
    assert result.refusal is not None
    return blocks.refusal_text(REFUSAL_TEXT[result.refusal], result.ticket)
