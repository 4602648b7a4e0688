"""What the e2e tests add to the launcher (`emulators.stack`): their config, and looking back.

The bot is started by `emulators.stack` (``BotProcess``, ``start_connected``), as the sandbox
and the benchmark start it; here are the test settings it runs with, reading its ticket log,
and running `ticketbot` commands as an operator would.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.db.engine import create_engine, session_factory
from bot.db.models import Ticket
from bot.db.tickets import TicketLog
from bot.tickets import TicketState
from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess, Emulators, base_environment, sqlite_url

TEST_CONFIG = """
jira:
  issue_types: {Task: Task, Bug: Bug, Incident: Incident, Feature Request: Story, Question: Task}
  default_issue_type: Task
  transitions: {approve: null, reject: "Won't Do"}
  max_attempts: 2
  search_lag_s: 3
classifier:
  backend_timeout_s: 60
  max_attempts: 2
pipeline:
  retry_base_s: 0.5
  retry_max_s: 2
  resume_interval_s: 0.5
  shutdown_grace_s: 10
  lease_ttl_s: 5
"""
# The other e2e tests send bursts no person would (30 tickets at once from one user); the
# quotas' own test (test_quotas.py) runs with the shipped ones.
LIFTED_QUOTAS = """
quotas:
  tickets: 10000
  unfinished_per_requester: 10000
  unfinished_total: 10000
"""


def bot_environment(
    slack: SlackEmulator,
    jira: JiraEmulator,
    workdir: Path,
    *,
    model: OpenAIEmulator | None = None,
    quotas: str = LIFTED_QUOTAS,
    **extra: str,
) -> dict[str, str]:
    """The bot's environment: ``TEST_CONFIG`` and ``quotas`` (written to ``workdir``), the
    emulators, ``extra``."""
    config = workdir / "config.yml"
    config.write_text(TEST_CONFIG + quotas, encoding="utf-8")
    return {
        **base_environment(workdir),
        "TICKETBOT_CONFIG": str(config),
        **Emulators(slack, jira, model).environment(workdir, approvers=("U2", "U1")),
        "LOG_LEVEL": "INFO",
        **extra,
    }


async def start_replicas(env: Mapping[str, str], workdir: Path, count: int = 2) -> list[BotProcess]:
    """``count`` bots sharing ``env``'s database, each started in its own directory
    (``r0``, ``r1`` …) under ``workdir``."""
    replicas = []
    for n in range(count):
        (workdir / f"r{n}").mkdir()
        replicas.append(await BotProcess(dict(env), workdir / f"r{n}").start())
    return replicas


async def read_tickets(workdir: Path) -> list[Ticket]:
    engine = create_engine(sqlite_url(workdir))
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


def carries_ticket_label(labels: Sequence[str], ticket_id: int) -> bool:
    """Whether a Jira issue's labels tie it to ticket ``ticket_id`` of some installation."""
    return any(re.fullmatch(rf"ticketbot-[0-9a-f]+-{ticket_id}", label) for label in labels)

