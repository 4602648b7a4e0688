"""A Jira Cloud (or Server) emulator that the real ``jira`` package can talk to over HTTP.

Start it in a test::

    async with JiraEmulator() as jira:            # 127.0.0.1, a free port
        settings = JiraSettings(**jira.settings_kwargs())
        ...
        jira.issues["KAN-1"]["summary"]           # what was stored
        jira.requests                             # every request (method, path, query, body)

Fault injection: ``fail(503, retry_after=1, times=2, method="POST", path="/issue")`` (with
``delay_s=3``: answered that late), ``slow(5, method="POST", path="/issue")`` (the next create
answered normally, 5 s late), ``latency_s = 0.2``, ``drop_after_create()`` (the issue is
stored, then the connection is closed without an answer), ``down = True`` (every connection is
cut). A Jira user moving an issue: ``set_status("KAN-1", "Done")``; filing one:
``add_issue("Printer jams", issue_type="Bug", description="…")`` (a string, or an ADF dict).
``reporter_settable = False`` makes ``reporter`` "not on the screen". Other projects and
create screens: ``add_project("OPS", issue_types=(…), components=(…))``,
``require_field("OPS", "Incident", "customfield_10010", "Team", allowed=("Platform",))``,
or ``configure_projects({...})`` / ``--projects FILE`` (``projects.py``). ``env()`` gives the
``JIRA_*`` variables for a ``python app.py`` subprocess. After filing (``changes.py``):
``transition_as``, ``assign``, ``comment_as`` (``internal=True``: a JSM internal note),
``delete_issue``, ``move_issue``; every change is in the issue's changelog
(``expand=changelog``) and stamps ``updated`` (JQL ``updated >= "yyyy/MM/dd HH:mm"``,
``ORDER BY updated``); ``request_counts()`` (also ``GET /_emulator/requests``).

Routes (``/rest/api/2/…`` and ``/rest/api/3/…``; v3 takes and returns ADF rich text):
serverInfo, field, myself, project, project/{key}, issuetype, issue/createmeta…,
POST issue, GET/PUT issue/{key}, GET/POST issue/{key}/transitions, GET/POST issue/{key}/comment,
user/search, search/jql (Cloud) and search (Server; 410 on Cloud), GET or POST.
Search pages like Jira: ``search/jql`` by ``nextPageToken`` (no ``total``), ``search`` by
``startAt`` with ``maxResults`` and ``total``; a page is capped by the server (Cloud 100 issues
with fields, 5000 ids; Server 1000), or by ``search_page_cap = 50`` in a test.

Run alone: ``python -m emulators.jira --port 8089 [--server] [--projects FILE]``.
"""

from __future__ import annotations

from .adf import adf_from_text, adf_problem, adf_to_text
from .jql import Clause, JqlParser, tokenize
from .model import (
    ADF_NODES,
    CATEGORY,
    DEFAULT_EMAIL,
    DEFAULT_PAT,
    DEFAULT_STATUSES,
    DEFAULT_TOKEN,
    MAX_LABEL,
    MAX_SUMMARY,
    MAX_TEXT,
    SERVICE_ACCOUNT_ID,
    Fault,
    JiraHTTPError,
    RecordedRequest,
    jira_time,
    utf16_len,
)
from .server import JiraEmulator

__all__ = [
    "ADF_NODES",
    "CATEGORY",
    "DEFAULT_EMAIL",
    "DEFAULT_PAT",
    "DEFAULT_STATUSES",
    "DEFAULT_TOKEN",
    "MAX_LABEL",
    "MAX_SUMMARY",
    "MAX_TEXT",
    "SERVICE_ACCOUNT_ID",
    "Clause",
    "Fault",
    "JiraEmulator",
    "JiraHTTPError",
    "JqlParser",
    "RecordedRequest",
    "adf_from_text",
    "adf_problem",
    "adf_to_text",
    "jira_time",
    "tokenize",
    "utf16_len",
]
