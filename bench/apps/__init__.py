"""The three apps under test, each a child process: ticketbot, the bare floor, the baseline.

``bench.apps.bare`` (a Bolt app that only acks) and ``bench.apps.sync_baseline`` (classify and
file, then ack) are what ticketbot (`python app.py`) is measured against. All three are started
by the launcher in `emulators.stack`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from emulators.slack import SlackEmulator
from emulators.stack import BotFailed, BotProcess
from emulators.stack import start_connected as launch

ROOT = Path(__file__).resolve().parents[2]


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
BARE = App("bare Bolt app", ("-m", "bench.apps.bare"))
SYNC_BASELINE = App("synchronous baseline", ("-m", "bench.apps.sync_baseline"))


async def start_connected(app: App, env: Mapping[str, str], workdir: Path,
                          slack: SlackEmulator, timeout: float = 60) -> tuple[BotProcess, float]:  # noqa: ASYNC109
    """Start the app and wait for its Socket Mode connection; return it and the seconds taken."""
    args = [str(ROOT / arg) if arg.endswith(".py") else arg for arg in app.args]
    try:
        process = await launch({**env, "PYTHONPATH": str(ROOT)}, workdir, slack,
                               command=[sys.executable, *args], timeout=timeout)
    except BotFailed as failed:
        raise RuntimeError(f"{app.name} never connected; its log:\n{failed.log}") from None
    assert process.startup_s is not None
    return process, process.startup_s
