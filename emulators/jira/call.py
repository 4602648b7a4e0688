"""One request as the resources see it: version, path, query, JSON body and route match."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .model import RecordedRequest


@dataclass
class Call:
    request: web.Request
    version: str
    path: str
    params: dict[str, list[str]]
    body: Any
    match: re.Match[str]
    record: RecordedRequest = field(repr=False, default=None)  # type: ignore[assignment]

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[0] if values else default

    def listed(self, name: str) -> list[str]:
        return [part for value in self.params.get(name, []) for part in value.split(",") if part]


Handler = Callable[[Call], Awaitable[web.StreamResponse]]
