"""The packaged encoder converted to int8 matrix products: made once, close to the shipped
model, and the shipped model used when the conversion cannot be written."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from bot.learn import encoder as encoder_module
from bot.learn.encoder import PACKAGED_NAME, load_encoder, packaged_model
from bot.learn.requantize import CONVERSION, requantized
from bot.settings_encoder import EncoderSettings

TEXTS = ["The app crashes when I open the settings page",
         "Could you add a dark theme to the dashboard?",
         "How do I reset my VPN password?",
         "Payments API returns 500 for every request since the deploy",
         "Please create accounts for the three new starters on Monday"]


def test_converted_once_and_close_to_the_shipped_model(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(encoder_module, "model_home", lambda: tmp_path)
    with caplog.at_level(logging.INFO, logger="bot.learn.requantize"):
        converted = load_encoder(EncoderSettings(max_tokens=64))
        again = load_encoder(EncoderSettings(max_tokens=64))
    _, published = packaged_model()
    made = list((tmp_path / "models").iterdir())
    assert [p.name for p in made] == [f"{PACKAGED_NAME}-{CONVERSION}-{published[:12]}.onnx"]
    assert len([r for r in caplog.records if "converted" in r.getMessage()]) == 1
    assert converted.id == again.id == f"{PACKAGED_NAME}-{CONVERSION}@{published[:12]}/64"
    shipped = load_encoder(EncoderSettings(max_tokens=64, requantize=False))
    assert shipped.id == f"{PACKAGED_NAME}@{published[:12]}/64"  # stored vectors never mix
    cosines = (converted.encode(TEXTS) * shipped.encode(TEXTS)).sum(axis=1)
    assert cosines.min() > 0.98
    assert np.allclose(converted.encode(TEXTS), again.encode(TEXTS), atol=1e-6)


def test_a_folder_that_cannot_be_written_keeps_the_shipped_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "models").write_text("a file where the folder should be")
    monkeypatch.setattr(encoder_module, "model_home", lambda: tmp_path)
    with caplog.at_level(logging.WARNING, logger="bot.learn.encoder"):
        encoder = load_encoder(EncoderSettings(max_tokens=64))
    assert CONVERSION not in encoder.id and encoder.encode(TEXTS).shape == (5, 384)
    assert "using it as shipped" in caplog.text


def test_a_model_without_int8_tables_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    from onnx import TensorProto, helper, save

    plain = tmp_path / "plain.onnx"
    value = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    save(helper.make_model(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])],
                                             "plain", [value], [out])), str(plain))
    with pytest.raises(ValueError, match="no weight-only int8 tables"):
        requantized(plain, tmp_path / "out" / "x.onnx")
    assert not (tmp_path / "out" / "x.onnx").exists()
    assert not any(p.name.startswith(".requantize-") for p in (tmp_path / "out").iterdir())
