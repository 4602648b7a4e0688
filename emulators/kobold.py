"""A KoboldCpp server for tests: the native API as in PROTOCOLS.md §5.

``POST /api/v1/generate`` (and ``/api/latest/generate``) honours a GBNF ``grammar`` made of
string alternatives (``root ::= "A" | "B"``): the answer is always one of them, chosen by a
scripted ``rule``. Without a grammar it answers free text. Also ``GET /api/v1/model``,
``/api/v1/info/version``, ``/api/extra/version``, ``/v1/models``; 401 / 503 / 500 bodies as
KoboldCpp sends them; ``password`` turns on Bearer auth; ``stop()`` takes the server down::

    async with KoboldEmulator(rule=lambda prompt, options: options[1]) as kobold:
        kobold.fail_next("busy")                # also "bad_input", "hang", "garbage"
        url = kobold.url                        # http://127.0.0.1:PORT/api
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from emulators.openai import RecordedRequest

Rule = Callable[[str, Sequence[str]], str]
_ALTERNATIVE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_GRAMMAR = re.compile(r"^\s*root\s*::=\s*(.+?)\s*$", re.DOTALL)


def parse_alternatives(grammar: str) -> list[str]:
    """The string alternatives of a one-rule GBNF grammar ``root ::= "a" | "b"``."""
    match = _GRAMMAR.match(grammar)
    if match is None:
        raise ValueError("grammar must be one rule: root ::= \"a\" | \"b\" ...")
    parts = [part.strip() for part in match.group(1).split("|")]
    options = []
    for part in parts:
        literal = _ALTERNATIVE.fullmatch(part)
        if literal is None:
            raise ValueError(f"unsupported grammar element {part!r}")
        options.append(json.loads(f'"{literal.group(1)}"'))
    return options


def ticket_of(prompt: str) -> str:
    """The last ``<ticket>`` block of a prompt (what the scripted rule looks at)."""
    start = prompt.rfind("<ticket>")
    end = prompt.rfind("</ticket>")
    return prompt[start + 8:end] if 0 <= start < end else prompt


def keyword_rule(prompt: str, options: Sequence[str]) -> str:
    """The option named in the ticket, else one picked by keywords, else the first."""
    ticket = ticket_of(prompt).lower()
    for option in options:
        if option.lower() in ticket:
            return option
    for word, option in (("down", "Incident"), ("crash", "Bug"), ("?", "Question"),
                         ("please add", "Feature Request")):
        if word in ticket and option in options:
            return option
    return options[0]


@dataclass
class KoboldEmulator:
    model: str = "SmolLM2-emu"
    rule: Rule = keyword_rule
    free_text: str = "I think this ticket is a Bug because it crashes."
    password: str | None = None
    logprobs: bool = True
    label_prob: float = 0.8
    version: str = "1.102"
    hang_s: float = 30.0
    requests: list[RecordedRequest] = field(default_factory=list)
    url: str = ""
    port: int = 0
    _faults: deque[str] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def fail_next(self, kind: str, *, times: int = 1) -> None:
        """Fail the next ``times`` generate calls: busy (503), bad_input (500), hang, garbage."""
        self._faults.extend([kind] * times)

    @property
    def generate_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/generate")]

    async def __aenter__(self) -> KoboldEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Serve on 127.0.0.1 (a free port the first time, the same port after ``stop()``)."""
        self._release = asyncio.Event()
        app = web.Application()
        for path in ("/api/v1/generate", "/api/latest/generate"):
            app.router.add_post(path, self._generate)
        app.router.add_get("/api/v1/model", self._model)
        app.router.add_get("/api/v1/info/version", self._info_version)
        app.router.add_get("/api/extra/version", self._extra_version)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{self.port}/api"

    async def stop(self) -> None:
        """Take the server down (the URL then refuses connections)."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _authorised(self, request: web.Request) -> bool:
        return self.password is None or (
            request.headers.get("Authorization") == f"Bearer {self.password}")

    async def _record(self, request: web.Request, body: Any = None) -> None:
        self.requests.append(RecordedRequest(request.method, request.path,
                                             request.headers.get("Authorization"), body))

    async def _generate(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        await self._record(request, body)
        if not self._authorised(request):
            return _detail(401, "Authentication key is missing or invalid.", "unauthorized",
                           error="Unauthorized")
        if self._faults:
            return await self._fault(self._faults.popleft())
        if not isinstance(body, dict):
            return _detail(500, "Error parsing input.", "bad_input")
        try:
            text, logprobs = self._answer(body)
        except ValueError as exc:
            return _detail(500, f"Error parsing grammar: {exc}", "bad_input")
        result = {"text": text, "tool_calls": [], "finish_reason": "stop", "logprobs": logprobs,
                  "prompt_tokens": len(str(body.get("prompt", ""))) // 4,
                  "completion_tokens": max(len(text) // 4, 1)}
        return web.json_response({"results": [result]}, headers=_SERVER)

    async def _fault(self, kind: str) -> web.Response:
        if kind == "busy":
            return _detail(503, "Server is busy; please try again later.", "service_unavailable")
        if kind == "bad_input":
            return _detail(500, "Error parsing input.", "bad_input")
        if kind == "garbage":
            return web.Response(status=200, text="<html>proxy error</html>",
                                content_type="text/html")
        if kind == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), self.hang_s)
            return _detail(503, "Server is busy; please try again later.", "service_unavailable")
        raise ValueError(f"unknown fault {kind!r}")

    def _answer(self, body: dict[str, Any]) -> tuple[str, Any]:
        prompt = str(body.get("prompt", ""))
        grammar = body.get("grammar")
        if not grammar:
            return self._stop(self.free_text, body), None
        options = parse_alternatives(str(grammar))
        choice = self.rule(prompt, options)
        if choice not in options:
            raise ValueError(f"rule chose {choice!r}, outside the grammar")
        want = bool(body.get("logprobs")) and self.logprobs
        return choice, (self._logprobs(choice, options) if want else None)

    def _stop(self, text: str, body: dict[str, Any]) -> str:
        for stop in body.get("stop_sequence") or []:
            index = text.find(stop)
            if index >= 0:
                text = text[:index] if body.get("trim_stop", True) else text[:index + len(stop)]
        words = text.split(" ")
        return " ".join(words[: int(body.get("max_length", 180))])

    def _logprobs(self, choice: str, options: Sequence[str]) -> dict[str, Any]:
        others = [o for o in options if o != choice]
        share = (1.0 - self.label_prob) / max(len(others), 1)
        first = choice.split(" ")[0]
        top = [{"token": first, "logprob": math.log(self.label_prob)}]
        top += [{"token": o.split(" ")[0], "logprob": math.log(share)} for o in others][:4]
        content = [{"token": first, "logprob": top[0]["logprob"], "bytes": None,
                    "top_logprobs": top}]
        content += [{"token": " " + w, "logprob": 0.0, "bytes": None, "top_logprobs": []}
                    for w in choice.split(" ")[1:]]
        return {"content": content, "tokens": [c["token"] for c in content],
                "token_logprobs": [c["logprob"] for c in content]}

    async def _model(self, request: web.Request) -> web.Response:
        await self._record(request)
        name = self.model if self._authorised(request) else "protected-model"
        return web.json_response({"result": f"koboldcpp/{name}"}, headers=_SERVER)

    async def _info_version(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.json_response({"result": "1.2.5"}, headers=_SERVER)

    async def _extra_version(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.json_response({"result": "KoboldCpp", "version": self.version,
                                  "protected": self.password is not None, "txt2img": False,
                                  "vision": False, "transcribe": False}, headers=_SERVER)

    async def _models(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.json_response({"object": "list", "data": [
            {"id": f"koboldcpp/{self.model}", "object": "model", "created": 1700000000,
             "owned_by": "koboldcpp", "permission": [], "root": "koboldcpp"}]}, headers=_SERVER)


_SERVER = {"Server": "KoboldCppServer", "Access-Control-Allow-Origin": "*"}


def _detail(status: int, msg: str, kind: str, *, error: str | None = None) -> web.Response:
    detail: dict[str, str] = {"msg": msg, "type": kind}
    if error:
        detail = {"error": error, **detail}
    return web.json_response({"detail": detail}, status=status, headers=_SERVER)
