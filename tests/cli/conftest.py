from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli.doctor import check_settings
from bot.db.health import check_database


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # Slack, Jira and model checks are exercised against the emulators in tests/e2e.
    monkeypatch.setattr("bot.cli.doctor.CHECKS", (check_settings, check_database))
    return CliRunner()
