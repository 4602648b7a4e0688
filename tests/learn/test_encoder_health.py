"""``ticketbot doctor``'s sentence-encoder line: loaded, off, or not loadable (a warning)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.learn import encoder as encoder_module
from bot.learn.health import check_encoder
from bot.settings import Settings
from bot.settings_encoder import EncoderSettings


async def test_the_packaged_encoder_loads_and_its_cost_is_shown() -> None:
    [row] = await check_encoder(Settings(encoder=EncoderSettings(max_tokens=32)))
    assert row.ok and not row.warning
    assert "all-MiniLM-L6-v2-int8-dyn1@" in row.detail and "384 dimensions" in row.detail
    assert "32-token ticket" in row.detail


async def test_turned_off_says_tfidf_alone() -> None:
    [row] = await check_encoder(Settings(encoder=EncoderSettings(enabled=False)))
    assert row.ok and "off" in row.detail and "TF-IDF alone" in row.detail


async def test_an_encoder_that_cannot_load_is_a_warning(tmp_path: Path) -> None:
    missing = tmp_path / "mine.onnx"
    [row] = await check_encoder(Settings(encoder=EncoderSettings(model_path=missing)))
    assert row.ok and row.warning
    assert str(missing) in row.detail and "TF-IDF alone" in row.detail


async def test_a_failed_conversion_is_a_warning(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "models").write_text("a file where the folder should be")
    monkeypatch.setattr(encoder_module, "model_home", lambda: tmp_path)
    [row] = await check_encoder(Settings(encoder=EncoderSettings(max_tokens=32)))
    assert row.ok and row.warning and "running as shipped" in row.detail
