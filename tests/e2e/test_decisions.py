"""Approve and Reject through `python app.py`: who may, first one wins, everyone sees it."""

from __future__ import annotations

from pathlib import Path

from bot.tickets import Decision, TicketState
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import read_tickets
from tests.e2e.test_ticket_flow import file_ticket, posted


async def filed_message(slack: SlackEmulator, requester: str = "U3"):  # type: ignore[no-untyped-def]
    await file_ticket(slack, "Add a second monitor to desk 12", user=requester)
    [message] = await posted(slack)
    return message


async def click(slack: SlackEmulator, ts: str, action: str, user: str) -> None:
    envelope = await slack.click_button("C1", ts, action, user=user)
    await slack.wait_for_ack(envelope, timeout=3)


async def refusal_for(slack: SlackEmulator, user: str, before: int) -> str:
    posts = await slack.wait_for(
        lambda: [p for p in slack.response_url_posts[before:] if p.user == user] or None, timeout=10
    )
    return str(posts[0].body.get("text"))


async def test_approver_approves_and_everyone_sees_it(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    message = await filed_message(slack)
    await click(slack, message.ts, "ticket_approve", user="U2")
    updated = await slack.wait_for(
        lambda: (
            slack.message("C1", message.ts)
            if not slack.message("C1", message.ts).buttons()
            else None
        ),
        timeout=10,
    )
    assert "Approved by <@U2>" in str(updated.blocks)
    replies = await slack.wait_for(lambda: slack.thread("C1", message.ts) or None, timeout=10)
    assert "<@U3>" in replies[0].text and "approved" in replies[0].text
    [key] = jira.created_keys()
    await slack.wait_for(lambda: jira.issues[key].get("comments") or None, timeout=10)
    assert "Approved by U2 in Slack." in str(jira.issues[key]["comments"])
    [ticket] = await read_tickets(tmp_path)
    assert (ticket.state, ticket.decision, ticket.decided_by) == (
        TicketState.APPROVED,
        Decision.APPROVED,
        "U2",
    )


async def test_non_approver_and_requester_are_refused_and_nothing_changes(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    message = await filed_message(slack, requester="U1")  # U1 is an approver, but the requester
    before = len(slack.response_url_posts)
    await click(slack, message.ts, "ticket_approve", user="U3")
    assert "Only the configured approvers" in await refusal_for(slack, "U3", before)
    await click(slack, message.ts, "ticket_reject", user="U1")
    assert "ticket you filed yourself" in await refusal_for(slack, "U1", before)
    assert slack.message("C1", message.ts).buttons()
    [ticket] = await read_tickets(tmp_path)
    assert ticket.state is TicketState.POSTED and ticket.decision is None


async def test_double_click_first_decision_wins(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    message = await filed_message(slack)
    before = len(slack.response_url_posts)
    first = await slack.click_button("C1", message.ts, "ticket_reject", user="U2")
    second = await slack.click_button("C1", message.ts, "ticket_approve", user="U1")
    for envelope in (first, second):
        await slack.wait_for_ack(envelope, timeout=3)
    assert "Already rejected by <@U2>" in await refusal_for(slack, "U1", before)
    await slack.wait_for(lambda: not slack.message("C1", message.ts).buttons(), timeout=10)
    [ticket] = await read_tickets(tmp_path)
    assert ticket.decision is Decision.REJECTED


async def test_reject_runs_the_configured_transition(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    message = await filed_message(slack)
    await click(slack, message.ts, "ticket_reject", user="U2")
    [key] = jira.created_keys()
    await slack.wait_for(lambda: jira.issues[key]["status"] == "Won't Do", timeout=10)
    assert "Rejected by U2 in Slack." in str(jira.issues[key]["comments"])
