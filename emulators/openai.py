"""An OpenAI-compatible chat completions server, driven by the real ``openai`` package.

Speaks ``POST /v1/chat/completions`` and ``GET /v1/models`` as in PROTOCOLS.md §7: Bearer auth
(401 with an ``error`` object for a wrong key), ``response_format`` json_schema / json_object
(``schema_support=False`` answers json_schema with the 400 a schema-less server gives), optional
logprobs with ``top_logprobs`` alternatives, and scripted faults for the next requests::

    async with OpenAIEmulator(rule=lambda text: "Bug") as emu:
        emu.fail_next("429", retry_after=1)     # also "500", "malformed", "hang", "400"
        client = openai.AsyncOpenAI(base_url=emu.url, api_key=emu.api_key)

Its speed is set for the benchmark: ``latency_s`` is how long each answer takes, and
``serial=True`` answers one request at a time, as a single llama.cpp or KoboldCpp instance does
(so a burst queues behind it). The label comes from ``rule`` at once (keywords by default):
what a benchmark measures is the waiting, not a model's accuracy.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

LABELS = ("Task", "Bug", "Incident", "Feature Request", "Question")
Rule = Callable[[str], str]


def keyword_rule(text: str) -> str:
    """A scripted 'model': picks a label from words in the ticket."""
    lowered = text.lower()
    for words, label in (
        (("down", "outage", "cannot log in", "urgent"), "Incident"),
        (("crash", "error", "exception", "broken"), "Bug"),
        (("please add", "feature", "would be nice", "support for"), "Feature Request"),
        (("how do", "how can", "?", "what is"), "Question"),
    ):
        if any(word in lowered for word in words):
            return label
    return "Task"


@dataclass
class Fault:
    kind: str
    retry_after: float | None = None


@dataclass
class RecordedRequest:
    """A request as a model fake received it (the KoboldCPP fake records the same)."""

    method: str
    path: str
    authorization: str | None
    body: Any


@dataclass
class OpenAIEmulator:
    api_key: str = "sk-test-emulator"
    model: str = "emu-model"
    rule: Rule = keyword_rule
    schema_support: bool = True
    logprobs: bool = True
    label_prob: float = 0.7
    hang_s: float = 30.0
    latency_s: float = 0.0
    serial: bool = False
    requests: list[RecordedRequest] = field(default_factory=list)
    url: str = ""
    _faults: deque[Fault] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, kind: str, *, times: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``times`` chat requests with a fault: 429, 500, 400, malformed, hang."""
        self._faults.extend(Fault(kind, retry_after) for _ in range(times))

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def env(self) -> dict[str, str]:
        """The environment that makes a bot subprocess classify with this server only."""
        return {
            "LLM_BACKENDS": "openai",
            "OPENAI_BASE_URL": self.url,
            "OPENAI_API_KEY": self.api_key,
            "OPENAI_MODEL": self.model,
        }

    async def __aenter__(self) -> OpenAIEmulator:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, request: web.Request) -> tuple[RecordedRequest, web.Response | None]:
        try:
            body = await request.json() if request.can_read_body else None
        except json.JSONDecodeError:
            body = None
        record = RecordedRequest(request.method, request.path,
                                 request.headers.get("Authorization"), body)
        self.requests.append(record)
        if record.authorization != f"Bearer {self.api_key}":
            return record, _error(401, "Incorrect API key provided.", "invalid_request_error",
                                  code="invalid_api_key")
        return record, None

    async def _models(self, request: web.Request) -> web.Response:
        _, denied = await self._record(request)
        if denied is not None:
            return denied
        return web.json_response({"object": "list", "data": [
            {"id": self.model, "object": "model", "created": 1700000000, "owned_by": "emulator"}]})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        record, denied = await self._record(request)
        if denied is not None:
            return denied
        if not self.serial:
            return await self._answer(record)
        async with self._turn:
            return await self._answer(record)

    async def _answer(self, record: RecordedRequest) -> web.StreamResponse:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        if self._faults:
            return await self._fault(self._faults.popleft())
        body = record.body if isinstance(record.body, dict) else {}
        problem = self._validate(body)
        if problem is not None:
            return problem
        return web.json_response(self._completion(body))

    async def _fault(self, fault: Fault) -> web.StreamResponse:
        if fault.kind == "429":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
            return _error(429, "Rate limit reached for requests", "requests",
                          code="rate_limit_exceeded", headers=headers)
        if fault.kind == "500":
            return _error(500, "The server had an error while processing your request.",
                          "server_error")
        if fault.kind == "400":
            return _error(400, "Invalid request.", "invalid_request_error")
        if fault.kind == "malformed":
            return web.Response(status=200, text='{"id": "chatcmpl-broken", "choices": [',
                                content_type="application/json")
        if fault.kind == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), self.hang_s)
            return _error(504, "Gateway timeout", "server_error")
        raise ValueError(f"unknown fault {fault.kind!r}")

    def _validate(self, body: dict[str, Any]) -> web.Response | None:
        if not isinstance(body.get("messages"), list) or not body.get("model"):
            return _error(400, "messages and model are required", "invalid_request_error")
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema" and not self.schema_support:
            return _error(400, "Invalid parameter: 'response_format' of type 'json_schema' is "
                          "not supported with this model.", "invalid_request_error",
                          param="response_format")
        if fmt.get("type") == "json_object" and "json" not in json.dumps(body["messages"]).lower():
            return _error(400, "'messages' must contain the word 'json' in some form, to use "
                          "'response_format' of type 'json_object'.", "invalid_request_error")
        return None

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        ticket = str(body["messages"][-1].get("content", ""))
        label = self.rule(ticket)
        content = json.dumps({"label": label})
        choice: dict[str, Any] = {"index": 0, "finish_reason": "stop", "logprobs": None,
                                  "message": {"role": "assistant", "content": content,
                                              "refusal": None}}
        if body.get("logprobs") and self.logprobs:
            choice["logprobs"] = {"content": self._logprobs(label, body.get("top_logprobs") or 0),
                                  "refusal": None}
        return {"id": f"chatcmpl-emu{next(self._ids)}", "object": "chat.completion",
                "created": int(time.time()), "model": self.model, "choices": [choice],
                "usage": {"prompt_tokens": len(ticket) // 4, "completion_tokens": 6,
                          "total_tokens": len(ticket) // 4 + 6}}

    def _logprobs(self, label: str, top: int) -> list[dict[str, Any]]:
        first, *rest = label.split(" ")
        tokens = ['{"', "label", '":', ' "', first, *(" " + word for word in rest), '"}']
        entries = []
        for token in tokens:
            alternatives = [(token, 0.0)]
            if token == first:
                alternatives = self._label_alternatives(label)
            entries.append({"token": token, "logprob": alternatives[0][1], "bytes": None,
                            "top_logprobs": [{"token": t, "logprob": lp, "bytes": None}
                                             for t, lp in alternatives[:top]]})
        return entries

    def _label_alternatives(self, label: str) -> list[tuple[str, float]]:
        others = [name for name in LABELS if name != label]
        share = (1.0 - self.label_prob) / len(others)
        chosen = (label.split(" ")[0], math.log(self.label_prob))
        return [chosen, *((name.split(" ")[0], math.log(share)) for name in others)]


def _error(status: int, message: str, kind: str, *, code: str | None = None,
           param: str | None = None, headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return web.json_response(body, status=status, headers=headers)
