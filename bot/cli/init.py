"""`ticketbot init`: create the data directory with a commented config.yml and a .env template.

The data directory (``TICKETBOT_HOME``, see ``bot.settings_loader.data_dir``) is created
private (0700); ``.env`` will hold secrets and is created 0600. Existing files are never
overwritten: if either file is already there, nothing is written.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from bot import __version__, shipped
from bot.cli.support import fail
from bot.settings_loader import data_dir, default_model_path

CONFIG_HEADER = """\
# Written by `ticketbot init` (ticketbot {version}): a copy of the packaged defaults.
# Edit what you need. This file overrides the defaults key by key, so a key you delete falls
# back to the packaged default; TICKETBOT_CONFIG names another file to read instead of this one.

"""
EXISTS = (
    "ticketbot init: not overwriting {paths}; nothing was written. Edit what is there, or move "
    "it away and run `ticketbot init` again."
)
NEXT_STEPS = """\
ticketbot's data directory: {home}
  config.yml  settings, commented (what you leave out keeps the packaged default)
  .env        secrets template, readable only by you

Next:
  1. Fill in {env}:
     the Slack tokens, the Jira site, account and token (README: Slack, Jira), and the
     Slack user ids of the approvers (APPROVERS).
  2. Choose the classifier. The default local model is looked for at
       {model}
     Download it (98 MB) with: {python} -m bot.model_fetch
     Or use an OpenAI-compatible server: LLM_BACKENDS=openai and OPENAI_* in .env.
  3. ticketbot doctor   checks every setting and connection, one row each
  4. ticketbot run      connects to Slack (and migrates the database first)
To try it without Slack or Jira first: ticketbot sandbox"""


@click.command("init")
def init_command() -> None:
    """Create the data directory with a commented config.yml and a .env template."""
    home = data_dir()
    config, env = home / "config.yml", home / ".env"
    existing = [str(path) for path in (config, env) if path.exists()]
    if existing:
        fail(EXISTS.format(paths=" and ".join(existing)))
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    header = CONFIG_HEADER.format(version=__version__)
    _create(config, header + shipped.CONFIG.read_text(encoding="utf-8"), 0o644)
    _create(env, shipped.ENV_TEMPLATE.read_text(encoding="utf-8"), 0o600)
    click.echo(
        NEXT_STEPS.format(home=home, env=env, model=default_model_path(), python=sys.executable)
    )


def _create(path: Path, text: str, mode: int) -> None:
    """Write a new file with ``mode``; never replaces one (``O_EXCL``)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        fail(EXISTS.format(paths=path))
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
