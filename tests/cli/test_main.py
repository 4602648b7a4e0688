"""The `ticketbot` group itself: version, command list, `python -m bot.cli`, config errors."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from bot import __version__
from bot.cli import main

COMMANDS = ["classify", "db", "doctor", "eval", "init", "learn", "run", "sandbox", "tickets"]


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:")[1].split()
    assert [word for word in listed if word in COMMANDS] == COMMANDS


def test_sandbox_help_loads_the_sandbox_command(runner: CliRunner) -> None:
    result = runner.invoke(main, ["sandbox", "--help"])
    assert result.exit_code == 0 and "--script" in result.output


def test_python_dash_m_runs_the_same_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and __version__ in done.stdout


def test_importing_the_cli_leaves_the_sandbox_unloaded() -> None:
    probe = "import sys, bot.cli; print([m for m in sys.modules if 'sandbox' in m])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr


def test_config_error_exits_2_with_one_line(runner: CliRunner) -> None:
    result = runner.invoke(main, ["db", "upgrade"], env={"LOG_LEVEL": "chatty"})
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "LOG_LEVEL is invalid" in result.output
