"""Run options shared by every scenario."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    #: A short smoke run: fewer tickets and runs; its figures are not the published ones.
    quick: bool
    #: Scratch space for the apps' working directories and SQLite files.
    scratch: Path
    #: Where results are written and earlier ones found (see bench.paths).
    results: Path
    #: Re-run the classification benchmark even when its JSON exists.
    fresh_classify: bool = False
    #: The labelled data (``--data``); None: ``$TICKETBOT_BENCH_DATA``.
    data: Path | None = None

    def workdir(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.scratch))


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)
