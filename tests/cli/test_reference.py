"""docs/configuration.md is what `ticketbot config reference` prints: the reference cannot rot."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.cli.reference import comments_by_key, reference
from bot.settings import ENV_NAMES

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_document_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), (
        "run: ticketbot config reference > docs/configuration.md"
    )


def test_every_public_variable_is_in_the_reference() -> None:
    text = reference()
    assert all(f"`{name}`" in text for name in ENV_NAMES)


def test_comments_are_read_from_the_shipped_config() -> None:
    notes = comments_by_key()
    assert "search" in notes["jira.search_lag_s"]
    assert notes["slack.api_url"]


def test_the_command_prints_it() -> None:
    result = CliRunner().invoke(main, ["config", "reference"])
    assert result.exit_code == 0 and result.output == reference()
