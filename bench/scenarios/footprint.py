"""Scenario 4: start-up time, RSS idle with the default model, RSS growth over 1,000 tickets.

- start-up: `python app.py` spawned -> its Socket Mode connection opened at the emulator, with
  the default `LLM_BACKENDS=llama` and a fresh SQLite file (so migrations run); median of runs;
- idle RSS with the default model: `LLM_BACKENDS=llama`, one ticket filed end to end (so the
  model is loaded and has classified), then a few seconds idle;
- growth: the local model classifies too slowly on 2 cores for 1,000 tickets in this budget,
  so this process uses the OpenAI-compatible backend against an instant model server; RSS
  idle after 50 warm-up tickets and again after 1,000 more (sent in bursts of 200).
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass
from typing import Any

from bench import services
from bench.apps import TICKETBOT, start_connected
from bench.drive import burst, until_done
from bench.options import Options, progress
from bench.proc import rss_mb
from bench.report import Figure, Section
from bench.stats import median_of
from bench.ticketlog import read_log
from emulators.stack import BotProcess

COMMAND = "python -m bench --only footprint"
RSS_LIMIT_MB, GROWTH_LIMIT_PCT, STARTUP_LIMIT_S = 350.0, 10.0, 3.0


@dataclass(frozen=True)
class Plan:
    starts: int
    tickets: int
    batch: int
    warm_up: int


FULL, QUICK = Plan(5, 1000, 200, 50), Plan(2, 60, 30, 10)


async def idle_rss(process: BotProcess, settle_s: float = 3.0) -> float:
    """Median of three readings after ``settle_s`` without work."""
    await asyncio.sleep(settle_s)
    readings = []
    for _ in range(3):
        readings.append(rss_mb(process.pid))
        await asyncio.sleep(0.5)
    return statistics.median(readings)


async def startup_times(options: Options, plan: Plan) -> list[float]:
    times = []
    async with services.running() as s:
        for index in range(plan.starts):
            progress(f"footprint: start-up {index + 1}/{plan.starts}")
            workdir = options.workdir("startup")
            env = s.env(workdir, LLM_BACKENDS="llama")
            process, seconds = await start_connected(TICKETBOT, env, workdir, s.slack)
            times.append(seconds)
            await process.stop()
    return times


async def with_model(options: Options) -> dict[str, Any]:
    progress("footprint: idle RSS with the default model")
    workdir = options.workdir("footprint-llama")
    async with services.running() as s:
        env = s.env(workdir, LLM_BACKENDS="llama")
        process, _ = await start_connected(TICKETBOT, env, workdir, s.slack)
        connected = await idle_rss(process, settle_s=1.0)
        run = await burst(s, TICKETBOT, [1], wait_s=10)
        done = await until_done(s, run, timeout=300)
        loaded = await idle_rss(process)
        await process.stop()
    [row] = await read_log(services.sqlite_url(workdir))
    return {"rss_connected_mb": connected, "rss_idle_model_loaded_mb": loaded,
            "first_ticket_posted_s": done["all_posted_s"], "classified_by": row.classified_by}


async def growth(options: Options, plan: Plan) -> dict[str, Any]:
    workdir = options.workdir("footprint-growth")
    async with services.running() as s:
        process, _ = await start_connected(TICKETBOT, s.env(workdir), workdir, s.slack)
        await until_done(s, await burst(s, TICKETBOT, range(1, plan.warm_up + 1), 30), 120)
        before = await idle_rss(process)
        first, readings = plan.warm_up + 1, []
        for start in range(first, first + plan.tickets, plan.batch):
            progress(f"footprint: tickets {start - first + 1}-{start - first + plan.batch} "
                     f"of {plan.tickets}")
            numbers = range(start, min(start + plan.batch, first + plan.tickets))
            done = await until_done(s, await burst(s, TICKETBOT, numbers, 60), 300)
            if done["all_posted_s"] is None:
                raise RuntimeError(f"tickets {numbers} were not all posted; log:\n"
                                   f"{process.log[-3000:]}")
            readings.append(round(await idle_rss(process, settle_s=1.0), 1))
        after = await idle_rss(process)
        await process.stop()
    return {"rss_after_warm_up_mb": before, "rss_after_tickets_mb": after,
            "tickets": plan.tickets, "growth_pct": (after - before) / before * 100,
            "batch": plan.batch, "rss_after_each_batch_mb": readings}


def figures(starts: list[float], model: dict[str, Any], grown: dict[str, Any]) -> list[Figure]:
    startup = median_of(starts)
    idle = model["rss_idle_model_loaded_mb"]
    loaded = model["classified_by"] == "llama"
    return [
        Figure("start-up to Socket Mode connected", startup, "s", target="<= 3 s",
               met=startup is not None and startup <= STARTUP_LIMIT_S,
               note=f"median of {len(starts)}: " + ", ".join(f"{t:.2f}" for t in starts)),
        Figure("RSS 1 s after connecting", model["rss_connected_mb"], "MB"),
        Figure("RSS idle, default model loaded", idle, "MB", target="<= 350 MB",
               met=loaded and idle <= RSS_LIMIT_MB,
               note=f"after one ticket classified by {model['classified_by']}"),
        Figure("first ticket, sent on connecting", model["first_ticket_posted_s"], "s",
               note="command to channel message, model loading meanwhile"),
        Figure(f"RSS growth over {grown['tickets']} tickets", grown["growth_pct"], "%",
               target="<= +10 %", met=grown["growth_pct"] <= GROWTH_LIMIT_PCT,
               note=f"{grown['rss_after_warm_up_mb']:.0f} -> "
               f"{grown['rss_after_tickets_mb']:.0f} MB, openai backend, instant model server"),
        Figure("RSS after each batch", None, shown="see note",
               note=" -> ".join(f"{mb:.0f}" for mb in grown["rss_after_each_batch_mb"])
               + f" MB, every {grown['batch']} tickets"),
    ]


async def run(options: Options) -> Section:
    plan = QUICK if options.quick else FULL
    section = Section("4. footprint", COMMAND)
    starts = await startup_times(options, plan)
    model = await with_model(options)
    grown = await growth(options, plan)
    section.add(*figures(starts, model, grown))
    section.details = {"startup_s": starts, "with_model": model, "growth": grown}
    section.notes.append("RSS read from /proc/<pid>/status (VmRSS), in MB of 10^6 bytes")
    return section
