"""How the learning memory scales: rebuild time and peak, classification during a refit, idle RSS.

    .venv/bin/python -m bench.scenarios.memory_scale --data DIR [--sizes 2000,10000] \
        [--lean] [--out /tmp/memory_scale.json]

Reads ``github_issues.dev.csv`` and ``apache_jira.dev.csv`` from ``--data DIR`` (else
``$TICKETBOT_BENCH_DATA``); sizes beyond the files' rows repeat them with a number appended
(so every text is new to the hashing and the near-duplicate search still finds the copies).

- **rebuild** (per size, a fresh process each): the texts hashed into the memory (what start-up
  does before the first refit), then one refit, timed; the refit's extra peak is the highest
  resident size during it (Linux ``/proc/self/clear_refs``) above the size before it.
- **during a refit**: the memory of the largest size refitting in the background (6 % more
  examples added) while this thread keeps asking ``nearest`` and ``probabilities``; the longest
  of those calls and how many were answered meanwhile, beside the same calls with no refit.
- **idle RSS**: a fresh process with the default local model loaded (one ticket classified)
  and a memory of 2,000 examples, 3 s idle; and which of scikit-learn / SciPy are imported.

``--lean`` measures the memory without scikit-learn (``classifier.memory_lean``). Figures depend
on the machine and its load (``load average`` is reported with them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.paths import DataMissing, data_dir
from bot.classify.evaluation import read_labelled_csv
from bot.labels import Label
from bot.learn.memory import Memory

FILES = ("github_issues.dev.csv", "apache_jira.dev.csv")
LEAN = "--lean" in sys.argv


def examples(data: Path, count: int) -> list[tuple[str, Label]]:
    rows = [row for name in FILES for row in read_labelled_csv(data / name)]
    out = []
    for i in range(count):
        text, label = rows[i % len(rows)]
        out.append((text if i < len(rows) else f"{text} #{i // len(rows)}", label))
    return out


def status(field: str) -> float:
    """A /proc/self/status figure in MB."""
    line = next(s for s in Path("/proc/self/status").read_text().splitlines()
                if s.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rebuild(data: Path, size: int) -> dict[str, Any]:
    rows = examples(data, size)
    memory = Memory(background=True, lean=LEAN)
    assert memory._refitter is not None
    memory._refitter.request = lambda: 0  # type: ignore[method-assign]  # hash only, no refit
    started = time.perf_counter()
    memory.add(rows)
    hashed = time.perf_counter() - started
    before = status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    started = time.perf_counter()
    memory.refit()
    refit = time.perf_counter() - started
    fitted = memory.fitted
    assert fitted is not None
    return {"examples": size, "hash_s": round(hashed, 2), "refit_s": round(refit, 2),
            "rss_before_refit_mb": round(before), "refit_extra_peak_mb":
            round(status("VmHWM") - before), "rss_after_mb": round(status("VmRSS")),
            "threshold": round(fitted.threshold, 3), "held_out": len(fitted.held_out),
            "load": load()}


def during_refit(data: Path, size: int) -> dict[str, Any]:
    rows = examples(data, int(size * 1.06))
    memory = Memory(background=True, lean=LEAN)
    memory.add(rows[:size])
    assert memory.wait_refits() and memory._refitter is not None
    probe = [text for text, _ in rows[:200]]

    def call(text: str) -> float:
        started = time.perf_counter()
        memory.nearest(text, 2)
        memory.probabilities(text)
        return (time.perf_counter() - started) * 1000

    quiet = [call(text) for text in probe[:100]]  # the same calls with no refit running
    before = memory.fitted
    memory.add(rows[size:])  # grown 6 %: a refit starts in the background
    waits: list[float] = []
    while memory.fitted is before:
        waits.append(call(probe[len(waits) % len(probe)]))
    memory.close()
    return {"examples": size, "calls_during_refit": len(waits),
            "longest_call_ms": round(max(waits), 1),
            "median_call_ms": round(sorted(waits)[len(waits) // 2], 1),
            "without_refit_longest_ms": round(max(quiet), 1),
            "without_refit_median_ms": round(sorted(quiet)[len(quiet) // 2], 1),
            "load": load()}


async def _idle(data: Path) -> dict[str, Any]:
    from bot.classify.registry import build_chain
    from bot.learn.classifier import MemoryClassifier
    from bot.settings_loader import load_settings

    classifier = MemoryClassifier(build_chain(load_settings().classifier, backends=["llama"]),
                                  lean=LEAN)
    rows = read_labelled_csv(data / FILES[0])[:2000]
    await asyncio.to_thread(classifier.remember, rows)
    classifier.start()
    await classifier.chain.classify("The export button crashes the app with a stack trace")
    await asyncio.sleep(3)
    imported = {name: any(m == name or m.startswith(name + ".") for m in sys.modules)
                for name in ("sklearn", "scipy")}
    figures = {"examples": len(rows), "idle_rss_mb": round(status("VmRSS")),
               "imported": imported, "load": load()}
    await classifier.aclose()
    return figures


def child(what: str, data: Path, size: int) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter (peaks and RSS of its own)."""
    out = subprocess.run([sys.executable, "-m", "bench.scenarios.memory_scale", "--child", what,
                          "--data", str(data), "--sizes", str(size),
                          *(["--lean"] if LEAN else [])],
                         capture_output=True, text=True, check=True, env=os.environ.copy())
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--lean", action="store_true", help="the memory without scikit-learn")
    parser.add_argument("--child", choices=("rebuild", "during", "idle"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        data = data_dir(args.data, FILES)
    except DataMissing as exc:
        raise SystemExit(str(exc)) from None
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.child:
        work = {"rebuild": lambda: rebuild(data, sizes[0]),
                "during": lambda: during_refit(data, sizes[0]),
                "idle": lambda: asyncio.run(_idle(data))}[args.child]
        print(json.dumps(work()))
        return
    report: dict[str, Any] = {"rebuild": [], "during_refit": None, "idle": None}
    for size in sizes:
        report["rebuild"].append(child("rebuild", data, size))
        print(json.dumps(report["rebuild"][-1]), flush=True)
    report["during_refit"] = child("during", data, max(sizes))
    print(json.dumps(report["during_refit"]), flush=True)
    report["idle"] = child("idle", data, 2000)
    print(json.dumps(report["idle"]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
