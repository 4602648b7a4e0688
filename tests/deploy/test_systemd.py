"""deploy/ticketbot.service: `systemd-analyze verify` accepts it, and it keeps its hardening.

`systemd-analyze verify` also checks that each Exec*= program exists, and the unit names the
install location /opt/ticketbot, which a test machine lacks: the verified copy differs from the
real unit in that path only (it points at an executable stub).
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.conftest import PROJECT_ROOT

UNIT = PROJECT_ROOT / "deploy" / "ticketbot.service"
INSTALLED = "/opt/ticketbot/bin/ticketbot"
DATA_DIR = "/var/lib/ticketbot"


def service_section() -> dict[str, list[str]]:
    """[Service] keys with every value given (systemd allows a key more than once)."""
    values: dict[str, list[str]] = {}
    section = None
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian's `systemd`; .ci/run installs it)")
    stub = tmp_path / "bin" / "ticketbot"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    text = UNIT.read_text()
    assert INSTALLED in text
    unit = tmp_path / "ticketbot.service"
    unit.write_text(text.replace(INSTALLED, str(stub)))
    result = subprocess.run(
        [tool, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    output = (result.stdout + result.stderr).strip()
    # Unknown keys and bad values are only warnings to systemd (exit status 0): refuse those too.
    assert result.returncode == 0 and "ticketbot.service" not in output, output


def test_the_unit_is_hardened() -> None:
    service = service_section()
    assert service["User"] == ["ticketbot"] or service.get("DynamicUser") == ["yes"]
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "NoNewPrivileges": "yes",
        "CapabilityBoundingSet": "",
        "RestrictSUIDSGID": "yes",
        "ReadWritePaths": DATA_DIR,
        "Restart": "on-failure",
    }.items():
        assert service.get(key) == [value], key
    assert service["Environment"].count(f"TICKETBOT_HOME={DATA_DIR}") == 1


def test_systemd_waits_longer_than_the_bots_own_shutdown_grace() -> None:
    stop_s = float(service_section()["TimeoutStopSec"][0])
    assert stop_s >= Settings().pipeline.shutdown_grace_s + 5


def test_the_unit_runs_the_containers_steps() -> None:
    """The same commands as deploy/docker-entrypoint.sh (init is done once, by hand)."""
    service = service_section()
    assert service["ExecStartPre"] == [f"{INSTALLED} db upgrade"]
    assert service["ExecStart"] == [f"{INSTALLED} run"]


def test_the_unit_is_valid_ini() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    assert parser.sections() == ["Unit", "Service", "Install"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"
