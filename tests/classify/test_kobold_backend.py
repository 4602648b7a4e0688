"""The kobold backend against the KoboldCpp emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from bot.classify.kobold_backend import LABEL_GRAMMAR, KoboldBackend
from bot.errors import BackendRejected, BackendUnavailable
from bot.labels import LABELS
from emulators.kobold import KoboldEmulator, parse_alternatives


@pytest.fixture
async def kobold() -> AsyncIterator[KoboldEmulator]:
    async with KoboldEmulator(hang_s=5) as server:
        yield server


def _backend(kobold: KoboldEmulator, **kwargs: object) -> KoboldBackend:
    return KoboldBackend(api_url=kobold.url, timeout_s=5, **kwargs)  # type: ignore[arg-type]


def test_grammar_allows_exactly_the_labels() -> None:
    assert parse_alternatives(LABEL_GRAMMAR) == list(LABELS)


async def test_grammar_is_sent_and_honoured(kobold: KoboldEmulator) -> None:
    seen: list[Sequence[str]] = []

    def rule(prompt: str, options: Sequence[str]) -> str:
        seen.append(options)
        return "Feature Request"

    kobold.rule = rule
    backend = _backend(kobold)
    answer = await backend.classify("Please add CSV export")
    assert answer.label == "Feature Request"
    assert answer.confidence == pytest.approx(0.8)
    assert sum(answer.probabilities.values()) == pytest.approx(1.0)
    assert seen == [list(LABELS)]
    body = kobold.generate_requests[-1].body
    assert body["temperature"] <= 0.2 and body["max_length"] <= 16
    assert "<ticket>\nPlease add CSV export\n</ticket>" in body["prompt"]
    assert kobold.generate_requests[-1].path == "/api/v1/generate"
    await backend.aclose()


async def test_without_logprobs_gets_default_confidence(kobold: KoboldEmulator) -> None:
    kobold.logprobs = False
    backend = _backend(kobold)
    answer = await backend.classify("the service is down")
    assert answer.label == "Incident" and answer.confidence == 0.5
    await backend.aclose()


async def test_busy_is_transient_and_bad_input_terminal(kobold: KoboldEmulator) -> None:
    backend = _backend(kobold)
    kobold.fail_next("busy")
    with pytest.raises(BackendUnavailable, match="503"):
        await backend.classify("x")
    kobold.fail_next("bad_input")
    with pytest.raises(BackendRejected, match="bad_input"):
        await backend.classify("x")
    kobold.fail_next("garbage")
    with pytest.raises(BackendUnavailable, match="malformed"):
        await backend.classify("x")
    await backend.aclose()


async def test_hang_is_a_timeout(kobold: KoboldEmulator) -> None:
    kobold.fail_next("hang")
    backend = KoboldBackend(api_url=kobold.url, timeout_s=0.3)
    with pytest.raises(BackendUnavailable, match="no answer"):
        await backend.classify("x")
    await backend.aclose()


async def test_password(kobold: KoboldEmulator) -> None:
    kobold.password = "s3cret"
    wrong = _backend(kobold, password="nope")
    with pytest.raises(BackendRejected, match="401"):
        await wrong.classify("x")
    with pytest.raises(BackendRejected, match="password"):
        await wrong.health()
    right = _backend(kobold, password="s3cret")
    assert (await right.classify("x")).label in LABELS
    await wrong.aclose()
    await right.aclose()


async def test_server_down_is_transient(kobold: KoboldEmulator) -> None:
    backend = _backend(kobold)
    assert "SmolLM2-emu" in await backend.health()
    await kobold.stop()
    with pytest.raises(BackendUnavailable, match="connect"):
        await backend.classify("x")
    await backend.aclose()


async def test_emulator_without_grammar_answers_free_text(kobold: KoboldEmulator) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.post(
        kobold.url + "/v1/generate",
        json={"prompt": "hi", "max_length": 4, "stop_sequence": ["\n"]},
    ) as response:
        body = await response.json()
    assert body["results"][0]["text"] == "I think this ticket"
