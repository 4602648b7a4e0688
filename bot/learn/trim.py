"""Give memory freed by a refit back to the operating system (glibc's ``malloc_trim``).

A refit allocates and frees a few hundred MB of temporary arrays. glibc keeps freed memory for
reuse (and raises its threshold for using fresh mappings after the first large frees), so the
process's resident size would stay at the refit's peak while idle. ``malloc_trim(0)`` returns
the free pages; it takes milliseconds. Elsewhere than glibc (macOS, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable
from functools import cache

log = logging.getLogger(__name__)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """True when the C library was asked to return free memory."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
