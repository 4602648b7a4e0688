"""What the sandboxed bot is given, and when `make run` chooses the sandbox."""

from __future__ import annotations

from pathlib import Path

from sandbox.environment import bot_environment
from sandbox.launch import tokens_configured

EMULATORS = {"SLACK_API_URL": "http://127.0.0.1:1/api/", "DATABASE_URL": "sqlite+aiosqlite:///x"}


def test_real_slack_jira_and_database_settings_never_reach_the_bot() -> None:
    environ = {
        "PATH": "/bin",
        "SLACK_BOT_TOKEN": "xoxb-real",
        "JIRA_PAT": "real-pat",
        "JIRA_BASE_URL": "https://real.atlassian.net",
        "APPROVERS": "U999",
        "DATABASE_URL": "postgresql+asyncpg://prod/db",
    }
    env = bot_environment(environ, {}, EMULATORS, cwd=Path("/work"))
    assert env["PATH"] == "/bin"
    assert "SLACK_BOT_TOKEN" not in env and "JIRA_PAT" not in env and "APPROVERS" not in env
    assert "JIRA_BASE_URL" not in env
    assert env["DATABASE_URL"] == EMULATORS["DATABASE_URL"]


def test_the_local_model_is_the_default_backend() -> None:
    assert bot_environment({}, {}, {}, cwd=Path("/work"))["LLM_BACKENDS"] == "llama"


def test_classifier_settings_come_from_the_environment_then_dotenv() -> None:
    dotenv = {"LLM_BACKENDS": "openai", "OPENAI_API_KEY": "sk-dotenv", "JIRA_PAT": "x"}
    env = bot_environment({"OPENAI_API_KEY": "sk-env"}, dotenv, {}, cwd=Path("/work"))
    assert (env["LLM_BACKENDS"], env["OPENAI_API_KEY"]) == ("openai", "sk-env")
    assert "JIRA_PAT" not in env


def test_relative_paths_are_anchored_where_the_user_ran_the_sandbox() -> None:
    environ = {"GGUF_MODEL_PATH": "models/m.gguf", "TICKETBOT_CONFIG": "/etc/tb.yml"}
    env = bot_environment(environ, {}, {}, cwd=Path("/work"))
    assert env["GGUF_MODEL_PATH"] == "/work/models/m.gguf"
    assert env["TICKETBOT_CONFIG"] == "/etc/tb.yml"


def test_make_run_uses_the_real_bot_once_a_token_is_configured() -> None:
    assert not tokens_configured({}, {})
    assert not tokens_configured({"SLACK_BOT_TOKEN": ""}, {"SLACK_APP_TOKEN": None})
    assert tokens_configured({"SLACK_BOT_TOKEN": "xoxb-1"}, {})
    assert tokens_configured({}, {"SLACK_APP_TOKEN": "xapp-1"})
