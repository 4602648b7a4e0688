"""glibc's allocator, kept from holding memory the bot no longer uses.

- ``limit_arenas``, at start-up: glibc gives each thread that allocates its own arena (up to
  8 per core), and each keeps what was freed in it. The bot's worker threads (Jira, the model,
  the sentence encoder) then hold tens of MB each once the tickets have passed: ``make bench``
  measured the RSS over 1,000 tickets growing +18.4 % with the default, +7.6 % with two arenas.
  ``MALLOC_ARENA_MAX`` in the environment, if set, is left to rule.
- ``release_free_memory``, after a refit: a refit allocates and frees a few hundred MB of
  temporary arrays. glibc keeps freed memory for reuse (and raises its threshold for using
  fresh mappings after the first large frees), so the process's resident size would stay at
  the refit's peak while idle. ``malloc_trim(0)`` returns the free pages in milliseconds.

Elsewhere than glibc (macOS, musl) both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Callable
from functools import cache

ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter number (glibc's malloc.h)


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas (call before threads start); True when it was done."""
    libc = _libc()
    if libc is None or os.environ.get("MALLOC_ARENA_MAX") or not hasattr(libc, "mallopt"):
        return False
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
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
