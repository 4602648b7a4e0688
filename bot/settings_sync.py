"""``sync``: the Jira change feed (polling: there is no public endpoint for webhooks), what it
shows in Slack, and the reminders for tickets waiting for a decision (``bot.triage.sync``,
``bot.triage.reminders``)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

DIGEST_AT = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
WORKING_HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SyncSettings(_Section):
    enabled: bool = True
    interval_s: float = Field(default=60.0, gt=0)
    overlap_s: float = Field(default=120.0, ge=60)
    page_size: int = Field(default=100, ge=1, le=1000)
    backoff_max_s: float = Field(default=900.0, gt=0)
    lease_ttl_s: float = Field(default=180.0, gt=0)
    sweep_interval_s: float | None = Field(default=3600.0, gt=0)
    comments: bool = True
    comment_limit: int = Field(default=2500, ge=200, le=3500)
    reminder_after_s: float | None = Field(default=86_400.0, gt=0)
    reminder_check_s: float = Field(default=300.0, gt=0)
    working_hours: str | None = None  # "09:00-17:00", UTC, Monday to Friday
    digest_at: str | None = None  # "09:00" UTC: a daily direct message to each approver

    @field_validator("digest_at")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not DIGEST_AT.fullmatch(value.strip()):
            raise ValueError("write the digest time as HH:MM (UTC), e.g. 09:00")
        return value.strip()

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not WORKING_HOURS.fullmatch(value.strip()):
            raise ValueError("write working hours as HH:MM-HH:MM (UTC), e.g. 09:00-17:00")
        return value.strip()
