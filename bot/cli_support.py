"""Helpers shared by the `ticketbot` subcommands."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn, TypeVar

import click

from bot import messages
from bot.errors import ConfigError
from bot.settings import Settings, load_settings

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


def run_async(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory())
