"""Scenario 1: ack latency under a burst of `/ticket` commands, three apps, same conditions.

The burst: ``count`` commands sent at once over 20 channels by three people; the model answers
one request at a time, 1 s each (a single llama.cpp / KoboldCpp instance); every Jira request
takes 300 ms. Apps: ticketbot (`python app.py`), the bare Bolt app (only ``ack()``), and the
synchronous baseline (classify and file, then ``ack()``).
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from typing import Any

from bench import services, tally
from bench.apps import BARE, SYNC_BASELINE, TICKETBOT, start_connected
from bench.drive import burst, until_done, warm_up
from bench.options import Options, progress
from bench.report import Section
from bench.scenarios.ack_figures import build_section
from bench.ticketlog import read_log
from emulators.stack import BotProcess

MODEL_S, JIRA_S = 1.0, 0.3
SLACK_LIMIT_S = 3.0
WARM_UP = 90_000


@dataclass(frozen=True)
class Plan:
    count: int
    #: Runs of the bare app and of ticketbot (the median is reported); the first ticketbot
    #: run also waits for every ticket to be filed and posted.
    runs: int
    #: The synchronous baseline is stopped this long after its burst began.
    sync_cap_s: float


FULL, QUICK = Plan(200, 3, 60.0), Plan(40, 1, 12.0)


async def ticketbot_run(options: Options, plan: Plan, follow: bool) -> dict[str, Any]:
    workdir = options.workdir("ack-ticketbot")
    async with services.running(model_latency_s=MODEL_S, serial_model=True,
                             jira_latency_s=JIRA_S) as s:
        process, _ = await start_connected(TICKETBOT, s.env(workdir), workdir, s.slack)
        await warm_up(s, WARM_UP, follow=True)
        run = await burst(s, TICKETBOT, range(1, plan.count + 1), wait_s=30)
        result: dict[str, Any] = {"acks": run.summary(), "acked": len(run.latencies_s)}
        if not follow:
            await process.stop(signal.SIGKILL)
            return result
        result |= await until_done(s, run, timeout=plan.count * MODEL_S * 2 + 60)
        await asyncio.sleep(2)  # late duplicates would show up here
        result["exit_code"] = await process.stop()
        log = tally.log_counts(await read_log(services.sqlite_url(workdir)))
        outcome = tally.tally(run.numbers, run.latencies_s, tally.jira_counts(s.jira),
                              tally.message_counts(s.slack, s.channels), log)
        result |= {"tally": outcome.as_dict(), "log_errors": _errors(process)}
        return result


async def bare_run(options: Options, plan: Plan) -> dict[str, Any]:
    workdir = options.workdir("ack-bare")
    async with services.running(model_latency_s=MODEL_S, serial_model=True,
                             jira_latency_s=JIRA_S) as s:
        process, _ = await start_connected(BARE, s.env(workdir), workdir, s.slack)
        await warm_up(s, WARM_UP, follow=False)
        run = await burst(s, BARE, range(1, plan.count + 1), wait_s=30)
        await process.stop()
        return {"acks": run.summary(), "acked": len(run.latencies_s)}


async def sync_run(options: Options, plan: Plan) -> dict[str, Any]:
    workdir = options.workdir("ack-sync")
    async with services.running(model_latency_s=MODEL_S, serial_model=True,
                             jira_latency_s=JIRA_S) as s:
        process, _ = await start_connected(SYNC_BASELINE, s.env(workdir), workdir, s.slack)
        await warm_up(s, WARM_UP, follow=False)
        run = await burst(s, SYNC_BASELINE, range(1, plan.count + 1), wait_s=plan.sync_cap_s)
        await process.stop(signal.SIGKILL)
        deliveries = sum(s.slack.envelope(e).deliveries for e in run.envelopes.values())
        outcome = tally.tally(run.numbers, run.latencies_s, tally.jira_counts(s.jira), None, None)
        within = sum(1 for latency in run.latencies_s.values() if latency <= SLACK_LIMIT_S)
        return {"acks": run.summary(), "acked": len(run.latencies_s), "cap_s": plan.sync_cap_s,
                "acked_within_3s": within, "deliveries": deliveries,
                "redeliveries": deliveries - len(run.numbers), "tally": outcome.as_dict()}


def _errors(process: BotProcess) -> list[str]:
    return [line for line in process.log_lines if " ERROR " in line or "Traceback" in line][:20]


async def run(options: Options) -> Section:
    plan = QUICK if options.quick else FULL
    bare_runs: list[dict[str, Any]] = []
    bot_runs: list[dict[str, Any]] = []
    for index in range(plan.runs):  # interleaved, so drift in machine load hits both alike
        progress(f"ack: bare Bolt app, run {index + 1}/{plan.runs}")
        bare_runs.append(await bare_run(options, plan))
        progress(f"ack: ticketbot, run {index + 1}/{plan.runs}"
                 + (" (until every ticket is posted)" if index == 0 else ""))
        bot_runs.append(await ticketbot_run(options, plan, follow=index == 0))
    progress(f"ack: synchronous baseline (stopped after {plan.sync_cap_s:.0f} s)")
    sync = await sync_run(options, plan)
    return build_section(plan.count, plan.sync_cap_s, bare_runs, bot_runs, sync)
