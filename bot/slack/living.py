"""The living ticket message (pure): the message as it stands (undecided, or decided) with a
line for the Jira issue's current status and assignee, as last polled (``bot.triage.sync``).

The line goes right after the headline and the requester line, so the buttons (Approve /
Reject while undecided; the type selector after an approval) stay where they are.
"""

from __future__ import annotations

from typing import Any

from bot import messages
from bot.db.models import Ticket
from bot.slack import blocks


def jira_line(ticket: Ticket) -> str | None:
    """``Jira: *In Progress* · assigned to *Mia Krystof*``; None before the first poll."""
    if not ticket.jira_status:
        return None
    line = messages.JIRA_LIVING.format(status=_clean(ticket.jira_status))
    if ticket.jira_assignee:
        line += messages.JIRA_LIVING_ASSIGNEE.format(assignee=_clean(ticket.jira_assignee))
    return line


def current_message(ticket: Ticket) -> dict[str, Any]:
    """What the channel message shows now: decided or not, with the Jira line."""
    decided = ticket.decision is not None
    message = blocks.decided_message(ticket) if decided else blocks.ticket_message(ticket)
    line = jira_line(ticket)
    if line is None:
        return message
    body = list(message["blocks"])
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}
    body.insert(min(2, len(body)), context)
    return {**message, "blocks": body}


def _clean(value: str) -> str:
    return blocks.escape(" ".join(value.split())[:120])
