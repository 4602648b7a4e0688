"""Where the benchmark reads data from and writes results to: never inside the source tree.

- Data (labelled CSVs, for the classification and representation studies): ``--data DIR``,
  else ``$TICKETBOT_BENCH_DATA``. There is no default: the repository never holds the data.
- Results: ``--out FILE``, else a file in ``$TICKETBOT_BENCH_OUT`` (a folder), else in
  ``<system temp dir>/ticketbot-bench/``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

DATA_ENV = "TICKETBOT_BENCH_DATA"
OUT_ENV = "TICKETBOT_BENCH_OUT"
#: The labelled files the classification benchmark reads, and the JSON it writes.
CLASSIFY_DATASETS = ("github_issues.dev.csv", "apache_jira.dev.csv")
CLASSIFY_RESULTS = "classify_results.json"


class DataMissing(Exception):
    """The data folder was not given, or lacks a file; the message says how to give it."""


def data_dir(given: Path | None, needed: Sequence[str]) -> Path:
    """``given`` (``--data``), else ``$TICKETBOT_BENCH_DATA``, checked to hold ``needed``."""
    source = "--data" if given is not None else DATA_ENV
    where = given if given is not None else _env_path(DATA_ENV)
    if where is None:
        raise DataMissing(
            f"no benchmark data: pass --data DIR or set {DATA_ENV}=DIR, where DIR holds "
            f"{', '.join(needed)}"
        )
    missing = [name for name in needed if not (where / name).is_file()]
    if missing:
        raise DataMissing(f"{', '.join(missing)} not found in {where} (from {source})")
    return where


def results_dir() -> Path:
    """``$TICKETBOT_BENCH_OUT``, else ``ticketbot-bench`` in the system temp dir (created)."""
    where = _env_path(OUT_ENV) or Path(tempfile.gettempdir()) / "ticketbot-bench"
    where.mkdir(parents=True, exist_ok=True)
    return where


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None
