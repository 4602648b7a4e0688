"""Values for the fields a create screen has beyond the ones the bot fills itself: pure.

Given the screen (``FieldMeta`` from ``bot.tracker.createmeta``), the values a person picked in
the form or the configuration gives (by field id or name: ``customfield_10010``, ``Team``,
``priority``) and the route's components, ``plan`` says what to send and which required fields
cannot be satisfied, and why. Of several values naming one field, the last one wins (the
form's over the route's over the global defaults). A value is matched to the allowed values
Jira lists (by name or id, any case) and sent by id; one that is not allowed is never sent
(Jira would refuse the whole create with a 400).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.tracker.createmeta import AllowedValue, FieldMeta

#: Filled by the bot on every create (``bot.tracker.fields.issue_fields``).
BOT_FIELDS = frozenset({"project", "issuetype", "summary", "description", "labels", "reporter"})
#: Types a configured text can become.
_SCALAR = frozenset({"string", "number"})


@dataclass(frozen=True, slots=True)
class Unsatisfied:
    field: FieldMeta
    reason: str  # "has no value", "'Ops' is not one of: A, B"

    def describe(self) -> str:
        return f"{self.field.name} {self.reason}"


@dataclass(frozen=True, slots=True)
class Plan:
    values: dict[str, Any] = field(default_factory=dict)  # field id -> JSON value to send
    unsatisfied: tuple[Unsatisfied, ...] = ()
    ignored: tuple[str, ...] = ()  # configured values the screen does not take (not sent)
    invalid: tuple[Unsatisfied, ...] = ()  # values for optional fields, not allowed (not sent)

    @property
    def ok(self) -> bool:
        return not self.unsatisfied


def fillable(meta: FieldMeta) -> bool:
    """Whether a configured or picked value can fill ``meta`` at all."""
    if meta.allowed:
        return meta.schema_type in ("option", "priority", "array", "component", "version")
    return meta.schema_type in _SCALAR


def needs_value(meta: FieldMeta) -> bool:
    """A required field the bot does not fill itself and Jira does not default."""
    return meta.required and not meta.has_default and meta.field_id not in BOT_FIELDS


def plan(
    screen: Sequence[FieldMeta],
    values: Mapping[str, str],
    components: Sequence[str] = (),
) -> Plan:
    """What to send for ``screen`` (see the module docstring)."""
    sent: dict[str, Any] = {}
    unsatisfied: list[Unsatisfied] = []
    invalid: list[Unsatisfied] = []
    used: set[str] = set()
    for meta in screen:
        if meta.field_id in BOT_FIELDS:
            continue
        wanted, ref = _wanted(meta, values, components)
        if ref is not None:
            used.add(ref)
        if wanted:
            value, problem = encode(meta, wanted)
            if problem is None:
                sent[meta.field_id] = value
                continue
            needed = meta.required and not meta.has_default
            (unsatisfied if needed else invalid).append(Unsatisfied(meta, problem))
            continue
        if needs_value(meta):
            unsatisfied.append(Unsatisfied(meta, "is required and has no value"))
    ignored = tuple(ref for ref in values if ref not in used)
    return Plan(sent, tuple(unsatisfied), ignored, tuple(invalid))


def _wanted(
    meta: FieldMeta, values: Mapping[str, str], components: Sequence[str]
) -> tuple[list[str], str | None]:
    for ref, value in reversed(list(values.items())):  # later entries win (the form's, the route's)
        if meta.matches(ref) and str(value).strip():
            return [part.strip() for part in str(value).split(",") if part.strip()], ref
    if meta.field_id == "components" and components:
        return list(components), None
    return [], None


def encode(meta: FieldMeta, wanted: Sequence[str]) -> tuple[Any, str | None]:
    """The JSON value for ``wanted`` on ``meta``, or a reason it cannot be sent."""
    if not fillable(meta):
        return None, f"cannot be filled by ticketbot (a {meta.schema_type or 'special'} field)"
    if meta.allowed:
        picked: list[dict[str, str]] = []
        for text in wanted:
            found = match(meta.allowed, text)
            if found is None:
                names = ", ".join(v.name for v in meta.allowed[:20])
                return None, f"value {text!r} is not one of: {names}"
            picked.append({"id": found.id} if found.id is not None else {"name": found.name})
        if meta.schema_type == "array":
            return picked, None
        return picked[0], None
    if meta.schema_type == "number":
        try:
            return float(wanted[0]), None
        except ValueError:
            return None, f"value {wanted[0]!r} is not a number"
    return ", ".join(wanted), None


def match(allowed: Sequence[AllowedValue], text: str) -> AllowedValue | None:
    wanted = text.strip().casefold()
    for value in allowed:
        if value.name.casefold() == wanted or (value.id is not None and value.id == text.strip()):
            return value
    return None
