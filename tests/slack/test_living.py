"""The living ticket message: the Jira line, escaped, beside the decision state."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.slack import living
from bot.tickets import Decision, TicketState
from tests.slack.test_blocks import all_text, ticket


def test_no_line_before_the_first_poll() -> None:
    assert living.jira_line(ticket()) is None
    assert "Jira:" not in all_text(living.current_message(ticket()))


def test_undecided_keeps_the_buttons() -> None:
    message = living.current_message(ticket(jira_status="In Progress", jira_assignee="Mia <x>"))
    blocks = message["blocks"]
    assert blocks[2]["elements"][0]["text"] == ("Jira: *In Progress* · assigned to *Mia &lt;x&gt;*")
    assert "ticket_approve" in all_text(message) and "ticket_reject" in all_text(message)


def test_decided_shows_the_decision_and_the_status() -> None:
    decided = ticket(
        state=TicketState.REJECTED,
        decision=Decision.REJECTED,
        decided_by="U2",
        decided_at=datetime(2026, 12, 5, 10, 0, tzinfo=UTC),
        jira_status="Won't Do",
    )
    text = all_text(living.current_message(decided))
    assert "Jira: *Won't Do*" in text and "ticket_approve" not in text
    assert "assigned to" not in text
