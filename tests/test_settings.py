from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import DEFAULT_MODEL_PATH, PROJECT_ROOT, require_for_run
from bot.settings_loader import anchor_sqlite_url, data_dir, load_settings

RUNNABLE = {
    "SLACK_BOT_TOKEN": "xoxb-1-test",
    "SLACK_APP_TOKEN": "xapp-1-test",
    "JIRA_BASE_URL": "https://example.atlassian.net",
    "JIRA_PROJECT_KEY": "kan",
    "JIRA_EMAIL": "bot@example.com",
    "JIRA_API_TOKEN": "jira-secret-123",
}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    settings = load_settings({"TICKETBOT_HOME": str(tmp_path)}, env_file=tmp_path / "missing.env")
    assert settings.database.url == f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
    assert settings.classifier.backends == ["llama"]
    assert settings.classifier.llama.model_path == DEFAULT_MODEL_PATH
    assert settings.jira.issue_types["Feature Request"] == "Story"
    assert settings.approvals.approvers == []


def test_shipped_config_file_loads() -> None:
    settings = load_settings({})
    assert settings.jira.project_key == "KAN"
    assert settings.classifier.llama.model_path == DEFAULT_MODEL_PATH


def test_environment_beats_dotenv_beats_config(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.yml",
        "logging: {level: ERROR}\njira: {project_key: AAA}\n"
        "database: {url: 'sqlite+aiosqlite:///from-config.db'}\n",
    )
    dotenv = write(tmp_path / ".env", "JIRA_PROJECT_KEY=BBB\nLOG_LEVEL=warning\n")
    settings = load_settings(
        {"TICKETBOT_CONFIG": str(config), "LOG_LEVEL": "debug"}, env_file=dotenv
    )
    assert settings.logging.level == "DEBUG"
    assert settings.jira.project_key == "BBB"
    assert settings.database.url.endswith("from-config.db")


def test_dotenv_in_the_data_directory_is_read(tmp_path: Path) -> None:
    write(tmp_path / ".env", "APPROVERS=U111, U222\n")
    assert load_settings({"TICKETBOT_HOME": str(tmp_path)}).approvals.approvers == [
        "U111",
        "U222",
    ]


def test_the_working_directory_is_never_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(elsewhere / ".env", "APPROVERS=U999\n")
    monkeypatch.chdir(elsewhere)
    settings = load_settings({"TICKETBOT_HOME": str(home)})
    assert settings.approvals.approvers == []
    assert settings.database.url == f"sqlite+aiosqlite:///{home / 'tickets.db'}"


def test_data_directory_defaults(tmp_path: Path) -> None:
    assert data_dir({"TICKETBOT_HOME": "~/tb"}) == Path.home() / "tb"
    assert data_dir({}) == PROJECT_ROOT  # running from a checkout: where make run keeps them


def test_relative_sqlite_urls_point_into_the_data_directory(tmp_path: Path) -> None:
    assert anchor_sqlite_url("sqlite+aiosqlite:///t.db", tmp_path) == (
        f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    )
    for url in ("sqlite+aiosqlite:////abs/t.db", "postgresql+asyncpg://u:p@h/db"):
        assert anchor_sqlite_url(url, tmp_path) == url


def test_lists_split_from_environment() -> None:
    settings = load_settings({"LLM_BACKENDS": "openai, llama", "APPROVERS": "U1,W2"})
    assert settings.classifier.backends == ["openai", "llama"]
    assert settings.approvals.approvers == ["U1", "W2"]


def test_relative_model_path_in_config_is_relative_to_the_file(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yml", "classifier: {llama: {model_path: m/x.gguf}}\n")
    settings = load_settings({"TICKETBOT_CONFIG": str(config)})
    assert settings.classifier.llama.model_path == tmp_path / "m" / "x.gguf"


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({"LLM_BACKENDS": "llama,gpt5"}, "LLM_BACKENDS"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"APPROVERS": "alice"}, "APPROVERS"),
        ({"SLACK_BOT_TOKEN": "xoxb-your-token-here"}, "SLACK_BOT_TOKEN"),
        ({"OPENAI_API_KEY": "changeme"}, "OPENAI_API_KEY"),
        ({"TICKETBOT_CONFIG": "/nonexistent/config.yml"}, "TICKETBOT_CONFIG"),
    ],
)
def test_malformed_settings_name_the_setting(environ: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    assert caught.value.setting == name
    assert str(caught.value).startswith(name)


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yml", "jira:\n  base_url: [unclosed\n")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d"):
        load_settings({"TICKETBOT_CONFIG": str(config)})


def test_unknown_key_in_config_is_rejected(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yml", "jira: {projectkey: X}\n")
    with pytest.raises(ConfigError, match=r"config.yml jira.projectkey"):
        load_settings({"TICKETBOT_CONFIG": str(config)})


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        ("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        ("SLACK_APP_TOKEN", "SLACK_APP_TOKEN"),
        ("JIRA_PROJECT_KEY", "JIRA_PROJECT_KEY"),
        ("JIRA_API_TOKEN", "JIRA_API_TOKEN"),
        ("JIRA_EMAIL", "JIRA_EMAIL"),
    ],
)
def test_require_for_run_names_the_first_missing_setting(
    tmp_path: Path, missing: str, expected: str
) -> None:
    config = write(tmp_path / "no-project.yml", "jira: {project_key: null}\n")
    environ = {k: v for k, v in RUNNABLE.items() if k != missing}
    settings = load_settings({**environ, "TICKETBOT_CONFIG": str(config)})
    with pytest.raises(ConfigError) as caught:
        require_for_run(settings)
    assert caught.value.setting == expected
    assert caught.value.fix


def test_require_for_run_checks_token_kinds() -> None:
    settings = load_settings({**RUNNABLE, "SLACK_APP_TOKEN": "xoxb-1-swapped"})
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN must start with xapp-"):
        require_for_run(settings)


def test_pat_replaces_email_and_token() -> None:
    environ = {k: v for k, v in RUNNABLE.items() if not k.startswith("JIRA_E")}
    environ.pop("JIRA_API_TOKEN")
    require_for_run(load_settings({**environ, "JIRA_PAT": "pat-secret-1"}))


def test_secrets_never_appear_in_repr() -> None:
    settings = load_settings(RUNNABLE)
    require_for_run(settings)
    assert settings.jira.project_key == "KAN"
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "jira-secret-123" not in shown
        assert "xoxb-1-test" not in shown
    assert set(settings.secret_values()) == {"xoxb-1-test", "xapp-1-test", "jira-secret-123"}
