"""`python app.py` against the Slack, Jira and OpenAI emulators: what each of them saw."""

from __future__ import annotations

from pathlib import Path

from bot.tickets import TicketState
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator, StoredMessage
from emulators.stack import BotProcess
from tests.e2e.harness import carries_ticket_label, read_tickets, settled

ACK_BUDGET_S = 3.0  # Slack's limit; the measured latency is reported, not asserted tighter


async def file_ticket(
    slack: SlackEmulator, text: str, *, user: str = "U1", channel: str = "C1"
) -> str:
    envelope = await slack.slash_command("/ticket", text, user=user, channel=channel)
    ack = await slack.wait_for_ack(envelope, timeout=ACK_BUDGET_S)
    assert ack.latency_s < ACK_BUDGET_S
    return envelope


async def posted(
    slack: SlackEmulator, channel: str = "C1", count: int = 1, timeout: float = 20
) -> list[StoredMessage]:
    """Wait until ``count`` ticket messages (with buttons) are in ``channel``."""

    def ready() -> list[StoredMessage] | None:
        found = [m for m in slack.messages(channel, include_replies=False) if m.buttons()]
        return found if len(found) >= count else None

    return await slack.wait_for(ready, timeout=timeout)


async def test_ticket_is_acked_filed_posted_and_logged(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    envelope = await file_ticket(slack, "The checkout page crashes with an error 500")
    ack = slack.ack_for(envelope)
    assert ack is not None and ack.payload == {"text": "Filing your ticket…"}

    [message] = await posted(slack)
    assert [b["text"]["text"] for _, b in message.buttons()] == ["Approve", "Reject"]
    [key] = jira.created_keys()
    issue = jira.issues[key]
    assert issue["issuetype"] == "Bug"
    assert issue["summary"] == "The checkout page crashes with an error 500"
    assert carries_ticket_label(issue["labels"], 1)
    assert key in str(message.blocks) and f"{jira.url}/browse/{key}" in str(message.blocks)

    [ticket] = await settled(tmp_path, 1)
    assert ticket.state is TicketState.POSTED
    assert (ticket.jira_key, ticket.message_ts, ticket.label) == (key, message.ts, "Bug")
    assert ticket.classified_by == "openai"


async def test_label_without_a_jira_type_uses_the_default(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    await file_ticket(slack, "Production is down, nobody can log in")
    await posted(slack)
    [key] = jira.created_keys()
    assert jira.issues[key]["issuetype"] == "Task"  # the project has no Incident type


async def test_redelivered_envelope_makes_one_ticket(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    envelope = await file_ticket(slack, "Please add dark mode to the portal")
    await slack.redeliver(envelope)
    await posted(slack)
    await slack.wait_for(lambda: slack.envelope(envelope).deliveries >= 2, timeout=5)
    assert len(jira.created_keys()) == 1
    assert len(await read_tickets(tmp_path)) == 1


async def test_user_typed_mentions_ping_nobody(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    await file_ticket(slack, "<!channel> <!here> <@U3> the wifi is broken & slow")
    [message] = await posted(slack)
    rendered = str(message.blocks) + message.text
    assert "<!channel>" not in rendered and "<!here>" not in rendered and "<@U3>" not in rendered
    assert "&lt;!channel&gt;" in str(message.blocks)


async def test_channel_the_bot_is_not_in_gets_a_private_answer(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    await file_ticket(slack, "My laptop screen flickers", channel="G1")
    dm = await slack.wait_for(lambda: slack.messages("D1") or None, timeout=20)
    assert "/invite @ticketbot" in str(dm[0].blocks)
    assert len(jira.created_keys()) == 1
    assert slack.messages("G1") == []
