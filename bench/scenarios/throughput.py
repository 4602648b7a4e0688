"""Scenario 2: tickets per second end to end, and CPU seconds per ticket, SQLite and PostgreSQL.

The model and Jira answer at once, so what is measured is ticketbot itself (plus the emulators,
which share the machine's two cores: their CPU time is reported beside the bot's).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass
from typing import Any

from bench import services, tally
from bench.apps import TICKETBOT, start_connected
from bench.drive import burst, until_done, warm_up
from bench.options import Options, progress
from bench.proc import cpu_seconds
from bench.report import Figure, Section
from bench.stats import median_of
from bench.ticketlog import fresh_postgres, postgres_url, read_log

COMMAND = "python -m bench --only throughput"
WARM_UP = 90_000


@dataclass(frozen=True)
class Plan:
    count: int
    runs: int


FULL, QUICK = Plan(200, 3), Plan(30, 1)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def one_run(options: Options, database_url: str | None, count: int) -> dict[str, Any]:
    workdir = options.workdir("throughput")
    url = database_url or services.sqlite_url(workdir)
    async with services.running() as s:
        process, _ = await start_connected(TICKETBOT, s.env(workdir, DATABASE_URL=url), workdir,
                                           s.slack)
        await warm_up(s, WARM_UP, follow=True)
        bot_cpu, own_cpu = cpu_seconds(process.pid), own_cpu_seconds()
        run = await burst(s, TICKETBOT, range(1, count + 1), wait_s=60)
        done = await until_done(s, run, timeout=300)
        bot_cpu, own_cpu = cpu_seconds(process.pid) - bot_cpu, own_cpu_seconds() - own_cpu
        code = await process.stop()
        outcome = tally.tally(run.numbers, run.latencies_s, tally.jira_counts(s.jira),
                              tally.message_counts(s.slack, s.channels),
                              tally.log_counts(await read_log(url)))
    elapsed = done["all_posted_s"]
    return {"tickets": count, "seconds": elapsed,
            "tickets_per_s": count / elapsed if elapsed else None,
            "bot_cpu_s_per_ticket": bot_cpu / count, "emulators_cpu_s_per_ticket": own_cpu / count,
            "exit_code": code, "tally": outcome.as_dict()}


async def database_runs(options: Options, plan: Plan, name: str) -> list[dict[str, Any]] | str:
    """The runs for one database, or why they were skipped."""
    runs = []
    for index in range(plan.runs):
        progress(f"throughput: {name}, run {index + 1}/{plan.runs}")
        url = None
        if name == "PostgreSQL":
            url = postgres_url()
            problem = await fresh_postgres(url)
            if problem is not None:
                return f"skipped: {problem}"
        runs.append(await one_run(options, url, plan.count))
    return runs


def figures(name: str, runs: list[dict[str, Any]] | str) -> list[Figure]:
    if isinstance(runs, str):
        return [Figure(f"{name}: tickets/s", None, shown="skipped", note=runs),
                Figure(f"{name}: bot CPU per ticket", None, shown="skipped")]

    def median(key: str, scale: float = 1.0) -> float | None:
        value = median_of([r[key] for r in runs])
        return None if value is None else value * scale

    lost = sum(r["tally"]["lost"] for r in runs)
    duplicates = sum(r["tally"]["duplicates"] for r in runs)
    return [
        Figure(f"{name}: tickets/s", median("tickets_per_s"), "/s",
               note=f"median of {len(runs)} runs of {runs[0]['tickets']} tickets"),
        Figure(f"{name}: bot CPU per ticket", median("bot_cpu_s_per_ticket", 1000), "ms",
               note="user+system CPU of the python app.py process"),
        Figure(f"{name}: emulators' CPU per ticket", median("emulators_cpu_s_per_ticket", 1000),
               "ms", note="Slack, Jira and model emulators, on the same 2 cores"),
        Figure(f"{name}: lost / duplicates", lost + duplicates, target="0",
               met=lost + duplicates == 0, note=f"{lost} lost, {duplicates} duplicates"),
    ]


async def run(options: Options) -> Section:
    plan = QUICK if options.quick else FULL
    section = Section("2. pipeline throughput, instant model and Jira", COMMAND)
    for name in ("SQLite", "PostgreSQL"):
        runs = await database_runs(options, plan, name)
        section.add(*figures(name, runs))
        section.details[name] = runs
    section.notes.append("end to end: burst sent -> every ticket classified, filed in Jira and "
                         "posted in Slack; shipped config.yml (pipeline.concurrency 8)")
    return section
