"""`python app.py` as a user starts it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT


def run_app(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "app.py")],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=5,
    )


def test_without_tokens_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_app({"PATH": "/usr/bin:/bin"}, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ticketbot: configuration error: SLACK_BOT_TOKEN is missing")
    assert "README" in lines[0]


def test_malformed_setting_names_it(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}
    result = run_app(env, tmp_path)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN must start with xapp-" in result.stderr
    assert "xoxb-2" not in result.stderr
