"""Dockerfile, compose.yaml and the container's entry point agree with the project.

No Docker engine runs on the test machines, so the image is never built here. What can be
checked is checked: the build flags are the Makefile's, every command the container runs is a
real `ticketbot` command, in the order tests/test_install.py runs them, every variable is a
real setting, no secret is written inline, and the entry point and health check behave.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from packaging.specifiers import SpecifierSet

from bot.cli import main as ticketbot
from bot.settings import ENV_NAMES, SECRET_NAMES, Settings
from bot.settings_loader import default_model_path
from tests.conftest import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
ENTRYPOINT = PROJECT_ROOT / "deploy" / "docker-entrypoint.sh"
# Variables the container reads besides the settings contract: the data directory, the config
# file, and the health check's endpoint (deploy/healthcheck.py).
CONTAINER_NAMES = {"TICKETBOT_HOME", "TICKETBOT_CONFIG", "TICKETBOT_HEALTH_URL"}
RUNTIME_NAMES = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
BUILD_NAMES = {"PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_CACHE_DIR"}


@dataclass(frozen=True)
class Instruction:
    stage: str
    keyword: str
    args: str


@cache
def instructions() -> tuple[Instruction, ...]:
    """The Dockerfile's instructions, continuation lines joined, each tagged with its stage."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found, stage = [], ""
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        if keyword == "FROM":
            stage = args.split(" AS ")[-1] if " AS " in args else args
        found.append(Instruction(stage, keyword, " ".join(args.split())))
    return tuple(found)


def of(keyword: str, stage: str | None = None) -> list[str]:
    return [i.args for i in instructions() if i.keyword == keyword and stage in (None, i.stage)]


def env_names(stage: str) -> set[str]:
    names = set()
    for args in of("ENV", stage):
        names |= {pair.split("=", 1)[0] for pair in shlex.split(args)}
    return names


def env_value(stage: str, name: str) -> str:
    for args in of("ENV", stage):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            if key == name:
                return value
    raise KeyError(name)


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    return loaded


def resolve(words: list[str]) -> click.Command:
    """The click command that `ticketbot WORDS...` runs; fails the test if there is none."""
    command: click.Command = ticketbot
    ctx = click.Context(ticketbot)
    for word in words:
        if word.startswith("-"):
            break
        assert isinstance(command, click.Group), f"`ticketbot {' '.join(words)}`: {word}?"
        sub = command.get_command(ctx, word)
        assert sub is not None, f"`ticketbot {' '.join(words)}` is not a ticketbot command"
        command = sub
    return command


# --- Dockerfile ----------------------------------------------------------------------------


def test_two_stages_and_the_runtime_stage_is_last() -> None:
    stages = [i.args for i in instructions() if i.keyword == "FROM"]
    assert stages == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]


def test_the_python_image_satisfies_requires_python() -> None:
    image = next(a for a in of("ARG") if a.startswith("PYTHON_IMAGE="))
    version = re.fullmatch(r"PYTHON_IMAGE=python:(\d+\.\d+)-slim-\w+", image)
    assert version, image
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    requires = re.search(r'^requires-python = "([^"]+)"', pyproject, re.M)
    assert requires and SpecifierSet(requires[1]).contains(version[1])


def test_llama_cpp_is_built_with_the_makefiles_flags() -> None:
    makefile = re.search(
        r"^LLAMA_CMAKE_ARGS \?= (.+)$", (PROJECT_ROOT / "Makefile").read_text(), re.M
    )
    arg = next(a for a in of("ARG", "build") if a.startswith("LLAMA_CMAKE_ARGS_X86_64="))
    assert makefile and shlex.split(arg.partition("=")[2]) == [makefile[1].strip()]
    build = " ".join(of("RUN", "build"))
    only_x86 = 'if [ "$(uname -m)" = x86_64 ]; then export CMAKE_ARGS="$LLAMA_CMAKE_ARGS_X86_64"'
    assert only_x86 in build


def test_dependencies_come_from_the_lock_hash_checked_and_nowhere_else() -> None:
    build = of("RUN", "build")
    assert any(
        "pip wheel --require-hashes --wheel-dir /wheels -r requirements.lock" in r for r in build
    )
    assert any("pip wheel --no-deps --wheel-dir /wheels ." in r for r in build)
    runtime = " ".join(of("RUN", "runtime"))
    assert "pip install --no-cache-dir --no-index --find-links=/wheels ticketbot" in runtime


