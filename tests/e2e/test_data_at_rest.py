"""`python app.py` and what it keeps: no ticket text, response URL or secret in its log when the
ticket log fails at intake; private SQLite files; response URLs dropped once posted.

The fault is real and caused from outside the process: a trigger in the SQLite file refuses
every insert into the tickets table while the bot runs (reads still work).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from bot import messages
from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator
from emulators.stack import start_connected
from tests.e2e.harness import settled
from tests.e2e.test_ticket_flow import file_ticket, posted

TICKET_TEXT = "My payroll login is hunter2-canary-7731, please reset it"


def refuse_new_tickets(database: Path, refuse: bool) -> None:
    with sqlite3.connect(database, timeout=10) as connection:
        if refuse:
            connection.execute(
                "CREATE TRIGGER refuse_tickets BEFORE INSERT ON tickets "
                "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
            )
        else:
            connection.execute("DROP TRIGGER refuse_tickets")


async def test_a_database_error_at_intake_logs_no_ticket_text_response_url_or_secret(
    bot_env: dict[str, str],
    slack: SlackEmulator,
    jira: JiraEmulator,
    llm: OpenAIEmulator,
    tmp_path: Path,
) -> None:
    env = {**bot_env, "LOG_LEVEL": "DEBUG"}  # the most the bot ever writes
    bot = await start_connected(env, tmp_path, slack, timeout=30)
    try:
        refuse_new_tickets(tmp_path / "tickets.db", refuse=True)
        refused = await file_ticket(slack, TICKET_TEXT)
        ack = slack.ack_for(refused)
        assert ack is not None and ack.payload == {"text": messages.CANNOT_SAVE}
        await slack.wait_for(lambda: "could not record /ticket" in bot.log, timeout=10,
                             interval=0.1, what="the failure logged")

        refuse_new_tickets(tmp_path / "tickets.db", refuse=False)
        await file_ticket(slack, "The VPN drops every hour")
        await posted(slack)
        [ticket] = await settled(tmp_path, 1)
        assert ticket.message_ts and ticket.response_url is None  # dropped once posted
    finally:
        code = await bot.stop()
    assert code == 0, bot.log
    log = bot.log
    assert "IntegrityError" in log and "the disk is full" in log  # the error itself is there
    assert "SQL parameters hidden" in log
    response_url = str(slack.envelope(refused).payload["response_url"])
    never = {
        "ticket text": "hunter2-canary-7731",
        "response_url": response_url.rsplit("/", 1)[1],  # its secret part
        "bot token": env["SLACK_BOT_TOKEN"],
        "app token": env["SLACK_APP_TOKEN"],
        "Jira token": jira.api_token,
        "OpenAI key": llm.api_key,
    }
    for line in log.splitlines():
        for what, value in never.items():
            assert value not in line, f"{what} logged: {line}"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_ticket_log_files_are_private_to_the_bot(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    home = tmp_path / "home"  # a first start: the data directory does not exist yet
    env = {**bot_env, "TICKETBOT_HOME": str(home), "DATABASE_URL": ""}  # the default: in home
    previous = os.umask(0o022)  # the usual umask, under which files are world-readable
    try:
        bot = await start_connected(env, tmp_path, slack, timeout=30)
    finally:
        os.umask(previous)
    try:
        await file_ticket(slack, "The printer on floor 3 is jammed")
        await posted(slack)
        files = {p.name: mode(p) for p in home.iterdir() if p.name.startswith("tickets.db")}
    finally:
        code = await bot.stop()
    assert code == 0, bot.log
    assert files == {"tickets.db": 0o600, "tickets.db-wal": 0o600, "tickets.db-shm": 0o600}
    assert mode(home) == 0o700
