"""The hostile-input corpus (tests/hostile_inputs.py) through `python app.py`, one bot for all.

Every `/ticket` case gets a clear answer and either a valid Jira issue plus one channel message
that renders none of the user's markup, or a clear refusal before any Jira call. `/ticket_status`
garbage gets the usage message and no Jira call. Nothing crashes, no log line is forged, and
the bot still answers afterwards. Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

The secret-leak search runs the whole flow with distinctive tokens at LOG_LEVEL=DEBUG and looks
for them in every log line, every database row, the CLI's output and what reached Slack and Jira.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from bot import messages
from bot.db.engine import create_engine, session_factory
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.tickets import TicketState
from bot.tracker.summary import utf16_len
from emulators.jira import JiraEmulator, adf_to_text
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess
from tests.conftest import postgres_url, reset_schema
from tests.e2e.harness import bot_environment, carries_ticket_label, run_cli
from tests.e2e.test_ticket_flow import file_ticket, posted
from tests.hostile_inputs import FORGED_LOG_LINE, STATUS_GARBAGE, TICKET_INPUTS, HostileInput

REQUESTER = "U1"
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
#: JQL the bot may send: only ever built from validated values (ticket_jql in bot/tracker/keys.py).
FEED_JQL = re.compile(  # the Jira change feed's poll (bot.tracker.feed), no user input in it
    r'project = "[A-Z][A-Z0-9_]+" AND labels in \("ticketbot-[0-9a-f]+-all"(, "[^"]+")*\) '
    r'AND updated >= "\d{4}/\d\d/\d\d \d\d:\d\d" ORDER BY updated ASC'
)
ALLOWED_JQL = re.compile(
    r'project = "[A-Z][A-Z0-9_]+" AND labels = "ticketbot-\d+" ORDER BY created ASC|'
    + FEED_JQL.pattern
)
ANGLE_TOKEN = re.compile(r"<[^<>]*>")


@pytest.fixture(params=["sqlite", "postgresql"])
async def bot_env(bot_env: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    env = {**bot_env, "LOG_LEVEL": "DEBUG"}  # the more the bot logs, the more this test checks
    if request.param == "postgresql":  # PostgreSQL refuses text SQLite stores (NUL bytes)
        url = postgres_url()
        if url is None:
            pytest.skip("TEST_DATABASE_URL is not set (.ci/run starts PostgreSQL)")
        engine = create_engine(url)
        await reset_schema(engine)
        await engine.dispose()
        env["DATABASE_URL"] = url
    return env


async def all_tickets(url: str) -> list[Ticket]:
    engine = create_engine(url)
    try:
        return list(await TicketLog(session_factory(engine)).listing(limit=1000))
    finally:
        await engine.dispose()


async def settled(url: str) -> dict[str, Ticket]:
    """The tickets by dedupe key, once none of them is still moving through the pipeline."""
    for _ in range(300):
        tickets = await all_tickets(url)
        if all(t.state in (TicketState.POSTED, TicketState.FAILED) for t in tickets):
            break
        await asyncio.sleep(0.1)
    return {t.dedupe_key: t for t in tickets}


def trigger_of(slack: SlackEmulator, envelope_id: str) -> str:
    return str(slack.envelope(envelope_id).payload["trigger_id"])


def ack_text(slack: SlackEmulator, envelope_id: str) -> str | None:
    ack = slack.ack_for(envelope_id)
    assert ack is not None
    return None if not ack.payload else str(ack.payload.get("text") or "")


def rendered_markup_problems(rendered: str, jira: JiraEmulator) -> list[str]:
    """Every `<…>` in a ticket message must be the bot's own: the requester, a date, Jira links."""
    allowed_prefixes = (f"<@{REQUESTER}>", "<!date^", f"<{jira.url}/browse/")
    return [
        token for token in ANGLE_TOKEN.findall(rendered) if not token.startswith(allowed_prefixes)
    ]


