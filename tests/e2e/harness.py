"""Start `python app.py` as a user would, pointed at the emulators, and look at what it did.

``BotProcess`` (the child process, its log in a file) is shared with the sandbox.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.db.engine import create_engine, session_factory
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.sandbox.stack import BotProcess
from bot.tickets import TicketState

__all__ = ["TEST_CONFIG", "BotProcess", "bot_environment", "read_tickets", "run_cli", "settled"]

TEST_CONFIG = """
jira:
  issue_types: {Task: Task, Bug: Bug, Incident: Incident, Feature Request: Story, Question: Task}
  default_issue_type: Task
  transitions: {approve: null, reject: "Won't Do"}
  max_attempts: 2
classifier:
  backend_timeout_s: 60
  max_attempts: 2
pipeline:
  retry_base_s: 0.5
  retry_max_s: 2
  resume_interval_s: 0.5
  shutdown_grace_s: 10
"""


def bot_environment(
    slack_api_url: str, jira_env: Mapping[str, str], workdir: Path, **extra: str
) -> dict[str, str]:
    config = workdir / "config.yml"
    config.write_text(TEST_CONFIG, encoding="utf-8")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        "TICKETBOT_CONFIG": str(config),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
        "SLACK_API_URL": slack_api_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'tickets.db'}",
        "APPROVERS": "U2,U1",
        "LOG_LEVEL": "INFO",
        **jira_env,
        **extra,
    }


async def read_tickets(workdir: Path) -> list[Ticket]:
    engine = create_engine(f"sqlite+aiosqlite:///{workdir / 'tickets.db'}")
    try:
        log = TicketLog(session_factory(engine))
        found = []
        for ticket_id in range(1, 1000):
            ticket = await log.get(ticket_id)
            if ticket is None:
                break
            found.append(ticket)
        return found
    finally:
        await engine.dispose()


async def settled(workdir: Path, count: int) -> list[Ticket]:
    """The log once ``count`` tickets exist and all are posted (Slack shows a message a moment
    before the row records it), or as it stands after 30 s."""
    for _ in range(300):
        tickets = await read_tickets(workdir)
        if len(tickets) >= count and all(t.state is TicketState.POSTED for t in tickets):
            break
        await asyncio.sleep(0.1)
    return tickets


async def run_cli(env: Mapping[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    """Run `ticketbot ARGS` as an operator would; its exit code and combined output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=dict(env),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()
