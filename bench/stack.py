"""The services an app under test talks to, all emulated in this process: Slack, Jira, model."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bench import workload
from bench.slow_model import API_KEY, MODEL, SlowModel
from tests.e2e.harness import bot_environment
from tests.emulators.jira_server import JiraEmulator
from tests.emulators.slack_server import Channel, SlackEmulator, default_users

ROOT = Path(__file__).resolve().parent.parent
ISSUE_TYPES = ("Task", "Bug", "Story", "Incident", "Epic")


@dataclass
class Stack:
    slack: SlackEmulator
    jira: JiraEmulator
    model: SlowModel
    channels: list[Channel]

    def env(self, workdir: Path, **extra: str) -> dict[str, str]:
        """Environment for `python app.py` (or a bench app): the shipped config.yml, our URLs."""
        settings = {"TICKETBOT_CONFIG": str(ROOT / "config.yml"), "LLM_BACKENDS": "openai",
                    "OPENAI_BASE_URL": self.model.url, "OPENAI_API_KEY": API_KEY,
                    "OPENAI_MODEL": MODEL}
        return bot_environment(self.slack.api_url, self.jira.env(), workdir,
                               **{**settings, **extra})


@contextlib.asynccontextmanager
async def running(*, model_latency_s: float = 0.0, serial_model: bool = False,
                  jira_latency_s: float = 0.0, redeliver_after_s: float | None = 3.0,
                  channel_count: int = 20) -> AsyncIterator[Stack]:
    """Slack (20 public channels with the bot in them), Jira and the model, with delays.

    Redelivery stays as the emulator models Slack: an envelope not acked within 3 s is sent
    again, up to 3 more times.
    """
    where = workload.channels(channel_count)
    async with (SlackEmulator(channels=where, users=default_users(),
                              redeliver_after_s=redeliver_after_s) as slack,
                JiraEmulator(issue_types=ISSUE_TYPES) as jira,
                SlowModel(latency_s=model_latency_s, serial=serial_model) as model):
        jira.latency_s = jira_latency_s
        yield Stack(slack, jira, model, where)


def sqlite_url(workdir: Path) -> str:
    """The ticket log `bot_environment` points the app at."""
    return f"sqlite+aiosqlite:///{workdir / 'tickets.db'}"
