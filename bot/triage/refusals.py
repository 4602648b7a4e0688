"""Why an approver action (decide, correct the type) was refused, and the shared rule for it."""

from __future__ import annotations

import enum

from bot.db.models import Ticket
from bot.settings import ApprovalSettings
from bot.tickets import MessageRef


class Refusal(enum.StrEnum):
    NO_APPROVERS = "no_approvers"
    NOT_APPROVER = "not_approver"
    OWN_TICKET = "own_ticket"
    ALREADY_DECIDED = "already_decided"
    NOT_READY = "not_ready"
    UNKNOWN_TICKET = "unknown_ticket"
    WRONG_MESSAGE = "wrong_message"


def approver_refusal(
    approvals: ApprovalSettings, ticket: Ticket, user_id: str, where: MessageRef | None
) -> Refusal | None:
    """Only configured approvers, not on their own ticket unless allowed, and only from the
    ticket's own message (a button copied into another message, or a forged payload naming
    another ticket, is refused) or from the clicker's own App Home (``where`` None: a view
    only the bot publishes, to that user; ``bot.triage.home``)."""
    if ticket.message_ts is None:
        return Refusal.NOT_READY
    here = (where.channel_id, where.ts) if where is not None else None
    if here is not None and (ticket.message_channel_id, ticket.message_ts) != here:
        return Refusal.WRONG_MESSAGE
    if not approvals.approvers:
        return Refusal.NO_APPROVERS
    if user_id not in approvals.approvers:
        return Refusal.NOT_APPROVER
    if user_id == ticket.requester_id and not approvals.allow_self_approval:
        return Refusal.OWN_TICKET
    return None
