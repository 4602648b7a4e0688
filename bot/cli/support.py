"""Helpers shared by the `ticketbot` commands: settings, a database engine, asyncio."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import messages
from bot.db.engine import create_engine
from bot.errors import ConfigError
from bot.settings import Settings
from bot.settings_loader import load_settings

T = TypeVar("T")
EXIT_CONFIG = 2


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(f"{messages.CONFIG_ERROR_PREFIX} {exc}", EXIT_CONFIG)


async def with_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    engine = create_engine(settings.database.url)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


def run_async(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory())
