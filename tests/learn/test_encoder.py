"""The sentence encoder with the packaged weights (real ONNX inference), its fallback, the
dense head, and the memory's encoder view."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from bot.errors import EncoderUnavailable
from bot.learn.dense_head import DenseHead
from bot.learn.encoder import PACKAGED_NAME, EncoderSlot, load_encoder, packaged_model
from bot.learn.memory import Memory
from bot.learn.requantize import CONVERSION
from bot.learn.views import ENCODER_VIEW, TITLE_VIEW, EncoderView, average, choose_weights
from bot.settings_encoder import EncoderSettings

from .test_classifier import HISTORY

SETTINGS = EncoderSettings(max_tokens=64)


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    return load_encoder(SETTINGS)


def test_packaged_weights_encode_texts_by_meaning(encoder) -> None:  # type: ignore[no-untyped-def]
    path, published = packaged_model()
    assert path.is_file() and encoder.id == f"{PACKAGED_NAME}-{CONVERSION}@{published[:12]}/64"
    texts = ["The app crashes when I open the settings page",
             "Opening settings makes the application crash",
             "Could you add a dark theme to the dashboard?"]
    rows = encoder.encode(texts)
    assert rows.shape == (3, 384) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
    sims = rows @ rows.T
    assert sims[0, 1] > sims[0, 2] + 0.2  # same meaning, other words: closer
    one_by_one = np.vstack([encoder.encode_one(text) for text in texts])
    assert np.allclose(rows, one_by_one, atol=1e-6)  # a vector never depends on its company


def test_long_texts_are_cut_at_the_token_budget(encoder) -> None:  # type: ignore[no-untyped-def]
    long = "Crash on start-up. " + "more detail " * 3000
    row = encoder.encode([long, ""])
    assert row.shape == (2, 384) and np.all(np.isfinite(row))
    assert encoder.encode([long])[0] @ encoder.encode(["Crash on start-up. " + "more detail "
                                                       * 40])[0] > 0.99


def test_a_different_token_budget_is_a_different_encoder(encoder) -> None:  # type: ignore[no-untyped-def]
    assert load_encoder(EncoderSettings(max_tokens=32)).id != encoder.id


def test_missing_or_broken_files_are_reported_not_raised(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(EncoderUnavailable, match="does not exist"):
        load_encoder(EncoderSettings(model_path=tmp_path / "nowhere.onnx"))
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    with pytest.raises(EncoderUnavailable, match="could not be loaded"):
        load_encoder(EncoderSettings(model_path=broken))
    slot = EncoderSlot(EncoderSettings(model_path=broken))
    with caplog.at_level(logging.WARNING, logger="bot.learn.encoder"):
        assert slot.get() is None and slot.get() is None and not slot.warm_up()
    assert "could not be loaded" in (slot.problem or "")
    assert len([r for r in caplog.records if "TF-IDF alone" in r.getMessage()]) == 1  # once


def test_turned_off_never_loads() -> None:
    slot = EncoderSlot(EncoderSettings(enabled=False))
    assert slot.get() is None and not slot.enabled
    assert "turned off" in (slot.problem or "")


def test_a_user_supplied_model_file_is_used(tmp_path: Path) -> None:
    path, _ = packaged_model()
    copy = tmp_path / "my-encoder.onnx"
    copy.write_bytes(path.read_bytes())
    mine = load_encoder(EncoderSettings(model_path=copy, max_tokens=64))
    assert mine.id.startswith("my-encoder@")
    as_shipped = load_encoder(EncoderSettings(max_tokens=64, requantize=False))
    assert np.allclose(mine.encode(["hello"]), as_shipped.encode(["hello"]), atol=1e-5)


def test_dense_head_learns_separable_rows_deterministically() -> None:
    rng = np.random.default_rng(1)
    centres = np.eye(3, 8, dtype=np.float32)
    labels = ["Bug", "Question", "Task"] * 20
    rows = np.vstack([centres[i % 3] + 0.1 * rng.standard_normal(8) for i in range(60)])
    rows = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    head = DenseHead.fit(rows, labels)
    found = head.probabilities_many(rows)
    assert [max(p, key=lambda k: p[k]) for p in found] == labels
    assert abs(sum(found[0].values()) - 1.0) < 1e-5 and found[0]["Incident"] == 0.0
    again = DenseHead.fit(rows, labels)
    assert np.array_equal(head.weights, again.weights)


def test_average_weighs_the_views() -> None:
    tfidf = {"Bug": 1.0}
    assert average(tfidf, [(1.0, {"Question": 1.0})])["Bug"] == pytest.approx(0.5)
    assert average(tfidf, [])["Bug"] == pytest.approx(1.0)


def test_memory_with_the_encoder_view_averages_two_heads(encoder) -> None:  # type: ignore[no-untyped-def]
    plain, both = Memory(), Memory(views=[EncoderView(encoder)])
    for memory in (plain, both):
        memory.add(HISTORY)  # type: ignore[arg-type]
    assert both.fitted is not None and list(both.fitted.views) == [ENCODER_VIEW]
    probe = "Opening the settings makes the program crash"
    p_plain, p_both = plain.probabilities(probe), both.probabilities(probe)
    assert p_plain is not None and p_both is not None and p_plain != p_both
    assert max(p_both, key=lambda k: p_both[k]) == "Bug"


def test_an_encoder_that_cannot_load_leaves_tfidf_alone(tmp_path: Path) -> None:
    broken = EncoderView(EncoderSlot(EncoderSettings(model_path=tmp_path / "missing.onnx")))
    plain, fallback = Memory(), Memory(views=broken.views())  # the text's and the title's
    for memory in (plain, fallback):
        memory.add(HISTORY)  # type: ignore[arg-type]
    assert fallback.fitted is not None and list(fallback.fitted.views) == []
    probe = "Opening the settings makes the program crash"
    assert fallback.probabilities(probe) == plain.probabilities(probe)


def test_the_title_is_a_view_of_its_own(encoder) -> None:  # type: ignore[no-untyped-def]
    view = EncoderView(encoder)  # title on, as by default
    text_view, title_view = view.views()
    assert (text_view.name, title_view.name) == (ENCODER_VIEW, TITLE_VIEW)
    ticket = "Crash on save\nSince the update, saving a file closes the editor."
    assert np.allclose(title_view.encode([ticket])[0], encoder.encode_one("Crash on save"),
                       atol=1e-5)
    stored = view.stored_rows([ticket, "One line only"])
    assert stored.shape == (2, 2 * encoder.dim) and view.encoder_id == encoder.id + "+title"
    parts = view.split(stored)
    assert np.array_equal(parts[TITLE_VIEW][1], parts[ENCODER_VIEW][1])  # one line: the title
    memory = Memory(views=view.views())
    memory.add(HISTORY)  # type: ignore[arg-type]
    assert memory.fitted is not None and list(memory.fitted.views) == [ENCODER_VIEW, TITLE_VIEW]
    plain = EncoderView(encoder, title=False)
    assert plain.views() == [plain] and plain.encoder_id == encoder.id
    assert plain.stored_rows([ticket]).shape == (1, encoder.dim)


def test_views_are_weighed_by_held_out_log_loss() -> None:
    labels = ["Bug", "Task"] * 40
    sure = {i: ({"Bug": 0.5, "Task": 0.5}, {"encoder": {labels[i]: 0.9,
                                                        other(labels[i]): 0.1}})
            for i in range(80)}
    assert choose_weights(sure, labels, {"encoder": 0.5}) == {"encoder": 2.0}  # it knows
    noise = {i: ({labels[i]: 0.8, other(labels[i]): 0.2},
                 {"encoder": {"Bug": 0.9, "Task": 0.1}}) for i in range(80)}
    assert choose_weights(noise, labels, {"encoder": 0.5}) == {"encoder": 0.0}  # it misleads
    both = {i: (tfidf, {"encoder": views["encoder"], "title": {"Bug": 0.9, "Task": 0.1}})
            for i, (tfidf, views) in sure.items()}
    chosen = choose_weights(both, labels, {"encoder": 0.5, "title": 0.25})
    assert chosen == {"encoder": 2.0, "title": 0.0}  # a title that misleads gets nothing
    few = dict(list(noise.items())[:10])
    assert choose_weights(few, labels, {"encoder": 0.5}) == {"encoder": 0.5}  # too few to say


def other(label: str) -> str:
    return "Task" if label == "Bug" else "Bug"
