"""Per-channel routing and required Jira fields, through `python app.py` (issue 17).

#random (by name, resolved through conversations.list) files into OPS, where only U3
approves; there an Incident needs the custom select Team, which `/ticket text` fills from
``routing.field_defaults`` and the form asks for. G1 (by id) maps every label to Outage, whose
required Region has no usable value: its tickets fall back to Task, with a note. C1 has no
route and files into KAN as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.tickets import Decision, TicketState
from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import LIFTED_QUOTAS, bot_environment, read_tickets, settled
from tests.e2e.test_decisions import refusal_for
from tests.e2e.test_ticket_flow import file_ticket, posted

TEAM, REGION = "customfield_10010", "customfield_10020"
EVERY_LABEL = ("Task", "Bug", "Incident", "Feature Request", "Question")


async def click(slack: SlackEmulator, ts: str, action: str, user: str) -> None:
    envelope = await slack.click_button("C2", ts, action, user=user)
    await slack.wait_for_ack(envelope, timeout=3)


def _all(type_name: str) -> str:
    return "{" + ", ".join(f"{label}: {type_name}" for label in EVERY_LABEL) + "}"


ROUTING = f"""
routing:
  channels:
    "#random":
      project_key: OPS
      approvers: [U3]
      issue_types: {_all("Incident")}
      labels: [ops]
      components: [Backend]
    G1:
      project_key: OPS
      issue_types: {_all("Outage")}
  field_defaults: {{Team: Platform}}
"""


@pytest.fixture
async def jira() -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator(issue_types=("Task", "Bug", "Story", "Epic")) as emulator:
        emulator.add_project(
            "OPS", "Operations", issue_types=("Task", "Incident", "Outage"),
            components=("Backend", "Web"),
        )
        emulator.require_field("OPS", "Incident", TEAM, "Team", allowed=("Platform", "Mobile"))
        emulator.require_field("OPS", "Outage", REGION, "Region", allowed=("EU", "US"))
        yield emulator


@pytest.fixture
def bot_env(
    slack: SlackEmulator, jira: JiraEmulator, llm: OpenAIEmulator, tmp_path: Path
) -> dict[str, str]:
    for channel in ("C2", "G1"):  # #random and #secret: the bot was invited
        slack.channel(channel).bot_is_member = True
    return bot_environment(slack, jira, tmp_path, model=llm, quotas=LIFTED_QUOTAS + ROUTING)


async def test_a_routed_channel_files_into_its_project_with_its_approvers(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    await file_ticket(slack, "Checkout is down for everyone", user="U1", channel="C2")
    [message] = await posted(slack, channel="C2")
    await file_ticket(slack, "My mouse is broken", user="U1", channel="C1")
    await posted(slack, channel="C1")
    routed, plain = sorted(jira.created_keys(), key=lambda key: not key.startswith("OPS-"))
    assert routed.startswith("OPS-") and plain.startswith("KAN-")
    issue = jira.issues[routed]
    assert issue["issuetype"] == "Incident"
    assert issue["custom"] == {TEAM: "Platform"}  # /ticket text: the configured default
    assert issue["components"] == ["Backend"] and "ops" in issue["labels"]
    assert [c.status for c in jira.calls("POST", "/issue")] == [201, 201]  # never a 400
    assert jira.calls("GET", "/issue/createmeta/OPS/issuetypes")
    assert slack.api_calls("conversations.list")  # #random found by its name
    tickets = await settled(tmp_path, 2)
    assert {t.slack_channel_id: t.jira_project for t in tickets} == {"C2": "OPS", "C1": "KAN"}

    before = len(slack.response_url_posts)
    await click(slack, message.ts, "ticket_approve", user="U2")  # a global approver only
    assert "Only the configured approvers" in await refusal_for(slack, "U2", before)
    assert (await read_tickets(tmp_path))[0].decision is None
    await click(slack, message.ts, "ticket_approve", user="U3")  # this channel's approver
    await slack.wait_for(lambda: not slack.message("C2", message.ts).buttons() or None, timeout=10)
    ticket = next(t for t in await read_tickets(tmp_path) if t.jira_key == routed)
    assert (ticket.state, ticket.decision, ticket.decided_by) == (
        TicketState.APPROVED, Decision.APPROVED, "U3",
    )


async def test_the_form_shows_the_required_select_and_files_the_pick(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    envelope = await slack.slash_command("/ticket", "", user="U1", channel="C2")
    await slack.wait_for_ack(envelope, timeout=3)
    [view] = await slack.wait_for(lambda: list(slack.views.values()) or None, timeout=5)
    block = next(b for b in view.view["blocks"] if b.get("block_id") == f"jira-field-{TEAM}")
    options = {o["text"]["text"]: o["value"] for o in block["element"]["options"]}
    assert list(options) == ["Platform", "Mobile"]  # Jira's allowed values
    assert block["element"]["initial_option"]["text"]["text"] == "Platform"  # the default
    envelope = await slack.submit_view(
        view.id,
        {
            "summary": {"value": "Payments app crashes on start"},
            "type": {"value": "Bug"},
            f"jira-field-{TEAM}": {"value": options["Mobile"]},
        },
        user="U1",
    )
    await slack.wait_for_ack(envelope, timeout=3)
    await posted(slack, channel="C2")
    [key] = jira.created_keys()
    assert key.startswith("OPS-") and jira.issues[key]["custom"] == {TEAM: "Mobile"}
    [ticket] = await settled(tmp_path, 1)
    assert ticket.jira_fields == {TEAM: options["Mobile"]}


async def test_a_type_that_cannot_be_satisfied_falls_back_with_a_note(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    await file_ticket(slack, "The EU cluster is unreachable", user="U1", channel="G1")
    await posted(slack, channel="G1")
    [key] = jira.created_keys()
    issue = jira.issues[key]
    assert key.startswith("OPS-") and issue["issuetype"] == "Task"
    assert "Filed as Task, not Outage" in str(issue["description"])
    assert "Region is required and has no value" in str(issue["description"])
    assert [c.status for c in jira.calls("POST", "/issue")] == [201]
    told = await slack.wait_for(
        lambda: [p for p in slack.response_url_posts if "not Outage" in str(p.body)] or None,
        timeout=10,
    )
    assert f"{key}: Filed as Task, not Outage" in str(told[0].body)  # the requester, privately
    [ticket] = await settled(tmp_path, 1)
    assert ticket.state is TicketState.POSTED and ticket.jira_project == "OPS"
