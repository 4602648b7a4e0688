from __future__ import annotations

import pytest

from bot.classify.registry import REGISTRY, build_chain
from bot.errors import ConfigError
from bot.settings import ClassifierSettings


async def test_chain_follows_the_configured_order() -> None:
    settings = ClassifierSettings.model_validate({
        "backends": "kobold,openai,llama", "default_label": "Question", "max_attempts": 2,
        "openai": {"api_key": "sk-abc", "base_url": "http://127.0.0.1:9/v1"},
        "kobold": {"api_url": "http://127.0.0.1:9/api/"},
    })
    chain = build_chain(settings)
    assert [b.name for b in chain.backends] == ["kobold", "openai", "llama"]
    assert chain.default_label == "Question" and chain.retry.max_attempts == 2
    await chain.aclose()


def test_registry_names_match_the_settings_contract() -> None:
    assert set(REGISTRY) == {"llama", "openai", "kobold"}


def test_missing_connection_settings_name_the_variable() -> None:
    with pytest.raises(ConfigError, match="KOBOLDCPP_API_URL"):
        build_chain(ClassifierSettings(backends=["kobold"]))
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_chain(ClassifierSettings(backends=["openai"]))
