"""What Slack does with an ack's payload: slash command replies and modal responses."""

from __future__ import annotations

from typing import Any

from .blocks import MAX_MESSAGE_BLOCKS, validate_blocks, validate_view
from .model import JSON, Ack, Envelope, ViewRecord
from .state import ResponseUrlTarget, SlackState
from .web_api import build_view


class AckEffects:
    """Called once per envelope, with its first ack.

    - slash command ack with text/blocks: shown to the user (ephemeral) or, with
      `response_type: in_channel`, posted in the channel;
    - view_submission ack: none -> view closed; `errors` -> recorded on the view, which
      stays open; `update` / `push` -> view replaced / pushed; `clear` -> all closed.

    Anything Slack would reject goes into `problems`.
    """

    def __init__(self, state: SlackState, problems: list[str]) -> None:
        self.state = state
        self.problems = problems

    def __call__(self, envelope: Envelope, ack: Ack) -> None:
        payload = ack.payload or {}
        if envelope.type == "slash_commands" and (payload.get("text") or payload.get("blocks")):
            self._command(envelope, payload)
        elif envelope.type == "interactive" and envelope.payload.get("type") == "view_submission":
            self._view_submission(envelope, payload)
        elif payload and not envelope.accepts_response_payload:
            self.problems.append(
                f"ack payload for {envelope.type} envelope {envelope.envelope_id} ignored"
            )

    def _command(self, envelope: Envelope, payload: JSON) -> None:
        blocks = payload.get("blocks")
        errors = validate_blocks(blocks, MAX_MESSAGE_BLOCKS) if blocks is not None else []
        if errors:
            self.problems.append(f"slash command ack with invalid blocks: {errors}")
            return
        command = envelope.payload
        target = ResponseUrlTarget("commands", command["channel_id"], command["user_id"], 0.0)
        self.state.apply_response(target, payload, "ack")

    def _view_submission(self, envelope: Envelope, payload: JSON) -> None:
        record = self.state.views.get(envelope.payload["view"]["id"])
        if record is None:
            return
        action = payload.get("response_action")
        if action is None:
            record.state = "closed"
        elif action == "errors":
            record.errors = payload.get("errors")
        elif action in ("update", "push"):
            self._change_view(record, action, payload.get("view"))
        elif action == "clear":
            for view in self.state.views.values():
                if view.user == record.user:
                    view.state = "closed"
        else:
            self.problems.append(f"unknown response_action {action!r}")

    def _change_view(self, record: ViewRecord, action: str, view: Any) -> None:
        errors = validate_view(view)
        if errors:
            self.problems.append(f"view_submission ack {action} with invalid view: {errors}")
            return
        if action == "update":
            record.history.append(record.view)
            record.view = build_view(record.id, view, record.previous_view_id)
            record.errors = None
            return
        view_id = self.state.ids.next("V")
        pushed = ViewRecord(view_id, {}, record.user, record.trigger_id, previous_view_id=record.id)
        pushed.view = build_view(view_id, view, record.id)
        self.state.views[view_id] = pushed
