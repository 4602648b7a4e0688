"""The openai backend driven through the real ``openai`` client against the local emulator."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest

from bot.classify.chain import ClassifierChain
from bot.classify.openai_backend import OpenAIBackend
from bot.classify.retry import BackendRetry
from bot.errors import BackendRejected, BackendUnavailable
from bot.labels import LABELS
from emulators.openai import OpenAIEmulator


@pytest.fixture
async def emu() -> AsyncIterator[OpenAIEmulator]:
    async with OpenAIEmulator(rule=lambda text: "Bug", hang_s=5) as server:
        yield server


def _backend(emu: OpenAIEmulator, *, key: str | None = None, timeout_s: float = 5.0,
             logprobs: bool = True) -> OpenAIBackend:
    return OpenAIBackend(api_key=key or emu.api_key, base_url=emu.url, model="emu-model",
                         timeout_s=timeout_s, logprobs=logprobs)


async def test_json_schema_path_with_logprobs(emu: OpenAIEmulator) -> None:
    backend = _backend(emu)
    answer = await backend.classify("the app crashes on save")
    assert answer.label == "Bug"
    assert answer.confidence == pytest.approx(0.7)
    assert math.isclose(sum(answer.probabilities.values()), 1.0)
    body = emu.chat_requests[-1].body
    assert body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["label"]["enum"] == list(LABELS)
    assert body["logprobs"] is True and body["top_logprobs"] == 5
    assert emu.chat_requests[-1].authorization == f"Bearer {emu.api_key}"
    await backend.aclose()


async def test_without_logprobs_confidence_is_the_default(emu: OpenAIEmulator) -> None:
    emu.logprobs = False
    backend = _backend(emu)
    answer = await backend.classify("x")
    assert answer.label == "Bug"
    assert answer.confidence == 0.5
    assert math.isclose(sum(answer.probabilities.values()), 1.0)
    await backend.aclose()


async def test_no_schema_server_falls_back_to_json_object(emu: OpenAIEmulator) -> None:
    emu.schema_support = False
    backend = _backend(emu)
    assert (await backend.classify("first")).label == "Bug"
    kinds = [r.body["response_format"]["type"] for r in emu.chat_requests]
    assert kinds == ["json_schema", "json_object"]
    assert not backend.uses_schema
    other = _backend(emu)  # same server, same process: no second json_schema attempt
    assert (await other.classify("second")).label == "Bug"
    assert [r.body["response_format"]["type"] for r in emu.chat_requests][2:] == ["json_object"]
    await backend.aclose()
    await other.aclose()


async def test_json_object_answer_is_validated(emu: OpenAIEmulator) -> None:
    emu.schema_support = False
    emu.rule = lambda text: "Outage"  # not a label: a schema-less server may say anything
    backend = _backend(emu)
    with pytest.raises(BackendRejected, match="no known label"):
        await backend.classify("x")
    await backend.aclose()


async def test_wrong_key_is_terminal(emu: OpenAIEmulator) -> None:
    backend = _backend(emu, key="sk-wrong")
    with pytest.raises(BackendRejected, match="401"):
        await backend.classify("x")
    await backend.aclose()


async def test_rate_limit_carries_retry_after(emu: OpenAIEmulator) -> None:
    emu.fail_next("429", retry_after=7)
    backend = _backend(emu)
    with pytest.raises(BackendUnavailable) as caught:
        await backend.classify("x")
    assert caught.value.retry_after == 7
    assert len(emu.chat_requests) == 1  # the client itself does not retry
    await backend.aclose()


@pytest.mark.parametrize("kind", ["500", "malformed"])
async def test_server_errors_are_transient(emu: OpenAIEmulator, kind: str) -> None:
    emu.fail_next(kind)
    backend = _backend(emu)
    with pytest.raises(BackendUnavailable):
        await backend.classify("x")
    assert (await backend.classify("x")).label == "Bug"
    await backend.aclose()


async def test_hang_times_out_as_transient(emu: OpenAIEmulator) -> None:
    emu.fail_next("hang")
    backend = _backend(emu, timeout_s=0.3)
    with pytest.raises(BackendUnavailable, match="timed out"):
        await backend.classify("x")
    await backend.aclose()


async def test_connection_refused_is_transient() -> None:
    backend = OpenAIBackend(api_key="sk-x", base_url="http://127.0.0.1:9/v1", model="m",
                            timeout_s=2)
    with pytest.raises(BackendUnavailable, match="connect"):
        await backend.classify("x")
    await backend.aclose()


async def test_chain_retries_429_honouring_retry_after(emu: OpenAIEmulator) -> None:
    emu.fail_next("429", retry_after=2)
    emu.fail_next("500")
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    chain = ClassifierChain([_backend(emu)], default_label="Task", timeout_s=5,
                            retry=BackendRetry(max_attempts=3, initial_s=0.1, jitter_s=0.0),
                            sleep=sleep)
    result = await chain.classify("crash")
    assert (result.label, result.backend) == ("Bug", "openai")
    assert chain.calls["openai"] == 3 and chain.retries["openai"] == 2
    assert slept[0] >= 2.0 and slept[1] < 2.0
    await chain.aclose()


async def test_health_says_which_mode(emu: OpenAIEmulator) -> None:
    backend = _backend(emu)
    assert "json_schema" in await backend.health()
    await backend.aclose()
