"""`ticketbot init`: the data directory with a commented config.yml and a .env template."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot import shipped
from bot.cli import main
from bot.settings_loader import load_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "data" / "ticketbot"
    monkeypatch.setenv("TICKETBOT_HOME", str(home))
    return home


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_a_private_data_directory_and_says_what_next(
    runner: CliRunner, home: Path
) -> None:
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    assert mode(home) == 0o700
    assert mode(home / ".env") == 0o600
    assert (home / ".env").read_text() == shipped.ENV_TEMPLATE.read_text()
    config = (home / "config.yml").read_text()
    assert config.endswith(shipped.CONFIG.read_text())
    assert config.startswith("# Written by `ticketbot init`")
    assert yaml.safe_load(config) == yaml.safe_load(shipped.CONFIG.read_text())
    for step in (str(home / ".env"), "ticketbot doctor", "ticketbot run", "-m bot.model_fetch"):
        assert step in result.output


def test_the_written_files_are_what_the_settings_read(runner: CliRunner, home: Path) -> None:
    runner.invoke(main, ["init"])
    config = home / "config.yml"
    config.write_text(config.read_text().replace("project_key: KAN", "project_key: OPS"))
    (home / ".env").write_text("APPROVERS=U0123ABCD\n")
    settings = load_settings()
    assert settings.jira.project_key == "OPS"
    assert settings.approvals.approvers == ["U0123ABCD"]
    assert settings.database.url == f"sqlite+aiosqlite:///{home / 'tickets.db'}"


@pytest.mark.parametrize("existing", ["config.yml", ".env"])
def test_init_never_overwrites(runner: CliRunner, home: Path, existing: str) -> None:
    home.mkdir(parents=True)
    (home / existing).write_text("mine\n")
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 1
    assert f"not overwriting {home / existing}; nothing was written" in result.output
    assert (home / existing).read_text() == "mine\n"
    assert sorted(p.name for p in home.iterdir()) == [existing]
