"""The lean memory (``classifier.memory_lean``): no scikit-learn in the process, same behaviour."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np

from bot.learn.memory import Memory
from bot.learn.sparse_head import SparseHead
from bot.learn.vectors import TfidfSpace
from tests.conftest import PROJECT_ROOT
from tests.learn.test_classifier import HISTORY, separable_history


def test_lean_hashing_gives_the_same_rows() -> None:
    texts = [text for text, _ in separable_history()] + ["Ünïcödé\ttabs  and 🙂\nsecond line"]
    lean, usual = TfidfSpace(lean=True).counts(texts), TfidfSpace().counts(texts)
    assert (abs(lean - usual) > 1e-6).nnz == 0


def test_the_numpy_head_learns_and_is_deterministic() -> None:
    rows = separable_history()
    space = TfidfSpace(lean=True)
    counts = space.counts([text for text, _ in rows])
    space.learn(counts)
    matrix, labels = space.weigh(counts), np.array([label for _, label in rows])
    first, second = SparseHead.fit(matrix, labels, 20), SparseHead.fit(matrix, labels, 20)
    assert np.array_equal(first.weights, second.weights)
    said = [max(p, key=lambda k: p[k]) for p in first.probabilities_many(matrix)]
    assert np.mean(np.array(said) == labels) > 0.95
    assert abs(sum(first.probabilities(matrix[:1]).values()) - 1.0) < 1e-5


def test_a_lean_memory_never_imports_scikit_learn() -> None:
    script = textwrap.dedent(f"""
        import sys
        from bot.learn.memory import Memory
        memory = Memory(lean=True)
        memory.add({separable_history()!r})
        assert memory.fitted is not None and memory.fitted.head is not None
        assert memory.probabilities("The billing page crashes with a stack trace") is not None
        assert memory.nearest("Please add support for search in the new version #3")
        print(sorted(m for m in sys.modules if m.split(".")[0] == "sklearn"))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_lean_memory_answers_like_a_memory() -> None:
    memory = Memory(lean=True)
    memory.add(HISTORY)  # type: ignore[arg-type]
    top = memory.nearest("login page throws error 500 after the update")[0]
    assert top.label == "Bug" and top.similarity > 0.99
    probabilities = memory.probabilities("How do I find the API documentation?")
    assert probabilities is not None and max(probabilities, key=lambda k: probabilities[k]) in (
        "Question", "Bug", "Feature Request")
