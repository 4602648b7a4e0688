"""Block Kit from pure functions: data in, message or view dicts out.

User text is always escaped before it reaches ``mrkdwn`` (so ``<!channel>`` typed by a user
pings nobody) and cut on a word boundary to Slack's limits; no bidi control reorders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot import messages
from bot.db.models import Ticket
from bot.labels import LABELS
from bot.tickets import Decision
from bot.tracker.chars import show_bidi
from bot.tracker.models import IssueDetails
from bot.tracker.summary import clean_line, make_summary, shorten
from bot.triage.status import RecentTicket

SECTION_LIMIT = 3000
TEXT_LIMIT = 3000  # the notification text; Slack allows far more, nobody reads it
SUMMARY_LIMIT = 255
MODAL_SUMMARY_LIMIT = 150
APPROVE_ACTION = "ticket_approve"
REJECT_ACTION = "ticket_reject"
TYPE_ACTION = "ticket_type"
MODAL_CALLBACK = "ticket_modal"
SUMMARY_BLOCK, DETAILS_BLOCK, TYPE_BLOCK = "summary", "details", "type"
VALUE_ACTION = "value"

Message = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Plain text from the escaped form Slack sends user input in."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def fit(text: str, limit: int) -> str:
    """Escaped text cut on a word boundary so the escaped form stays within ``limit``."""
    escaped = escape(text)
    while len(escaped) > limit:
        text = shorten(text, max(1, len(text) - (len(escaped) - limit) - 1))
        escaped = escape(text)
    return escaped


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts]}


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    epoch = int(moment.timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def ticket_summary(ticket: Ticket) -> str:
    return make_summary(ticket.summary_override or ticket.text)


def _headline(ticket: Ticket) -> str:
    summary = fit(ticket_summary(ticket), SECTION_LIMIT - 300)
    if ticket.jira_key and ticket.jira_url:
        return f"*<{ticket.jira_url}|{ticket.jira_key}>*  {summary}"
    return summary


def _notification(ticket: Ticket) -> str:
    text = messages.TICKET_TEXT.format(
        label=ticket.label or "Ticket",
        key=ticket.jira_key or "",
        summary=ticket_summary(ticket),
        requester=clean_line(ticket.requester_name or "") or ticket.requester_id,
    )
    return fit(text, TEXT_LIMIT)


def _body(ticket: Ticket) -> list[dict[str, Any]]:
    blocks = [
        section(_headline(ticket)),
        _context(
            messages.TICKET_REQUESTER.format(user=ticket.requester_id),
            messages.TICKET_LABEL_LINE.format(
                label=ticket.label or "?",
                confidence=ticket.confidence or 0.0,
                backend=escape(ticket.classified_by or "?"),
            ),
        ),
    ]
    details = show_bidi(ticket.text.strip())
    if details and details != ticket_summary(ticket):
        blocks.append(section(fit(details, SECTION_LIMIT)))
    if ticket.needs_triage:
        blocks.append(section(messages.TICKET_NEEDS_TRIAGE.format(label=ticket.label)))
    hint = _duplicate_hint(ticket)
    if hint:
        blocks.append(_context(hint))
    return blocks


def _duplicate_hint(ticket: Ticket) -> str | None:
    key = ticket.duplicate_of
    if not key or key == ticket.jira_key:
        return None
    base = (ticket.jira_url or "").rsplit("/", 1)[0]
    url = f"{base}/{key}" if base else key
    return messages.POSSIBLE_DUPLICATE.format(url=url, key=escape(key))


def type_select(ticket: Ticket) -> dict[str, Any]:
    """The five labels, the current one preselected; option values are ``<ticket id>:<label>``."""

    def option(label: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": label}, "value": f"{ticket.id}:{label}"}

    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": TYPE_ACTION,
        "placeholder": {"type": "plain_text", "text": messages.TYPE_PLACEHOLDER},
        "options": [option(label) for label in LABELS],
    }
    if ticket.label in LABELS:
        select["initial_option"] = option(ticket.label)
    return select


def parse_type_value(value: str) -> tuple[int, str] | None:
    """``(ticket id, label)`` from a type option's value, None when malformed."""
    ticket_id, _, label = value.partition(":")
    try:
        return int(ticket_id), label
    except ValueError:
        return None


def decision_buttons(ticket: Ticket, block_id: str | None = None) -> dict[str, Any]:
    """Approve / Reject on the ticket's message (App Home passes its own ``block_id``)."""
    def button(text: str, action_id: str, style: str) -> dict[str, Any]:
        return {
            "type": "button",
            "text": {"type": "plain_text", "text": text},
            "action_id": action_id,
            "value": str(ticket.id),
            "style": style,
        }

    return {
        "type": "actions",
        "block_id": block_id or f"decide-{ticket.id}",
        "elements": [
            button(messages.APPROVE, APPROVE_ACTION, "primary"),
            button(messages.REJECT, REJECT_ACTION, "danger"),
        ],
    }


