"""Installed from the wheel, outside the checkout: `ticketbot init` → `db upgrade` → `doctor`
→ `sandbox --script` work from another directory (issue 16, "Done when"; the Dockerfile runs
the same steps).

The wheel is built from a copy of the working tree, without build isolation, and installed
for real (`pip install --no-deps`) into a new virtualenv. Its third-party dependencies are the
ones this interpreter already has, reached through a `.pth` file, so llama-cpp-python is not
compiled again. This environment's editable install of ticketbot stays out of reach (a
directory a `.pth` line adds does not have its own `.pth` files read): `bot` can only come
from the wheel, and the test checks that it does.
"""

from __future__ import annotations

import asyncio
import shutil
import site
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulators.openai import OpenAIEmulator
from tests.conftest import PROJECT_ROOT

NOT_COPIED = shutil.ignore_patterns(  # and never a developer's .env with real tokens
    ".git", ".venv", "models", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*.db*",
    ".env",
)
SHIPPED = (
    "bot/_shipped/config.yml",
    "bot/_shipped/manifest.yml",
    "bot/_shipped/env.example",
    "bot/_shipped/migrations/env.py",
    "bot/_shipped/migrations/versions/0001_ticket_log.py",
    "emulators/stack.py",
    "sandbox/commands.py",
    "bot/learn/data/minilm-vocab.txt",  # the encoder's vocabulary (bot.learn.encoder)
)
SCRIPT = "/ticket Please add dark mode to the portal\nquit\n"
SANDBOX_TIMEOUT_S = 120


class Installed:
    """A virtualenv with the wheel installed, and a directory far from the checkout."""

    def __init__(self, root: Path) -> None:
        self.venv, self.home, self.cwd = root / "venv", root / "home", root / "elsewhere"
        self.cwd.mkdir()
        self.env = {
            "PATH": f"{self.venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(root),
            "TICKETBOT_HOME": str(self.home),
        }

    def run(self, *args: str, code: int = 0) -> str:
        done = subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        output = done.stdout + done.stderr
        assert done.returncode == code, output
        assert "Traceback" not in output, output
        return output


def build_wheel(root: Path) -> Path:
    source, dist = root / "source", root / "dist"
    shutil.copytree(PROJECT_ROOT, source, symlinks=True, ignore=NOT_COPIED)
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir", "-w", dist, source)
    [wheel] = dist.glob("ticketbot-*.whl")
    return wheel


def install(wheel: Path, venv: Path) -> None:
    call(sys.executable, "-m", "venv", "--without-pip", venv)
    [packages] = venv.glob("lib/python3*/site-packages")
    dependencies = "\n".join(site.getsitepackages())
    (packages / "_ticketbot_test_dependencies.pth").write_text(dependencies + "\n")
    pip("--python", venv / "bin" / "python", "install", "--no-deps", "--no-index", wheel)


def pip(*args: str | Path) -> None:
    call(sys.executable, "-m", "pip", "-q", *args)


def call(*args: str | Path) -> None:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture
def installed(wheel: Path, tmp_path: Path) -> Iterator[Installed]:
    target = Installed(tmp_path)
    install(wheel, target.venv)
    yield target


def test_the_wheel_holds_the_shipped_files_as_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entries = {info.filename: info for info in archive.infolist()}
    for name in SHIPPED:
        assert name in entries, name
        assert not stat.S_ISLNK(entries[name].external_attr >> 16), f"{name} is a symlink"
        assert entries[name].file_size > 0, name
    assert not [name for name in entries if name.startswith(("migrations/", "tests/"))]


async def test_init_upgrade_doctor_and_sandbox_from_a_clean_virtualenv(
    installed: Installed,
) -> None:
    found = installed.run("python", "-c", "import bot; print(bot.__file__)")
    assert found.startswith(str(installed.venv)), found

    said = installed.run("ticketbot", "init")
    assert (installed.home / "config.yml").is_file() and (installed.home / ".env").is_file()
    assert "ticketbot doctor" in said
    assert "not overwriting" in installed.run("ticketbot", "init", code=1)

    assert "is at revision" in installed.run("ticketbot", "db", "upgrade")
    assert (installed.home / "tickets.db").is_file()

    table = installed.run("ticketbot", "doctor", code=1).splitlines()
    assert any(row.startswith("ok") and " database " in row for row in table), table
    assert any(row.startswith("FAIL") and "SLACK_BOT_TOKEN" in row for row in table), table
    assert any(row.startswith("FAIL") and "JIRA_" in row for row in table), table
    assert not any("crashed" in row for row in table), table
    scopes = "from bot.slack.health import required_scopes; print(sorted(required_scopes()))"
    assert "chat:write" in installed.run("python", "-c", scopes)

    transcript = await sandbox_session(installed)
    assert "[jira] KAN-1 [Story] To Do — Please add dark mode to the portal" in transcript
    assert "[Approve] [Reject]" in transcript
    assert str(PROJECT_ROOT / "bot") not in transcript


async def sandbox_session(installed: Installed) -> str:
    """`ticketbot sandbox --script FILE`, classifying with the OpenAI emulator (no model)."""
    script = installed.cwd / "session.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    async with OpenAIEmulator() as llm:
        env = {
            **installed.env,
            "LLM_BACKENDS": "openai",
            "OPENAI_BASE_URL": llm.url,
            "OPENAI_API_KEY": llm.api_key,
            "OPENAI_MODEL": llm.model,
        }
        process = await asyncio.create_subprocess_exec(
            str(installed.venv / "bin" / "ticketbot"),
            "sandbox",
            "--script",
            str(script),
            cwd=installed.cwd,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), SANDBOX_TIMEOUT_S)
    transcript = out.decode()
    assert process.returncode == 0, transcript
    assert "Traceback" not in transcript, transcript
    return transcript
