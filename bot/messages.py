"""Every sentence a person reads: Slack replies, CLI output, and how to fix a setting.

Keeping the wording here makes it reviewable in one place and keeps listeners free of prose.
"""

from __future__ import annotations

from typing import Final

# How to fix each setting; used by ConfigError so the one-line start-up error says what to do.
SETTING_FIXES: Final[dict[str, str]] = {
    "TICKETBOT_CONFIG": "point it at an existing config.yml or unset it to use the shipped one",
    "SLACK_BOT_TOKEN": (
        "install the app from manifest.yml and copy the Bot User OAuth Token (xoxb-…) "
        "into .env (README § Slack)"
    ),
    "SLACK_APP_TOKEN": (
        "create an app-level token with connections:write (README § Slack) and put it in .env"
    ),
    "SLACK_API_URL": "leave it unset for slack.com, or give the Web API base URL ending in /api/",
    "JIRA_BASE_URL": "set it to your site, e.g. https://your-team.atlassian.net (README § Jira)",
    "JIRA_EMAIL": "set it to the Atlassian account email that owns JIRA_API_TOKEN (README § Jira)",
    "JIRA_API_TOKEN": (
        "create one at https://id.atlassian.com/manage-profile/security/api-tokens and put it "
        "in .env, or set JIRA_PAT for Jira Server / Data Center (README § Jira)"
    ),
    "JIRA_PAT": "create a personal access token in your Jira profile and put it in .env",
    "JIRA_PROJECT_KEY": "set it to the key of the project new issues go to, e.g. KAN",
    "DATABASE_URL": (
        "use sqlite+aiosqlite:///tickets.db or postgresql+asyncpg://user:pass@host/db"
    ),
    "LLM_BACKENDS": "a comma-separated order from llama, openai, kobold, e.g. llama,openai",
    "GGUF_MODEL_PATH": "point it at a .gguf file; `make run` downloads the default into models/",
    "OPENAI_API_KEY": "put your key in .env (any value for servers that do not check it)",
    "OPENAI_BASE_URL": "the server's base URL ending in /v1, e.g. http://localhost:8000/v1",
    "OPENAI_MODEL": "the model name the server expects, e.g. gpt-4o-mini",
    "KOBOLDCPP_API_URL": "the KoboldCPP API root, e.g. http://localhost:5001/api",
    "APPROVERS": "comma-separated Slack user ids (profile → ⋮ → Copy member ID), e.g. U012AB,U034CD",
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR",
    "LOG_FORMAT": "text or json",
}

CONFIG_ERROR_PREFIX: Final = "ticketbot: configuration error:"
DATABASE_BEHIND: Final = (
    "the database at {url} is at revision {current} but this version needs {head}; "
    "run `ticketbot db upgrade`"
)
DATABASE_UNREACHABLE: Final = "cannot open the database {url}: {reason}"
