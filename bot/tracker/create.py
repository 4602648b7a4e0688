"""One create request: the project and type (``screens``), the reporter, the fields, the POST.

``Tracker.create_issue`` runs ``IssueCreator.create_once`` under ``JiraRetry``. A ticket goes
to its route's project (``NewIssue.project_key``, else ``jira.project_key``) with its route's
labels and components and the values its required fields need. A 400 that names fields means
the cached create metadata is stale (a field became required): it is read again and the
create sent once more with what it now says; a 400 about the reporter files without one.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.errors import TrackerValidationError
from bot.settings import JiraSettings
from bot.tracker import fields as build
from bot.tracker.connection import JiraConnection
from bot.tracker.createmeta import CreateMeta
from bot.tracker.keys import browse_url, installation_label, ticket_label
from bot.tracker.models import IssueRef, NewIssue
from bot.tracker.reporters import ReporterLookup
from bot.tracker.required import BOT_FIELDS
from bot.tracker.screens import Choice, Wanted, choose
from bot.tracker.summary import make_summary

log = logging.getLogger(__name__)


class IssueCreator:
    def __init__(
        self,
        settings: JiraSettings,
        conn: JiraConnection,
        meta: CreateMeta,
        reporters: ReporterLookup,
    ) -> None:
        self._settings = settings
        self._conn = conn
        self._meta = meta
        self._reporters = reporters
        self._reporter_refused = False

    def wanted(self, new: NewIssue) -> Wanted:
        settings = self._settings
        label_type = settings.issue_types.get(new.label, settings.default_issue_type)
        return Wanted(
            project=new.project_key or settings.project_key or "",
            issue_type=new.issue_type or label_type,
            default_type=new.default_issue_type or settings.default_issue_type,
            values=new.field_values,
            components=new.components,
        )

    async def create_once(self, new: NewIssue) -> IssueRef:
        wanted = self.wanted(new)
        choice = await choose(self._meta, wanted, ticket_id=new.ticket_id)
        reporter = None
        if not self._reporter_refused:
            reporter = await self._reporters.reporter_for(
                new.requester_email, ticket_id=new.ticket_id
            )
        try:
            key = await self._post(new, wanted.project, choice, reporter)
        except TrackerValidationError as err:
            if reporter is not None and "reporter" in err.field_errors:
                log.warning(
                    "ticket %s: Jira refused the reporter (%s); filing as the service account",
                    new.ticket_id, err.field_errors["reporter"],
                )
                self._reporter_refused = "cannot be set" in err.field_errors["reporter"]
                reporter = None
            elif set(err.field_errors) - (BOT_FIELDS - {"issuetype"}):
                log.warning(
                    "ticket %s: Jira refused fields %s; reading its create metadata again",
                    new.ticket_id, ", ".join(sorted(err.field_errors)),
                )
                self._meta.forget(wanted.project)
                fresh = await choose(self._meta, wanted, ticket_id=new.ticket_id)
                if fresh == choice:
                    raise
                choice = fresh
            else:
                raise
            key = await self._post(new, wanted.project, choice, reporter)
        log.info(
            "ticket %s: created Jira issue %s (%s)", new.ticket_id, key, choice.issue_type
        )
        url = browse_url(self._settings.base_url or "", key)
        return IssueRef(key, url, choice.issue_type, reporter is not None, choice.note)

    async def _post(
        self, new: NewIssue, project: str, choice: Choice, reporter: dict[str, str] | None
    ) -> str:
        payload = self.fields_for(new, project, choice, reporter)
        issue = await self._conn.call(
            lambda c: c.create_issue(fields=payload, prefetch=False), action="create issue"
        )
        return str(issue.key)

    def fields_for(
        self, new: NewIssue, project: str, choice: Choice, reporter: dict[str, str] | None
    ) -> dict[str, Any]:
        fallback = f"Request from {new.requester_name} in Slack"
        override = new.summary if new.summary and new.summary.strip() else None
        summary = make_summary(override or new.text, fallback=fallback)
        description = build.description(
            new,
            api_version=self._settings.api_version,
            reporter_mapped=reporter is not None,
            show_email=self._settings.email_in_description,
            notes=(choice.note,) if choice.note else (),
        )
        labels = self._settings.labels if new.labels is None else list(new.labels)
        payload = build.issue_fields(
            project_key=project,
            issue_type=choice.issue_type,
            summary=summary,
            description=description,
            labels=build.issue_labels(
                [*labels, installation_label(new.installation)],
                ticket_label(new.installation, new.ticket_id),
            ),
            reporter=reporter,
        )
        return {**choice.values, **payload}
