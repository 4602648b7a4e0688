from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging, escape_control
from bot.settings import DatabaseSettings, LoggingSettings, Settings


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield stream
    root.handlers[:], _ = saved[0], root.setLevel(saved[1])


def test_text_lines_mask_secrets_and_token_shapes(captured: io.StringIO) -> None:
    configure_logging(LoggingSettings(), secrets=["jira-secret-xyz"], stream=captured)
    logging.getLogger("t").info("token %s and %s", "jira-secret-xyz", "xoxb-1234-abcdefgh")
    line = captured.getvalue()
    assert "jira-secret-xyz" not in line and "abcdefgh" not in line
    assert "*** and xoxb-***" in line


def test_user_text_cannot_forge_a_log_line(captured: io.StringIO) -> None:
    configure_logging(LoggingSettings(), stream=captured)
    logging.getLogger("t").info("ticket text: %s", "hi\n2026-01-01 INFO fake: approved\x1b[31m")
    lines = captured.getvalue().splitlines()
    assert len(lines) == 1
    assert "\\n2026-01-01" in lines[0] and "\\x1b" in lines[0]


def test_json_format_is_one_object_per_line_with_extras(captured: io.StringIO) -> None:
    configure_logging(LoggingSettings(format="json"), secrets=["s3cr3t-value"], stream=captured)
    logging.getLogger("bot.x").warning(
        "ticket %s failed: %s", 7, "s3cr3t-value\nnext", extra={"ticket_id": 7}
    )
    entry = json.loads(captured.getvalue())
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.x"
    assert entry["ticket_id"] == 7
    assert entry["message"] == "ticket 7 failed: ***\nnext"


def test_exceptions_are_scrubbed(captured: io.StringIO) -> None:
    configure_logging(LoggingSettings(), secrets=["pw-123456"], stream=captured)
    try:
        raise RuntimeError("connect failed with pw-123456")
    except RuntimeError:
        logging.getLogger("t").exception("boom")
    assert "pw-123456" not in captured.getvalue()
    assert "RuntimeError" in captured.getvalue()


def test_escape_control_keeps_ordinary_unicode() -> None:
    assert escape_control("café 🚀 שלום") == "café 🚀 שלום"
    assert escape_control("a\rb") == "a\\rb"


def test_lost_ack_on_a_closed_socket_is_one_warning_line(captured: io.StringIO) -> None:
    configure_logging(LoggingSettings(), stream=captured)
    try:
        raise ConnectionResetError("Cannot write to closing transport")
    except ConnectionResetError:
        logging.getLogger("slack_bolt.AsyncApp").exception(
            "Failed to run a request listener: x, session: s_1"
        )
    lines = captured.getvalue().splitlines()
    assert len(lines) == 1 and "WARNING" in lines[0] and "Slack will redeliver" in lines[0]


def test_debug_level_keeps_bolt_at_info(captured: io.StringIO) -> None:
    configure_logging(LoggingSettings(level="DEBUG"), stream=captured)
    logging.getLogger("slack_bolt.AsyncApp").debug("envelope with user text")
    logging.getLogger("slack_bolt.AsyncApp").info("A new session has been established")
    assert "user text" not in captured.getvalue()
    assert "new session" in captured.getvalue()


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        (
            "posting to https://hooks.slack.com/commands/T0001/1234/AbCdEf123 now",
            "posting to https://hooks.slack.com/commands/*** now",
        ),
        (
            "url='https://hooks.slack.com/actions/T0001/5678/ZyX987'",
            "url='https://hooks.slack.com/actions/***'",
        ),
        (
            "emulated http://127.0.0.1:4321/commands/T1/2/tok3n)",
            "emulated http://127.0.0.1:4321/commands/***",
        ),
        (
            "db postgresql+asyncpg://bot:s3cr%40t@db.internal:5432/tickets down",
            "db postgresql+asyncpg://bot:***@db.internal:5432/tickets down",
        ),
        ("model at https://tok-en-123@llm.example/v1", "model at https://***@llm.example/v1"),
        ("p@ss in postgresql://u:p@ss@h/db", "p@ss in postgresql://u:***@h/db"),
        ("plain https://example.com/a@b and a@b.c", "plain https://example.com/a@b and a@b.c"),
    ],
)
def test_response_urls_and_url_credentials_are_masked(
    captured: io.StringIO, said: str, shown: str
) -> None:
    configure_logging(LoggingSettings(), stream=captured)
    logging.getLogger("t").info("%s", said)
    assert captured.getvalue().rstrip("\n").endswith(": " + shown)


def test_json_lines_stay_json_when_urls_are_masked(captured: io.StringIO) -> None:
    configure_logging(LoggingSettings(format="json"), stream=captured)
    said = 'respond "https://hooks.slack.com/commands/T1/2/abc" via "https://u:pw@h/x"'
    logging.getLogger("t").info(said, extra={"response_url": "https://hooks.slack.com/actions/T/1/z"})
    entry = json.loads(captured.getvalue())
    assert entry["message"] == (
        'respond "https://hooks.slack.com/commands/***" via "https://u:***@h/x"'
    )
    assert entry["response_url"] == "https://hooks.slack.com/actions/***"


def test_the_database_password_is_masked_wherever_it_appears(captured: io.StringIO) -> None:
    settings = Settings(database=DatabaseSettings(url="postgresql://bot:db-pw-4242@db/tickets"))
    configure_logging(LoggingSettings(), secrets=settings.secret_values(), stream=captured)
    logging.getLogger("t").error("login refused for password db-pw-4242 (keyring)")
    line = captured.getvalue()
    assert "db-pw-4242" not in line and "password *** (keyring)" in line


def test_ticket_fields_are_top_level_json_keys_and_readable_text(captured: io.StringIO) -> None:
    fields = {"ticket": 12, "jira_key": "OPS-7", "backend": "openai", "channel": "C1"}
    configure_logging(LoggingSettings(format="json"), stream=captured)
    logging.getLogger("bot.triage.pipeline").info("ticket %s filed %s", 12, "OPS-7", extra=fields)
    entry = json.loads(captured.getvalue())
    assert {key: entry[key] for key in fields} == fields
    assert entry["message"] == "ticket 12 filed OPS-7"

    captured.seek(0), captured.truncate()
    configure_logging(LoggingSettings(), stream=captured)
    logging.getLogger("bot.triage.pipeline").info("ticket %s filed %s", 12, "OPS-7", extra=fields)
    line = captured.getvalue().strip()
    assert line.endswith("ticket 12 filed OPS-7 ticket=12 jira_key=OPS-7 backend=openai channel=C1")
