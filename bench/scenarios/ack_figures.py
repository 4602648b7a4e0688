"""Scenario 1's figures: the three apps' ack percentiles, the ratios, and what was filed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.apps import BARE, SYNC_BASELINE, TICKETBOT, App
from bench.report import Figure, Section
from bench.stats import median_of

COMMAND = "python -m bench --only ack"
KEYS = ("p50", "p95", "p99", "max")


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _median_acks(runs: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    return {key: median_of([run["acks"][key] for run in runs]) for key in KEYS}


def _latency_figures(app: App, acks: dict[str, float | None], runs: int,
                     cap_s: float | None = None) -> list[Figure]:
    how = f"median of {runs} runs" if runs > 1 else "one run"
    figures = []
    for key in KEYS:
        value = _ms(acks[key])
        shown = f"> {cap_s:.0f} s" if value is None and cap_s is not None else None
        figures.append(Figure(f"{app.name}: ack {key}", value, "ms", shown=shown,
                              command=f"{COMMAND}  (app: {app.command})",
                              note=how if key == "p50" else ""))
    return figures


def _ratio_figures(bare: dict[str, float | None], bot: dict[str, float | None],
                   sync: dict[str, float | None], cap_s: float) -> list[Figure]:
    bare_p99, bot_p99 = bare["p99"], bot["p99"]
    figures = []
    if bare_p99 and bot_p99:
        ratio = bot_p99 / bare_p99
        figures.append(Figure("ticketbot p99 / bare p99", ratio, "x", target="<= 1.25x",
                              met=ratio <= 1.25))
    if bare_p99:
        censored = sync["p99"] is None
        ratio = (cap_s if censored else sync["p99"] or 0) / bare_p99
        figures.append(Figure("synchronous p99 / bare p99", ratio, "x", target=">= 100x",
                              met=ratio >= 100, shown=f"> {ratio:.0f}x" if censored else None,
                              note="lower bound: its p99 ack never came within the cap"
                              if censored else ""))
    return figures


def _follow_figures(first: dict[str, Any], count: int) -> list[Figure]:
    outcome = first.get("tally") or {}
    return [
        Figure(f"ticketbot: all {count} in Jira", first.get("all_filed_s"), "s",
               shown=None if first.get("all_filed_s") else "never"),
        Figure(f"ticketbot: all {count} posted in Slack", first.get("all_posted_s"), "s",
               shown=None if first.get("all_posted_s") else "never",
               note=f"floor set by the model: {count} x 1 s one at a time"),
        Figure("ticketbot: lost", outcome.get("lost"), target="0", met=outcome.get("lost") == 0,
               note="acked, but no Jira issue, log row or channel message at the end"),
        Figure("ticketbot: duplicates", outcome.get("duplicates"), target="0",
               met=outcome.get("duplicates") == 0,
               note="more than one issue, message or log row for one request"),
    ]


def _sync_figures(sync: dict[str, Any]) -> list[Figure]:
    outcome = sync["tally"]
    return [
        Figure("synchronous: acked within 3 s", sync["acked_within_3s"],
               note=f"of {outcome['sent']}; {sync['acked']} acked before the cap"),
        Figure("synchronous: Slack redeliveries", sync["redeliveries"]),
        Figure("synchronous: duplicate Jira issues", outcome["duplicates"],
               note="requests filed more than once (redeliveries), before the cap"),
    ]


def build_section(count: int, cap_s: float, bare_runs: Sequence[dict[str, Any]],
                  bot_runs: Sequence[dict[str, Any]], sync: dict[str, Any]) -> Section:
    section = Section(f"1. ack latency, burst of {count} /ticket over 20 channels", COMMAND)
    bare, bot = _median_acks(bare_runs), _median_acks(bot_runs)
    sync_acks = {key: sync["acks"][key] for key in KEYS}
    section.add(*_latency_figures(BARE, bare, len(bare_runs)))
    section.add(*_latency_figures(TICKETBOT, bot, len(bot_runs)))
    section.add(*_latency_figures(SYNC_BASELINE, sync_acks, 1, cap_s))
    section.add(*_ratio_figures(bare, bot, sync_acks, cap_s))
    section.add(*_follow_figures(bot_runs[0], count))
    section.add(*_sync_figures(sync))
    section.notes += [
        "model: one request at a time, 1 s each; Jira: 300 ms per request; 3 users",
        "Slack emulator redelivers an envelope not acked within 3 s, up to 3 times",
        f"synchronous baseline stopped {cap_s:.0f} s after its burst; '> N s' = not acked "
        "by then (a lower bound); it acks via process_before_response=True",
        "latency = first delivery of the envelope to its first ack, seen by the emulator",
    ]
    section.details = {"bare_runs": list(bare_runs), "ticketbot_runs": list(bot_runs),
                       "synchronous": sync}
    return section
