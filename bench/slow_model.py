"""An OpenAI-compatible model server whose speed the benchmark sets.

``latency_s`` is how long each answer takes; ``serial=True`` answers one request at a time,
as a single llama.cpp or KoboldCpp instance does (so a burst queues behind it). The label is
picked by keywords, instantly: what is measured is the waiting, not a model's accuracy.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from typing import Any

from aiohttp import web

API_KEY = "sk-bench"
MODEL = "bench-model"
_KEYWORDS = (
    (("down", "outage", "cannot log in"), "Incident"),
    (("crash", "error", "broken"), "Bug"),
    (("please add", "would be nice"), "Feature Request"),
    (("how do", "?"), "Question"),
)


def pick_label(text: str) -> str:
    lowered = text.lower()
    for words, label in _KEYWORDS:
        if any(word in lowered for word in words):
            return label
    return "Task"


class SlowModel:
    """``async with SlowModel(latency_s=1.0, serial=True) as model:`` then ``model.url``."""

    def __init__(self, *, latency_s: float = 0.0, serial: bool = False) -> None:
        self.latency_s = latency_s
        self.serial = serial
        self.answered = 0
        self.url = ""
        self._turn = asyncio.Lock()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> SlowModel:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/v1"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner.cleanup()

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": MODEL, "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not self.serial:
            return await self._answer(body)
        async with self._turn:
            return await self._answer(body)

    async def _answer(self, body: dict[str, Any]) -> web.Response:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        self.answered += 1
        ticket = str(body["messages"][-1].get("content", ""))
        content = json.dumps({"label": pick_label(ticket)})
        message = {"role": "assistant", "content": content, "refusal": None}
        return web.json_response({
            "id": f"chatcmpl-bench{next(self._ids)}", "object": "chat.completion",
            "created": int(time.time()), "model": MODEL,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": message}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })
