"""The structured fields of a ticket's log lines (``extra=``): ``bot.logs`` writes them as
top-level keys of a JSON line, or as ``key=value`` after a text line, so logs can be filtered
by ticket, Jira key, classifier backend or channel."""

from __future__ import annotations

from typing import Any

from bot.db.models import Ticket


def fields(ticket: Ticket, **more: Any) -> dict[str, Any]:
    """``ticket`` always; ``jira_key``, ``backend`` and ``channel`` once known."""
    found: dict[str, Any] = {
        "ticket": ticket.id,
        "jira_key": ticket.jira_key,
        "backend": ticket.classified_by,
        "channel": ticket.message_channel_id or ticket.slack_channel_id,
        **more,
    }
    return {key: value for key, value in found.items() if value is not None}


def of_id(ticket_id: int) -> dict[str, Any]:
    return {"ticket": ticket_id}
