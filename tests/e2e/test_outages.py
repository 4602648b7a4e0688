"""A long Jira outage through `python app.py`: tickets wait instead of failing, and decisions
made meanwhile reach Jira when it is back.

Time is compressed by the test config (`pipeline.retry_max_s: 2` instead of 300): the 30 s
outage here outlasts the old attempt budget (`max_attempts` 8, about 12 s at these settings)
by far, as a 30-minute outage outlasts it at the default settings.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.tickets import TicketState
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.e2e.harness import read_tickets
from tests.e2e.test_decisions import click
from tests.e2e.test_durability import burst
from tests.e2e.test_ticket_flow import posted

OUTAGE_S = 30


async def test_tickets_and_decisions_survive_a_long_jira_outage(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    await burst(slack, 2)
    first, second = await posted(slack, count=2, timeout=60)
    jira.down = True
    await burst(slack, 3)
    await click(slack, first.ts, "ticket_reject", user="U2")
    await click(slack, second.ts, "ticket_approve", user="U2")
    await asyncio.sleep(OUTAGE_S)
    during = await read_tickets(tmp_path)
    assert not [t.id for t in during if t.state is TicketState.FAILED], bot.log_tail()
    assert all(not issue["comments"] for issue in jira.issues.values())

    jira.down = False
    await posted(slack, count=3, timeout=60)  # the three filed during the outage (undecided)
    tickets = await read_tickets(tmp_path)
    assert len(tickets) == 5 and len(jira.created_keys()) == 5
    assert len({t.jira_key for t in tickets}) == 5
    assert len(slack.messages("C1", include_replies=False)) == 5
    decided = {t.id: t for t in tickets if t.decision is not None}
    assert {t.state for t in tickets if t.decision is None} == {TicketState.POSTED}
    by_message = {t.message_ts: t for t in decided.values()}
    rejected, approved = by_message[first.ts], by_message[second.ts]  # posted in either order
    assert (rejected.state, approved.state) == (TicketState.REJECTED, TicketState.APPROVED)
    await slack.wait_for(
        lambda: all(jira.issues[t.jira_key]["comments"] for t in decided.values()) or None,  # type: ignore[index]
        timeout=30,
    )
    assert "Rejected by U2 in Slack." in str(jira.issues[rejected.jira_key]["comments"])  # type: ignore[index]
    assert "Approved by U2 in Slack." in str(jira.issues[approved.jira_key]["comments"])  # type: ignore[index]
    await slack.wait_for(
        lambda: jira.issues[rejected.jira_key]["status"] == "Won't Do" or None,  # type: ignore[index]
        timeout=30,
    )
