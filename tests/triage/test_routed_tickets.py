"""Routed tickets in the ticket log: the project pinned once, approvals and visibility per
channel (real ticket log on SQLite; Slack and Jira are the fakes)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import session_factory
from bot.db.installation import InstallationIdentity
from bot.db.leases import Leases
from bot.db.routes import ProjectPins
from bot.db.tickets import TicketLog
from bot.settings import Settings
from bot.tickets import NewRequest, TicketSource
from bot.tracker.models import IssueRef, NewIssue
from bot.triage.filing import Filing
from bot.triage.ports import Person
from bot.triage.routing import Router, approvals_for
from bot.triage.status import StatusLookup
from bot.triage.visibility import Visibility
from tests.triage.fakes import FakeChannels, FakeChat
from tests.triage.test_visibility import CountingTracker, filed

SETTINGS = Settings.model_validate(
    {
        "jira": {"project_key": "KAN"},
        "approvals": {"approvers": ["U2"]},
        "routing": {
            "channels": {
                "C0OPS": {
                    "project_key": "OPS",
                    "approvers": ["U7"],
                    "issue_types": {"Incident": "Outage"},
                    "components": ["Backend"],
                    "field_defaults": {"priority": "High"},
                }
            },
            "field_defaults": {"customfield_10010": "Platform"},
        },
    }
)


def router() -> Router:
    return Router(SETTINGS, FakeChannels())


async def test_the_project_is_pinned_once_and_the_route_applied(
    ticket_log: TicketLog, engine: AsyncEngine
) -> None:
    request = NewRequest(
        "slash:1", TicketSource.MODAL, "C0OPS", "U1", "Checkout down",
        jira_fields=(("customfield_10010", "10101"),),
    )
    ticket, _ = await ticket_log.record_request(request)
    assert ticket.jira_fields == {"customfield_10010": "10101"}
    pins = ProjectPins(session_factory(engine))
    filing = Filing(InstallationIdentity("ab12cd34ef"), timedelta(0), router(), pins)
    new = await filing.routed_issue(ticket, Person("U1", "Ada"))
    assert (new.project_key, new.issue_type, new.default_issue_type) == ("OPS", "Task", "Task")
    assert new.components == ("Backend",)
    assert new.field_values == {"customfield_10010": "10101", "priority": "High"}
    assert await pins.pin(ticket.id, "KAN") == "OPS"  # pinned: a changed route never moves it
    assert (await ticket_log.get(ticket.id)).jira_project == "OPS"  # type: ignore[union-attr]


async def test_a_create_started_before_the_upgrade_stays_in_the_global_project(
    ticket_log: TicketLog, engine: AsyncEngine
) -> None:
    ticket, _ = await ticket_log.record_request(
        NewRequest("slash:2", TicketSource.SLASH_COMMAND, "C0OPS", "U1", "x")
    )
    ticket.jira_create_started_at = ticket.created_at  # as a ticket of an older version
    filing = Filing(
        InstallationIdentity("ab12cd34ef"), timedelta(0), router(),
        ProjectPins(session_factory(engine)),
    )
    assert (await filing.routed_issue(ticket, Person("U1", "Ada"))).project_key == "KAN"


async def test_approvers_are_the_routes_in_a_routed_channel(
    ticket_log: TicketLog, leases: Leases
) -> None:
    tracker = CountingTracker()
    routed = await filed(ticket_log, leases, tracker, "OPS-1", channel="C0OPS")
    plain = await filed(ticket_log, leases, tracker, "KAN-2", channel="C1")
    approvals = await approvals_for(router(), SETTINGS.approvals, routed)
    assert approvals.approvers == ["U7"]
    assert (await approvals_for(router(), SETTINGS.approvals, plain)).approvers == ["U2"]


async def test_visibility_follows_the_ticket_project_and_its_channel_approvers(
    ticket_log: TicketLog, leases: Leases
) -> None:
    tracker, chat = CountingTracker(), FakeChat(channels={"C0OPS": frozenset({"U1"})})
    await filed(ticket_log, leases, tracker, "OPS-1", channel="C0OPS")
    await filed(ticket_log, leases, tracker, "OPS-2", channel="C9")
    for ticket_id in (1, 2):  # as filing pinned them
        await ProjectPins(ticket_log._sessions).pin(ticket_id, "OPS")
    visibility = Visibility("KAN", ["U2"], chat, router=router())
    status = StatusLookup(ticket_log, tracker, visibility)
    assert (await status.issue("OPS-1", "U7")).key == "OPS-1"  # the channel's approver
    assert not await visibility.may_see("U2", (await ticket_log.get(1)))  # type: ignore[arg-type]
    assert visibility.in_project("OPS-2") and not visibility.in_project("HR-1")


async def test_a_ticket_filed_otherwise_than_asked_tells_the_requester_why(
    ticket_log: TicketLog,
) -> None:
    ticket, _ = await ticket_log.record_request(
        NewRequest("slash:3", TicketSource.SLASH_COMMAND, "C1", "U1", "x")
    )
    told: list[str] = []

    async def notify(_: object, text: str) -> None:
        told.append(text)

    class NotingTracker(CountingTracker):
        async def create_issue(self, new: NewIssue) -> IssueRef:
            return replace(await super().create_issue(new), note="Filed as Task, not Outage.")

    filing = Filing(InstallationIdentity("ab12cd34ef"), timedelta(0), notify=notify)
    new = filing.new_issue(ticket, Person("U1", "Ada"))
    ref = await filing.create(NotingTracker(), ticket, new)
    assert told == [f"{ref.key}: Filed as Task, not Outage."]
