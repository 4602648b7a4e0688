"""`ticketbot sandbox`: the whole bot in a terminal, with no Slack workspace or Jira site."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import IO

import click

from emulators.stack import BotFailed
from sandbox import wording
from sandbox.environment import chosen_backends
from sandbox.session import Session
from sandbox.terminal import InteractiveTerminal, ScriptTerminal, Terminal
from sandbox.workspace import SandboxOptions, open_stack

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


async def run_sandbox(
    terminal: Terminal,
    options: SandboxOptions | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Start everything, run the session on ``terminal``, stop everything; the exit code.

    ``environ`` (default ``os.environ``) is the user's environment the bot's is built from.
    """
    options = options or SandboxOptions()
    environ = os.environ if environ is None else environ
    terminal.show(wording.BANNER.format(backends=chosen_backends(environ)))
    terminal.show(wording.STARTING)
    try:
        async with open_stack(options, environ) as stack:
            terminal.show(wording.BOT_LOG.format(path=stack.bot.log_path))
            try:
                await Session(stack, terminal).run()
            finally:
                terminal.show(wording.BYE)
    except BotFailed as exc:
        template = wording.BOT_NEVER_CONNECTED if exc.code is None else wording.BOT_DIED
        terminal.show(template.format(code=exc.code, log=exc.log))
        return EXIT_FAILED
    return EXIT_OK


def run_script(lines: Iterable[str], write: Callable[[str], None] = print) -> int:
    """The non-interactive sandbox: ``lines`` are typed one by one, the transcript written."""
    return asyncio.run(run_sandbox(ScriptTerminal(lines, write)))


@click.command("sandbox")
@click.option(
    "--script",
    type=click.File("r", encoding="utf-8"),
    help="Run the commands in FILE (one a line, # comments) instead of asking; - for stdin.",
)
def sandbox_command(script: IO[str] | None) -> None:
    """Try the bot in a terminal: the real bot against emulated Slack and Jira."""
    try:
        if script is not None:
            code = run_script(script, click.echo)
        else:
            code = asyncio.run(run_sandbox(InteractiveTerminal()))
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    raise SystemExit(code)