def _type_block(ticket: Ticket) -> dict[str, Any]:
    return {"type": "actions", "block_id": f"type-{ticket.id}", "elements": [type_select(ticket)]}


def ticket_message(ticket: Ticket) -> Message:
    """The channel message for a filed ticket: a type selector, Approve and Reject buttons."""
    blocks = [*_body(ticket), _type_block(ticket), decision_buttons(ticket)]
    return {"text": _notification(ticket), "blocks": blocks}


def decided_message(ticket: Ticket) -> Message:
    """The same message after a decision: who decided and when, buttons gone."""
    decision = ticket.decision or Decision.APPROVED
    line = messages.DECIDED_LINE[decision].format(
        user=ticket.decided_by, when=_when(ticket.decided_at)
    )
    blocks = [*_body(ticket), _context(line)]
    if decision is Decision.APPROVED:
        blocks.append(_type_block(ticket))
    return {"text": _notification(ticket), "blocks": blocks}


def refusal_text(template: str, ticket: Ticket | None) -> str:
    if ticket is None or ticket.decision is None:
        return template
    return template.format(
        decision=ticket.decision.value, user=ticket.decided_by, when=_when(ticket.decided_at)
    )


def status_message(issue: IssueDetails) -> Message:
    summary = clean_line(issue.summary)
    headline = f"*<{issue.url}|{issue.key}>*  {fit(summary, SECTION_LIMIT - 300)}"
    line = messages.STATUS_LINE.format(
        status=escape(issue.status),
        assignee=escape(issue.assignee or messages.UNASSIGNED),
        priority=escape(issue.priority or "-"),
    )
    return {
        "text": fit(f"{issue.key}: {issue.status} - {summary}", TEXT_LIMIT),
        "blocks": [
            section(headline),
            section(line),
            _context(messages.STATUS_UPDATED.format(updated=_when(issue.updated))),
        ],
    }


def recent_message(recent: Sequence[RecentTicket]) -> Message:
    if not recent:
        return {"text": messages.NO_RECENT}
    lines = [_recent_line(item) for item in recent]
    text = "\n".join([messages.RECENT_HEADER, *lines])
    return {"text": fit_lines(text), "blocks": [section(fit_lines(text))]}


def fit_lines(text: str) -> str:
    return text if len(text) <= SECTION_LIMIT else shorten(text, SECTION_LIMIT)


def _recent_line(item: RecentTicket) -> str:
    ticket = item.ticket
    summary = fit(ticket_summary(ticket), 120)
    if ticket.jira_key and ticket.jira_url:
        status = escape(item.status or "?")
        return f"• *<{ticket.jira_url}|{ticket.jira_key}>* {summary} — {status}"
    return (
        f"• #{ticket.id} {summary} — {messages.RECENT_NOT_FILED.format(state=ticket.state.value)}"
    )


def ticket_modal(channel_id: str) -> dict[str, Any]:
    """The form `/ticket` opens when typed with nothing after it."""

    def plain(text: str) -> dict[str, Any]:
        return {"type": "plain_text", "text": text}

    options = [{"text": plain(label), "value": label} for label in LABELS]
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": channel_id,
        "title": plain(messages.MODAL_TITLE),
        "submit": plain(messages.MODAL_SUBMIT),
        "close": plain(messages.MODAL_CLOSE),
        "blocks": [
            {
                "type": "input",
                "block_id": SUMMARY_BLOCK,
                "label": plain(messages.MODAL_SUMMARY),
                "element": {
                    "type": "plain_text_input",
                    "action_id": VALUE_ACTION,
                    "max_length": MODAL_SUMMARY_LIMIT,
                    "placeholder": plain(messages.MODAL_SUMMARY_HINT),
                },
            },
            {
                "type": "input",
                "block_id": DETAILS_BLOCK,
                "optional": True,
                "label": plain(messages.MODAL_DETAILS),
                "element": {
                    "type": "plain_text_input",
                    "action_id": VALUE_ACTION,
                    "multiline": True,
                    "max_length": 3000,
                },
            },
            {
                "type": "input",
                "block_id": TYPE_BLOCK,
                "optional": True,
                "label": plain(messages.MODAL_TYPE),
                "hint": plain(messages.MODAL_TYPE_HINT),
                "element": {"type": "static_select", "action_id": VALUE_ACTION, "options": options},
            },
        ],
    }


def modal_values(view: dict[str, Any]) -> dict[str, str]:
    """The submitted values of ``ticket_modal`` by block id; empty fields are ''."""
    values = view.get("state", {}).get("values", {})
    found: dict[str, str] = {}
    for block_id in (SUMMARY_BLOCK, DETAILS_BLOCK, TYPE_BLOCK):
        field = values.get(block_id, {}).get(VALUE_ACTION, {})
        selected = field.get("selected_option") or {}
        found[block_id] = str(field.get("value") or selected.get("value") or "")
    return found
