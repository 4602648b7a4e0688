from __future__ import annotations

import pytest

from bot.classify.metrics import accuracy, confusion_matrix, macro_f1, per_label, percentile

GOLD = ["Bug", "Bug", "Question", "Feature Request", "Question"]
PRED = ["Bug", "Task", "Question", "Bug", "Question"]


def test_confusion_covers_all_five_labels() -> None:
    matrix = confusion_matrix(GOLD, PRED)  # type: ignore[arg-type]
    assert len(matrix) == 5 and all(len(row) == 5 for row in matrix.values())
    assert matrix["Bug"]["Task"] == 1 and matrix["Feature Request"]["Bug"] == 1
    assert sum(sum(row.values()) for row in matrix.values()) == 5


def test_accuracy_and_per_label() -> None:
    assert accuracy(GOLD, PRED) == pytest.approx(3 / 5)  # type: ignore[arg-type]
    scores = per_label(confusion_matrix(GOLD, PRED))  # type: ignore[arg-type]
    assert scores["Bug"].precision == pytest.approx(0.5)
    assert scores["Bug"].recall == pytest.approx(0.5)
    assert scores["Question"].f1 == pytest.approx(1.0)
    assert scores["Task"].precision == 0.0 and scores["Task"].support == 0


def test_macro_f1_only_over_labels_present() -> None:
    # Bug f1 0.5, Question 1.0, Feature Request 0.0; Task and Incident absent from gold
    assert macro_f1(confusion_matrix(GOLD, PRED)) == pytest.approx(0.5)  # type: ignore[arg-type]


def test_percentile() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05)
