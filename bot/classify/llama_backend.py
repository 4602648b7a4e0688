"""The ``llama`` backend: a local GGUF model through llama-cpp-python, scored over the five labels.

The model loads once, in the model thread (``start()`` begins it; the first ``classify`` waits),
then scores one short text (``WARM_UP_TEXT``: the prompt evaluated, llama.cpp's buffers
allocated, the zero-shot calibration prior computed), so the first ticket costs what any does.
All model work runs on one dedicated thread, so calls are serialised (a ``Llama`` is not
thread-safe) and the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot.classify.gguf import check_model_file
from bot.classify.llama_scorer import LabelScorer
from bot.classify.scoring import best, softmax
from bot.classify.template import PromptTemplate
from bot.classify.types import BackendAnswer, Example
from bot.errors import BackendRejected, ClassificationError

log = logging.getLogger(__name__)

Loader = Callable[[Path, int, int | None], Any]
WARM_UP_TEXT = "Warm-up: the printer on the second floor does not print."


def load_llama(path: Path, n_ctx: int, n_threads: int | None) -> Any:
    """Open a GGUF with llama.cpp's logs silenced; raises BackendRejected on a bad file."""
    check_model_file(path)
    from llama_cpp import Llama

    try:
        return Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads,
                     n_threads_batch=n_threads or os.cpu_count(), verbose=False)
    except (ValueError, RuntimeError) as exc:
        raise BackendRejected(f"llama.cpp cannot load {path}: {exc}", backend="llama") from None


class LlamaBackend:
    """Backend ``llama``; see the module docstring."""

    name = "llama"

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 1024,
        n_threads: int | None = None,
        max_ticket_tokens: int = 256,
        calibrate: bool = True,
        loader: Loader = load_llama,
    ) -> None:
        self.model_path = model_path
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._max_ticket_tokens = max_ticket_tokens
        self._calibrate = calibrate
        self._loader = loader
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llama")
        self._loading: Future[LabelScorer] | None = None
        self._start_lock = threading.Lock()
        self.scorer: LabelScorer | None = None
        self.warmed_up = False

    def start(self) -> Future[LabelScorer]:
        """Begin loading the model in the model thread; again after a failed load."""
        with self._start_lock:
            failed = self._loading is not None and self._loading.done() and (
                self._loading.exception() is not None)
            if self._loading is None or failed:
                self._loading = self._executor.submit(self._load)
            return self._loading

    async def classify(self, text: str, examples: Sequence[Example] = ()) -> BackendAnswer:
        scorer = await self._scorer()
        loop = asyncio.get_running_loop()
        logprobs = await loop.run_in_executor(self._executor, scorer.score, text, list(examples))
        probabilities = softmax(logprobs)
        label, confidence = best(probabilities)
        return BackendAnswer(label, confidence, probabilities)

    async def health(self) -> str:
        await self._scorer()
        return f"model {self.model_path.name} loaded (n_ctx={self._n_ctx})"

    async def aclose(self) -> None:
        """Free the model (in the model thread, after any running call) and stop the thread."""
        if self.scorer is not None:
            self._executor.submit(self.scorer.close)
            self.scorer = None
        self._executor.shutdown(wait=False, cancel_futures=False)

    async def _scorer(self) -> LabelScorer:
        # shield: a caller's timeout must not cancel the shared load
        return await asyncio.shield(asyncio.wrap_future(self.start()))

    def _load(self) -> LabelScorer:
        started = time.perf_counter()
        try:
            llm = self._loader(self.model_path, self._n_ctx, self._n_threads)
            template = PromptTemplate(
                llm.metadata.get("tokenizer.chat_template"),
                bos_token=_token_text(llm, llm.token_bos()),
                eos_token=_token_text(llm, llm.token_eos()),
            )
            scorer = LabelScorer(llm, template, max_ticket_tokens=self._max_ticket_tokens,
                                 calibrate=self._calibrate)
        except ClassificationError as exc:
            log.error("llama: model load failed: %s", exc)
            raise
        except Exception as exc:
            log.error("llama: model load failed for %s: %s", self.model_path, exc)
            raise BackendRejected(f"cannot load {self.model_path}: {exc}", backend="llama") from exc
        loaded = time.perf_counter()
        log.info("llama: loaded %s in %.2fs (n_ctx=%d)", self.model_path.name,
                 loaded - started, self._n_ctx)
        try:
            scorer.score(WARM_UP_TEXT)
            self.warmed_up = True
            log.info("llama: warmed up in %.2fs", time.perf_counter() - loaded)
        except Exception as exc:  # the first ticket pays instead; not a reason to fail the load
            log.warning("llama: warm-up failed (%s); the first ticket pays for it", exc)
        self.scorer = scorer
        return scorer


def _token_text(llm: Any, token_id: int) -> str:
    if token_id < 0:
        return ""
    return str(llm._model.token_get_text(token_id))