def test_the_runtime_stage_runs_unprivileged_with_volumes_and_a_health_check() -> None:
    assert of("USER", "runtime") == ["ticketbot"]
    assert "useradd --system --uid 10001" in " ".join(of("RUN", "runtime"))
    assert of("VOLUME", "runtime") == ['["/data", "/models"]']
    assert env_value("runtime", "TICKETBOT_HOME") == "/data"
    [healthcheck] = of("HEALTHCHECK", "runtime")
    assert healthcheck.endswith('CMD ["python", "/usr/local/lib/ticketbot/healthcheck.py"]')
    assert of("ENTRYPOINT", "runtime") == ['["ticketbot-entrypoint"]']
    assert of("CMD", "runtime") == ['["run"]']


def test_every_variable_is_a_setting_or_a_known_container_variable() -> None:
    known = set(ENV_NAMES) | CONTAINER_NAMES
    assert env_names("runtime") <= known | RUNTIME_NAMES
    assert env_names("build") <= BUILD_NAMES
    assert not env_names("runtime") & set(SECRET_NAMES)


def test_the_default_model_is_fetched_to_gguf_model_path() -> None:
    """The image's model step runs bot.model_fetch with GGUF_MODEL_PATH as the target; here it
    runs on the checkout's model, which is already there (no download): the import, the call
    and the checksum are the ones the image build uses."""
    path = env_value("runtime", "GGUF_MODEL_PATH")
    assert Path(path).parent == Path("/models")
    assert Path(path).name == default_model_path().name
    step = " ".join(of("RUN", "runtime"))
    code = re.search(r"python -c '([^']+)' \"\$GGUF_MODEL_PATH\"", step)
    assert code, step
    local = PROJECT_ROOT / "models" / Path(path).name
    if not local.exists():
        pytest.skip(f"{local} is not there (`make model` fetches it)")
    result = subprocess.run(
        [sys.executable, "-c", code[1], str(local)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_what_the_dockerfile_copies_exists_and_is_not_ignored() -> None:
    ignored = [
        line
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    for args in of("COPY"):
        if args.startswith("--from="):
            continue
        *sources, _ = args.split()
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), source
            assert not any(fnmatch.fnmatch(source, p) for p in ignored), source
    for secret in (".env", "ticketbot.env", "postgres.env", "ticketbot.db", ".venv"):
        assert any(fnmatch.fnmatch(secret, p) for p in ignored), secret
    # The wheel (built from the context) copies what bot/_shipped/ links to.
    for entry in (PROJECT_ROOT / "bot" / "_shipped").iterdir():
        target = str(entry.resolve().relative_to(PROJECT_ROOT))
        assert not any(fnmatch.fnmatch(target, p) for p in ignored), target


# --- the entry point -----------------------------------------------------------------------


def run_entrypoint(
    tmp_path: Path, *args: str, home: Path, fail_on: str = ""
) -> tuple[int, list[str]]:
    """Run deploy/docker-entrypoint.sh with a stand-in `ticketbot` that logs its arguments."""
    bin_dir, log = tmp_path / "fakebin", tmp_path / "calls.log"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "ticketbot"
    fake.write_text(f'#!/bin/sh\necho "$*" >> {log}\n[ "$*" != "{fail_on}" ]\n')
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "TICKETBOT_HOME": str(home)}
    result = subprocess.run(["sh", str(ENTRYPOINT), *args], env=env, timeout=30, check=False)
    calls = log.read_text().splitlines() if log.exists() else []
    return result.returncode, calls


def test_a_new_data_directory_is_initialised_then_migrated_then_run(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    assert run_entrypoint(tmp_path, home=home) == (0, ["init", "db upgrade", "run"])


def test_an_initialised_data_directory_is_only_migrated_then_run(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    (home / "config.yml").write_text("")
    assert run_entrypoint(tmp_path, "run", home=home) == (0, ["db upgrade", "run"])


def test_prepare_stops_before_running_and_other_words_are_ticketbot_commands(
    tmp_path: Path,
) -> None:
    home = tmp_path / "data"
    home.mkdir()
    assert run_entrypoint(tmp_path, "prepare", home=home) == (0, ["init", "db upgrade"])
    (tmp_path / "calls.log").unlink()
    assert run_entrypoint(tmp_path, "doctor", home=home) == (0, ["doctor"])


def test_a_failed_migration_never_runs_the_bot(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    status, calls = run_entrypoint(tmp_path, home=home, fail_on="db upgrade")
    assert status != 0 and calls == ["init", "db upgrade"]


def test_every_command_the_container_runs_is_a_ticketbot_command() -> None:
    """The entry point's steps, the Dockerfile's build check, and `doctor` from the docs."""
    script = ENTRYPOINT.read_text()
    commands = re.findall(r"^\s*(?:exec )?ticketbot ([a-z][a-z ]*)$", script, re.M)
    assert commands == ["init", "db upgrade", "run"]
    for words in [*commands, "doctor", "--version"]:
        resolve(words.split())
    assert "ticketbot --version" in " ".join(of("RUN", "runtime"))


# --- compose.yaml --------------------------------------------------------------------------


def bot_services() -> dict[str, dict[str, Any]]:
    services = compose()["services"].items()
    return {name: s for name, s in services if s.get("image") == "ticketbot:local"}


def test_two_replicas_on_postgresql_after_one_prepare() -> None:
    services = compose()["services"]
    assert set(bot_services()) == {"prepare", "bot"}
    assert services["bot"]["deploy"]["replicas"] == 2
    assert services["bot"]["depends_on"]["prepare"]["condition"] == "service_completed_successfully"
    assert services["postgres"]["image"].startswith("postgres:")
    assert [s["command"] for s in bot_services().values()] == [["prepare"], ["run"]]


def test_compose_variables_are_real_settings_and_no_secret_is_inline() -> None:
    for name, service in compose()["services"].items():
        inline = service.get("environment", {})
        assert not {
            k
            for k in inline
            if any(w in k for w in ("TOKEN", "PASSWORD", "KEY", "PAT")) and k != "JIRA_PROJECT_KEY"
        }, name
        if name in bot_services():
            assert set(inline) <= set(ENV_NAMES) | CONTAINER_NAMES, name
            assert "DATABASE_URL" not in inline  # it holds the database password
        assert service["env_file"], name


def test_compose_env_files_are_git_ignored() -> None:
    files = {f for service in compose()["services"].values() for f in service["env_file"]}
    assert files == {"ticketbot.env", "postgres.env"}
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    for name in files:
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", name], cwd=PROJECT_ROOT, check=False, timeout=30
        )
        assert ignored.returncode == 0, f"{name} is not git-ignored"


def test_compose_mounts_the_images_volumes_and_waits_for_the_shutdown_grace() -> None:
    bot = compose()["services"]["bot"]
    assert sorted(v.split(":")[1] for v in bot["volumes"]) == ["/data", "/models"]
    grace = re.fullmatch(r"(\d+)s", bot["stop_grace_period"])
    assert grace and int(grace[1]) >= Settings().pipeline.shutdown_grace_s + 5
    assert bot["read_only"] is True and bot["cap_drop"] == ["ALL"]


# --- the health check ----------------------------------------------------------------------


def load_healthcheck() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "healthcheck", PROJECT_ROOT / "deploy" / "healthcheck.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")
def test_health_without_an_endpoint_is_the_ticketbot_run_process() -> None:
    health = load_healthcheck()
    sleeper = [sys.executable, "-c", "import time; time.sleep(30)"]
    with (
        subprocess.Popen([*sleeper, "/opt/ticketbot/bin/ticketbot", "run"]) as bot,
        subprocess.Popen(sleeper) as other,
    ):
        try:
            assert health.process_problem(bot.pid) is None
            assert "is not `ticketbot run`" in health.process_problem(other.pid)
        finally:
            bot.kill()
            other.kill()
    assert health.process_problem(bot.pid) is not None  # gone (reaped)


def test_health_with_an_endpoint_needs_a_2xx_answer() -> None:
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 503)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    health = load_healthcheck()
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert health.endpoint_problem(f"{base}/healthz") is None
        assert "HTTP 503" in health.endpoint_problem(f"{base}/down")
    finally:
        server.shutdown()
        server.server_close()
    assert health.endpoint_problem(f"{base}/healthz") is not None  # nothing listens now
