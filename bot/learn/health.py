"""``ticketbot doctor`` check for the sentence encoder beside TF-IDF (``bot.learn.encoder``)."""

from __future__ import annotations

import asyncio
import time

from bot.errors import EncoderUnavailable
from bot.health import Check
from bot.learn.encoder import Encoder, load_encoder
from bot.learn.requantize import CONVERSION
from bot.settings import Settings

TITLE = "sentence encoder"
FALLBACK = "the memory uses TF-IDF alone"


async def check_encoder(settings: Settings) -> list[Check]:
    """Loads and encodes a ticket; a problem is a warning: the bot works without it."""
    if not settings.encoder.enabled:
        return [Check(TITLE, True, f"off (encoder.enabled: false): {FALLBACK}")]
    try:
        encoder, ms = await asyncio.to_thread(_load_and_time, settings)
    except EncoderUnavailable as exc:
        return [Check(TITLE, True, f"{exc}; {FALLBACK}", warning=True)]
    detail = (f"{encoder.id}: {encoder.dim} dimensions, {ms:.0f} ms for a "
              f"{encoder.max_tokens}-token ticket")
    wanted = settings.encoder.requantize and settings.encoder.model_path is None
    if wanted and CONVERSION not in encoder.id:
        return [Check(TITLE, True, f"{detail}; running as shipped: the conversion to int8 "
                                   "matrix products failed (see the log)", warning=True)]
    return [Check(TITLE, True, detail)]


def _load_and_time(settings: Settings) -> tuple[Encoder, float]:
    encoder = load_encoder(settings.encoder)
    started = time.perf_counter()
    encoder.encode(["ticket " * settings.encoder.max_tokens])
    return encoder, (time.perf_counter() - started) * 1000
