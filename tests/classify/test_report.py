"""The evaluation report: a bootstrap interval for macro-F1, the precision/coverage table."""

from __future__ import annotations

import numpy as np

from bot.classify.metrics import confusion_matrix, macro_f1
from bot.classify.report import (
    RESAMPLES,
    SEED,
    coverage_table,
    details,
    format_details,
    macro_f1_interval,
)
from bot.classify.types import Classification
from bot.labels import LABELS, Label

GOLD: list[Label] = ["Bug", "Bug", "Bug", "Question", "Question", "Task", "Task", "Task"]
SAID: list[Label] = ["Bug", "Bug", "Task", "Question", "Bug", "Task", "Task", "Question"]
SURE = [0.95, 0.9, 0.45, 0.85, 0.6, 0.8, 0.35, 0.5]


def results() -> list[Classification]:
    return [Classification(label, confidence, "scripted", 1.0)
            for label, confidence in zip(SAID, SURE, strict=True)]


def test_the_interval_is_the_bootstrap_of_the_plain_macro_f1() -> None:
    picked = np.random.default_rng(SEED).integers(0, len(GOLD), size=(RESAMPLES, len(GOLD)))
    scores = [macro_f1(confusion_matrix([GOLD[i] for i in row], [SAID[i] for i in row]))
              for row in picked]
    low, high = macro_f1_interval(GOLD, SAID)
    assert (low, high) == (float(np.quantile(scores, 0.025)), float(np.quantile(scores, 0.975)))
    point = macro_f1(confusion_matrix(GOLD, SAID))
    assert 0.0 <= low < point < high <= 1.0
    assert macro_f1_interval(GOLD, GOLD) == (1.0, 1.0)
    assert macro_f1_interval([], []) == (0.0, 0.0)


def test_more_tickets_give_a_narrower_interval() -> None:
    low, high = macro_f1_interval(GOLD, SAID)
    low_many, high_many = macro_f1_interval(GOLD * 20, SAID * 20)
    assert high_many - low_many < high - low


def test_coverage_table_says_how_precise_each_abstain_level_is() -> None:
    table = {row["confidence"]: row for row in coverage_table(GOLD, results())}
    assert table[0.0] == {"confidence": 0.0, "coverage": 1.0, "precision": 5 / 8, "tickets": 8}
    assert table[0.5]["tickets"] == 6 and table[0.5]["precision"] == 4 / 6  # 0.6 Bug wrong
    assert table[0.8] == {"confidence": 0.8, "coverage": 0.5, "precision": 1.0, "tickets": 4}
    assert table[0.95]["tickets"] == 1
    triage = [*results()[:-1], Classification("Task", 0.0, "fallback", 1.0, needs_triage=True)]
    assert coverage_table(GOLD, triage, levels=(0.0,))[0]["tickets"] == 7  # no answer: not kept


def test_details_and_their_text() -> None:
    report = details(GOLD, results(), [True, False, False, False, False, True, False, False])
    assert report["without_model"] == 0.25
    assert report["per_label"]["Bug"] == {"precision": 2 / 3, "recall": 2 / 3,
                                          "f1": 2 / 3, "support": 3}
    assert report["confusion"]["Task"]["Question"] == 1
    assert set(report["confusion"]) == set(LABELS)
    text = "\n".join(format_details(report))
    assert "macro-F1 95 % interval" in text and "answered without a model 25%" in text
    assert "abstain threshold" in text and "0.80" in text and "50.0%" in text
