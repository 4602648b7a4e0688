"""The visibility rule (``bot.triage.visibility``) and `/ticket_status` under it.

Real ticket log (SQLite); Jira and Slack are the fakes, which count their calls, so "no Jira
call for a key the bot did not file" is checked, not assumed.
"""

from __future__ import annotations

import pytest

from bot.db.examples import ExampleStore
from bot.db.leases import Leases
from bot.db.models import Ticket
from bot.db.tickets import ClassifiedAs, TicketLog
from bot.errors import InvalidIssueKey, IssueNotFound
from bot.tickets import NewRequest, TicketSource
from bot.tracker.models import IssueDetails, NewIssue
from bot.triage.status import StatusLookup
from bot.triage.visibility import Visibility, hint_scope
from tests.triage.fakes import FakeChat, FakeTracker

APPROVERS = ("U2",)
OWNER = "test"


class CountingTracker(FakeTracker):
    """The fake Jira, counting lookups; it holds any issue it is given, in any project."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups: list[str] = []

    async def get_issue(self, key_or_url: str) -> IssueDetails:
        self.lookups.append(key_or_url)
        return await super().get_issue(key_or_url)

    def add(self, key: str) -> None:
        self.issues[key] = NewIssue(0, "an issue", "Task", "someone", "ab12cd34ef")


async def filed(
    log: TicketLog, leases: Leases, tracker: CountingTracker, key: str, *,
    requester: str = "U1", channel: str = "G1", text: str = "VPN is down", state: str = "posted",
) -> Ticket:
    """A ticket the bot filed as ``key`` from ``channel`` (and posted, unless told otherwise)."""
    request = NewRequest(f"slash:{key}", TicketSource.SLASH_COMMAND, channel, requester, text)
    ticket, _ = await log.record_request(request)
    assert await leases.claim(ticket.id, OWNER)
    await log.mark_classified(ticket.id, ClassifiedAs("Bug", 0.9, "fake"), owner=OWNER)
    ticket = await log.mark_filed(
        ticket.id, key=key, url=f"https://jira/browse/{key}", issue_type="Bug", owner=OWNER
    )
    if state == "posted":
        ticket = await log.mark_posted(
            ticket.id, channel_id=channel, ts=f"1.{ticket.id}", in_channel=True, owner=OWNER
        )
    await leases.release(ticket.id, OWNER)
    tracker.add(key)
    return ticket


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat(channels={"G1": frozenset({"U1", "U4"}), "C1": frozenset({"U1", "U3"})})


@pytest.fixture
def tracker() -> CountingTracker:
    return CountingTracker()


def lookup(
    log: TicketLog, tracker: CountingTracker, chat: FakeChat, *, any_issue: bool = False
) -> StatusLookup:
    return StatusLookup(log, tracker, Visibility("KAN", APPROVERS, chat), any_issue=any_issue)


async def test_requester_approver_and_channel_member_see_the_ticket(
    ticket_log: TicketLog, leases: Leases, tracker: CountingTracker, chat: FakeChat
) -> None:
    await filed(ticket_log, leases, tracker, "KAN-1")
    status = lookup(ticket_log, tracker, chat)
    for who in ("U1", "U2", "U4"):  # requester, approver, member of G1
        assert (await status.issue("kan-1", who)).key == "KAN-1"
    assert tracker.lookups == ["KAN-1"] * 3


async def test_everyone_else_gets_not_found_without_a_jira_call(
    ticket_log: TicketLog, leases: Leases, tracker: CountingTracker, chat: FakeChat
) -> None:
    await filed(ticket_log, leases, tracker, "KAN-1")  # filed in private G1
    tracker.add("KAN-2")  # created directly in Jira
    tracker.add("HR-7")  # another project the Jira account can read
    status = lookup(ticket_log, tracker, chat)
    refusals = {}
    for key in ("KAN-1", "KAN-2", "HR-7", "KAN-999", "https://jira/browse/kan-2"):
        with pytest.raises(IssueNotFound) as raised:
            await status.issue(key, "U3")  # in C1, not in G1; not an approver
        refusals[key] = raised.value
    assert [e.key for e in refusals.values()] == ["KAN-1", "KAN-2", "HR-7", "KAN-999", "KAN-2"]
    assert {str(e).replace(e.key, "K") for e in refusals.values()} == {
        str(IssueNotFound("K"))
    }
    assert tracker.lookups == []
    assert chat.member_lookups == ["G1"]  # asked only about the ticket the bot filed


async def test_malformed_key_is_usage_before_anything(
    ticket_log: TicketLog, tracker: CountingTracker, chat: FakeChat
) -> None:
    with pytest.raises(InvalidIssueKey):
        await lookup(ticket_log, tracker, chat).issue("drop table; --", "U1")
    assert (tracker.lookups, chat.member_lookups) == ([], [])


async def test_slack_down_hides_the_ticket_from_members_only(
    ticket_log: TicketLog, leases: Leases, tracker: CountingTracker, chat: FakeChat
) -> None:
    await filed(ticket_log, leases, tracker, "KAN-1")
    chat.down = True
    status = lookup(ticket_log, tracker, chat)
    with pytest.raises(IssueNotFound):
        await status.issue("KAN-1", "U4")  # a member, but Slack cannot say so now
    assert (await status.issue("KAN-1", "U1")).key == "KAN-1"  # the requester needs no Slack


async def test_a_ticket_filed_into_another_project_is_hidden_even_from_its_requester(
    ticket_log: TicketLog, leases: Leases, tracker: CountingTracker, chat: FakeChat
) -> None:
    await filed(ticket_log, leases, tracker, "OLD-3")  # before JIRA_PROJECT_KEY changed
    with pytest.raises(IssueNotFound):
        await lookup(ticket_log, tracker, chat).issue("OLD-3", "U1")
    assert tracker.lookups == []


async def test_a_ticket_moved_to_another_project_is_hidden(
    ticket_log: TicketLog, leases: Leases, tracker: CountingTracker, chat: FakeChat
) -> None:
    await filed(ticket_log, leases, tracker, "KAN-1")

    async def moved(key_or_url: str) -> IssueDetails:
        return IssueDetails("HR-9", "https://jira/browse/HR-9", "s", "To Do", "new")

    tracker.get_issue = moved  # type: ignore[method-assign]
    with pytest.raises(IssueNotFound):
        await lookup(ticket_log, tracker, chat).issue("KAN-1", "U1")


async def test_any_issue_looks_up_unfiled_keys_but_still_hides_filed_tickets(
    ticket_log: TicketLog, leases: Leases, tracker: CountingTracker, chat: FakeChat
) -> None:
    await filed(ticket_log, leases, tracker, "KAN-1")
    tracker.add("HR-7")
    status = lookup(ticket_log, tracker, chat, any_issue=True)
    assert (await status.issue("HR-7", "U3")).key == "HR-7"
    with pytest.raises(IssueNotFound):
        await status.issue("KAN-1", "U3")
    with pytest.raises(IssueNotFound):
        await status.issue("KAN-404", "U3")  # Jira's own answer
    assert tracker.lookups == ["HR-7", "KAN-404"]


async def test_recent_lists_only_the_callers_tickets(
    ticket_log: TicketLog, leases: Leases, tracker: CountingTracker, chat: FakeChat
) -> None:
    await filed(ticket_log, leases, tracker, "KAN-1", requester="U1")
    await filed(ticket_log, leases, tracker, "KAN-2", requester="U4")
    await filed(ticket_log, leases, tracker, "OLD-3", requester="U1")
    recent = await lookup(ticket_log, tracker, chat).recent("U1")
    assert [(r.ticket.jira_key, r.status) for r in recent] == [("OLD-3", None), ("KAN-1", "To Do")]
    assert tracker.lookups == ["KAN-1"]  # no Jira call for the other project's key
    assert chat.member_lookups == []


async def test_duplicate_hints_stay_in_their_channel(
    ticket_log: TicketLog, leases: Leases, examples: ExampleStore, tracker: CountingTracker
) -> None:
    secret = await filed(ticket_log, leases, tracker, "KAN-1", channel="G1")
    public = await filed(ticket_log, leases, tracker, "KAN-2", channel="C1")
    new = await filed(ticket_log, leases, tracker, "KAN-3", channel="C1", state="filed")
    assert hint_scope(new) == "C1"
    candidates = await examples.open_tickets(hint_scope(new), new.id)
    assert [c.jira_key for c in candidates] == ["KAN-2"]
    assert [c.id for c in await examples.open_tickets("G1", None)] == [secret.id]
    assert public.id != secret.id
