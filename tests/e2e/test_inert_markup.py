"""Jira text is inert, through `python app.py` on API v2 (the default): the hostile markup corpus
(tests/tracker/hostile_markup.py), filed by users whose Slack display names are themselves markup,
reaches the Jira emulator as descriptions in which none of it is markup, with summaries free of
bidi and zero-width characters, and without the requesters' e-mail (no Jira account has it).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.db.models import Ticket
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator, default_users
from emulators.stack import BotProcess
from tests.e2e.harness import carries_ticket_label, settled
from tests.e2e.test_ticket_flow import file_ticket, posted
from tests.tracker.hostile_markup import MARKUP_INPUTS, wiki_problems

#: Each filer's Slack display name is markup; the tickets are spread over them (under the quota).
NAMES = {
    "U1": "{color:red}CEO{color} [~accountid:557058:x]\u202e",
    "U2": "*Security Team* [Verified|https://evil.example] !https://evil.example/p.png!",
    "U3": "\\\\ h1. Admin (y) {noformat}",
}
EMAIL = "{user}@example.com"
INVISIBLE = set("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069\ufeff")


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    users = [
        dataclasses.replace(user, name=NAMES[user.id], email=EMAIL.format(user=user.id))
        if user.id in NAMES
        else user
        for user in default_users()
    ]
    async with SlackEmulator(users=users) as emulator:
        yield emulator


async def test_hostile_markup_and_display_name_reach_jira_as_text(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    filers = itertools.cycle(NAMES)
    for case in MARKUP_INPUTS:
        await file_ticket(slack, case.text, user=next(filers))
    await posted(slack, count=len(MARKUP_INPUTS), timeout=60)
    tickets = await settled(tmp_path, len(MARKUP_INPUTS))
    assert len(tickets) == len(MARKUP_INPUTS)
    assert {t.text for t in tickets} >= {c.text for c in MARKUP_INPUTS if "&" not in c.text}

    received = [post.body["fields"] for post in jira.calls("POST", "/issue")]
    assert all(post.api_version == "2" for post in jira.calls("POST", "/issue"))
    problems = {}
    for ticket in tickets:
        fields = the_create_for(ticket, received)
        name = NAMES[ticket.requester_id]
        found = wiki_problems(fields["description"], body=ticket.text, name=name)
        if "@example.com" in fields["description"]:
            found.append("the requester's e-mail is in the description")
        if INVISIBLE & set(fields["summary"]):
            found.append(f"invisible characters in the summary {fields['summary']!r}")
        if found:
            problems[ticket.text[:40]] = found
    assert problems == {}

    bidi = next(t for t in tickets if t.text.startswith("Invoice"))
    assert jira.issues[str(bidi.jira_key)]["summary"] == "Invoice fdp.exe and isolated mark"


def the_create_for(ticket: Ticket, received: list[dict[str, Any]]) -> dict[str, str]:
    """The fields of the one create request Jira received for ``ticket``."""
    [fields] = [f for f in received if carries_ticket_label(f["labels"], ticket.id)]
    return {"description": str(fields["description"]), "summary": str(fields["summary"])}
