"""The files the package needs at run time, found through the package, never through a checkout.

They live in ``bot/_shipped/``: the default ``config.yml``, the Slack app ``manifest.yml``,
the ``.env`` template (``env.example``) and the Alembic ``migrations/``. In the repository each
entry there is a relative symlink to the one real file at the top of the tree, where the
required layout keeps it; building the wheel copies the content into ``bot/_shipped/``
(``[tool.setuptools.package-data]`` in pyproject.toml). A checkout and an installed package
therefore read the same files through the same paths.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped(name: str) -> Path:
    """The path of a shipped file (a wheel is installed unpacked, so it is a real path)."""
    return Path(str(files("bot").joinpath("_shipped", name)))


CONFIG = shipped("config.yml")
MANIFEST = shipped("manifest.yml")
ENV_TEMPLATE = shipped("env.example")
MIGRATIONS = shipped("migrations")
