"""``ticketbot doctor`` checks: one per configured backend."""

from __future__ import annotations

import asyncio
import logging

from bot.classify.registry import build_backend
from bot.errors import ClassificationError, ConfigError
from bot.health import Check
from bot.settings import Settings

log = logging.getLogger(__name__)


async def check_backends(settings: Settings) -> list[Check]:
    """Model loads / server answers / key accepted, for each backend in LLM_BACKENDS."""
    cfg = settings.classifier
    return [await _check(name, settings, cfg.backend_timeout_s) for name in cfg.backends]


async def _check(name: str, settings: Settings, timeout_s: float) -> Check:
    title = f"classifier backend {name}"
    try:
        backend = build_backend(name, settings.classifier)
    except ConfigError as exc:
        return Check(title, False, str(exc))
    try:
        async with asyncio.timeout(timeout_s):
            detail = await backend.health()
    except TimeoutError:
        return Check(title, False, f"no answer within {timeout_s:g}s")
    except ClassificationError as exc:
        return Check(title, False, str(exc))
    finally:
        await backend.aclose()
    return Check(title, True, detail)
