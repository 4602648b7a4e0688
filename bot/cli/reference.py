"""``ticketbot config reference``: the configuration reference (docs/configuration.md), made
from the settings model, the public variable names and the shipped config.yml's comments."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel, SecretStr

from bot.settings import ENV_NAMES, PROJECT_ROOT, SECRET_NAMES, Settings
from bot.shipped import CONFIG

HEADER = """# Configuration reference

Made by `ticketbot config reference` from the settings model and the comments of the shipped
`config.yml`; `tests/cli/test_reference.py` fails when this file is out of date. Settings come
from the shipped `config.yml`, then your `config.yml` (`TICKETBOT_CONFIG`, default: the one in
the data directory), then `.env`, then the environment; the environment wins. Secrets can only
be set in `.env` or the environment and are never printed.

| setting | variable | default | what it does |
|---|---|---|---|
"""
VARIABLE_NOTES = {
    "SLACK_BOT_TOKEN": "Bot token, `xoxb-…` (Slack app → OAuth & Permissions).",
    "SLACK_APP_TOKEN": "App-level token, `xapp-…`, with `connections:write` (Socket Mode).",
    "JIRA_EMAIL": "Jira Cloud: the account's e-mail, with `JIRA_API_TOKEN`.",
    "JIRA_API_TOKEN": "Jira Cloud: an API token of that account.",
    "JIRA_PAT": "Jira Server / Data Center: a personal access token (instead of e-mail + token).",
    "JIRA_PROJECT_KEY": "The project new issues go to.",
    "OPENAI_API_KEY": "Key for OpenAI or a compatible server (any value if it checks none).",
    "KOBOLDCPP_PASSWORD": "The `--password` KoboldCPP was started with.",
    "DATABASE_URL": "The ticket log: a SQLite file in the data directory, or PostgreSQL by URL.",
}
_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][\w ]*):")


def comments_by_key() -> dict[str, str]:
    """Each dotted key of the shipped config.yml → the comment lines just above it."""
    found: dict[str, str] = {}
    path: list[tuple[int, str]] = []
    pending: list[str] = []
    for line in CONFIG.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        match = _KEY.match(line)
        if not match:
            pending = [] if not stripped else pending
            continue
        indent = len(match["indent"])
        path = [(i, k) for i, k in path if i < indent] + [(indent, match["key"])]
        if pending:
            found[".".join(k for _, k in path)] = " ".join(pending)
        pending = []
    return found


def rows(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        dotted = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield from rows(value, f"{dotted}.")
        else:
            yield dotted, value


def reference() -> str:
    variables = {dotted: name for name, dotted in ENV_NAMES.items()}
    secrets = {ENV_NAMES[name] for name in SECRET_NAMES}
    notes = comments_by_key()
    lines = [HEADER.rstrip("\n")]
    for dotted, value in rows(Settings()):
        note = notes.get(dotted) or VARIABLE_NOTES.get(variables.get(dotted, ""), "")
        default = "(secret)" if dotted in secrets or isinstance(value, SecretStr) else _shown(value)
        variable = f"`{variables[dotted]}`" if dotted in variables else ""
        lines.append(f"| `{dotted}` | {variable} | {default} | {_cell(note)} |")
    return "\n".join(lines) + "\n"


def _shown(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, Path) and value.is_relative_to(PROJECT_ROOT):
        value = value.relative_to(PROJECT_ROOT)  # the same on every machine
    return f"`{_cell(str(value))}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


@click.command("reference")
def reference_command() -> None:
    """Print the configuration reference (Markdown), as docs/configuration.md holds it."""
    click.echo(reference(), nl=False)
