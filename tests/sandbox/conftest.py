from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from emulators.openai import OpenAIEmulator


@pytest.fixture
async def llm() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator() as emulator:
        yield emulator


@pytest.fixture
def user_env(llm: OpenAIEmulator) -> dict[str, str]:
    """A user's environment choosing the OpenAI emulator as the classifier (fast, scripted)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LLM_BACKENDS": "openai",
        "OPENAI_BASE_URL": llm.url,
        "OPENAI_API_KEY": llm.api_key,
        "OPENAI_MODEL": llm.model,
    }
