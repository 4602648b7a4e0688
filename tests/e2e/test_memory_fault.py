"""`python app.py` whose memory cannot be rebuilt at start-up: tickets still flow, then it recovers.

The fault is real and caused from outside the process: the examples table is renamed in the
SQLite file before the bot starts (every read of it fails in the database) and renamed back
after the first ticket.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.db import migrate
from bot.db.engine import create_engine, session_factory
from bot.db.examples import ExampleStore, NewExample
from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import sqlite_url, start_connected
from tests.e2e.harness import settled
from tests.e2e.test_ticket_flow import file_ticket, posted

CONFIRMED = [
    ("The app crashes with a null pointer exception when I open settings", "Bug"),
    ("Login page throws error 500 after the update", "Bug"),
    ("Please add dark mode to the dashboard", "Feature Request"),
    ("It would be great to export reports as CSV", "Feature Request"),
    ("How do I reset my password?", "Question"),
    ("Where can I find the API documentation?", "Question"),
]


async def confirmed_examples(workdir: Path) -> None:
    engine = create_engine(sqlite_url(workdir))
    try:
        await migrate.upgrade(engine)
        await ExampleStore(session_factory(engine)).add_many(
            [NewExample(text, label, "csv", f"csv:{i}")  # type: ignore[arg-type]
             for i, (text, label) in enumerate(CONFIRMED)])
    finally:
        await engine.dispose()


def rename_table(workdir: Path, old: str, new: str) -> None:
    with sqlite3.connect(workdir / "tickets.db", timeout=10) as connection:
        connection.execute(f"ALTER TABLE {old} RENAME TO {new}")


async def test_memory_load_hits_a_database_error_tickets_still_filed_and_memory_recovers(
    bot_env: dict[str, str], slack: SlackEmulator, jira: JiraEmulator, tmp_path: Path
) -> None:
    await confirmed_examples(tmp_path)
    rename_table(tmp_path, "training_examples", "training_examples_away")
    bot = await start_connected(bot_env, tmp_path, slack, timeout=30)
    try:
        await file_ticket(slack, "The settings screen crashes with a null pointer exception")
        [first] = await posted(slack, timeout=30)
        [ticket] = await settled(tmp_path, 1)
        assert ticket.classified_by == "openai", bot.log  # the model chain, alone
        assert ticket.jira_key in jira.created_keys() and ticket.message_ts == first.ts
        assert "memory: could not be rebuilt at start-up: cannot read" in bot.log
        assert "OperationalError" in bot.log

        rename_table(tmp_path, "training_examples_away", "training_examples")
        await slack.wait_for(lambda: "memory: rebuilt after" in bot.log, timeout=30,
                             interval=0.2, what="the memory rebuilt")
        await file_ticket(slack, CONFIRMED[1][0])  # a confirmed ticket, word for word
        await posted(slack, count=2, timeout=30)
        tickets = await settled(tmp_path, 2)
        assert (tickets[1].classified_by, tickets[1].label) == ("memory", "Bug"), bot.log
    finally:
        code = await bot.stop()
    assert code == 0, bot.log
    assert len(jira.created_keys()) == 2
    assert bot.log.count("memory: could not be rebuilt") == 1  # logged once, not per try
    assert "Traceback" not in bot.log, bot.log
