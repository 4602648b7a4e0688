"""`ticketbot config show`: the effective settings, each with where its value came from.

The sources, later winning: the model's default, the shipped ``config.yml``, the override
file (``config.yml`` in the data directory, or ``TICKETBOT_CONFIG``), ``.env``, the
environment. Secrets are never printed (only whether they are set); passwords inside URLs are
masked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel, SecretStr

from bot import shipped
from bot.cli.reference import reference_command
from bot.cli.support import settings_or_exit
from bot.db.engine import redacted
from bot.settings import ENV_NAMES, Settings
from bot.settings_loader import config_environ, config_path, read_config_file, read_dotenv

DEFAULT = "default"
SHIPPED = "shipped config.yml"
MASK = "********"
_NAME_OF = {dotted: name for name, dotted in ENV_NAMES.items()}


def leaves(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Each setting as (dotted path, value); a mapping setting is one leaf."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from leaves(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def _in_tree(tree: Mapping[str, Any], dotted: str) -> bool:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _override_file(environ: Mapping[str, str]) -> Path | None:
    path = config_path(environ)
    if not (environ.get("TICKETBOT_CONFIG") or path.is_file()):
        return None
    try:
        return None if path.samefile(shipped.CONFIG) else path  # a checkout: one file
    except OSError:
        return path


def sources(
    environ: Mapping[str, str], env_file: Path | None = None
) -> dict[str, str]:
    """For each dotted setting that is not at its default, the source its value came from."""
    dotenv = read_dotenv(environ, env_file)
    override = _override_file(config_environ(environ, dotenv))
    layers: list[tuple[str, Mapping[str, Any]]] = [(SHIPPED, read_config_file(shipped.CONFIG))]
    if override is not None:
        layers.append((f"config.yml override ({override})", read_config_file(override)))
    found: dict[str, str] = {}
    for dotted, _ in leaves(Settings()):
        name = _NAME_OF.get(dotted)
        if name and environ.get(name, "").strip():
            found[dotted] = f"environment ({name})"
        elif name and dotenv.get(name, "").strip():
            found[dotted] = f".env ({name})"
        else:
            for label, tree in reversed(layers):
                if _in_tree(tree, dotted):
                    found[dotted] = label
                    break
    return found


def shown(dotted: str, value: Any, settings: Settings) -> str:
    """The value as printed: secrets masked, passwords in URLs masked."""
    if isinstance(value, SecretStr):
        return f"{MASK} (set)" if value.get_secret_value() else "(empty)"
    if value is None:
        return "(not set)"
    if dotted == "database.url":
        return redacted(value)
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    for secret in settings.secret_values():
        text = text.replace(secret, MASK)
    return text


def show_lines(settings: Settings, found: Mapping[str, str]) -> list[str]:
    rows = [
        (dotted, shown(dotted, value, settings), found.get(dotted, DEFAULT))
        for dotted, value in leaves(settings)
    ]
    width = max(len(dotted) for dotted, _, _ in rows)
    return [f"{dotted:<{width}}  {value}  [{source}]" for dotted, value, source in rows]


@click.group("config")
def config_command() -> None:
    """Inspect the configuration."""


@config_command.command("show")
def config_show() -> None:
    """The effective settings and where each came from; secrets are never printed."""
    settings = settings_or_exit()
    for line in show_lines(settings, sources(dict(os.environ))):
        click.echo(line)


config_command.add_command(reference_command)
