"""Percentiles (nearest rank) that stay honest when some samples never arrived."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], p: float, *, total: int | None = None) -> float | None:
    """The nearest-rank ``p``th percentile of ``total`` samples of which ``values`` arrived.

    Samples that never arrived rank above every value; when the rank falls among them the
    answer is None, meaning "more than the longest wait".
    """
    count = len(values) if total is None else total
    if count == 0:
        return None
    rank = max(1, math.ceil(p / 100 * count))
    ordered = sorted(values)
    return ordered[rank - 1] if rank <= len(ordered) else None


def summary(values: Sequence[float], total: int | None = None) -> dict[str, float | None]:
    count = len(values) if total is None else total
    result = {f"p{p}": percentile(values, p, total=count) for p in PERCENTILES}
    result["max"] = max(values) if values and len(values) == count else None
    return result


def median_of(values: Sequence[float | None]) -> float | None:
    """Median of runs; None (never arrived) counts as larger than any number."""
    if not values:
        return None
    middle = statistics.median(math.inf if v is None else v for v in values)
    return None if math.isinf(middle) else middle
