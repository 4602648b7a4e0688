"""BackgroundTasks.drain: waits for the listeners' work until the shared shutdown deadline, then
cancels what is left and lets it unwind; the packaged deadline fits a 30 s kill timeout."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from bot.settings import PipelineSettings
from bot.slack.tasks import BackgroundTasks

PROJECT_ROOT = Path(__file__).resolve().parents[2]


async def test_work_that_finishes_before_the_deadline_is_waited_for() -> None:
    tasks, done = BackgroundTasks(), []

    async def work(n: int) -> None:
        await asyncio.sleep(0)
        done.append(n)

    for n in range(3):
        tasks.spawn(work(n), name=f"work-{n}")
    await tasks.drain(deadline=asyncio.get_running_loop().time() + 60)
    assert sorted(done) == [0, 1, 2]


async def test_at_a_passed_deadline_running_work_is_cancelled_and_has_unwound() -> None:
    tasks, started, unwound = BackgroundTasks(), asyncio.Event(), asyncio.Event()

    async def stuck() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            unwound.set()

    tasks.spawn(stuck(), name="stuck")
    await started.wait()
    await tasks.drain(deadline=asyncio.get_running_loop().time())  # already due
    assert unwound.is_set()


def test_the_packaged_shutdown_fits_inside_a_30_second_kill_timeout() -> None:
    packaged = PipelineSettings().shutdown_grace_s
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    assert packaged < 25 and config["pipeline"]["shutdown_grace_s"] == packaged
