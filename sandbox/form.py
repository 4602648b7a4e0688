"""A modal on the terminal: each input asked in turn, then submitted as Slack would."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulators.slack import ViewRecord
from sandbox import wording
from sandbox.render import FormField, form_fields, form_title, mrkdwn

if TYPE_CHECKING:
    from sandbox.session import Session

VIEW_TIMEOUT_S = 5.0
MAX_SUBMITS = 3

Values = dict[str, dict[str, Any]]


class EndOfInput(Exception):
    """The script ended while the form was open."""


async def fill_form(session: Session, views_before: set[str]) -> None:
    """Wait for the modal `/ticket` opened, ask its fields, submit it and wait for the ticket."""
    view = await _opened(session, views_before)
    if view is None:
        return
    fields = form_fields(view.view)
    session.show(wording.FORM_OPENED.format(title=form_title(view.view)))
    try:
        answers = {f.block_id: await _answer(session, f) for f in fields}
        submitted = await _submit(session, view, fields, answers)
    except EndOfInput:
        session.show(wording.SCRIPT_ENDED_IN_FORM)
        return
    if submitted:
        await session.wait_for_ticket()


async def _opened(session: Session, views_before: set[str]) -> ViewRecord | None:
    def new_view() -> ViewRecord | None:
        fresh = [v for k, v in session.slack.views.items() if k not in views_before]
        return next((v for v in fresh if v.user == session.user), None)

    replies = session.replies_to_user()
    await session.until(lambda: new_view() or session.replies_to_user() > replies, VIEW_TIMEOUT_S)
    view = new_view()
    if view is None:
        session.show(wording.FORM_NOT_OPENED)
    return view


async def _answer(session: Session, field: FormField) -> str:
    """Ask until the answer is acceptable: required fields are not empty, options match."""
    if field.options:
        session.show(wording.FORM_OPTIONS.format(options=", ".join(field.options)))
    while True:
        typed = await session.terminal.ask(field.prompt)
        if typed is None:
            raise EndOfInput
        answer = field.choose(typed) if field.options and typed.strip() else typed.strip()
        if answer or (field.optional and not typed.strip()):
            return answer


async def _submit(
    session: Session, view: ViewRecord, fields: list[FormField], answers: dict[str, str]
) -> bool:
    """Submit; when the bot answers with errors, show them and ask those fields again."""
    by_block = {f.block_id: f for f in fields}
    for _ in range(MAX_SUBMITS):
        values = {f.block_id: f.value(answers[f.block_id]) for f in fields if answers[f.block_id]}
        envelope = await session.slack.submit_view(view.id, values, user=session.user)
        ack = await session.ack(envelope)
        errors = _errors(ack.payload if ack is not None else None)
        if ack is None or not errors:
            return ack is not None
        session.show(wording.FORM_ERRORS.format(errors="; ".join(errors.values())))
        for block_id in errors:
            if block_id in by_block:
                answers[block_id] = await _answer(session, by_block[block_id])
    session.show(wording.FORM_GAVE_UP)
    return False


def _errors(payload: dict[str, Any] | None) -> dict[str, str]:
    if not payload or payload.get("response_action") != "errors":
        return {}
    return {str(k): mrkdwn(str(v)) for k, v in (payload.get("errors") or {}).items()}
