"""What a Jira user does to issues after they are filed, and what Jira records about it.

Every change stamps the issue's ``updated`` and appends a changelog history (``id``,
``author``, ``created``, ``items`` of ``field`` / ``from`` / ``fromString`` / ``to`` /
``toString``), returned with ``expand=changelog`` on an issue read or a search. Comments carry
their author, and a JSM internal comment (``properties`` ``sd.public.comment``
``{"internal": true}``) or a restricted one (``visibility``) is stored as such and shown as
Jira shows it (``jsdPublic: false``, ``visibility``).

The test API (a person in Jira): ``transition_as``/``set_status``, ``assign``,
``comment_as``, ``delete_issue``, ``move_issue``; ``request_counts()`` counts requests per
method and path (issue keys folded into ``{key}``); over HTTP: ``control.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .base import JiraState
from .call import Call
from .model import CATEGORY, JiraHTTPError, jira_time

_KEY_IN_PATH = re.compile(r"/[A-Z][A-Z0-9_]+-[0-9]+(?=/|$)|/\d{5,}(?=/|$)")


def record_change(
    state: JiraState, stored: dict[str, Any], author: str | None, items: list[dict[str, Any]]
) -> None:
    """Stamp ``updated`` and append one changelog history (nothing when ``items`` is empty)."""
    now = jira_time()
    stored["updated"] = now
    if not items:
        return
    state.next_change_id += 1
    stored.setdefault("histories", []).append(
        {
            "id": str(state.next_change_id),
            "author": author or state.users[0]["accountId"],
            "created": now,
            "items": items,
        }
    )


def item(
    field: str, old: Any, new: Any, *, old_id: Any = None, new_id: Any = None
) -> dict[str, Any]:
    return {
        "field": field,
        "fieldtype": "jira",
        "fieldId": field,
        "from": old_id,
        "fromString": old,
        "to": new_id,
        "toString": new,
    }


def status_items(state: JiraState, old: str, new: str) -> list[dict[str, Any]]:
    """The items of a status change; a move into or out of a done status changes the
    resolution too, as Jira's default workflows do."""
    if old == new:
        return []
    items = [item("status", old, new, old_id=_status_id(state, old), new_id=_status_id(state, new))]
    was_done, is_done = (state.statuses[s] == "done" for s in (old, new))
    if was_done != is_done:
        items.append(item("resolution", "Done" if was_done else None, "Done" if is_done else None))
    return items


def _status_id(state: JiraState, status: str) -> str:
    return str(10000 + list(state.statuses).index(status))


