"""What an evaluation says beyond one number: how sure the macro-F1 is, and where to abstain.

- ``macro_f1_interval``: a percentile bootstrap (``RESAMPLES`` resamples of the tickets with
  replacement, seeded, so the same input gives the same interval).
- ``coverage_table``: for each confidence level, the share of tickets answered at or above it
  (coverage) and how many of those were right (precision). An admin reads the level that gives
  the precision they want on their own imported history and sets the abstain threshold there.
- ``details``: both, with per-label precision/recall, the confusion matrix and the share
  answered without a model, as one dictionary for the report (and ``--json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.classify.metrics import confusion_matrix, per_label
from bot.classify.types import Classification
from bot.labels import LABELS, Label

RESAMPLES = 1000
LEVEL = 0.95
LEVELS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
SEED = 0


def macro_f1_interval(gold: Sequence[Label], predicted: Sequence[Label],
                      resamples: int = RESAMPLES, level: float = LEVEL) -> tuple[float, float]:
    """The ``level`` percentile-bootstrap interval of macro-F1 ((0, 0) for no tickets).

    Macro-F1 as ``metrics.macro_f1`` computes it (over the labels present in each resample's
    gold), for all resamples at once with NumPy.
    """
    if not gold:
        return 0.0, 0.0
    k = len(LABELS)
    truth = np.array([LABELS.index(g) for g in gold])
    guess = np.array([LABELS.index(p) for p in predicted])
    picked = np.random.default_rng(SEED).integers(0, len(gold), size=(resamples, len(gold)))
    cells = truth[picked] * k + guess[picked] + (np.arange(resamples) * k * k)[:, None]
    counts = np.bincount(cells.ravel(), minlength=resamples * k * k).reshape(resamples, k, k)
    hits = counts[:, np.arange(k), np.arange(k)].astype(float)
    support, said = counts.sum(axis=2), counts.sum(axis=1)
    precision = np.divide(hits, said, out=np.zeros_like(hits), where=said > 0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(hits), where=total > 0)
    present = support > 0
    scores = np.sort((f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1))
    tail = (1.0 - level) / 2
    return float(np.quantile(scores, tail)), float(np.quantile(scores, 1.0 - tail))


def coverage_table(gold: Sequence[Label], results: Sequence[Classification],
                   levels: Sequence[float] = LEVELS) -> list[dict[str, float]]:
    """Per confidence level: coverage (share answered at or above it) and their precision.

    A ticket that needed triage (no backend answered) counts as not answered at any level.
    """
    rows = []
    for level in levels:
        kept = [g == r.label for g, r in zip(gold, results, strict=True)
                if not r.needs_triage and r.confidence >= level]
        rows.append({"confidence": level, "coverage": len(kept) / max(len(gold), 1),
                     "precision": sum(kept) / len(kept) if kept else 0.0,
                     "tickets": len(kept)})
    return rows


def details(gold: Sequence[Label], results: Sequence[Classification],
            without_model: Sequence[bool]) -> dict[str, Any]:
    """Interval, per-label scores, confusion, share without a model, coverage table."""
    predicted = [r.label for r in results]
    matrix = confusion_matrix(gold, predicted)
    low, high = macro_f1_interval(gold, predicted)
    return {
        "macro_f1_ci": [low, high],
        "per_label": {label: {"precision": s.precision, "recall": s.recall, "f1": s.f1,
                              "support": s.support}
                      for label, s in per_label(matrix).items()},
        "confusion": matrix,
        "without_model": sum(without_model) / max(len(results), 1),
        "coverage": coverage_table(gold, results),
    }


def format_details(report: dict[str, Any]) -> list[str]:
    """The plain-text lines for ``details``: tables an admin can read."""
    short = {label: label.split(" ")[0][:8] for label in LABELS}
    low, high = report["macro_f1_ci"]
    lines = [f"macro-F1 95 % interval {low:.3f}–{high:.3f} (bootstrap, {RESAMPLES} resamples)  "
             f"answered without a model {report['without_model']:.0%}", "",
             f"{'label':<16}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}"]
    for label, s in report["per_label"].items():
        lines.append(f"{label:<16}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}"
                     f"{s['support']:>9}")
    lines += ["", "confusion (rows gold, columns predicted)",
              f"{'':<16}" + "".join(f"{short[p]:>9}" for p in LABELS)]
    for gold in LABELS:
        row = report["confusion"][gold]
        lines.append(f"{gold:<16}" + "".join(f"{row[p]:>9}" for p in LABELS))
    lines += ["", "abstain threshold: answer only at or above a confidence level",
              f"{'confidence ≥':<14}{'coverage':>10}{'precision':>11}{'tickets':>9}"]
    for row in report["coverage"]:
        lines.append(f"{row['confidence']:<14.2f}{row['coverage']:>10.1%}"
                     f"{row['precision']:>11.3f}{row['tickets']:>9}")
    return lines
