"""Shared fixtures: the real GGUF loaded once per session, scripted backends for chain tests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from bot.classify.llama_backend import LlamaBackend
from bot.classify.openai_backend import forget_schema_support
from bot.classify.types import BackendAnswer, Example, one_hot
from bot.errors import ClassificationError
from bot.labels import Label
from bot.settings import DEFAULT_MODEL_PATH

MODEL_PATH = Path(DEFAULT_MODEL_PATH)


@pytest.fixture(scope="session")
def llama() -> Iterator[LlamaBackend]:
    """One LlamaBackend with the real SmolLM2 model, loaded once for the whole session."""
    if not MODEL_PATH.exists():
        pytest.skip(f"model {MODEL_PATH} not present")
    backend = LlamaBackend(MODEL_PATH, n_ctx=2048, max_ticket_tokens=256)
    backend.start().result()
    yield backend
    backend._executor.shutdown(wait=True)


@pytest.fixture(autouse=True)
def _fresh_schema_memory() -> Iterator[None]:
    forget_schema_support()
    yield
    forget_schema_support()


class ScriptedBackend:
    """A backend that answers from a script: a label, or an exception to raise, per call."""

    def __init__(self, name: str, script: Sequence[Label | ClassificationError | Exception],
                 *, repeat_last: bool = True) -> None:
        self.name = name
        self.script = list(script)
        self.calls = 0
        self.closed = False
        self._repeat_last = repeat_last

    async def classify(self, text: str, examples: Sequence[Example] = ()) -> BackendAnswer:
        step = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        if isinstance(step, Exception):
            raise step
        return BackendAnswer(step, 0.9, one_hot(step, 0.9))

    def start(self) -> None:
        return None

    async def health(self) -> str:
        return "scripted"

    async def aclose(self) -> None:
        self.closed = True
