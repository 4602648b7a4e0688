"""Benchmark the llama backend against a naive free-text baseline (not a test).

    .venv/bin/python -m bench.scenarios.classify_bench --data DIR [--per-file 100]
        [--model PATH] [--out FILE]

Takes the first ``--per-file`` rows (a balanced prefix) of ``github_issues.dev.csv`` and
``apache_jira.dev.csv`` in the data folder (``--data DIR``, else ``$TICKETBOT_BENCH_DATA``; it
stops with a message naming both when neither is set or a file is missing), classifies them
with the default model (label scoring, prefix reuse), then with a naive baseline on the same
tickets (chat completion of up to 16 tokens, then the first label named in the reply; none
named counts as the default label). Prints a table and writes JSON (default:
classify_results.json in ``$TICKETBOT_BENCH_OUT`` or ``<temp dir>/ticketbot-bench/``, where
`python -m bench` looks for it). Data is read in place and never copied into the repository.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.paths import CLASSIFY_DATASETS as FILES
from bench.paths import CLASSIFY_RESULTS, DataMissing, data_dir, results_dir
from bot.classify.evaluation import read_labelled_csv
from bot.classify.llama_backend import LlamaBackend, load_llama
from bot.classify.metrics import accuracy, confusion_matrix, macro_f1, percentile
from bot.classify.prompt import chat_messages
from bot.labels import LABELS, Label
from bot.settings import DEFAULT_MODEL_PATH

MODULE = "bench.scenarios.classify_bench"
DEFAULT_LABEL: Label = "Task"

Rows = list[tuple[str, Label, str]]


def load_rows(data: Path, per_file: int) -> Rows:
    rows: Rows = []
    for name in FILES:
        rows += [(text, label, name) for text, label in read_labelled_csv(data / name, per_file)]
    return rows


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run_scoring(
    rows: Rows, model: Path, max_ticket_tokens: int
) -> tuple[list[Label], list[float], dict[str, Any]]:
    backend = LlamaBackend(model, max_ticket_tokens=max_ticket_tokens)
    started = time.perf_counter()
    await asyncio.wrap_future(backend.start())
    load_s = time.perf_counter() - started
    predicted: list[Label] = []
    latencies: list[float] = []
    for text, _, _ in rows:
        t0 = time.perf_counter()
        answer = await backend.classify(text)
        latencies.append((time.perf_counter() - t0) * 1000)
        predicted.append(answer.label)
    scorer = backend.scorer
    extra = {"load_s": load_s, "rss_mb": rss_mb(),
             "evaluated_tokens": scorer.evaluated_tokens if scorer else 0,
             "trimmed": scorer.trimmed if scorer else 0}
    await backend.aclose()
    return predicted, latencies, extra


def parse_free_text(reply: str) -> Label | None:
    lowered = reply.lower()
    found = [(lowered.find(label.lower()), label) for label in LABELS if label.lower() in lowered]
    return min(found)[1] if found else None


def run_baseline(rows: Rows, model: Path) -> tuple[list[Label], list[float], dict[str, Any]]:
    llm = load_llama(model, 2048, None)
    predicted: list[Label] = []
    latencies: list[float] = []
    unparsed = 0
    for text, _, _ in rows:
        t0 = time.perf_counter()
        reply = llm.create_chat_completion(messages=chat_messages(text), max_tokens=16,
                                           temperature=0.0)
        label = parse_free_text(str(reply["choices"][0]["message"]["content"] or ""))
        latencies.append((time.perf_counter() - t0) * 1000)
        unparsed += label is None
        predicted.append(label or DEFAULT_LABEL)
    return predicted, latencies, {"unparsed": unparsed, "rss_mb": rss_mb()}


def scores(rows: Rows, predicted: list[Label], latencies: list[float]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
        "tickets_per_s": len(latencies) / (sum(latencies) / 1000),
    }
    for name in FILES:
        idx = [i for i, row in enumerate(rows) if row[2] == name]
        gold = [rows[i][1] for i in idx]
        pred = [predicted[i] for i in idx]
        result[name] = {"accuracy": accuracy(gold, pred),
                        "macro_f1": macro_f1(confusion_matrix(gold, pred)),
                        "predicted": {label: pred.count(label) for label in LABELS}}
    return result


def cpu_model() -> str:
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def table(report: dict[str, Any]) -> str:
    ours, base = report["scoring"], report["baseline"]
    rows = [("p50 latency (ms)", "p50_ms", "{:.0f}"), ("p95 latency (ms)", "p95_ms", "{:.0f}"),
            ("tickets/s", "tickets_per_s", "{:.2f}")]
    lines = [f"{'metric':<34}{'label scoring':>15}{'naive 16-token':>16}",
             "-" * 65]
    lines += [f"{name:<34}{fmt.format(ours[key]):>15}{fmt.format(base[key]):>16}"
              for name, key, fmt in rows]
    for name in FILES:
        for metric in ("accuracy", "macro_f1"):
            lines.append(f"{name + ' ' + metric:<34}{ours[name][metric]:>15.3f}"
                         f"{base[name][metric]:>16.3f}")
    lines.append(f"{'RSS after run (MB)':<34}{ours['rss_mb']:>15.0f}{base['rss_mb']:>16.0f}")
    lines.append(f"{'unparseable replies':<34}{0:>15}{base['unparsed']:>16}")
    lines.append(f"latency ratio naive/scoring (p50): {report['ratio_p50']:.2f}x; "
                 f"peak RSS {report['peak_rss_mb']:.0f} MB; {report['tickets']} tickets; "
                 f"{report['cpu']} ({report['cores']} cores); {report['date']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None,
                        help="folder with the labelled CSVs (default: $TICKETBOT_BENCH_DATA)")
    parser.add_argument("--per-file", type=int, default=100)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--max-ticket-tokens", type=int, default=256)
    parser.add_argument("--out", type=Path, default=None,
                        help=f"JSON output (default: {CLASSIFY_RESULTS} in the results folder)")
    args = parser.parse_args()
    try:
        data = data_dir(args.data, FILES)
    except DataMissing as missing:
        parser.error(str(missing))
    out = args.out or results_dir() / CLASSIFY_RESULTS
    rows = load_rows(data, args.per_file)
    predicted, latencies, extra = asyncio.run(run_scoring(rows, args.model, args.max_ticket_tokens))
    ours = {**scores(rows, predicted, latencies), **extra}
    b_predicted, b_latencies, b_extra = run_baseline(rows, args.model)
    base = {**scores(rows, b_predicted, b_latencies), **b_extra}
    report = {"command": " ".join(["python", "-m", MODULE, *sys.argv[1:]]),
              "model": args.model.name,
              "tickets": len(rows), "max_ticket_tokens": args.max_ticket_tokens,
              "cpu": cpu_model(), "cores": os.cpu_count(),
              "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
              "scoring": ours, "baseline": base, "peak_rss_mb": peak_rss_mb(),
              "ratio_p50": base["p50_ms"] / ours["p50_ms"]}
    print(table(report))
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
