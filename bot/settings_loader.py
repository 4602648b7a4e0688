"""Read the settings: ``config.yml`` (``TICKETBOT_CONFIG``), then ``.env`` (in the data
directory, ``TICKETBOT_HOME``), then the environment.

Later sources win. A missing or malformed setting is a ``ConfigError`` that names it and says
how to fix it; the example placeholders of ``.env.example`` are refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from pydantic import ValidationError

from bot import messages
from bot.errors import ConfigError
from bot.settings import (
    DEFAULT_CONFIG_PATH,
    ENV_NAMES,
    PROJECT_ROOT,
    SECRET_NAMES,
    DatabaseSettings,
    Settings,
    lookup_dotted,
)
from bot.urls import url_problem

TOKEN_URLS = ("SLACK_API_URL", "JIRA_BASE_URL", "OPENAI_BASE_URL", "KOBOLDCPP_API_URL")
_PLACEHOLDER_MARKERS = ("changeme", "change-me", "your-", "your_", "xxxx", "<", "replace")


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        child = tree.setdefault(part, {})
        if not isinstance(child, dict):
            child = tree[part] = {}
        tree = child
    tree[leaf] = value


def _name_for(loc: tuple[int | str, ...]) -> str:
    dotted = ".".join(str(part) for part in loc)
    for name, path in ENV_NAMES.items():
        if dotted == path or dotted.startswith(path + "."):
            return name
    return f"config.yml {dotted}"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("TICKETBOT_CONFIG") or DEFAULT_CONFIG_PATH)


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path == DEFAULT_CONFIG_PATH:
            return {}
        raise ConfigError(
            "TICKETBOT_CONFIG",
            f"points at {path}, which does not exist",
            messages.SETTING_FIXES["TICKETBOT_CONFIG"],
        ) from None
    except OSError as exc:
        raise ConfigError("TICKETBOT_CONFIG", f"cannot read {path} ({exc.strerror})") from None
    try:
        tree = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(str(path), f"is not valid YAML{where}", "fix the syntax") from None
    if not isinstance(tree, dict):
        raise ConfigError(str(path), "must be a mapping of sections", "see the shipped config.yml")
    return tree


def load_settings(
    environ: Mapping[str, str] | None = None, *, env_file: Path | None = None
) -> Settings:
    """Settings from config.yml, ``.env`` and ``environ``; ConfigError on the first problem."""
    environ = dict(os.environ if environ is None else environ)
    path = config_path(environ)
    tree = read_config_file(path)
    _anchor_model_path(tree, path.parent)
    home = data_dir(environ)
    dotenv_file = env_file if env_file is not None else home / ".env"
    layered = {k: v for k, v in dotenv_values(dotenv_file).items() if v is not None}
    layered.update(environ)
    for name, dotted in ENV_NAMES.items():
        value = layered.get(name)
        if value is not None and value.strip() != "":
            _set_dotted(tree, dotted, value.strip())
    _anchor_database(tree, home)
    try:
        settings = Settings.model_validate(tree)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = _name_for(first["loc"])
        fix = messages.SETTING_FIXES.get(name, "")
        raise ConfigError(name, f"is invalid ({first['msg']})", fix) from None
    _reject_placeholders(settings)
    _require_safe_urls(settings)
    return settings


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where ``.env`` and the default SQLite ticket log live: never the current directory.

    ``TICKETBOT_HOME`` when set; else the checkout when running from one (where ``make run``
    has always kept them); else ``$XDG_DATA_HOME/ticketbot`` (``~/.local/share/ticketbot``).
    """
    environ = os.environ if environ is None else environ
    if environ.get("TICKETBOT_HOME"):
        return Path(environ["TICKETBOT_HOME"]).expanduser().resolve()
    if (PROJECT_ROOT / "app.py").is_file() and (PROJECT_ROOT / "bot").is_dir():
        return PROJECT_ROOT
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser().resolve() / "ticketbot"


def _anchor_database(tree: dict[str, Any], home: Path) -> None:
    database = tree.get("database")
    url = database.get("url") if isinstance(database, dict) else None
    if url is None:
        url = DatabaseSettings().url
    if isinstance(url, str):
        _set_dotted(tree, "database.url", anchor_sqlite_url(url, home))


def anchor_sqlite_url(url: str, home: Path) -> str:
    """A SQLite URL with a relative path (the default ``tickets.db``) points into ``home``."""
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix) :]
            if path and not path.startswith("/") and not path.startswith(":memory:"):
                return f"{prefix}{home / path}"
    return url


def _anchor_model_path(tree: dict[str, Any], base: Path) -> None:
    """A relative model path in the config file is relative to that file, not to the cwd."""
    llama = (
        tree.get("classifier", {}).get("llama")
        if isinstance(tree.get("classifier"), dict)
        else None
    )
    if isinstance(llama, dict) and isinstance(llama.get("model_path"), str):
        path = Path(llama["model_path"])
        if not path.is_absolute():
            llama["model_path"] = str(base / path)


def _reject_placeholders(settings: Settings) -> None:
    for name in SECRET_NAMES:
        value = lookup_dotted(settings, ENV_NAMES[name])
        if value is None:
            continue
        lowered = value.get_secret_value().lower()
        if any(marker in lowered for marker in _PLACEHOLDER_MARKERS):
            raise ConfigError(
                name, "still holds the example placeholder", messages.SETTING_FIXES[name]
            )


def _require_safe_urls(settings: Settings) -> None:
    """Tokens go to these URLs: https://, or plain http:// only to a loopback address."""
    for name in TOKEN_URLS:
        url = lookup_dotted(settings, ENV_NAMES[name])
        problem = url_problem(url) if url else None
        if problem is not None:
            raise ConfigError(name, messages.URL_PROBLEMS[problem], messages.SETTING_FIXES[name])
