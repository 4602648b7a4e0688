"""Fixtures: a Jira emulator per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulators.jira import JiraEmulator


@pytest.fixture
async def jira() -> AsyncIterator[JiraEmulator]:
    async with JiraEmulator() as emulator:
        yield emulator
