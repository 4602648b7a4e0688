"""What the sandboxed bot is given: the user's environment, minus Slack, Jira and the database.

The bot's working directory is a temp dir, so a real `.env` is never read and the sandbox cannot
reach a real Slack workspace or Jira site. Classifier settings are carried over from the
environment and `.env`, so the sandbox classifies with the backend the user chose (the local
model by default: the user's, in the checkout's or the user's data directory, since the
sandboxed bot's own data directory is the temp dir).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from bot.settings_loader import data_dir, default_model_path

SANDBOXED_PREFIXES = ("SLACK_", "JIRA_")
SANDBOXED = frozenset({"DATABASE_URL", "APPROVERS"})
CLASSIFIER_VARS = (
    "LLM_BACKENDS",
    "GGUF_MODEL_PATH",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "KOBOLDCPP_API_URL",
)
PATH_VARS = ("TICKETBOT_CONFIG", "GGUF_MODEL_PATH")
DEFAULT_BACKENDS = "llama"


def bot_environment(
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
    emulators: Mapping[str, str],
    *,
    cwd: Path,
) -> dict[str, str]:
    """The bot's environment: the user's, minus Slack/Jira/database, plus the emulators'.

    Classifier settings from ``dotenv`` fill in what ``environ`` lacks; relative paths are
    made absolute because the bot runs in the temp dir: against the data directory for those
    from ``dotenv`` (as the bot reads them), against ``cwd`` for the environment's.
    """
    env = {k: v for k, v in environ.items() if not _sandboxed(k)}
    home = data_dir(environ)
    for name in CLASSIFIER_VARS:
        if name not in env and dotenv.get(name):
            value = dotenv[name]
            env[name] = str(home / Path(value).expanduser()) if name in PATH_VARS else value
    env.setdefault("LLM_BACKENDS", DEFAULT_BACKENDS)
    env.setdefault("GGUF_MODEL_PATH", str(default_model_path(environ)))
    for name in PATH_VARS:
        if env.get(name):
            env[name] = str(cwd / Path(env[name]).expanduser())
    env.update(emulators)
    return env


def _sandboxed(name: str) -> bool:
    return name in SANDBOXED or name.startswith(SANDBOXED_PREFIXES)


def read_dotenv(path: Path | None = None) -> dict[str, str]:
    """The `.env` of the data directory (what the real bot would read), as a dict."""
    values = dotenv_values(path or data_dir() / ".env")
    return {k: v for k, v in values.items() if v is not None}


def chosen_backends(environ: Mapping[str, str]) -> str:
    """The classifier order the sandboxed bot will use."""
    return bot_environment(environ, read_dotenv(), {}, cwd=Path.cwd())["LLM_BACKENDS"]