def summary_problems(summary: Any) -> list[str]:
    if not isinstance(summary, str) or not summary.strip():
        return [f"empty summary {summary!r}"]
    found = []
    if utf16_len(summary) > 255:
        found.append(f"summary of {utf16_len(summary)} UTF-16 units")
    if any(unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029" for ch in summary):
        found.append(f"control character or line break in summary {summary[:80]!r}")
    return found


def check_filed(ticket: Ticket | None, slack: SlackEmulator, jira: JiraEmulator) -> list[str]:
    if ticket is None:
        return ["acked as filing, but no ticket row"]
    if ticket.state is not TicketState.POSTED or ticket.jira_key is None:
        return [f"ticket #{ticket.id} ended in {ticket.state} (error: {ticket.last_error})"]
    found: list[str] = []
    issue = jira.issues[ticket.jira_key]
    found += summary_problems(issue["summary"])
    description = issue["description"]
    text = adf_to_text(description) if isinstance(description, dict) else str(description or "")
    if not text.strip():
        found.append("no description")
    if not carries_ticket_label(issue["labels"], ticket.id):
        found.append(f"labels {issue['labels']}")
    ours = [
        m
        for m in slack.messages("C1")
        if any(button.get("value") == str(ticket.id) for _, button in m.buttons())
    ]
    if len(ours) != 1:
        return [*found, f"{len(ours)} channel messages for ticket #{ticket.id}"]
    [message] = ours
    if message.ts != ticket.message_ts:
        found.append(f"message ts {message.ts} != recorded {ticket.message_ts}")
    buttons = [b["text"]["text"] for _, b in message.buttons()]
    if buttons != ["Approve", "Reject"]:
        found.append(f"buttons {buttons}")
    rendered = json.dumps(message.blocks, ensure_ascii=False) + message.text
    if leaked := rendered_markup_problems(rendered, jira):
        found.append(f"user markup rendered unescaped: {leaked[:5]}")
    return found


def check_case(
    case: HostileInput,
    envelope: str,
    tickets: dict[str, Ticket],
    slack: SlackEmulator,
    jira: JiraEmulator,
) -> list[str]:
    answer = ack_text(slack, envelope)
    trigger = trigger_of(slack, envelope)
    ticket = tickets.get(f"slash:{trigger}")
    if case.opens_modal:
        opened = [v for v in slack.views.values() if v.trigger_id == trigger]
        found = (
            []
            if answer is None and len(opened) == 1
            else [f"expected the form: ack {answer!r}, {len(opened)} view(s)"]
        )
        if ticket is not None:
            found.append(f"ticket #{ticket.id} recorded for an empty request")
        return found
    if answer is None or not answer.strip():
        return ["no answer in the ack"]
    if answer.startswith(messages.FILING):
        return check_filed(ticket, slack, jira)
    if answer == messages.CANNOT_SAVE:
        return [f"storage error, not a clear answer: {answer!r}"]
    # Anything else is a refusal: then nothing may have reached Jira.
    if ticket is not None and ticket.jira_key is not None:
        return [f"refused ({answer!r}) but filed as {ticket.jira_key}"]
    return []


async def test_every_hostile_ticket_gets_a_clear_answer_and_a_valid_issue(
    bot: BotProcess, slack: SlackEmulator, jira: JiraEmulator
) -> None:
    url = bot.env["DATABASE_URL"]
    cases = TICKET_INPUTS
    envelopes = {
        case.name: await slack.slash_command("/ticket", case.text, user=REQUESTER) for case in cases
    }
    for envelope in envelopes.values():
        await slack.wait_for_ack(envelope, timeout=15)
    filing = [
        c for c in cases if (ack_text(slack, envelopes[c.name]) or "").startswith(messages.FILING)
    ]
    await posted(slack, count=len(filing), timeout=60)
    tickets = await settled(url)

    problems = {
        case.name: found
        for case in cases
        if (found := check_case(case, envelopes[case.name], tickets, slack, jira))
    }
    assert problems == {}
    assert slack.problems == []
    assert len(jira.created_keys()) == len(filing)

    # /ticket_status with anything that is not an issue key: usage, and no Jira call at all.
    before = len(jira.requests)
    for case in STATUS_GARBAGE:
        seen = len(slack.response_url_posts)
        await slack.slash_command("/ticket_status", case.text, user=REQUESTER)
        [reply] = await slack.wait_for(
            lambda seen=seen: slack.response_url_posts[seen:] or None, timeout=10
        )
        assert reply.text == messages.STATUS_USAGE, (case.name, reply.body)
    lookups = [
        r
        for r in jira.requests[before:]
        if ("/issue" in r.path or "search" in r.path)
        and not any(FEED_JQL.fullmatch(q) for q in r.query.get("jql", []))
    ]
    assert lookups == []
    assert all(ALLOWED_JQL.fullmatch(q) for q in searched_jql(jira)), searched_jql(jira)

    # The bot still answers and files after all that.
    await file_ticket(slack, "The coffee machine on floor 2 is broken", user=REQUESTER)
    await posted(slack, count=len(filing) + 1, timeout=30)
    assert slack.problems == []

    # No log line was forged by a newline or control character from user input.
    unstamped = [line for line in bot.log_lines if not LOG_LINE.match(line)]
    assert unstamped == []
    assert not any(line.startswith(FORGED_LOG_LINE[:10]) for line in bot.log_lines)
    assert not any("\x1b" in line or "\x00" in line for line in bot.log_lines)


def searched_jql(jira: JiraEmulator) -> list[str]:
    found: list[str] = []
    for request in jira.calls(path="search"):
        found += request.query.get("jql", [])
        if isinstance(request.body, dict) and request.body.get("jql"):
            found.append(str(request.body["jql"]))
    return found


# --- secrets: never logged, stored, printed or sent on ------------------------------------------

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-SECRETBOT-123456789",
    "SLACK_APP_TOKEN": "xapp-SECRETAPP-987654321",
    "JIRA_API_TOKEN": "jira-SECRET-TOKEN-555",
    "OPENAI_API_KEY": "sk-SECRET-KEY-777",
}


