"""The App Home view from pure functions (``bot.triage.home`` says what it holds).

User text is escaped and cut as in ``bot.slack.blocks``; the Approve / Reject buttons carry
the same action ids as the ticket message's, so one listener decides from either place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import messages
from bot.db.models import Ticket
from bot.slack.blocks import decision_buttons, escape, fit, section, ticket_summary
from bot.triage.ports import HomeContent, HomeTicket

HOME_CALLBACK = "ticketbot_home"
HEADLINE_LIMIT = 300


def home_view(content: HomeContent, now: datetime) -> dict[str, Any]:
    """The ``home`` view for ``views.publish``."""
    blocks: list[dict[str, Any]] = []
    if content.notice:
        blocks += [section(content.notice), {"type": "divider"}]
    blocks.append(_header(messages.HOME_MINE))
    blocks += [b for item in content.mine for b in _mine(item, now)]
    if not content.mine:
        blocks.append(section(messages.HOME_NO_TICKETS))
    if content.waiting is not None:
        blocks += [{"type": "divider"}, _header(messages.HOME_WAITING)]
        blocks += [b for ticket in content.waiting for b in _waiting(ticket, now)]
        if not content.waiting:
            blocks.append(section(messages.HOME_NOTHING_WAITING))
    return {"type": "home", "callback_id": HOME_CALLBACK, "blocks": blocks}


def age(created: datetime, now: datetime) -> str:
    """``5 minutes``, ``3 hours``, ``2 days`` (rounded down, at least 1 minute)."""
    seconds = max((now - created).total_seconds(), 0)
    for unit, size, below in (("minute", 60, 3600), ("hour", 3600, 2 * 86400)):
        if seconds < below:
            count = max(int(seconds // size), 1)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    days = int(seconds // 86400)
    return f"{days} days"


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _headline(ticket: Ticket) -> str:
    summary = fit(ticket_summary(ticket), HEADLINE_LIMIT)
    if ticket.jira_key and ticket.jira_url:
        return f"*<{ticket.jira_url}|{escape(ticket.jira_key)}>*  {summary}"
    return f"#{ticket.id}  {summary}"


def _mine(item: HomeTicket, now: datetime) -> list[dict[str, Any]]:
    ticket = item.ticket
    if ticket.jira_key:
        status = escape(item.status or ticket.state.value)
    else:
        status = messages.HOME_NOT_FILED.format(state=ticket.state.value)
    line = messages.HOME_TICKET_LINE.format(status=status, age=age(ticket.created_at, now))
    return [section(_headline(ticket)), _context(line)]


def _waiting(ticket: Ticket, now: datetime) -> list[dict[str, Any]]:
    line = messages.HOME_WAITING_LINE.format(
        requester=ticket.requester_id,
        label=escape(ticket.label or "?"),
        age=age(ticket.created_at, now),
    )
    buttons = decision_buttons(ticket, f"home-decide-{ticket.id}")
    return [section(_headline(ticket)), _context(line), buttons]
