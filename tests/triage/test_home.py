"""App Home: a person sees their own tickets, and approvers what waits for them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import messages
from bot.db.engine import session_factory
from bot.db.home_reads import HomeReads
from bot.db.leases import Leases
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.errors import IssueNotFound
from bot.settings import ApprovalSettings
from bot.tickets import Decision
from bot.triage.home import HomeTab
from bot.triage.status import StatusLookup
from bot.triage.visibility import Visibility
from tests.triage.fakes import FakeChat, FakeHomeScreen, FakeTracker
from tests.triage.test_publisher import posted_ticket


@pytest.fixture
def screen() -> FakeHomeScreen:
    return FakeHomeScreen()


@pytest.fixture
def home(engine: AsyncEngine, ticket_log: TicketLog, screen: FakeHomeScreen) -> HomeTab:
    approvals = ApprovalSettings(approvers=["U2", "U3"])
    visibility = Visibility("KAN", approvals.approvers, FakeChat())
    status = StatusLookup(ticket_log, FakeTracker(), visibility)
    return HomeTab(status, HomeReads(session_factory(engine)), approvals, screen)


async def test_a_requester_sees_only_their_own_tickets(
    home: HomeTab, ticket_log: TicketLog, leases: Leases, screen: FakeHomeScreen
) -> None:
    await posted_ticket(ticket_log, leases, "a")  # U1's
    await home.opened("U1")
    content = screen.shown["U1"]
    assert [t.ticket.id for t in content.mine] == [1]
    assert content.waiting is None  # not an approver
    await home.opened("U9")
    assert screen.shown["U9"].mine == [] and screen.shown["U9"].waiting is None


async def test_an_approver_sees_what_waits_for_a_decision(
    home: HomeTab, ticket_log: TicketLog, leases: Leases, screen: FakeHomeScreen
) -> None:
    first = await posted_ticket(ticket_log, leases, "a")
    second = await posted_ticket(ticket_log, leases, "b")
    await ticket_log.decide(second, Decision.APPROVED, "U3", [])
    await home.opened("U2")
    waiting = screen.shown["U2"].waiting
    assert waiting is not None and [t.id for t in waiting] == [first]


async def test_after_a_decision_in_home_the_decider_gets_the_answer_there(
    home: HomeTab, ticket_log: TicketLog, leases: Leases, screen: FakeHomeScreen
) -> None:
    ticket_id = await posted_ticket(ticket_log, leases, "a")
    await home.opened("U3")  # another approver who looked at App Home
    outcome = await ticket_log.decide(ticket_id, Decision.APPROVED, "U2", [])
    await home.after_decision(outcome.ticket, "U2", None, from_home=True)
    assert screen.shown["U2"].notice == messages.HOME_DECIDED.format(
        key="KAN-1", decision="approved"
    )
    assert screen.shown["U2"].waiting == []
    assert screen.shown["U3"].waiting == []  # refreshed too
    assert "U1" in screen.shown  # the requester's list shows the new state


async def test_a_refusal_in_home_is_shown_there(
    home: HomeTab, ticket_log: TicketLog, leases: Leases, screen: FakeHomeScreen
) -> None:
    ticket_id = await posted_ticket(ticket_log, leases, "a")
    ticket = await ticket_log.get(ticket_id)
    await home.after_decision(ticket, "U1", messages.REFUSED_NOT_APPROVER, from_home=True)
    assert screen.shown["U1"].notice == messages.REFUSED_NOT_APPROVER
    assert set(screen.shown) == {"U1"}


async def test_slack_down_does_not_raise(home: HomeTab, screen: FakeHomeScreen) -> None:
    screen.down = True
    await home.opened("U1")
    assert screen.shown == {}


async def test_the_status_the_change_feed_keeps_costs_jira_nothing(
    engine: AsyncEngine, ticket_log: TicketLog, leases: Leases, screen: FakeHomeScreen
) -> None:
    ticket_id = await posted_ticket(ticket_log, leases, "a")
    tracker = FakeTracker()
    asked: list[str] = []

    async def get_issue(key: str) -> Any:
        asked.append(key)
        raise IssueNotFound(key)

    tracker.get_issue = get_issue  # type: ignore[method-assign]
    approvals = ApprovalSettings(approvers=["U2"])
    status = StatusLookup(ticket_log, tracker, Visibility("KAN", ["U2"], FakeChat()))
    home = HomeTab(status, HomeReads(session_factory(engine)), approvals, screen)
    await home.opened("U1")
    assert asked == ["KAN-1"]  # not known yet: Jira is asked
    async with session_factory(engine).begin() as session:
        await session.execute(
            update(Ticket).where(Ticket.id == ticket_id).values(jira_status="In Progress")
        )
    await home.opened("U1")
    assert asked == ["KAN-1"]  # the feed's status: no Jira request
    [item] = screen.shown["U1"].mine
    assert item.status == "In Progress"


async def test_changes_without_a_click_refresh_only_tabs_people_opened(
    home: HomeTab, ticket_log: TicketLog, leases: Leases, screen: FakeHomeScreen
) -> None:
    """A new post or a change from Jira refreshes the requester's and the approvers' tabs,
    but publishes nothing for people who never opened theirs (views.publish is rate-limited)."""
    ticket_id = await posted_ticket(ticket_log, leases, "a")  # U1's
    await home.ticket_ran(ticket_id)
    assert screen.shown == {}  # nobody is looking
    await home.opened("U2")
    screen.shown.clear()
    await home.ticket_ran(ticket_id)
    assert set(screen.shown) == {"U2"}  # the approver; U1 never opened theirs
    await home.opened("U1")
    screen.shown.clear()
    await home.changed(["U1"])
    assert set(screen.shown) == {"U1", "U2"}
