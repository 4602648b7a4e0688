"""The services an app under test talks to, emulated in this process: Slack, Jira, the model.

They are started by the launcher every caller uses (`emulators.stack`); this module sets the
benchmark's conditions: 20 channels, three people, and how slow the model and Jira are.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench import workload
from emulators.jira import JiraEmulator
from emulators.openai import OpenAIEmulator
from emulators.slack import Channel, SlackEmulator, default_users
from emulators.stack import Emulators, base_environment, emulators_running, sqlite_url

ROOT = Path(__file__).resolve().parent.parent
ISSUE_TYPES = ("Task", "Bug", "Story", "Incident", "Epic")
APPROVERS = ("U2", "U1")
QUOTA_LIMITS = ("tickets", "status_lookups", "unfinished_per_requester", "unfinished_total")
OUT_OF_REACH = 1_000_000

__all__ = ["Services", "running", "sqlite_url"]


@dataclass(frozen=True)
class Services:
    emulated: Emulators
    channels: list[Channel]

    @property
    def slack(self) -> SlackEmulator:
        return self.emulated.slack

    @property
    def jira(self) -> JiraEmulator:
        return self.emulated.jira

    def env(self, workdir: Path, **extra: str) -> dict[str, str]:
        """Environment for `python app.py` (or a bench app): the shipped config.yml with the
        quotas raised out of reach (``bench_config``), our URLs."""
        return {
            **base_environment(workdir),
            "TICKETBOT_CONFIG": str(bench_config(workdir)),
            **self.emulated.environment(workdir, approvers=APPROVERS),
            "LOG_LEVEL": "INFO",
            **extra,
        }


def bench_config(workdir: Path) -> Path:
    """The shipped config.yml, written to ``workdir`` with every quota at a million: a burst
    from three people is no person, yet the quota checks still run and are measured."""
    tree = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    llama = tree["classifier"]["llama"]
    llama["model_path"] = str(ROOT / llama["model_path"])  # relative to the file it was in
    tree["quotas"] |= {name: OUT_OF_REACH for name in QUOTA_LIMITS}
    path = workdir / "config.yml"
    path.write_text(yaml.safe_dump(tree, sort_keys=False), encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def running(*, model_latency_s: float = 0.0, serial_model: bool = False,
                  jira_latency_s: float = 0.0, redeliver_after_s: float | None = 3.0,
                  channel_count: int = 20) -> AsyncIterator[Services]:
    """Slack (20 public channels with the bot in them), Jira and the model, with delays.

    Redelivery stays as the emulator models Slack: an envelope not acked within 3 s is sent
    again, up to 3 more times. The model answers without logprobs, at ``model_latency_s`` per
    request, one at a time when ``serial_model``.
    """
    where = workload.channels(channel_count)
    slack = SlackEmulator(channels=where, users=default_users(),
                          redeliver_after_s=redeliver_after_s)
    model = OpenAIEmulator(latency_s=model_latency_s, serial=serial_model, logprobs=False)
    async with emulators_running(slack, JiraEmulator(issue_types=ISSUE_TYPES), model) as emulated:
        emulated.jira.latency_s = jira_latency_s
        yield Services(emulated, where)
