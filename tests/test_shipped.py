"""The files the package ships (bot/_shipped/) and the data directory's overrides of them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot import model_fetch, settings_loader, shipped
from bot.db import migrate
from bot.settings import DEFAULT_MODEL_PATH, PROJECT_ROOT
from bot.settings_loader import default_model_path, load_settings
from bot.slack.health import required_scopes


@pytest.mark.parametrize(
    ("inside", "top"),
    [
        (shipped.CONFIG, "config.yml"),
        (shipped.MANIFEST, "manifest.yml"),
        (shipped.ENV_TEMPLATE, ".env.example"),
        (shipped.MIGRATIONS, "migrations"),
    ],
)
def test_each_shipped_file_is_the_one_at_the_top_of_the_repository(inside: Path, top: str) -> None:
    assert inside.parent == PROJECT_ROOT / "bot" / "_shipped"
    assert inside.is_symlink() and inside.resolve() == (PROJECT_ROOT / top).resolve()


def test_the_migrations_and_the_manifest_are_read_through_the_package() -> None:
    assert migrate.alembic_config().get_main_option("script_location") == str(shipped.MIGRATIONS)
    assert migrate.head_revision()
    assert "chat:write" in required_scopes()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_config_yml_in_the_data_directory_overrides_the_shipped_defaults_key_by_key(
    tmp_path: Path,
) -> None:
    write(tmp_path / "config.yml", "jira: {project_key: OPS}\nclassifier: {llama: {n_ctx: 512}}\n")
    settings = load_settings({"TICKETBOT_HOME": str(tmp_path)})
    assert settings.jira.project_key == "OPS"
    assert settings.jira.issue_types["Feature Request"] == "Story"  # the shipped default
    assert settings.classifier.llama.n_ctx == 512
    assert settings.classifier.llama.model_path == DEFAULT_MODEL_PATH


def test_ticketbot_config_replaces_the_data_directory_file(tmp_path: Path) -> None:
    write(tmp_path / "config.yml", "jira: {project_key: HOME}\n")
    other = write(tmp_path / "elsewhere" / "tb.yml", "jira: {project_key: OTHER}\n")
    environ = {"TICKETBOT_HOME": str(tmp_path), "TICKETBOT_CONFIG": str(other)}
    assert load_settings(environ).jira.project_key == "OTHER"


def test_a_relative_model_path_from_dotenv_is_in_the_data_directory(tmp_path: Path) -> None:
    write(tmp_path / ".env", "GGUF_MODEL_PATH=models/mine.gguf\n")
    settings = load_settings({"TICKETBOT_HOME": str(tmp_path)})
    assert settings.classifier.llama.model_path == tmp_path / "models" / "mine.gguf"


def test_installed_the_default_model_lives_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {"TICKETBOT_HOME": str(tmp_path)}
    assert default_model_path(environ) == DEFAULT_MODEL_PATH  # a checkout: its models/
    monkeypatch.setattr(settings_loader, "running_from_checkout", lambda: False)
    expected = tmp_path / "models" / DEFAULT_MODEL_PATH.name
    assert default_model_path(environ) == expected
    assert load_settings(environ).classifier.llama.model_path == expected


def test_the_model_fetched_is_the_model_looked_for() -> None:
    assert Path(model_fetch.MEMBER).name == DEFAULT_MODEL_PATH.name
    shipped_path = yaml.safe_load(shipped.CONFIG.read_text())["classifier"]["llama"]["model_path"]
    assert Path(shipped_path) == Path("models") / DEFAULT_MODEL_PATH.name