class ChangeResources(JiraState):
    """The people in Jira, and the request counter (see the module docstring)."""

    def transition_as(self, key: str, status: str, *, author: str | None = None) -> None:
        """Move an issue to ``status`` as ``author`` (an accountId; default: the service
        account), recorded in its changelog."""
        if status not in self.statuses:
            raise KeyError(f"unknown status {status!r}; have {list(self.statuses)}")
        stored = self.issues[key]
        items = status_items(self, stored["status"], status)
        stored["status"] = status
        record_change(self, stored, author or self._human(), items)

    def assign(self, key: str, account_id: str | None, *, author: str | None = None) -> None:
        """Assign (or with None unassign) an issue, recorded in its changelog."""
        stored = self.issues[key]
        old, new = stored["assignee"], account_id
        if new is not None and not any(new in (u["accountId"], u["name"]) for u in self.users):
            raise KeyError(f"no Jira user {new!r}")
        stored["assignee"] = new
        items = (
            []
            if old == new
            else [item("assignee", self._display(old), self._display(new), old_id=old, new_id=new)]
        )
        record_change(self, stored, author or self._human(), items)

    def comment_as(
        self,
        key: str,
        body: Any,
        *,
        author: str | None = None,
        internal: bool = False,
        visibility: dict[str, str] | None = None,
    ) -> str:
        """Comment as ``author`` (default: a person, not the bot); ``internal``: a JSM internal
        note; ``visibility``: restricted to a role or group. Returns the comment id."""
        stored = self.issues[key]
        comment = self.store_comment(
            stored, body, author=author or self._human(), internal=internal, visibility=visibility
        )
        return str(comment["id"])

    def edit_comment_as(
        self, key: str, comment_id: str, body: Any, *, editor: str | None = None
    ) -> None:
        """``editor`` (default: a person, not the bot) edits a comment: Jira stamps the edit
        in the comment's ``updated`` and ``updateAuthor``, and the issue's ``updated``."""
        stored = self.issues[key]
        [comment] = [c for c in stored["comments"] if str(c["id"]) == comment_id]
        comment["body"] = body
        comment["editor"] = editor or self._human()
        comment["edited"] = stored["updated"] = jira_time()

    def delete_issue(self, key: str) -> None:
        del self.issues[key]

    def move_issue(self, key: str, project: str) -> str:
        """Move an issue to another project: a new key, the old one still resolves."""
        stored = self.issues.pop(key)
        number, self.next_number = self.next_number, self.next_number + 1
        new_key = f"{project}-{number}"
        stored["project"] = project
        stored.setdefault("old_keys", []).append(key)
        record_change(
            self,
            stored,
            self._human(),
            [item("project", self.project_key, project), item("Key", key, new_key)],
        )
        self.issues[new_key] = stored
        return new_key

    def request_counts(self) -> Counter[str]:
        """Requests per ``METHOD /path`` (issue keys and ids as ``{key}``), faults included."""
        return Counter(f"{r.method} {_KEY_IN_PATH.sub('/{key}', r.path)}" for r in self.requests)

    # ---- comments and rendering ------------------------------------------------------------

    def store_comment(
        self,
        stored: dict[str, Any],
        body: Any,
        *,
        author: str | None = None,
        internal: bool = False,
        visibility: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        self.next_comment_id += 1
        comment = {
            "id": str(self.next_comment_id),
            "issue_id": stored["id"],
            "body": body,
            "created": jira_time(),
            "author": author or self.users[0]["accountId"],
            "internal": internal,
            "visibility": visibility,
        }
        stored["comments"].append(comment)
        stored["updated"] = comment["created"]
        return comment

    def changelog_json(self, stored: dict[str, Any], call: Call) -> dict[str, Any]:
        histories = [
            {
                "id": h["id"],
                "author": self._author_json(h["author"], call),
                "created": h["created"],
                "items": h["items"],
            }
            for h in stored.get("histories", [])
        ]
        return {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        }

    def _author_json(self, ident: str, call: Call) -> dict[str, Any] | None:
        user = next((u for u in self.users if ident in (u["accountId"], u["name"])), None)
        return self._user_json(user, call) if user else None

    def _human(self) -> str:
        """The first account that is not the bot's (added on demand)."""
        for user in self.users[1:]:
            return str(user["accountId"])
        self.add_user("mia@example.com", "Mia Krystof")
        return str(self.users[1]["accountId"])

    def _display(self, ident: str | None) -> str | None:
        user = next((u for u in self.users if ident and ident in (u["accountId"], u["name"])), None)
        return None if user is None else str(user["displayName"])

    @staticmethod
    def comment_flags(body: dict[str, Any]) -> tuple[bool, dict[str, str] | None]:
        """(internal, visibility) from a comment request's body."""
        internal = any(
            p.get("key") == "sd.public.comment" and (p.get("value") or {}).get("internal") is True
            for p in body.get("properties") or []
            if isinstance(p, dict)
        )
        visibility = body.get("visibility")
        if visibility is not None and not isinstance(visibility, dict):
            raise JiraHTTPError(400, errors={"visibility": "Invalid visibility"})
        return internal, visibility


__all__ = ["CATEGORY", "ChangeResources", "item", "record_change", "status_items"]
