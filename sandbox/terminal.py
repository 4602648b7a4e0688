"""Where the sandbox reads commands from and writes its transcript to."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TextIO


class Terminal(Protocol):
    def show(self, line: str) -> None: ...

    async def ask(self, prompt: str) -> str | None:
        """The next line typed after ``prompt``; None at the end of the input."""
        ...


class ScriptTerminal:
    """Reads a script (one command per line, ``#`` comments) and echoes it like a terminal."""

    def __init__(self, lines: Iterable[str], write: Callable[[str], None] = print) -> None:
        self._lines: Iterator[str] = (
            line.rstrip("\n") for line in lines if not line.lstrip().startswith("#")
        )
        self._write = write

    def show(self, line: str) -> None:
        self._write(line)

    async def ask(self, prompt: str) -> str | None:
        line = next(self._lines, None)
        if line is not None:
            self._write(f"{prompt}{line}".rstrip())
        return line


class InteractiveTerminal:
    """Reads stdin on a daemon thread, so a waiting prompt never blocks shutdown."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None

    def show(self, line: str) -> None:
        print(line, file=self._stdout, flush=True)

    async def ask(self, prompt: str) -> str | None:
        self._start(asyncio.get_running_loop())
        print(prompt, end="", file=self._stdout, flush=True)
        self._wanted.set()
        return await self._queue.get()

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._read, args=(loop,), daemon=True)
            self._thread.start()

    def _read(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            line = self._stdin.readline()
            loop.call_soon_threadsafe(self._queue.put_nowait, line.rstrip("\n") if line else None)
            if not line:
                return
