"""Who sees what, through `python app.py` (issue 15): `/ticket_status` answers a ticket's
details only to its requester, an approver or a member of the channel it was filed in, and
"not found" to everyone else, word for word as for a key that does not exist, without asking
Jira; a duplicate hint never names a ticket of another channel."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulators.jira import JiraEmulator
from emulators.slack import Channel, SlackEmulator, StoredMessage, default_channels, default_users
from emulators.slack.model import User
from emulators.stack import BotProcess
from tests.e2e.test_decisions import refusal_for
from tests.e2e.test_ticket_flow import file_ticket, posted

# Approvers are U1 and U2 (tests/e2e/harness.py). U3 files in the private channel G7, where
# U4 is the only other member; U5 is in the workspace and nothing more.
PRIVATE = Channel("G7", "payroll", "private", bot_is_member=True, members={"U3", "U4"})
PEOPLE = [User("U4", "dave", "Dave Doe"), User("U5", "erin", "Erin East")]
SECRET = "Payroll export for March lists the wrong IBAN for every contractor in Berlin"


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(
        users=[*default_users(), *PEOPLE], channels=[*default_channels(), PRIVATE]
    ) as emulator:
        yield emulator


async def status_reply(slack: SlackEmulator, text: str, user: str, channel: str = "C1") -> str:
    before = len(slack.response_url_posts)
    envelope = await slack.slash_command("/ticket_status", text, user=user, channel=channel)
    await slack.wait_for_ack(envelope, timeout=3)
    return await refusal_for(slack, user, before)  # the first private answer to ``user``


def issue_reads(jira: JiraEmulator, key: str) -> int:
    return len(jira.calls("GET", f"/issue/{key}"))


async def approve(slack: SlackEmulator, message: StoredMessage) -> None:
    envelope = await slack.click_button("G7", message.ts, "ticket_approve", user="U2")
    await slack.wait_for_ack(envelope, timeout=3)
    await slack.wait_for(lambda: not slack.message("G7", message.ts).buttons() or None, timeout=10)


async def test_only_requester_approver_and_channel_members_see_a_private_ticket(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    await file_ticket(slack, SECRET, user="U3", channel="G7")
    [message] = await posted(slack, channel="G7")
    [key] = jira.created_keys()
    direct = jira.add_issue("Reorganisation plan, do not share")  # filed in Jira, not by the bot
    other = jira.add_issue("Salary review", project="HR")  # another project the account reads

    missing = await status_reply(slack, "KAN-999", user="U5")
    assert "could not find KAN-999" in missing
    for asked in (key, direct, other):
        answer = await status_reply(slack, asked.lower(), user="U5")
        assert answer.replace(asked, "KAN-999") == missing
        assert issue_reads(jira, asked) == 0  # not even asked: nothing to time
    assert await status_reply(slack, key, user="U5", channel="G7") == missing.replace(
        "KAN-999", key
    )  # a command typed in the channel by someone not in it changes nothing
    for who in ("U3", "U2", "U4"):  # requester, approver, member of G7
        shown = await status_reply(slack, key, user=who)
        assert key in shown and "To Do" in shown and "could not find" not in shown
    assert issue_reads(jira, key) == 3
    assert "could not find" in await status_reply(slack, direct, user="U2")  # approvers too
    assert issue_reads(jira, direct) == 0
    assert [c.args["channel"] for c in slack.api_calls("conversations.members")] == ["G7"]
    assert SECRET[:20] in await status_reply(slack, "", user="U3")  # the requester's own list
    assert "have not filed any tickets" in await status_reply(slack, "", user="U5")

    await approve(slack, message)  # confirmed: the memory now knows the text
    await file_ticket(slack, SECRET + "!", user="U5", channel="C1")
    await file_ticket(slack, SECRET + "?", user="U4", channel="G7")
    [public] = await posted(slack, channel="C1")
    assert "Possible duplicate" not in str(public.blocks)  # never names G7's ticket in C1
    private = await slack.wait_for(
        lambda: [m for m in slack.messages("G7", include_replies=False) if m.buttons()] or None,
        timeout=20,
    )
    assert "Possible duplicate of <" in str(private[0].blocks) and key in str(private[0].blocks)


async def test_a_flood_of_slow_status_lookups_never_delays_filing(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    await file_ticket(slack, "The wiki search returns nothing", user="U3")
    await posted(slack)
    [key] = jira.created_keys()
    jira.slow(4, times=4, method="GET", path=f"/issue/{key}")  # more than filing's own pool
    for _ in range(4):
        envelope = await slack.slash_command("/ticket_status", key, user="U3", channel="C1")
        await slack.wait_for_ack(envelope, timeout=3)
    await file_ticket(slack, "The printer on floor 2 is out of toner", user="U4")
    await posted(slack, count=2)
    assert slack.response_url_posts == []  # filed and posted while every lookup still waits
    answers = await slack.wait_for(lambda: slack.response_url_posts[3:] or None, timeout=20)
    assert key in str(answers[0].body)
