"""Backends by name, and ``build_chain`` from ``ClassifierSettings``."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.classify.chain import ClassifierChain
from bot.classify.retry import BackendRetry
from bot.classify.types import Backend
from bot.errors import ConfigError
from bot.settings import ClassifierSettings

log = logging.getLogger(__name__)

Factory = Callable[[ClassifierSettings], Backend]


# Backends are imported only when configured: each pulls in a heavy client library.


def _llama(settings: ClassifierSettings) -> Backend:
    from bot.classify.llama_backend import LlamaBackend

    llama = settings.llama
    return LlamaBackend(
        llama.model_path,
        n_ctx=llama.n_ctx,
        n_threads=llama.n_threads,
        max_ticket_tokens=llama.max_ticket_tokens,
        calibrate=llama.calibrate,
    )


def _openai(settings: ClassifierSettings) -> Backend:
    from bot.classify.openai_backend import OpenAIBackend

    cfg = settings.openai
    key = cfg.api_key.get_secret_value() if cfg.api_key else None
    if key is None and cfg.base_url is None:
        raise ConfigError("OPENAI_API_KEY", "is missing (needed for the openai backend)")
    return OpenAIBackend(  # the SDK's own retries, if any, nest inside BackendRetry's
        api_key=key,
        base_url=cfg.base_url,
        model=cfg.model,
        timeout_s=cfg.timeout_s,
        max_retries=cfg.max_retries,
    )


def _kobold(settings: ClassifierSettings) -> Backend:
    from bot.classify.kobold_backend import KoboldBackend

    cfg = settings.kobold
    if not cfg.api_url:
        raise ConfigError(
            "KOBOLDCPP_API_URL",
            "is missing (needed for the kobold backend)",
            "e.g. http://localhost:5001/api",
        )
    password = cfg.password.get_secret_value() if cfg.password else None
    return KoboldBackend(api_url=cfg.api_url, timeout_s=cfg.timeout_s, password=password)


REGISTRY: dict[str, Factory] = {"llama": _llama, "openai": _openai, "kobold": _kobold}


def build_backend(name: str, settings: ClassifierSettings) -> Backend:
    try:
        factory = REGISTRY[name]
    except KeyError:
        raise ConfigError(
            "LLM_BACKENDS", f"names unknown backend {name!r}", f"choose from {', '.join(REGISTRY)}"
        ) from None
    return factory(settings)


def build_chain(
    settings: ClassifierSettings, *, backends: list[str] | None = None
) -> ClassifierChain:
    """The chain in ``settings.backends`` order (or ``backends`` when given)."""
    names = backends or settings.backends
    chain = ClassifierChain(
        [build_backend(name, settings) for name in names],
        default_label=settings.default_label,
        timeout_s=settings.backend_timeout_s,
        retry=BackendRetry(max_attempts=settings.max_attempts),
        breaker_failures=settings.breaker_failures,
        breaker_cooldown_s=settings.breaker_cooldown_s,
    )
    log.info("classify: chain %s", " → ".join(names))
    return chain
