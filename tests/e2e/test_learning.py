"""Triage that learns, through `python app.py`: type corrections, duplicate hints, approvals."""

from __future__ import annotations

from pathlib import Path

from bot.db.engine import create_engine, session_factory
from bot.db.examples import ExampleStore, StoredExample
from bot.tickets import TicketState
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import read_tickets
from tests.e2e.test_decisions import click
from tests.e2e.test_ticket_flow import file_ticket, posted


async def stored_examples(workdir: Path) -> list[StoredExample]:
    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'tickets.db'}")
    try:
        return await ExampleStore(session_factory(engine)).since(0)
    finally:
        await engine.dispose()


def selected(message) -> str:  # type: ignore[no-untyped-def]
    for block in message.blocks or []:
        for element in block.get("elements") or []:
            if element.get("type") == "static_select":
                return str((element.get("initial_option") or {}).get("value", ""))
    return ""


async def test_approver_corrects_the_type_log_jira_and_message_follow(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    await file_ticket(slack, "The export button crashes the app", user="U3")
    [message] = await posted(slack)
    [ticket] = await read_tickets(tmp_path)
    [key] = jira.created_keys()
    assert selected(message) == f"{ticket.id}:{ticket.label}"
    new = "Feature Request" if ticket.label != "Feature Request" else "Bug"
    before = len(slack.response_url_posts)
    refused = await slack.select_option(
        "C1", message.ts, "ticket_type", f"{ticket.id}:{new}", user="U3"
    )
    await slack.wait_for_ack(refused, timeout=3)
    await slack.wait_for(lambda: slack.response_url_posts[before:] or None, timeout=10)
    envelope = await slack.select_option(
        "C1", message.ts, "ticket_type", f"{ticket.id}:{new}", user="U2"
    )
    await slack.wait_for_ack(envelope, timeout=3)
    await slack.wait_for(
        lambda: selected(slack.message("C1", message.ts)) == f"{ticket.id}:{new}" or None,
        timeout=10,
    )
    [ticket] = await read_tickets(tmp_path)
    assert (ticket.label, ticket.classified_by) == (new, "approver")
    expected_type = {"Feature Request": "Story", "Bug": "Bug"}[new]
    assert jira.issues[key]["issuetype"] == expected_type or expected_type in str(jira.issues[key])
    [example] = await stored_examples(tmp_path)
    assert (example.label, example.source_key) == (new, f"ticket:{ticket.id}")
    await click(slack, message.ts, "ticket_approve", user="U2")  # no change: still one example
    await slack.wait_for(lambda: not slack.message("C1", message.ts).buttons() or None, timeout=10)
    assert [e.label for e in await stored_examples(tmp_path)] == [new]


async def test_approval_confirms_and_a_near_copy_gets_a_duplicate_hint(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    text = "Laptop battery drains in one hour since the firmware update on my ThinkPad"
    await file_ticket(slack, text, user="U3")
    [first] = await posted(slack)
    await click(slack, first.ts, "ticket_approve", user="U2")
    await slack.wait_for(lambda: not slack.message("C1", first.ts).buttons() or None, timeout=10)
    [example] = await stored_examples(tmp_path)
    assert example.source_key == "ticket:1"
    evidence = example.model_probabilities or {}  # what the model said, kept for weighing
    assert set(evidence) == {"Task", "Bug", "Incident", "Feature Request", "Question"}
    assert abs(sum(evidence.values()) - 1.0) < 1e-3
    await file_ticket(slack, text + "!", user="U1")
    await file_ticket(slack, "Order more coffee for the kitchen on the third floor", user="U1")
    messages = await posted(slack, count=2)
    [key1] = [k for k in jira.created_keys() if jira.issues[k]["summary"].startswith("Laptop")][:1]
    near, unrelated = sorted(messages, key=lambda m: "coffee" in str(m.blocks))
    assert "Possible duplicate of <" in str(near.blocks) and key1 in str(near.blocks)
    assert "Possible duplicate" not in str(unrelated.blocks)
    tickets = await read_tickets(tmp_path)
    assert tickets[0].state is TicketState.APPROVED
    assert tickets[1].duplicate_of == key1 and tickets[2].duplicate_of is None
