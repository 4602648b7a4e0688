"""The ``openai`` backend: any OpenAI-compatible chat completions server via ``openai.AsyncOpenAI``.

Asks for structured output constrained to the labels (``json_schema`` with an enum). A server
that rejects schemas (400/422) is asked again with ``json_object`` and the answer validated;
that server is remembered for the life of the process. Retries belong to the chain, so the
client is built with ``max_retries=0`` unless told otherwise.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, cast

import openai
from openai import omit

from bot.classify.openai_errors import to_classification_error
from bot.classify.openai_logprobs import label_probabilities
from bot.classify.prompt import chat_messages
from bot.classify.types import BackendAnswer, Example, one_hot
from bot.errors import BackendRejected, BackendUnavailable
from bot.labels import LABELS, Label, parse_label
from bot.urls import redacted_url

log = logging.getLogger(__name__)

JSON_HINT = ('Reply with JSON only, exactly {"label": "<label>"} where <label> is one of: '
             + ", ".join(LABELS) + ".")
LABEL_SCHEMA: dict[str, Any] = {
    "name": "ticket_label",
    "strict": True,
    "schema": {
        "type": "object",
        "properties": {"label": {"type": "string", "enum": list(LABELS)}},
        "required": ["label"],
        "additionalProperties": False,
    },
}
SCHEMA_FORMAT: dict[str, Any] = {"type": "json_schema", "json_schema": LABEL_SCHEMA}
_NO_SCHEMA: set[str] = set()
"""Servers (base URL + model) known to reject json_schema, for this process."""


def forget_schema_support() -> None:
    """Clear the per-process memory of servers without json_schema (for tests)."""
    _NO_SCHEMA.clear()


class OpenAIBackend:
    """Backend ``openai``; see the module docstring."""

    name = "openai"

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        model: str,
        timeout_s: float,
        max_retries: int = 0,
        logprobs: bool = True,
        confidence_without_logprobs: float = 0.5,
    ) -> None:
        self.model = model
        self._client = openai.AsyncOpenAI(api_key=api_key or "unset", base_url=base_url,
                                          timeout=timeout_s, max_retries=max_retries)
        self._server = f"{self._client.base_url}#{model}"
        self._logprobs = logprobs
        self._default_confidence = confidence_without_logprobs

    @property
    def shown_url(self) -> str:
        """The server's URL as it may be printed: without credentials."""
        return redacted_url(str(self._client.base_url))

    @property
    def uses_schema(self) -> bool:
        return self._server not in _NO_SCHEMA

    async def classify(self, text: str, examples: Sequence[Example] = ()) -> BackendAnswer:
        messages = chat_messages(text, examples)
        messages[0] = {"role": "system", "content": messages[0]["content"] + "\n" + JSON_HINT}
        if self.uses_schema:
            try:
                return await self._ask(messages, SCHEMA_FORMAT)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                log.info("openai: %s rejected json_schema (%s); trying json_object",
                         self.shown_url, exc.status_code)
                answer = await self._ask(messages, {"type": "json_object"})
                _NO_SCHEMA.add(self._server)
                return answer
        return await self._ask(messages, {"type": "json_object"})

    async def health(self) -> str:
        answer = await self.classify("health check: the office printer shows an error")
        mode = "json_schema" if self.uses_schema else "json_object"
        return f"{self.model} at {self.shown_url} answered {answer.label} ({mode})"

    def start(self) -> None:
        """Nothing to prepare: the server is reached on the first call."""

    async def aclose(self) -> None:
        await self._client.close()

    async def _ask(
        self, messages: list[dict[str, str]], response_format: dict[str, Any]
    ) -> BackendAnswer:
        try:
            completion = await self._client.chat.completions.create(
                model=self.model,
                messages=cast(Any, messages),
                response_format=cast(Any, response_format),
                temperature=0,
                max_tokens=20,
                logprobs=True if self._logprobs else omit,
                top_logprobs=5 if self._logprobs else omit,
            )
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            if response_format["type"] == "json_schema":
                raise  # classify() asks again with json_object
            raise to_classification_error(exc) from None
        except openai.OpenAIError as exc:
            raise to_classification_error(exc) from None
        except ValueError:  # the client raises JSONDecodeError for a garbled body
            raise BackendUnavailable("server sent a malformed body", backend=self.name) from None
        return self._answer(completion)

    def _answer(self, completion: Any) -> BackendAnswer:
        if not getattr(completion, "choices", None):
            raise BackendRejected("answer has no choices", backend=self.name)
        choice = completion.choices[0]
        content = choice.message.content or ""
        label = _parse_answer(content)
        tokens = choice.logprobs.content if choice.logprobs and choice.logprobs.content else []
        probabilities = label_probabilities(content, tokens, label) if tokens else None
        if probabilities is None:
            default = self._default_confidence
            return BackendAnswer(label, default, one_hot(label, default))
        return BackendAnswer(label, probabilities[label], probabilities)


def _parse_answer(content: str) -> Label:
    try:
        data = json.loads(content)
    except json.JSONDecodeError:
        raise BackendRejected(f"answer is not JSON: {content[:80]!r}", backend="openai") from None
    value = data.get("label") if isinstance(data, dict) else None
    label = parse_label(value) if isinstance(value, str) else None
    if label is None:
        raise BackendRejected(f"answer names no known label: {content[:80]!r}", backend="openai")
    return label
