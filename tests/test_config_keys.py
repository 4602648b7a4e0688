"""Every key of the shipped config.yml is known to the settings model and does something: set
to another valid value in an override file, it changes the loaded Settings. Plus the config
bugs of issue 16 item 6 (TICKETBOT_CONFIG in .env, classifier.openai.max_retries)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from bot import shipped
from bot.errors import ConfigError
from bot.settings import Settings
from bot.settings_loader import load_settings, read_config_file

# Keys whose values are constrained (a choice, a pattern) or empty in the shipped file.
ALTERNATIVES: dict[str, Any] = {
    "classifier.backends": ["openai", "llama"],
    "classifier.default_label": "Bug",
    "classifier.llama.model_path": "models/other.gguf",
    "classifier.llama.n_threads": 2,
    "classifier.openai.base_url": "https://llm.example.com/v1",
    "classifier.kobold.api_url": "https://kobold.example.com/api",
    "jira.transitions.approve": "Done",
    "jira.transitions.reject": "Won't Do",
    "jira.api_version": 3,
    "approvals.approvers": ["U0123ABCD"],
    "logging.level": "DEBUG",
    "logging.format": "json",
    "database.url": "sqlite+aiosqlite:///other.db",
    "routing.channels": {"#support": {"project_key": "OPS"}},
    "sync.working_hours": "09:00-17:00",
    "sync.digest_at": "09:00",
    "routing.field_defaults": {"priority": "Medium"},
    "encoder.model_path": "/opt/encoders/mine.onnx",
    "encoder.vocab_path": "/opt/encoders/vocab.txt",
}


def _leaves(tree: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            found.extend(_leaves(value, dotted + "."))
        else:
            found.append((dotted, value))
    return found


SHIPPED_LEAVES = _leaves(read_config_file(shipped.CONFIG))


def _alternative(dotted: str, value: Any) -> Any:
    if dotted in ALTERNATIVES:
        return ALTERNATIVES[dotted]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, "extra"]
    raise AssertionError(f"config.yml {dotted}: give the test an alternative to {value!r}")


def _nested(dotted: str, value: Any) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for part in reversed(dotted.split(".")):
        tree = {part: value} if not tree else {part: tree}
        value = tree
    return tree


def _load(tmp_path: Path, overrides: dict[str, Any] | None = None) -> Settings:
    environ = {"TICKETBOT_HOME": str(tmp_path)}
    if overrides is not None:
        path = tmp_path / "override.yml"
        path.write_text(yaml.safe_dump(overrides), encoding="utf-8")
        environ["TICKETBOT_CONFIG"] = str(path)
    return load_settings(environ, env_file=tmp_path / "missing.env")


def test_the_shipped_file_has_keys() -> None:
    assert len(SHIPPED_LEAVES) > 40
    assert ("classifier.openai.max_retries", 0) in SHIPPED_LEAVES


@pytest.mark.parametrize("dotted", [dotted for dotted, _ in SHIPPED_LEAVES])
def test_every_shipped_key_is_a_setting(dotted: str) -> None:
    model: Any = Settings
    for part in dotted.split("."):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            break  # inside a mapping setting (jira.issue_types, jira.transitions)
        assert part in model.model_fields, f"config.yml {dotted} is not a setting"
        model = model.model_fields[part].annotation


@pytest.mark.parametrize(("dotted", "value"), SHIPPED_LEAVES, ids=[d for d, _ in SHIPPED_LEAVES])
def test_every_shipped_key_changes_the_settings(tmp_path: Path, dotted: str, value: Any) -> None:
    base = _load(tmp_path).model_dump()
    changed = _load(tmp_path, _nested(dotted, _alternative(dotted, value))).model_dump()
    assert changed != base, f"config.yml {dotted} has no effect"


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_retry"):
        _load(tmp_path, {"classifier": {"openai": {"max_retry": 3}}})


def test_ticketbot_config_set_in_dotenv_is_used(tmp_path: Path) -> None:
    (tmp_path / "team.yml").write_text("jira: {project_key: FROMENV}\n", encoding="utf-8")
    (tmp_path / ".env").write_text("TICKETBOT_CONFIG=team.yml\n", encoding="utf-8")
    settings = load_settings({"TICKETBOT_HOME": str(tmp_path)})
    assert settings.jira.project_key == "FROMENV"  # a relative path: in the data directory
    (tmp_path / "other.yml").write_text("jira: {project_key: OTHER}\n", encoding="utf-8")
    environ = {"TICKETBOT_HOME": str(tmp_path), "TICKETBOT_CONFIG": str(tmp_path / "other.yml")}
    assert load_settings(environ).jira.project_key == "OTHER"  # the environment wins


def test_ticketbot_config_in_dotenv_pointing_nowhere_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TICKETBOT_CONFIG=/nowhere/config.yml\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TICKETBOT_CONFIG"):
        load_settings({"TICKETBOT_HOME": str(tmp_path)})


def test_openai_max_retries_reaches_the_client(tmp_path: Path) -> None:
    pytest.importorskip("openai")
    from bot.classify.registry import build_backend

    settings = _load(tmp_path, {"classifier": {"openai": {"max_retries": 3}}})
    backend = build_backend("openai", settings.classifier.model_copy(
        update={"openai": settings.classifier.openai.model_copy(
            update={"base_url": "https://llm.example.com/v1"})}))
    assert backend._client.max_retries == 3  # type: ignore[attr-defined]
    assert Settings().classifier.openai.max_retries == 0
