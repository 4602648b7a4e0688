"""What a `ticketbot doctor` check is: each part exposes async functions of this shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the doctor table. ``warning`` marks a pass that an operator should read."""

    name: str
    ok: bool
    detail: str = ""
    warning: bool = False


CheckFunction = Callable[[Settings], Awaitable[list[Check]]]
