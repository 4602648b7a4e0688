"""Credentials inside OPENAI_BASE_URL / KOBOLDCPP_API_URL never reach doctor rows or errors."""

from __future__ import annotations

import pytest

from bot.classify.health import check_backends
from bot.classify.kobold_backend import KoboldBackend
from bot.classify.openai_backend import OpenAIBackend
from bot.errors import BackendUnavailable
from bot.settings import Settings
from emulators.kobold import KoboldEmulator
from emulators.openai import OpenAIEmulator

PASSWORD = "url-pass-31337"


def with_credentials(url: str) -> str:
    return url.replace("http://", f"http://proxyuser:{PASSWORD}@", 1)


async def test_doctor_rows_show_the_servers_without_their_credentials() -> None:
    async with OpenAIEmulator() as emu, KoboldEmulator() as kobold:
        settings = Settings.model_validate({"classifier": {
            "backends": "openai,kobold",
            "openai": {"api_key": emu.api_key, "base_url": with_credentials(emu.url),
                       "model": "emu-model"},
            "kobold": {"api_url": with_credentials(kobold.url)},
        }})
        checks = await check_backends(settings)
    shown = " ".join(check.detail for check in checks)
    assert PASSWORD not in shown
    assert "proxyuser:***@127.0.0.1" in checks[1].detail and checks[1].ok


async def test_kobold_errors_name_the_server_without_its_credentials() -> None:
    backend = KoboldBackend(api_url=with_credentials("http://127.0.0.1:9/api"), timeout_s=2)
    with pytest.raises(BackendUnavailable) as caught:
        await backend.classify("x")
    await backend.aclose()
    assert PASSWORD not in str(caught.value)
    assert "proxyuser:***@127.0.0.1:9/api" in str(caught.value)


def test_openai_shows_its_server_without_credentials() -> None:
    backend = OpenAIBackend(api_key="sk-x", base_url=with_credentials("http://127.0.0.1:9/v1"),
                            model="m", timeout_s=2)
    assert PASSWORD not in backend.shown_url and "proxyuser:***@127.0.0.1:9/v1" in backend.shown_url
