"""``encoder``: the sentence encoder beside TF-IDF in the learning memory (bot.learn.encoder)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class EncoderSettings(BaseModel):
    """On by default with the packaged all-MiniLM-L6-v2 (int8 ONNX); ``model_path`` and
    ``vocab_path`` point at files of your own instead (nothing is ever downloaded)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    model_path: Path | None = None  # an ONNX BERT-style encoder (last_hidden_state output)
    vocab_path: Path | None = None  # its WordPiece vocab.txt (lower-cased BERT by default)
    max_tokens: int = Field(default=128, ge=16, le=512)
    batch_size: int = Field(default=16, ge=1, le=256)
    threads: int = Field(default=1, ge=1)
