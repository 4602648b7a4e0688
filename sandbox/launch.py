"""`make run`: the real bot when Slack tokens are configured, else the sandbox with a banner.

`python -m sandbox.launch`. `python app.py` itself never falls back to the sandbox: it
keeps failing fast (exit 2) without tokens.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping

from dotenv import dotenv_values

from bot.settings_loader import data_dir
from sandbox import wording

TOKENS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")


def tokens_configured(environ: Mapping[str, str], dotenv: Mapping[str, str | None]) -> bool:
    """Whether any Slack token is set, in the environment or in `.env`."""
    return any(environ.get(name) or dotenv.get(name) for name in TOKENS)


def main() -> int:
    if tokens_configured(os.environ, dotenv_values(data_dir() / ".env")):
        from bot.runner import main as run_bot

        return run_bot()
    from sandbox.commands import EXIT_INTERRUPTED, run_sandbox
    from sandbox.terminal import InteractiveTerminal

    print(wording.NO_TOKENS_BANNER, flush=True)
    try:
        return asyncio.run(run_sandbox(InteractiveTerminal()))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
