from __future__ import annotations

from pathlib import Path

from bot.classify.health import check_backends
from bot.settings import Settings
from emulators.kobold import KoboldEmulator
from emulators.openai import OpenAIEmulator


def _settings(**classifier: object) -> Settings:
    return Settings.model_validate({"classifier": classifier})


async def test_one_check_per_backend(tmp_path: Path) -> None:
    async with OpenAIEmulator() as emu, KoboldEmulator() as kobold:
        settings = _settings(
            backends="llama,openai,kobold",
            llama={"model_path": str(tmp_path / "missing.gguf")},
            openai={"api_key": emu.api_key, "base_url": emu.url, "model": "emu-model"},
            kobold={"api_url": kobold.url},
        )
        checks = await check_backends(settings)
    assert [c.name for c in checks] == ["classifier backend llama", "classifier backend openai",
                                        "classifier backend kobold"]
    assert [c.ok for c in checks] == [False, True, True]
    assert "does not exist" in checks[0].detail
    assert "SmolLM2-emu" in checks[2].detail


async def test_wrong_key_and_missing_url_fail() -> None:
    async with OpenAIEmulator() as emu:
        settings = _settings(backends="openai,kobold",
                             openai={"api_key": "sk-wrong", "base_url": emu.url})
        checks = await check_backends(settings)
    assert not checks[0].ok and "401" in checks[0].detail
    assert "sk-wrong" not in checks[0].detail
    assert not checks[1].ok and "KOBOLDCPP_API_URL" in checks[1].detail
