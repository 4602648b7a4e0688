"""Scenario 3: the classification figures, from ``bench.scenarios.classify_bench`` (issue 3).

Its JSON (classify_results.json in the results folder, see bench.paths) is read when present,
with the date and command it was made with. When absent, or with --fresh-classify, the script
is run here on the data in ``--data DIR`` or ``$TICKETBOT_BENCH_DATA``: a full run (200
tickets) takes about 15 minutes on 2 cores, so a missing file is filled by a reduced run (20
tickets) that keeps `make bench` within its budget; --fresh-classify runs it in full.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bench.options import Options, progress
from bench.paths import CLASSIFY_DATASETS as DATASETS
from bench.paths import CLASSIFY_RESULTS, DataMissing, data_dir
from bench.report import Figure, Section

ROOT = Path(__file__).resolve().parents[2]
MODULE = "bench.scenarios.classify_bench"
COMMAND = f"python -m {MODULE}"
REDUCED_PER_FILE, QUICK_PER_FILE = 10, 2


async def run_script(out: Path, data: Path, per_file: int | None) -> str | None:
    """Run the classification benchmark; None when it worked, else the end of its output."""
    args = ["-m", MODULE, "--out", str(out), "--data", str(data)]
    if per_file is not None:
        args += ["--per-file", str(per_file)]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    return None if process.returncode == 0 else output.decode(errors="replace")[-2000:]


async def obtain(options: Options) -> tuple[dict[str, Any] | None, str]:
    """The report and where it came from (or why there is none)."""
    results = options.results / CLASSIFY_RESULTS
    if results.exists() and not options.fresh_classify:
        return json.loads(results.read_text(encoding="utf-8")), f"read from {results}"
    try:
        data = data_dir(options.data, DATASETS)
    except DataMissing as missing:
        return None, f"{COMMAND} cannot run: {missing}"
    if options.fresh_classify and not options.quick:
        out, per_file, how = results, None, "run in full now"
    else:
        per_file = QUICK_PER_FILE if options.quick else REDUCED_PER_FILE
        out = options.scratch / CLASSIFY_RESULTS
        how = f"run now on a reduced set ({2 * per_file} tickets); full: --fresh-classify"
    progress(f"classify: running {COMMAND} ({how})")
    failure = await run_script(out, data, per_file)
    if failure is not None:
        return None, f"{COMMAND} failed:\n{failure}"
    return json.loads(out.read_text(encoding="utf-8")), how


def _pair(name: str, key: str, unit: str, report: dict[str, Any],
          scale: float = 1.0) -> list[Figure]:
    ours, naive = report["scoring"], report["baseline"]
    return [Figure(f"{name}, label scoring", ours[key] * scale, unit),
            Figure(f"{name}, naive 16-token", naive[key] * scale, unit)]


def figures(report: dict[str, Any]) -> list[Figure]:
    found = [*_pair("latency p50", "p50_ms", "ms", report),
             *_pair("latency p95", "p95_ms", "ms", report),
             *_pair("tickets/s", "tickets_per_s", "/s", report)]
    for dataset in DATASETS:
        short = dataset.split(".")[0]
        for metric in ("macro_f1", "accuracy"):
            ours, naive = report["scoring"][dataset], report["baseline"][dataset]
            found += [Figure(f"{short} {metric}, label scoring", ours[metric], "ratio"),
                      Figure(f"{short} {metric}, naive 16-token", naive[metric], "ratio")]
    found += [Figure("RSS after run, label scoring", report["scoring"]["rss_mb"], "MiB"),
              Figure("latency ratio naive / scoring (p50)", report["ratio_p50"], "x")]
    return found


async def run(options: Options) -> Section:
    report, how = await obtain(options)
    if report is None:
        section = Section("3. classification", COMMAND)
        section.add(Figure("classification benchmark", None, shown="failed", note=how[:200]))
        section.details = {"error": how}
        return section
    command = report.get("command", COMMAND)
    section = Section(f"3. classification ({report.get('tickets')} tickets, "
                      f"{report.get('model')})", command)
    section.add(*figures(report))
    section.notes += [
        f"{how}; made {report.get('date')} on {report.get('cpu')} ({report.get('cores')} "
        "cores)",
        "per-ticket latency with the default model, one ticket at a time; macro-F1 over the "
        "labels present",
    ]
    section.details = {"source": how, "report": report}
    return section