def leak_needles(jira: JiraEmulator) -> list[str]:
    """Each secret, its distinctive core (a partly masked or cut value is still a leak) and the
    Basic auth header Jira receives, which would carry the token base64-encoded."""
    basic = base64.b64encode(f"{jira.email}:{jira.api_token}".encode()).decode()
    cores = ["SECRETBOT", "SECRETAPP", "SECRET-TOKEN", "SECRET-KEY", "123456789", "987654321"]
    return [*SECRETS.values(), *cores, basic, basic[:24]]


def database_dump(path: Path) -> list[str]:
    """Every column of every row of every table, as text, plus the raw bytes of the files."""
    found: list[str] = []
    with contextlib.closing(sqlite3.connect(path)) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        assert {"tickets", "ticket_events"} <= set(tables), tables
        for table in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - our names
                found += [f"{table}: {value!r}" for value in row]
    for file in path.parent.glob(path.name + "*"):  # the database and any -wal / -journal
        found.append(file.read_bytes().decode("latin-1"))
    return found


async def cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    code, output = await run_cli(env, cwd, *args)
    return f"$ ticketbot {' '.join(args)} (exit {code})\n{output}"


async def wait_for_state(url: str, ticket_id: int, state: TicketState) -> Ticket:
    for _ in range(300):
        ticket = next((t for t in await all_tickets(url) if t.id == ticket_id), None)
        if ticket is not None and ticket.state is state:
            return ticket
        await asyncio.sleep(0.1)
    raise AssertionError(f"ticket #{ticket_id} never reached {state}: {ticket}")


