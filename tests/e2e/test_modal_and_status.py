"""The `/ticket` form and `/ticket_status`, through `python app.py`."""

from __future__ import annotations

from pathlib import Path

from bot.tickets import TicketSource
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import read_tickets, settled
from tests.e2e.test_ticket_flow import file_ticket, posted


async def open_form(slack: SlackEmulator) -> str:
    envelope = await slack.slash_command("/ticket", "", user="U1", channel="C1")
    await slack.wait_for_ack(envelope, timeout=3)
    views = await slack.wait_for(lambda: list(slack.views.values()) or None, timeout=5)
    return str(views[0].id)


async def test_empty_ticket_opens_a_form_that_files_the_ticket(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    view_id = await open_form(slack)
    envelope = await slack.submit_view(
        view_id,
        {
            "summary": {"value": "New laptop for Dana"},
            "details": {"value": "Starts Monday, needs a 16GB MacBook."},
            "type": {"value": "Task"},
        },
        user="U1",
    )
    await slack.wait_for_ack(envelope, timeout=3)
    assert slack.view(view_id).state == "closed"
    [message] = await posted(slack)
    [key] = jira.created_keys()
    assert jira.issues[key]["summary"] == "New laptop for Dana"
    assert jira.issues[key]["issuetype"] == "Task"
    assert "16GB MacBook" in str(jira.issues[key]["description"])
    [ticket] = await settled(tmp_path, 1)
    assert (ticket.source, ticket.classified_by) == (TicketSource.MODAL, "requester")
    assert message.ts == ticket.message_ts


async def test_form_rejects_an_empty_summary_in_place(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    view_id = await open_form(slack)
    envelope = await slack.submit_view(view_id, {"summary": {"value": "  ?!  "}}, user="U1")
    ack = await slack.wait_for_ack(envelope, timeout=3)
    assert ack.payload is not None and ack.payload["response_action"] == "errors"
    assert "summary" in ack.payload["errors"]
    assert slack.view(view_id).state == "open"
    assert await read_tickets(tmp_path) == []


async def status_reply(slack: SlackEmulator, text: str, user: str = "U1") -> str:
    before = len(slack.response_url_posts)
    envelope = await slack.slash_command("/ticket_status", text, user=user, channel="C1")
    await slack.wait_for_ack(envelope, timeout=3)
    posts = await slack.wait_for(lambda: slack.response_url_posts[before:] or None, timeout=10)
    return str(posts[0].body)


async def test_status_of_found_missing_and_malformed_keys(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    await file_ticket(slack, "Outlook keeps asking for my password")
    await posted(slack)
    [key] = jira.created_keys()
    jira.set_status(key, "In Progress")

    found = await status_reply(slack, f"  {key.lower()} ")
    assert key in found and "In Progress" in found and "Unassigned" in found
    pasted = await status_reply(slack, f"{jira.url}/browse/{key}")
    assert "In Progress" in pasted
    assert "could not find KAN-999" in await status_reply(slack, "KAN-999")
    assert "Usage: `/ticket_status KAN-123`" in await status_reply(slack, "drop table; --")


async def test_status_without_argument_lists_my_recent_tickets(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    for text in ("First: VPN is slow", "Second: order a monitor"):
        await file_ticket(slack, text)
    await posted(slack, count=2)
    mine = await status_reply(slack, "")
    assert "VPN is slow" in mine and "order a monitor" in mine and "To Do" in mine
    assert "have not filed any tickets" in await status_reply(slack, "", user="U3")
