"""The sandbox's moving parts: Slack and Jira emulators, a temp dir, and `python app.py`.

The bot runs as a child process exactly as `python app.py` runs in production (same settings
loading, Socket Mode included); only its environment points it at the emulators. Its working
directory is the temp dir, so a real `.env` is never read: the sandbox cannot reach a real
Slack workspace or Jira site. Classifier settings are carried over from the environment and
`.env`, so the sandbox classifies with the backend the user chose (the local model by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dotenv import dotenv_values

from bot.sandbox.jira import JiraEmulator
from bot.sandbox.slack import SlackEmulator

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SANDBOXED_PREFIXES = ("SLACK_", "JIRA_")
SANDBOXED = frozenset({"DATABASE_URL", "APPROVERS"})
CLASSIFIER_VARS = (
    "LLM_BACKENDS",
    "GGUF_MODEL_PATH",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "KOBOLDCPP_API_URL",
)
PATH_VARS = ("TICKETBOT_CONFIG", "GGUF_MODEL_PATH")
DEFAULT_BACKENDS = "llama"
BOT_TOKEN, APP_TOKEN = "xoxb-sandbox", "xapp-sandbox"
ISSUE_TYPES = ("Task", "Bug", "Story", "Incident", "Epic")
CONNECT_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    """Who is who in the emulated workspace."""

    approvers: tuple[str, ...] = ("U2",)
    user: str = "U1"
    channel: str = "C1"


def bot_environment(
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
    emulators: Mapping[str, str],
    *,
    cwd: Path,
) -> dict[str, str]:
    """The bot's environment: the user's, minus Slack/Jira/database, plus the emulators'.

    Classifier settings from ``dotenv`` fill in what ``environ`` lacks; relative paths are
    made absolute against ``cwd`` because the bot runs in the temp dir.
    """
    env = {k: v for k, v in environ.items() if not _sandboxed(k)}
    for name in CLASSIFIER_VARS:
        if name not in env and dotenv.get(name):
            env[name] = dotenv[name]
    env.setdefault("LLM_BACKENDS", DEFAULT_BACKENDS)
    for name in PATH_VARS:
        if env.get(name):
            env[name] = str(cwd / Path(env[name]).expanduser())
    env.update(emulators)
    return env


def _sandboxed(name: str) -> bool:
    return name in SANDBOXED or name.startswith(SANDBOXED_PREFIXES)


def emulator_environment(
    slack: SlackEmulator, jira: JiraEmulator, workdir: Path, options: SandboxOptions
) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": slack.api_url,
        **jira.env(),
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'tickets.db'}",
        "APPROVERS": ",".join(options.approvers),
        "LOG_FORMAT": "text",
    }


def bot_command() -> list[str]:
    """`python app.py` when the checkout has it, else the same entry point as a module."""
    app = PROJECT_ROOT / "app.py"
    if app.is_file():
        return [sys.executable, str(app)]
    return [sys.executable, "-m", "bot.cli", "run"]


class BotProcess:
    """The `python app.py` child; its log goes to ``log_path``."""

    def __init__(
        self, env: Mapping[str, str], workdir: Path, command: Sequence[str] | None = None
    ) -> None:
        self.env, self.workdir = dict(env), workdir
        self.command = list(command or bot_command())
        self.log_path = workdir / "bot.log"
        self._log: IO[bytes] | None = None
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        self._log = self.log_path.open("wb")
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


@dataclass(slots=True)
class Stack:
    slack: SlackEmulator
    jira: JiraEmulator
    bot: BotProcess
    workdir: Path
    options: SandboxOptions


class BotFailed(Exception):
    """The bot exited (``code``) or never connected (``code`` None); ``log`` is its end."""

    def __init__(self, code: int | None, log: str) -> None:
        super().__init__(f"bot failed (exit code {code})")
        self.code, self.log = code, log


def read_dotenv(path: Path | None = None) -> dict[str, str]:
    """The `.env` in the current directory (what the real bot would read), as a dict."""
    values = dotenv_values(path or Path.cwd() / ".env")
    return {k: v for k, v in values.items() if v is not None}


def chosen_backends(environ: Mapping[str, str]) -> str:
    """The classifier order the sandboxed bot will use."""
    return bot_environment(environ, read_dotenv(), {}, cwd=Path.cwd())["LLM_BACKENDS"]


@contextlib.asynccontextmanager
async def open_stack(
    options: SandboxOptions, environ: Mapping[str, str] | None = None
) -> AsyncIterator[Stack]:
    """Emulators up, bot started and connected; everything stopped and deleted on exit."""
    environ = os.environ if environ is None else environ
    dotenv = read_dotenv()
    with tempfile.TemporaryDirectory(prefix="ticketbot-sandbox-") as tmp:
        workdir = Path(tmp)
        async with (
            SlackEmulator(bot_token=BOT_TOKEN, app_token=APP_TOKEN) as slack,
            JiraEmulator(issue_types=ISSUE_TYPES) as jira,
        ):
            emulators = emulator_environment(slack, jira, workdir, options)
            env = bot_environment(environ, dotenv, emulators, cwd=Path.cwd())
            bot = BotProcess(env, workdir)
            await bot.start()
            try:
                await _connected(slack, bot)
                yield Stack(slack, jira, bot, workdir, options)
            finally:
                await bot.stop()


async def _connected(slack: SlackEmulator, bot: BotProcess) -> None:
    deadline = asyncio.get_running_loop().time() + CONNECT_TIMEOUT_S
    while not slack.open_connections:
        if bot.returncode is not None or asyncio.get_running_loop().time() > deadline:
            raise BotFailed(bot.returncode, bot.log_tail())
        await asyncio.sleep(0.05)
