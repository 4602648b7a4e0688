"""requirements.lock and requirements-dev.lock: complete, hashed, and in step with pyproject.toml.

`make` installs every dependency from these files with pip's --require-hashes and then the
project with --no-deps, so a dependency that pyproject.toml asks for and the lock lacks would
only show up as a failed `pip check`. These tests say which one, and that `make lock` fixes it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import PROJECT_ROOT

LOCKS = ("requirements.lock", "requirements-dev.lock")
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+?)(?: ; (?P<marker>[^\\]+?))? \\$"
)
HASH = re.compile(r"^    --hash=sha256:[0-9a-f]{64}(?: \\)?$")


@dataclass(frozen=True)
class Pin:
    version: Version
    marker: Marker | None
    hashes: int


@cache
def pins(lock: str) -> dict[str, Pin]:
    found: dict[str, Pin] = {}
    current: str | None = None
    for line in (PROJECT_ROOT / lock).read_text().splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match["name"])
            assert current not in found, f"{lock}: {current} pinned twice"
            marker = Marker(match["marker"]) if match["marker"] else None
            found[current] = Pin(Version(match["version"]), marker, 0)
        elif line.startswith("    --hash="):
            assert current is not None and HASH.match(line), f"{lock}: stray hash line {line!r}"
            pin = found[current]
            found[current] = Pin(pin.version, pin.marker, pin.hashes + 1)
        elif line and not line.startswith("#") and not line.lstrip().startswith("#"):
            pytest.fail(f"{lock}: unexpected line {line!r}")
    return found


def project() -> dict[str, list[str]]:
    data = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    return {
        "requirements.lock": data["dependencies"],
        "requirements-dev.lock": data["dependencies"] + data["optional-dependencies"]["dev"],
    }


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_carries_hashes(lock: str) -> None:
    missing = [name for name, pin in pins(lock).items() if pin.hashes == 0]
    assert pins(lock) and not missing, f"{lock}: no --hash for {missing}"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_declared_dependency_is_locked_within_its_range(lock: str) -> None:
    for line in project()[lock]:
        requirement = Requirement(line)
        pin = pins(lock).get(canonicalize_name(requirement.name))
        assert pin is not None, f"{lock} lacks {requirement.name}: run `make lock`"
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{lock} pins {requirement.name}=={pin.version}, outside {requirement.specifier}: "
            "run `make lock`"
        )


def test_runtime_dependencies_have_an_upper_bound_and_dev_tools_are_pinned() -> None:
    for line in project()["requirements.lock"]:
        spec = Requirement(line).specifier
        assert any(s.operator in {"<", "~="} for s in spec), f"{line}: no upper bound"
    for line in project()["requirements-dev.lock"][len(project()["requirements.lock"]) :]:
        assert [s.operator for s in Requirement(line).specifier] == ["=="], f"{line}: not pinned"


def test_the_dev_lock_pins_the_runtime_lock_unchanged() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    changed = {
        name: (pin.version, dev[name].version)
        for name, pin in runtime.items()
        if name not in dev or dev[name].version != pin.version
    }
    assert not changed, f"requirements-dev.lock differs from requirements.lock: {changed}"


def test_llama_cpp_python_is_locked_by_its_sdist_hash() -> None:
    """The Makefile and the Dockerfile compile it from its sdist with their own CMAKE_ARGS."""
    pin = pins("requirements.lock")["llama-cpp-python"]
    assert pin.hashes >= 1 and pin.marker is None
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "sed -n '/^llama-cpp-python==/,/# via/p' $(LOCK)" in makefile
