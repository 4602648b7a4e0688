"""Read the settings: the shipped ``config.yml`` defaults, the overrides in ``config.yml`` in
the data directory (``TICKETBOT_HOME``; or ``TICKETBOT_CONFIG``, from the environment or from
``.env``), then ``.env`` (in the data directory), then the environment.

Later sources win; the override file replaces the defaults key by key. A missing or
malformed setting is a ``ConfigError`` that names it and says how to fix it; the example
placeholders of ``.env.example`` are refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from pydantic import ValidationError

from bot import messages, shipped
from bot.errors import ConfigError
from bot.settings import (
    DEFAULT_MODEL_PATH,
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
    """The file of overrides: ``TICKETBOT_CONFIG``, else ``config.yml`` in the data directory
    (used when it exists; ``ticketbot init`` writes it)."""
    environ = os.environ if environ is None else environ
    if environ.get("TICKETBOT_CONFIG"):
        return Path(environ["TICKETBOT_CONFIG"]).expanduser()
    return data_dir(environ) / "config.yml"


def config_tree(environ: Mapping[str, str]) -> dict[str, Any]:
    """The shipped defaults with the override file, if any, merged over them key by key."""
    tree = read_config_file(shipped.CONFIG)
    _anchor_model_path(tree, model_home(environ))
    path = config_path(environ)
    wanted = bool(environ.get("TICKETBOT_CONFIG")) or path.is_file()
    if wanted and not _same_file(path, shipped.CONFIG):  # in a checkout they are one file
        overrides = read_config_file(path)
        _anchor_model_path(overrides, path.parent)
        tree = _merged(tree, overrides)
    return tree


def _merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        below = merged.get(key)
        if isinstance(below, dict) and isinstance(value, dict):
            value = _merged(below, value)  # a section: its keys one by one
        merged[key] = value
    return merged


def _same_file(path: Path, other: Path) -> bool:
    try:
        return path.samefile(other)
    except OSError:
        return False


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path == shipped.CONFIG:
            missing = f"of the package is missing ({path})"
            raise ConfigError("config.yml", missing, "reinstall ticketbot") from None
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
    home = data_dir(environ)
    dotenv = read_dotenv(environ, env_file)
    tree = config_tree(config_environ(environ, dotenv))  # .env first: it may name the file
    layered = {**dotenv, **environ}
    for name, dotted in ENV_NAMES.items():
        value = layered.get(name)
        if value is not None and value.strip() != "":
            _set_dotted(tree, dotted, value.strip())
    _anchor_database(tree, home)
    _anchor_model_path(tree, home)  # a relative GGUF_MODEL_PATH: in the data directory
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


def read_dotenv(environ: Mapping[str, str], env_file: Path | None = None) -> dict[str, str]:
    """The values of ``.env`` in the data directory (``TICKETBOT_HOME`` there is ignored: the
    file is found through it)."""
    path = env_file if env_file is not None else data_dir(environ) / ".env"
    values = dotenv_values(path).items()
    return {k: v for k, v in values if v is not None and k != "TICKETBOT_HOME"}


def config_environ(environ: Mapping[str, str], dotenv: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with ``TICKETBOT_CONFIG`` from ``.env`` when only ``.env`` sets it (a relative
    path there is in the data directory, never the current directory)."""
    merged = dict(environ)
    if not environ.get("TICKETBOT_CONFIG") and dotenv.get("TICKETBOT_CONFIG", "").strip():
        path = Path(dotenv["TICKETBOT_CONFIG"].strip()).expanduser()
        merged["TICKETBOT_CONFIG"] = str(path if path.is_absolute() else data_dir(environ) / path)
    return merged


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where ``.env``, the ``config.yml`` overrides, the default SQLite ticket log and the model
    live: never the current directory.

    ``TICKETBOT_HOME`` when set; else the checkout when running from one (where ``make run``
    has always kept them); else ``$XDG_DATA_HOME/ticketbot`` (``~/.local/share/ticketbot``).
    """
    environ = os.environ if environ is None else environ
    if environ.get("TICKETBOT_HOME"):
        return Path(environ["TICKETBOT_HOME"]).expanduser().resolve()
    if running_from_checkout():
        return PROJECT_ROOT
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser().resolve() / "ticketbot"


def running_from_checkout() -> bool:
    return (PROJECT_ROOT / "app.py").is_file() and (PROJECT_ROOT / "bot").is_dir()


def model_home(environ: Mapping[str, str] | None = None) -> Path:
    """What the shipped default model path is relative to: the checkout when running from one
    (``make model`` puts the model in its ``models/``), else the data directory."""
    return PROJECT_ROOT if running_from_checkout() else data_dir(environ)


def default_model_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the default GGUF model is looked for, and fetched to (``bot.model_fetch``)."""
    return model_home(environ) / "models" / DEFAULT_MODEL_PATH.name


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
