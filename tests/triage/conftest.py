from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The use cases are database-agnostic; the repository tests cover PostgreSQL."""
    return f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
