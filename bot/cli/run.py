"""`ticketbot run`: serve Slack, the same as `python app.py`."""

from __future__ import annotations

import sys

import click


@click.command("run")
def run_command() -> None:
    """Connect to Slack over Socket Mode and serve (the same as `python app.py`)."""
    from bot.runner import main as run_main

    sys.exit(run_main())