async def test_secrets_never_reach_logs_database_cli_or_messages(tmp_path: Path) -> None:
    async with (
        SlackEmulator(
            bot_token=SECRETS["SLACK_BOT_TOKEN"], app_token=SECRETS["SLACK_APP_TOKEN"]
        ) as slack,
        JiraEmulator(
            api_token=SECRETS["JIRA_API_TOKEN"],
            issue_types=("Task", "Bug", "Story"),
            statuses={"To Do": "new", "Done": "done", "Won't Do": "done"},
        ) as jira,
        OpenAIEmulator(api_key=SECRETS["OPENAI_API_KEY"]) as llm,
    ):
        env = bot_environment(
            slack,
            jira,
            tmp_path,
            LOG_LEVEL="DEBUG",
            LLM_BACKENDS="openai",
            OPENAI_BASE_URL=llm.url,
            OPENAI_MODEL=llm.model,
            **SECRETS,
        )
        url = env["DATABASE_URL"]
        outputs: list[str] = []
        process = await BotProcess(env, tmp_path).start()
        try:
            await slack.wait_for_connections(1, timeout=30)
            # An error path: Jira answers the first create with 401, so the ticket fails and the
            # bot logs why; then it is retried by hand, as the runbook says.
            jira.fail(401, times=1, method="POST", path="/issue")
            await file_ticket(slack, "The printer on floor 3 is jammed", user="U3")
            await wait_for_state(url, 1, TicketState.FAILED)
            outputs.append(await cli(env, tmp_path, "tickets", "show", "1"))
            outputs.append(await cli(env, tmp_path, "tickets", "retry", "1"))
            await file_ticket(slack, "Please add a dark mode to the portal", user="U3")
            [first, *_] = await posted(slack, count=2, timeout=30)

            # Status lookups (one key, then the recent list) and an approval.
            key = jira.created_keys()[0]
            for text in (key, ""):
                seen = len(slack.response_url_posts)
                await slack.slash_command("/ticket_status", text, user="U3")
                await slack.wait_for(lambda seen=seen: slack.response_url_posts[seen:], timeout=10)
            approved = int(first.buttons()[0][1]["value"])
            clicked = await slack.click_button("C1", first.ts, "ticket_approve", user="U2")
            await slack.wait_for_ack(clicked, timeout=5)
            await slack.wait_for(lambda: not slack.message("C1", first.ts).buttons(), timeout=10)
            await wait_for_state(url, approved, TicketState.APPROVED)
            outputs.append(await cli(env, tmp_path, "doctor"))
        finally:
            code = await process.stop()
        assert code == 0
        assert "Traceback" not in process.log

        assert any("Jira refused our configuration" in line for line in process.log_lines)
        assert any("ticket #1 will be retried" in output for output in outputs), outputs
        assert any(line.startswith("ok") for line in outputs[-1].splitlines()), outputs[-1]
        assert len(process.log_lines) > 30  # DEBUG: there was plenty to leak into

        sinks = {
            "bot log": process.log_lines,
            "cli output": outputs,
            "database": database_dump(tmp_path / "tickets.db"),
            "slack": [
                json.dumps([m.text, m.blocks, [v.blocks for v in m.history]])
                for m in slack.messages("C1")
            ]
            + [json.dumps(p.body) for p in slack.response_url_posts]
            + [json.dumps(e.__dict__, default=str) for e in slack.ephemerals()],
            "jira": [json.dumps(jira.issues, default=str)],
            "llm prompts": [json.dumps(r.body) for r in llm.chat_requests],
        }
        # The search looks where the data really is (else finding nothing would prove nothing).
        assert any("The printer on floor 3" in value for value in sinks["database"])
        assert any("Jira rejected the credentials" in value for value in sinks["database"])
        assert any("KAN-1" in value for value in sinks["slack"])
        leaks = {
            f"{sink}: {needle}": next(line for line in lines if needle in line)[:300]
            for sink, lines in sinks.items()
            for needle in leak_needles(jira)
            if any(needle in line for line in lines)
        }
        assert leaks == {}
