"""The ``kobold`` backend: KoboldCpp's native ``/api/v1/generate``, a GBNF grammar of the labels.

``KOBOLDCPP_API_URL`` is the API root, e.g. ``http://localhost:5001/api``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import aiohttp

from bot.classify.openai_logprobs import label_probabilities
from bot.classify.prompt import plain_prompt
from bot.classify.types import BackendAnswer, Example, one_hot
from bot.errors import BackendRejected, BackendUnavailable, ClassificationError
from bot.labels import LABELS, Label, parse_label
from bot.urls import redacted_url

log = logging.getLogger(__name__)

LABEL_GRAMMAR = "root ::= " + " | ".join(f'"{label}"' for label in LABELS) + "\n"


class KoboldBackend:
    """Backend ``kobold``; see the module docstring."""

    name = "kobold"

    def __init__(
        self,
        *,
        api_url: str,
        timeout_s: float,
        password: str | None = None,
        confidence_without_logprobs: float = 0.5,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._headers = {"Authorization": f"Bearer {password}"} if password else {}
        self._default_confidence = confidence_without_logprobs
        self._session: aiohttp.ClientSession | None = None

    async def classify(self, text: str, examples: Sequence[Example] = ()) -> BackendAnswer:
        body = await self._request("POST", "/v1/generate", json=_generate_body(text, examples))
        results = body.get("results") if isinstance(body, dict) else None
        if not results or not isinstance(results[0], dict):
            raise BackendRejected(f"answer has no results: {str(body)[:80]}", backend=self.name)
        output = str(results[0].get("text", ""))
        label = parse_label(output)
        if label is None:
            raise BackendRejected(f"answer is not a label: {output[:40]!r}", backend=self.name)
        probabilities = _probabilities(output, results[0].get("logprobs"), label)
        if probabilities is None:
            return BackendAnswer(label, self._default_confidence,
                                 one_hot(label, self._default_confidence))
        return BackendAnswer(label, probabilities[label], probabilities)

    async def health(self) -> str:
        body = await self._request("GET", "/v1/model")
        model = str(body.get("result", "")) if isinstance(body, dict) else ""
        if not model or model.endswith("protected-model"):
            raise BackendRejected("server is password-protected and the key is wrong",
                                  backend=self.name)
        return f"{model} at {redacted_url(self.api_url)}"

    def start(self) -> None:
        """Nothing to prepare: the server is reached on the first call."""

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        session = self._session_for_loop()
        url = self.api_url + path
        shown = redacted_url(url)  # errors name the URL, never its credentials
        try:
            async with session.request(method, url, headers=self._headers, **kwargs) as response:
                if response.status >= 400:
                    raise await _status_error(response)
                return await response.json(content_type=None)
        except ClassificationError:
            raise
        except TimeoutError:
            raise BackendUnavailable(f"no answer from {shown}", backend=self.name) from None
        except aiohttp.ClientConnectionError as exc:
            raise BackendUnavailable(f"cannot connect to {shown}: {type(exc).__name__}",
                                     backend=self.name) from None
        except (aiohttp.ContentTypeError, ValueError) as exc:
            raise BackendUnavailable(f"malformed answer from {shown}: {exc}",
                                     backend=self.name) from None

    def _session_for_loop(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session


def _generate_body(text: str, examples: Sequence[Example]) -> dict[str, Any]:
    return {
        "prompt": plain_prompt(text, examples),
        "grammar": LABEL_GRAMMAR,
        "grammar_retain_state": False,
        "max_length": 8,
        "temperature": 0.1,
        "top_k": 1,
        "rep_pen": 1.0,
        "stop_sequence": ["\n"],
        "trim_stop": True,
        "logprobs": True,
    }


async def _status_error(response: aiohttp.ClientResponse) -> ClassificationError:
    text = (await response.text())[:200]
    message = f"HTTP {response.status}: {text}"
    if response.status in (408, 429, 503) or (response.status >= 500 and "bad_input" not in text):
        return BackendUnavailable(message, backend="kobold",
                                  retry_after=_seconds(response.headers.get("Retry-After")))
    return BackendRejected(message, backend="kobold")


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _probabilities(output: str, logprobs: Any, label: Label) -> dict[Label, float] | None:
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list) or not content:
        return None
    try:
        tokens = [_namespace(entry) for entry in content]
    except (AttributeError, KeyError, TypeError):
        return None
    return label_probabilities(output, tokens, label)


def _namespace(entry: dict[str, Any]) -> SimpleNamespace:
    alternatives = [SimpleNamespace(token=a["token"], logprob=a["logprob"])
                    for a in entry.get("top_logprobs") or []]
    return SimpleNamespace(token=entry["token"], logprob=entry["logprob"],
                           top_logprobs=alternatives)
