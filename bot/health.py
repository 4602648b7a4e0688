"""What a `ticketbot doctor` check is: each part exposes async functions of this shape."""

from __future__ import annotations

import stat
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot import messages
from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the doctor table. ``warning`` marks a pass that an operator should read."""

    name: str
    ok: bool
    detail: str = ""
    warning: bool = False


CheckFunction = Callable[[Settings], Awaitable[list[Check]]]


def privacy_check(name: str, paths: Sequence[Path]) -> Check | None:
    """A row for files only their owner should open (``.env``, the SQLite ticket log): WARN
    naming those its group or others may read or write; None when none of them exists."""
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in paths if path.exists()}
    if not modes:
        return None
    loose = {path: mode for path, mode in modes.items() if mode & 0o077}
    if not loose:
        return Check(name, True, messages.FILES_PRIVATE.format(path=next(iter(modes))))
    files = ", ".join(f"{path} (mode {mode:04o})" for path, mode in loose.items())
    fix = " ".join(str(path) for path in loose)
    return Check(name, True, messages.FILES_OPEN.format(files=files, paths=fix), warning=True)
