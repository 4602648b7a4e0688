"""One typed ``Settings`` built from ``config.yml``, then ``.env``, then the environment
(``bot.settings_loader`` reads them).

Later sources win. ``config.yml`` is nested (see the file's comments); ``.env`` and the
environment use the flat public names of ``ENV_NAMES``. Secrets are ``SecretStr`` and never
appear in a repr, a log line or an error message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot import messages
from bot.errors import ConfigError
from bot.labels import Label
from bot.settings_encoder import EncoderSettings
from bot.settings_routing import RoutingSettings
from bot.settings_sources import SourceSettings
from bot.settings_sync import SyncSettings
from bot.urls import is_example_jira_url, url_secrets

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The checkout's default model; an installed package looks in the data directory instead
# (``settings_loader.default_model_path``).
DEFAULT_MODEL_PATH = PROJECT_ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
BACKEND_NAMES = ("llama", "openai", "kobold")

# Public flat name -> dotted path inside Settings. This table is the settings contract.
ENV_NAMES: dict[str, str] = {
    "SLACK_BOT_TOKEN": "slack.bot_token",
    "SLACK_APP_TOKEN": "slack.app_token",
    "SLACK_API_URL": "slack.api_url",
    "JIRA_BASE_URL": "jira.base_url",
    "JIRA_EMAIL": "jira.email",
    "JIRA_API_TOKEN": "jira.api_token",
    "JIRA_PAT": "jira.pat",
    "JIRA_PROJECT_KEY": "jira.project_key",
    "DATABASE_URL": "database.url",
    "LLM_BACKENDS": "classifier.backends",
    "GGUF_MODEL_PATH": "classifier.llama.model_path",
    "OPENAI_API_KEY": "classifier.openai.api_key",
    "OPENAI_BASE_URL": "classifier.openai.base_url",
    "OPENAI_MODEL": "classifier.openai.model",
    "KOBOLDCPP_API_URL": "classifier.kobold.api_url",
    "KOBOLDCPP_PASSWORD": "classifier.kobold.password",
    "APPROVERS": "approvals.approvers",
    "LOG_LEVEL": "logging.level",
    "LOG_FORMAT": "logging.format",
}
SECRET_NAMES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "JIRA_API_TOKEN",
    "JIRA_PAT",
    "OPENAI_API_KEY",
    "KOBOLDCPP_PASSWORD",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlackSettings(_Section):
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    api_url: str = "https://slack.com/api/"


class JiraSettings(_Section):
    base_url: str | None = None
    email: str | None = None
    api_token: SecretStr | None = None
    pat: SecretStr | None = None
    project_key: str | None = None
    api_version: Literal[2, 3] = 2
    email_in_description: bool = False  # name the requester's e-mail when no account matches
    issue_types: dict[Label, str] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]
            "Task": "Task",
            "Bug": "Bug",
            "Incident": "Incident",
            "Feature Request": "Story",
            "Question": "Task",
        }
    )
    default_issue_type: str = "Task"
    labels: list[str] = Field(default_factory=lambda: ["ticketbot"])
    transitions: dict[Literal["approve", "reject"], str | None] = Field(default_factory=dict)
    timeout_s: float = Field(default=15.0, gt=0)
    max_attempts: int = Field(default=4, ge=1)
    search_lag_s: float = Field(default=180.0, ge=0)

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("project_key")
    @classmethod
    def _upper_key(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else value


class LlamaSettings(_Section):
    model_path: Path = DEFAULT_MODEL_PATH
    n_ctx: int = Field(default=1024, ge=256)
    n_threads: int | None = Field(default=None, ge=1)
    max_ticket_tokens: int = Field(default=256, ge=32)
    calibrate: bool = True


class OpenAISettings(_Section):
    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    timeout_s: float = Field(default=20.0, gt=0)
    max_retries: int = Field(default=0, ge=0)  # the SDK's, inside BackendRetry


class KoboldSettings(_Section):
    api_url: str | None = None
    password: SecretStr | None = None
    timeout_s: float = Field(default=30.0, gt=0)


class ClassifierSettings(_Section):
    backends: list[str] = Field(default_factory=lambda: ["llama"])
    default_label: Label = "Task"
    backend_timeout_s: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=3, ge=1)
    breaker_failures: int = Field(default=3, ge=1)
    breaker_cooldown_s: float = Field(default=60.0, ge=0)
    memory_lean: bool = True  # the learning memory without scikit-learn (bot.learn.memory)
    llama: LlamaSettings = Field(default_factory=LlamaSettings)
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    kobold: KoboldSettings = Field(default_factory=KoboldSettings)

    @field_validator("backends", mode="before")
    @classmethod
    def _split_backends(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("backends")
    @classmethod
    def _known_backends(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in BACKEND_NAMES]
        if unknown:
            raise ValueError(
                f"unknown backend {unknown[0]!r}; choose from {', '.join(BACKEND_NAMES)}"
            )
        if not value:
            raise ValueError("needs at least one backend")
        return value


class ApprovalSettings(_Section):
    approvers: list[str] = Field(default_factory=list)
    allow_self_approval: bool = False

    @field_validator("approvers", mode="before")
    @classmethod
    def _split_approvers(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("approvers")
    @classmethod
    def _user_ids(cls, value: list[str]) -> list[str]:
        for user_id in value:
            if user_id[:1] not in ("U", "W") or not user_id.isalnum() or user_id.upper() != user_id:
                raise ValueError(f"{user_id!r} is not a Slack user id (like U012ABCDEF)")
        return value


class PipelineSettings(_Section):
    """How hard the bot tries before a ticket goes to ``failed`` and how work is bounded."""

    max_attempts: int = Field(default=8, ge=1)
    give_up_after_s: float = Field(default=86_400.0, gt=0)
    retry_base_s: float = Field(default=5.0, gt=0)
    retry_max_s: float = Field(default=300.0, gt=0)
    resume_interval_s: float = Field(default=15.0, gt=0)
    concurrency: int = Field(default=8, ge=1)
    shutdown_grace_s: float = Field(default=20.0, ge=0)  # signal to exit, all drains included
    lease_ttl_s: float = Field(default=30.0, gt=0)


class StatusSettings(_Section):
    """`/ticket_status`: who may read what (``bot.triage.visibility``) and its own Jira pool."""

    any_issue: bool = False  # also look up keys the bot did not file, as the Jira account sees
    jira_workers: int = Field(default=2, ge=1, le=8)
    members_cache_s: float = Field(default=60.0, ge=0)


class QuotaSettings(_Section):
    """Per person and for the whole bot; ``None`` switches one off (``bot.triage.quotas``)."""

    tickets: int | None = Field(default=10, ge=1)  # `/ticket` and the form, per tickets_window_s
    tickets_window_s: float = Field(default=600.0, gt=0)
    status_lookups: int | None = Field(default=30, ge=1)  # per status_window_s
    status_window_s: float = Field(default=60.0, gt=0)
    unfinished_per_requester: int | None = Field(default=20, ge=1)
    unfinished_total: int | None = Field(default=1000, ge=1)
    busy_retry_s: float = Field(default=300.0, gt=0)  # "try again in …" when a cap is reached


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///tickets.db"


class MetricsSettings(_Section):
    """The opt-in health and Prometheus endpoint (``bot.metrics_http``); never for Slack."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)  # 0: any free port (tests)


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("format", mode="before")
    @classmethod
    def _lower_format(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class Settings(_Section):
    slack: SlackSettings = Field(default_factory=SlackSettings)
    jira: JiraSettings = Field(default_factory=JiraSettings)
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)
    approvals: ApprovalSettings = Field(default_factory=ApprovalSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    status: StatusSettings = Field(default_factory=StatusSettings)
    quotas: QuotaSettings = Field(default_factory=QuotaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    sources: SourceSettings = Field(default_factory=SourceSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    encoder: EncoderSettings = Field(default_factory=EncoderSettings)

    def secret_values(self) -> list[str]:
        """Every configured secret, passwords inside URLs included, for log redaction."""
        values = [lookup_dotted(self, ENV_NAMES[name]) for name in SECRET_NAMES]
        urls = (self.database.url, self.classifier.openai.base_url, self.classifier.kobold.api_url)
        return [
            v.get_secret_value()
            for v in values
            if isinstance(v, SecretStr) and v.get_secret_value()
        ] + [secret for url in urls for secret in url_secrets(url)]


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def lookup_dotted(obj: Any, dotted: str) -> Any:
    """The value at a dotted path (``slack.bot_token``) of a settings object."""
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def require_for_run(settings: Settings) -> None:
    """Raise ConfigError for the first setting the bot cannot connect without."""
    slack = settings.slack
    _require_token("SLACK_BOT_TOKEN", slack.bot_token, "xoxb-")
    _require_token("SLACK_APP_TOKEN", slack.app_token, "xapp-")
    jira = settings.jira
    for name, value in (("JIRA_BASE_URL", jira.base_url), ("JIRA_PROJECT_KEY", jira.project_key)):
        if not value:
            raise ConfigError(name, "is missing", messages.SETTING_FIXES[name])
    if is_example_jira_url(jira.base_url):
        raise ConfigError(
            "JIRA_BASE_URL", messages.EXAMPLE_JIRA_URL, messages.SETTING_FIXES["JIRA_BASE_URL"]
        )
    if jira.pat is None and (jira.email is None or jira.api_token is None):
        missing = "JIRA_EMAIL" if jira.email is None else "JIRA_API_TOKEN"
        raise ConfigError(missing, "is missing", messages.SETTING_FIXES[missing])


def _require_token(name: str, value: SecretStr | None, prefix: str) -> None:
    if value is None:
        raise ConfigError(name, "is missing", messages.SETTING_FIXES[name])
    if not value.get_secret_value().startswith(prefix):
        raise ConfigError(name, f"must start with {prefix}", messages.SETTING_FIXES[name])
