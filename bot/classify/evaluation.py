"""Run a chain over a labelled CSV (header ``text,label``) and summarise the results."""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.classify.chain import ClassifierChain
from bot.classify.metrics import accuracy, confusion_matrix, macro_f1, percentile
from bot.classify.progress import Progress
from bot.classify.report import details, format_details
from bot.classify.types import Classification
from bot.labels import LABELS, Label, parse_label

log = logging.getLogger(__name__)


@dataclass
class EvalReport:
    gold: list[Label] = field(default_factory=list)
    results: list[Classification] = field(default_factory=list)
    model_calls: int = 0

    def summary(self) -> dict[str, Any]:
        predicted = [r.label for r in self.results]
        matrix = confusion_matrix(self.gold, predicted)
        latencies = [r.latency_ms for r in self.results]
        return {
            "tickets": len(self.gold),
            "accuracy": accuracy(self.gold, predicted),
            "macro_f1": macro_f1(matrix),
            "labels_present": [label for label in LABELS if label in self.gold],
            "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
            "model_calls": self.model_calls,
            "fallbacks": sum(r.needs_triage for r in self.results),
            "backends": {b: sum(r.backend == b for r in self.results)
                         for b in sorted({r.backend for r in self.results})},
            **details(self.gold, self.results, [False] * len(self.results)),
        }


def read_labelled_csv(path: Path, limit: int | None = None) -> list[tuple[str, Label]]:
    """Rows of ``text,label``; rows with an unknown label are skipped with a warning."""
    rows: list[tuple[str, Label]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            label = parse_label(row.get("label") or "")
            if label is None:
                log.warning("eval: %s line %d: unknown label %r skipped", path.name, number,
                            row.get("label"))
                continue
            rows.append((row.get("text") or "", label))
            if limit is not None and len(rows) >= limit:
                break
    return rows


async def evaluate(chain: ClassifierChain, rows: Sequence[tuple[str, Label]]) -> EvalReport:
    report = EvalReport()
    progress = Progress(len(rows))
    for text, label in rows:
        report.results.append(await chain.classify(text))
        report.gold.append(label)
        progress.tick(report.results[-1].label == label)
    report.model_calls = chain.model_calls
    return report


def format_summary(summary: dict[str, Any]) -> str:
    """A plain-text report: headline numbers, then ``report.format_details``' tables."""
    lines = [
        f"tickets {summary['tickets']}  accuracy {summary['accuracy']:.3f}  "
        f"macro-F1 {summary['macro_f1']:.3f} (over {', '.join(summary['labels_present'])})",
        f"latency p50 {summary['latency_ms']['p50']:.0f} ms  p95 "
        f"{summary['latency_ms']['p95']:.0f} ms  model calls {summary['model_calls']}  "
        f"fallbacks {summary['fallbacks']}",
        *format_details(summary),
    ]
    return "\n".join(lines)
