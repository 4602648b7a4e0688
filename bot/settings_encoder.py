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
    # Texts per ONNX Runtime run when many are encoded (an import). 1: with int8 products
    # the activations are quantised per run, so a text's vector would depend on its batch;
    # and one at a time measured fastest (no padding).
    batch_size: int = Field(default=1, ge=1, le=256)
    threads: int = Field(default=1, ge=1)
    # The packaged model converted once (models/, 1–2 s) to int8 matrix products: half the
    # time per ticket and about 60 MB less; false runs it as shipped (bot.learn.requantize).
    requantize: bool = True
    # The first line (the title, a ticket's summary) encoded too, its vector beside the text's:
    # +0.008 macro-F1 on apache_jira, nothing lost on github_issues; about 2 ms a ticket.
    title: bool = True
