"""URL safety in the settings: https:// except to loopback, no example Jira site, credentials in
URLs never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import require_for_run
from bot.settings_loader import load_settings
from bot.urls import is_loopback, redacted_url, url_problem, url_secrets

RUNNABLE = {
    "SLACK_BOT_TOKEN": "xoxb-1-test",
    "SLACK_APP_TOKEN": "xapp-1-test",
    "JIRA_BASE_URL": "https://example.atlassian.net",
    "JIRA_PROJECT_KEY": "KAN",
    "JIRA_EMAIL": "bot@example.com",
    "JIRA_API_TOKEN": "jira-secret-123",
}
URL_SETTINGS = ("SLACK_API_URL", "JIRA_BASE_URL", "OPENAI_BASE_URL", "KOBOLDCPP_API_URL")


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost."]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["example.com", "10.0.0.1", "128.0.0.1", "0.0.0.0", "localhost.evil.com", "::2", ""]
)
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://slack.com/api/", None),
        ("https://jira.example.com:8443/jira", None),
        ("http://127.0.0.1:5001/api", None),
        ("http://localhost:8000/v1", None),
        ("http://[::1]:8000/v1", None),
        ("http://jira.example.com", "insecure"),
        ("http://10.1.2.3:5001/api", "insecure"),
        ("http://127.0.0.1.evil.com/", "insecure"),
        ("HTTP://jira.example.com", "insecure"),
        ("ftp://jira.example.com", "invalid"),
        ("jira.example.com", "invalid"),
        ("https://", "invalid"),
        ("http://[::1", "invalid"),
    ],
)
def test_url_problems(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


@pytest.mark.parametrize("name", URL_SETTINGS)
def test_plain_http_to_another_host_is_refused_naming_the_setting(name: str) -> None:
    secret_url = "http://user:pw-in-url-77@jira.example.com/x"
    with pytest.raises(ConfigError) as caught:
        load_settings({**RUNNABLE, name: secret_url})
    assert caught.value.setting == name
    assert str(caught.value).startswith(f"{name} must use https://")
    assert "pw-in-url-77" not in str(caught.value)


@pytest.mark.parametrize("name", URL_SETTINGS)
def test_https_and_loopback_http_are_accepted(name: str) -> None:
    load_settings({**RUNNABLE, name: "https://host.example.com/api/"})
    load_settings({**RUNNABLE, name: "http://127.0.0.1:9999/api/"})


def test_a_url_that_is_not_one_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.yml"
    config.write_text("slack: {api_url: 'slack.com/api'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^SLACK_API_URL is not an https:// URL"):
        load_settings({"TICKETBOT_CONFIG": str(config)})


def test_the_example_jira_site_from_config_yml_is_refused() -> None:
    environ = {k: v for k, v in RUNNABLE.items() if k != "JIRA_BASE_URL"}
    settings = load_settings(environ)  # the shipped config.yml names the example site
    with pytest.raises(ConfigError) as caught:
        require_for_run(settings)
    assert caught.value.setting == "JIRA_BASE_URL"
    assert "example https://your-team.atlassian.net" in str(caught.value)
    settings = load_settings({**environ, "JIRA_BASE_URL": "https://Your-Team.atlassian.net/"})
    with pytest.raises(ConfigError, match="JIRA_BASE_URL still holds the example"):
        require_for_run(settings)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:s3cret@host.example/v1", "https://user:***@host.example/v1"),
        ("http://tok-en@127.0.0.1:5001/api", "http://***@127.0.0.1:5001/api"),
        ("http://:pw@localhost/api", "http://:***@localhost/api"),
        ("https://host.example/v1", "https://host.example/v1"),
    ],
)
def test_redacted_url(url: str, shown: str) -> None:
    assert redacted_url(url) == shown


def test_passwords_in_urls_are_secrets_for_the_logs() -> None:
    assert url_secrets("postgresql://bot:p%40ss@db/x") == ["p%40ss", "p@ss"]
    assert url_secrets("postgresql://bot@db/x") == []
    settings = load_settings(
        {
            **RUNNABLE,
            "DATABASE_URL": "postgresql+asyncpg://bot:db-pass-1@db.internal/tickets",
            "OPENAI_BASE_URL": "https://u:openai-url-pass@llm.example/v1",
            "KOBOLDCPP_API_URL": "http://k:kobold-url-pass@127.0.0.1:5001/api",
        }
    )
    assert {"db-pass-1", "openai-url-pass", "kobold-url-pass"} <= set(settings.secret_values())
