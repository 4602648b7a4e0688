"""glibc's allocator settings (``bot.malloc``): the arena cap at start-up, and trimming."""

from __future__ import annotations

import platform

import pytest

from bot import malloc

GLIBC = platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="glibc only")
def test_the_arenas_are_capped_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert malloc.limit_arenas() is True
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert malloc.limit_arenas() is False  # the operator's choice stands


@pytest.mark.skipif(not GLIBC, reason="glibc only")
def test_free_memory_is_given_back() -> None:
    assert malloc.release_free_memory() is True


def test_without_a_c_library_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(malloc, "_libc", lambda: None)
    malloc._malloc_trim.cache_clear()
    try:
        assert malloc.limit_arenas() is False
        assert malloc.release_free_memory() is False
    finally:
        malloc._malloc_trim.cache_clear()
