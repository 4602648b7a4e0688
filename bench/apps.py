"""The three apps under test, each a child process: ticketbot, the bare floor, the baseline."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness import BotProcess
from tests.emulators.slack_server import SlackEmulator

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class App:
    name: str
    #: Arguments after ``python``.
    args: tuple[str, ...]

    @property
    def command(self) -> str:
        """How to run it by hand from the repository root (recorded with each figure)."""
        return " ".join(("python", *self.args))


TICKETBOT = App("ticketbot", ("app.py",))
BARE = App("bare Bolt app", ("-m", "bench.bare_app"))
SYNC_BASELINE = App("synchronous baseline", ("-m", "bench.sync_baseline"))


class AppProcess(BotProcess):
    """One of the apps as a child process (see ``BotProcess``), timed from its start."""

    def __init__(self, app: App, env: Mapping[str, str], workdir: Path) -> None:
        args = [str(ROOT / arg) if arg.endswith(".py") else arg for arg in app.args]
        super().__init__({**env, "PYTHONPATH": str(ROOT)}, workdir, [sys.executable, *args])
        self.app = app
        self.started_at = 0.0

    async def start(self) -> AppProcess:
        self.started_at = time.monotonic()
        await super().start()
        return self


async def start_connected(app: App, env: Mapping[str, str], workdir: Path,
                          slack: SlackEmulator, timeout: float = 60) -> tuple[AppProcess, float]:  # noqa: ASYNC109
    """Start the app and wait for its Socket Mode connection; return it and the seconds taken."""
    opened_before = slack.connections_opened
    process = await AppProcess(app, env, workdir).start()
    try:
        await slack.wait_for_connections(opened_before + 1, timeout=timeout)
    except TimeoutError:
        await process.stop()
        raise RuntimeError(f"{app.name} never connected; its log:\n{process.log[-3000:]}") from None
    opened = slack.socket.connections[opened_before].opened_at
    return process, opened - process.started_at
