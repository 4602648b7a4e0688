"""``ticketbot eval CSV --learn``: stream a labelled file as a live workspace would.

Each ticket is classified, then its true label is confirmed (as an approver would), so the
memory grows as the stream goes. Scores are reported per window of the stream (first 100,
100–300, 300–600, 600–1000, …), with the share answered from memory and the latency; then,
over the whole stream, ``bot.classify.report.details``: the macro-F1 interval, per-label
precision/recall, the confusion matrix, the share answered without a model and the
precision/coverage table for the abstain threshold.
"""

from __future__ import annotations

import asyncio
import csv
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.classify.metrics import accuracy, confusion_matrix, macro_f1, percentile
from bot.classify.progress import Progress
from bot.classify.report import details, format_details
from bot.classify.types import Classification, Example
from bot.labels import LABELS, Label
from bot.learn.classifier import ANSWERED_BY_MEMORY, MemoryClassifier
from bot.learn.combine import HeldOut


def window_bounds(total: int) -> list[tuple[int, int]]:
    """(0,100), (100,300), (300,600), (600,1000), … up to ``total``."""
    bounds, start, step = [], 0, 100
    while start < total:
        bounds.append((start, min(total, start + step)))
        start, step = start + step, step + 100
    return bounds


def score(gold: Sequence[Label], results: Sequence[Classification]) -> dict[str, Any]:
    predicted = [r.label for r in results]
    latencies = [r.latency_ms for r in results]
    return {
        "tickets": len(gold),
        "accuracy": accuracy(gold, predicted),
        "macro_f1": macro_f1(confusion_matrix(gold, predicted)),
        "from_memory": sum(r.backend in ANSWERED_BY_MEMORY for r in results)
        / max(len(results), 1),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def unmarked_rows(meta: Path) -> list[bool]:
    """Per row of a ``*.meta.csv``: True when none of its ``*_marker`` columns is set.

    Some datasets flag rows whose text gives the label away (a ``[Bug]`` title, a template
    line); scoring without them shows what the classifier does on plain prose.
    """
    with meta.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        markers = [name for name in reader.fieldnames or () if name.endswith("_marker")]
        if not markers:
            raise ValueError(f"{meta} has no *_marker columns")
        return [all((row.get(name) or "0").strip() in ("0", "") for name in markers)
                for row in reader]


def _subset(gold: Sequence[Label], results: Sequence[Classification], keep: Sequence[bool],
            a: int, b: int) -> dict[str, Any]:
    chosen = [i for i in range(a, min(b, len(gold))) if i < len(keep) and keep[i]]
    return score([gold[i] for i in chosen], [results[i] for i in chosen])


async def calibrate(classifier: MemoryClassifier, count: int, seed: int = 0) -> int:
    """Fit the model/memory weights on ``count`` held-out pairs from the memory's examples.

    Memory probabilities come from held-out models that never saw the example; the model is
    asked zero-shot (few-shot examples could contain the example itself).
    """
    memory = classifier.memory
    if count <= 0 or not len(memory):
        return 0
    held_out = await asyncio.to_thread(memory.held_out_probabilities)
    known = sorted(held_out)
    picked = random.Random(seed).sample(known, min(count, len(known)))
    pairs = []
    progress = Progress(len(picked), "eval --learn: calibrating")
    texts, labels = memory.texts, memory.labels
    for i in picked:
        result = await classifier.chain.classify(texts[i], ticket_id=f"calibrate-{i}")
        if result.probabilities and not result.needs_triage:
            pairs.append(HeldOut(dict(result.probabilities), held_out[i], labels[i]))
        progress.tick(result.label == labels[i])
    await classifier.add_evidence(pairs)
    return len(pairs)


async def run_stream(classifier: MemoryClassifier, rows: Sequence[Example],
                     warm: Sequence[Example] = (), calibrate_on: int = 0,
                     span: tuple[int, int] | None = None,
                     keep: Sequence[bool] | None = None) -> dict[str, Any]:
    if warm:
        await asyncio.to_thread(classifier.remember, list(warm))
    pairs = await calibrate(classifier, calibrate_on)
    gold: list[Label] = []
    results: list[Classification] = []
    progress = Progress(len(rows), "eval --learn")
    for text, label in rows:
        results.append(await classifier.classify(text, ticket_id=str(len(results) + 1)))
        gold.append(label)
        progress.tick(results[-1].label == label)
        await asyncio.to_thread(classifier.remember, [(text, label)])
    report: dict[str, Any] = {
        "warm": len(warm), "calibration_pairs": pairs,
        "weights": {"model": classifier.weights.model, "memory": classifier.weights.memory,
                    "pairs": classifier.weights.pairs,
                    "ask_below": classifier.weights.ask_below
                    if math.isfinite(classifier.weights.ask_below) else None},
        "overall": score(gold, results),
        "windows": {f"{a}-{b}": score(gold[a:b], results[a:b])
                    for a, b in window_bounds(len(rows))},
        "labels_present": [label for label in LABELS if label in gold],
        "model_calls": classifier.model_calls,
        "threshold": classifier.memory.threshold,
        **details(gold, results, [r.backend in ANSWERED_BY_MEMORY for r in results]),
    }
    if span is not None:
        a, b = span
        report["span"] = {f"{a}-{b}": score(gold[a:b], results[a:b])}
    if keep is not None:
        spans = [(0, len(gold)), *([span] if span else [])]
        report["unmarked"] = {("all" if (a, b) == (0, len(gold)) else f"{a}-{b}"):
                              _subset(gold, results, keep, a, b) for a, b in spans}
    return report


def format_stream(report: dict[str, Any]) -> str:
    weights = report["weights"]
    lines = [f"warm {report['warm']}  weights model {weights['model']:g} memory "
             f"{weights['memory']:g} (fitted on {weights['pairs']} held-out pairs; the model "
             f"asked below a memory margin of {_margin(weights.get('ask_below'))})  "
             f"near-duplicate threshold {report['threshold']:.3f}  "
             f"model calls {report['model_calls']}",
             f"{'window':<16}{'tickets':>8}{'accuracy':>10}{'macro-F1':>10}{'memory':>8}"
             f"{'p50 ms':>9}{'p95 ms':>9}"]
    rows = {**report["windows"], **report.get("span", {}), "all": report["overall"],
            **{f"{name} unmarked": s for name, s in report.get("unmarked", {}).items()}}
    for name, s in rows.items():
        lines.append(f"{name:<16}{s['tickets']:>8}{s['accuracy']:>10.3f}{s['macro_f1']:>10.3f}"
                     f"{s['from_memory']:>8.2f}{s['latency_p50_ms']:>9.0f}"
                     f"{s['latency_p95_ms']:>9.0f}")
    return "\n".join([*lines, "", *format_details(report)])


def _margin(margin: float | None) -> str:
    return "any" if margin is None else f"{margin:.2f}"
