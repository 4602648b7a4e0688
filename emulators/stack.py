"""The one launcher: start the emulators, start `python app.py` against them, stop everything.

The bot runs as a child process exactly as `python app.py` runs in production (same settings
loading, Socket Mode included); only its environment points it at the emulators. The e2e tests,
the benchmark and the sandbox all start it here::

    async with emulators_running(SlackEmulator(), JiraEmulator(), OpenAIEmulator()) as services:
        env = {**base_environment(workdir), **services.environment(workdir)}
        async with bot_running(env, workdir, services.slack) as bot:
            ...                                   # drive services.slack, read bot.log
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import SlackEmulator

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONNECT_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 25.0  # the bot's own shutdown ends within pipeline.shutdown_grace_s (20 s)
DEFAULT_APPROVERS = ("U2",)


def bot_command() -> list[str]:
    """`python app.py` when the checkout has it, else the same entry point as a module."""
    app = PROJECT_ROOT / "app.py"
    if app.is_file():
        return [sys.executable, str(app)]
    return [sys.executable, "-m", "bot.cli", "run"]


def sqlite_url(workdir: Path) -> str:
    """The ticket log of a bot started in ``workdir``."""
    return f"sqlite+aiosqlite:///{workdir / 'tickets.db'}"


def base_environment(workdir: Path) -> dict[str, str]:
    """The little a child process needs from this one's environment, and nothing else."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(workdir)),
        # the bot's data directory (.env, default ticket log): never the developer's own
        "TICKETBOT_HOME": str(workdir),
    }


@dataclass(frozen=True, slots=True)
class Emulators:
    """The emulated services, started."""

    slack: SlackEmulator
    jira: JiraEmulator
    model: OpenAIEmulator | None = None

    def environment(
        self, workdir: Path, *, approvers: Iterable[str] = DEFAULT_APPROVERS
    ) -> dict[str, str]:
        """Slack, Jira, a SQLite ticket log in ``workdir`` and, when running, the model."""
        return {
            **self.slack.env(),
            **self.jira.env(),
            "DATABASE_URL": sqlite_url(workdir),
            "TICKETBOT_HOME": str(workdir),
            "APPROVERS": ",".join(approvers),
            **(self.model.env() if self.model is not None else {}),
        }


@contextlib.asynccontextmanager
async def emulators_running(
    slack: SlackEmulator, jira: JiraEmulator, model: OpenAIEmulator | None = None
) -> AsyncIterator[Emulators]:
    """Start the emulators given; stop them on exit."""
    async with slack, jira, model or contextlib.nullcontext():
        yield Emulators(slack, jira, model)


class BotFailed(Exception):
    """The bot exited (``code``) or never connected (``code`` None); ``log`` is its end."""

    def __init__(self, code: int | None, log: str) -> None:
        super().__init__(f"bot failed (exit code {code})")
        self.code, self.log = code, log


class BotProcess:
    """The `python app.py` child (or ``command``); its log goes to ``workdir/bot.log``."""

    def __init__(
        self, env: Mapping[str, str], workdir: Path, command: Sequence[str] | None = None
    ) -> None:
        self.env, self.workdir = dict(env), workdir
        self.command = list(command or bot_command())
        self.log_path = workdir / "bot.log"
        #: ``time.monotonic()`` when it was spawned, and when its Socket Mode link opened.
        self.started_at = 0.0
        self.connected_at: float | None = None
        self._log: IO[bytes] | None = None
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        self._log = self.log_path.open("wb")
        self.started_at = time.monotonic()
        self._process = await asyncio.create_subprocess_exec(
            *self.command,
            env=self.env,
            cwd=self.workdir,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
        )
        log.info("bot started, pid %s, log %s", self._process.pid, self.log_path)
        return self

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.returncode

    @property
    def startup_s(self) -> float | None:
        """Seconds from spawning to the Socket Mode connection, once connected."""
        return None if self.connected_at is None else self.connected_at - self.started_at

    @property
    def log(self) -> str:
        """Everything the bot has written so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    @property
    def log_lines(self) -> list[str]:
        return self.log.splitlines()

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_lines[-lines:])

    async def stop(self, sig: int = signal.SIGTERM, grace_s: float = STOP_TIMEOUT_S) -> int | None:
        """Send ``sig`` and wait up to ``grace_s`` for the exit (then SIGKILL)."""
        process = self._process
        if process is None:
            return None
        if process.returncode is None:
            process.send_signal(sig)
        try:
            code = await asyncio.wait_for(process.wait(), grace_s)
        except TimeoutError:
            process.kill()
            code = await process.wait()
        if self._log is not None:
            self._log.close()
        return code


async def start_connected(
    env: Mapping[str, str],
    workdir: Path,
    slack: SlackEmulator,
    *,
    command: Sequence[str] | None = None,
    timeout: float = CONNECT_TIMEOUT_S,  # noqa: ASYNC109 - a deadline for the child, not a call
) -> BotProcess:
    """Start the bot and wait for its own Socket Mode connection to ``slack``.

    Raises ``BotFailed`` (the bot stopped) when it exits first or does not connect in time.
    """
    opened_before = slack.connections_opened
    bot = await BotProcess(env, workdir, command).start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (slack.connections_opened > opened_before and slack.open_connections):
        if bot.returncode is not None or loop.time() > deadline:
            code = bot.returncode
            await bot.stop()
            raise BotFailed(code, bot.log_tail())
        await asyncio.sleep(0.05)
    bot.connected_at = slack.socket.connections[opened_before].opened_at
    return bot


@contextlib.asynccontextmanager
async def bot_running(
    env: Mapping[str, str],
    workdir: Path,
    slack: SlackEmulator,
    *,
    command: Sequence[str] | None = None,
    timeout: float = CONNECT_TIMEOUT_S,  # noqa: ASYNC109 - a deadline for the child, not a call
) -> AsyncIterator[BotProcess]:
    """The bot started and connected (see ``start_connected``); stopped on exit."""
    bot = await start_connected(env, workdir, slack, command=command, timeout=timeout)
    try:
        yield bot
    finally:
        await bot.stop()
