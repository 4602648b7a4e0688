"""The emulated workspace: Slack and Jira emulators, a temp dir, and `python app.py` against them.

Everything is started and stopped by the launcher in `emulators.stack`; this module only says
who is who and what the bot is given.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from emulators.jira import JiraEmulator
from emulators.slack import SlackEmulator
from emulators.stack import BotProcess, bot_running, emulators_running
from sandbox.environment import bot_environment, read_dotenv

BOT_TOKEN, APP_TOKEN = "xoxb-sandbox", "xapp-sandbox"
#: The sandbox's config overrides (unless TICKETBOT_CONFIG names the user's own file): the
#: filing emoji is on, so `react :ticket: m1` shows it.
SANDBOX_CONFIG = "sources:\n  reaction_filing: true\n"
ISSUE_TYPES = ("Task", "Bug", "Story", "Incident", "Epic")


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    """Who is who in the emulated workspace."""

    approvers: tuple[str, ...] = ("U2",)
    user: str = "U1"
    channel: str = "C1"


@dataclass(slots=True)
class Stack:
    slack: SlackEmulator
    jira: JiraEmulator
    bot: BotProcess
    workdir: Path
    options: SandboxOptions


@contextlib.asynccontextmanager
async def open_stack(
    options: SandboxOptions, environ: Mapping[str, str] | None = None
) -> AsyncIterator[Stack]:
    """Emulators up, bot started and connected; everything stopped and deleted on exit.

    Raises ``emulators.stack.BotFailed`` when the bot exits or never connects.
    """
    environ = os.environ if environ is None else environ
    dotenv = read_dotenv()
    with tempfile.TemporaryDirectory(prefix="ticketbot-sandbox-") as tmp:
        workdir = Path(tmp)
        async with emulators_running(
            SlackEmulator(bot_token=BOT_TOKEN, app_token=APP_TOKEN),
            JiraEmulator(issue_types=ISSUE_TYPES),
        ) as services:
            emulated = {
                **services.environment(workdir, approvers=options.approvers),
                "LOG_FORMAT": "text",
            }
            env = bot_environment(environ, dotenv, emulated, cwd=Path.cwd())
            if "TICKETBOT_CONFIG" not in env:
                (workdir / "config.yml").write_text(SANDBOX_CONFIG, encoding="utf-8")
            async with bot_running(env, workdir, services.slack) as bot:
                yield Stack(services.slack, services.jira, bot, workdir, options)
