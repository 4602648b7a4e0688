"""Start `python app.py` as a user would, pointed at the emulators, and look at what it did."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.db.engine import create_engine, session_factory
from bot.db.models import Ticket
from bot.db.repository import TicketLog
from tests.conftest import PROJECT_ROOT

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


class BotProcess:
    """One `python app.py` child process; its stderr is collected in ``log_lines``."""

    def __init__(self, env: Mapping[str, str], workdir: Path) -> None:
        self.env = dict(env)
        self.workdir = workdir
        self.log_lines: list[str] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> BotProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(PROJECT_ROOT / "app.py"),
            env=self.env,
            cwd=self.workdir,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read_log())
        return self

    async def _read_log(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        async for raw in self._process.stderr:
            self.log_lines.append(raw.decode(errors="replace").rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.log_lines)

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        process = self._process
        assert process is not None
        if process.returncode is None:
            process.send_signal(sig)
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            code = await process.wait()
        if self._reader is not None:
            await self._reader
        return code

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.returncode


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
