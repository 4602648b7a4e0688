"""The App Home view (``bot.slack.home_blocks``): escaped, within Slack's limits, the buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import messages
from bot.db.models import Ticket
from bot.slack.blocks import APPROVE_ACTION, REJECT_ACTION
from bot.slack.home_blocks import age, home_view
from bot.tickets import TicketState
from bot.triage.ports import HomeContent, HomeTicket
from emulators.slack.blocks import validate_view

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def ticket(number: int, text: str = "The VPN drops", **kw: object) -> Ticket:
    values: dict[str, object] = {
        "id": number,
        "text": text,
        "requester_id": "U1",
        "state": TicketState.POSTED,
        "jira_key": f"KAN-{number}",
        "jira_url": f"https://jira.example/browse/KAN-{number}",
        "label": "Bug",
        "created_at": NOW - timedelta(hours=3),
        "message_channel_id": "C1",
        "message_ts": "1.1",
    }
    values.update(kw)
    return Ticket(**values)


def test_a_requester_sees_status_link_and_age_without_buttons() -> None:
    view = home_view(HomeContent("U1", [HomeTicket(ticket(1), "In Progress")]), NOW)
    assert validate_view(view) == []
    text = str(view)
    assert "<https://jira.example/browse/KAN-1|KAN-1>" in text
    assert messages.HOME_TICKET_LINE.format(status="In Progress", age="3 hours") in text
    assert "button" not in text and messages.HOME_WAITING not in text


def test_an_approver_gets_approve_and_reject_per_waiting_ticket() -> None:
    view = home_view(HomeContent("U2", [], [ticket(1), ticket(2)]), NOW)
    assert validate_view(view) == []
    buttons = [
        (e["action_id"], e["value"])
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert buttons == [
        (APPROVE_ACTION, "1"), (REJECT_ACTION, "1"), (APPROVE_ACTION, "2"), (REJECT_ACTION, "2"),
    ]  # fmt: skip
    assert messages.HOME_NO_TICKETS in str(view)


def test_user_text_is_escaped_and_the_fullest_view_is_valid() -> None:
    hostile = ticket(1, "<!channel> <https://evil|click> " + "x" * 5000)
    mine = [HomeTicket(hostile, "<b>") for _ in range(5)]
    waiting = [ticket(n, "<!here> please") for n in range(1, 21)]
    view = home_view(HomeContent("U2", mine, waiting, notice="Done: KAN-1 is approved."), NOW)
    assert validate_view(view) == []
    text = str(view)
    assert "<!channel>" not in text and "<!here>" not in text and "&lt;!channel&gt;" in text
    assert "<https://evil|click>" not in text and "&lt;b&gt;" in text


def test_nothing_waiting_and_a_ticket_not_filed_yet() -> None:
    early = ticket(3, jira_key=None, jira_url=None, state=TicketState.CLASSIFIED)
    view = home_view(HomeContent("U2", [HomeTicket(early)], []), NOW)
    text = str(view)
    assert messages.HOME_NOTHING_WAITING in text
    assert messages.HOME_NOT_FILED.format(state="classified") in text and "#3" in text


def test_age() -> None:
    assert age(NOW, NOW) == "1 minute"
    assert age(NOW - timedelta(minutes=59), NOW) == "59 minutes"
    assert age(NOW - timedelta(hours=47), NOW) == "47 hours"
    assert age(NOW - timedelta(days=9), NOW) == "9 days"
