"""``sources``: tickets filed from an existing Slack message (the "File as ticket" message
shortcut, an emoji reaction) and the files copied from Slack to the Jira issue."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

EMOJI_NAME = re.compile(r"[a-z0-9_+'-]{1,100}")


class SourceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The emoji (its name, without colons) that files the message it is added to.
    reaction_emoji: str = "ticket"
    #: Whether that emoji files tickets in channels whose route does not say
    #: (``routing.channels.<channel>.emoji_filing`` wins).
    reaction_filing: bool = False
    #: Files larger than this are not copied to Jira (listed in a comment instead).
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)
    #: At most this many files of one message are copied; the others are listed as skipped.
    max_files: int = Field(default=10, ge=0, le=100)
    #: The connections used to copy files into Jira (its own pool: filing never waits on it).
    jira_workers: int = Field(default=2, ge=1, le=16)

    @field_validator("reaction_emoji")
    @classmethod
    def _emoji_name(cls, value: str) -> str:
        name = value.strip().strip(":").lower()
        if not EMOJI_NAME.fullmatch(name):
            raise ValueError(
                f"{value!r} is not an emoji name: write it as Slack does, like ticket or "
                "white_check_mark (colons optional)"
            )
        return name
