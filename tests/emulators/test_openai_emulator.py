"""The OpenAI-compatible emulator's benchmark modes: a set latency, one answer at a time."""

from __future__ import annotations

import asyncio
import time

import openai

from emulators.openai import OpenAIEmulator


async def ask(emulator: OpenAIEmulator, text: str) -> str:
    client = openai.AsyncOpenAI(base_url=emulator.url, api_key=emulator.api_key, max_retries=0)
    reply = await client.chat.completions.create(
        model=emulator.model, messages=[{"role": "user", "content": text}]
    )
    await client.close()
    return reply.choices[0].message.content or ""


async def test_serial_answers_queue_behind_each_other() -> None:
    async with OpenAIEmulator(latency_s=0.2, serial=True) as emulator:
        started = time.monotonic()
        answers = await asyncio.gather(ask(emulator, "printer broken"), ask(emulator, "down"))
        elapsed = time.monotonic() - started
    assert answers == ['{"label": "Bug"}', '{"label": "Incident"}']
    assert elapsed >= 0.4


async def test_concurrent_answers_overlap() -> None:
    async with OpenAIEmulator(latency_s=0.3) as emulator:
        started = time.monotonic()
        await asyncio.gather(*(ask(emulator, "hello") for _ in range(3)))
        assert time.monotonic() - started < 0.9
    assert len(emulator.chat_requests) == 3


async def test_env_points_a_bot_at_it_alone() -> None:
    async with OpenAIEmulator() as emulator:
        assert emulator.env() == {
            "LLM_BACKENDS": "openai",
            "OPENAI_BASE_URL": emulator.url,
            "OPENAI_API_KEY": emulator.api_key,
            "OPENAI_MODEL": emulator.model,
        }
