"""Pick the issue type and the extra field values of a create, from Jira's create metadata.

The type the label maps to is used when the project has it and its required fields can all
be filled (from the form, ``field_defaults``, the route's components). Otherwise the ticket
falls back to the default issue type, with a note saying why, instead of a create Jira would
refuse with a 400. When the default cannot be filled either, ``TrackerConfigError`` names
the fields and the setting to fix: the ticket fails at once and the requester is told.
``problems`` runs the same rules for ``ticketbot doctor``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import messages
from bot.errors import TrackerConfigError
from bot.tracker.createmeta import CreateMeta, FieldMeta, TypeMeta
from bot.tracker.required import Plan, fillable, match, needs_value, plan

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Choice:
    issue_type: str
    values: dict[str, Any] = field(default_factory=dict)
    note: str | None = None  # why the ticket was not filed as asked, for the requester


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a ticket asks for: its type, the fallback, the values it brings."""

    project: str
    issue_type: str
    default_type: str
    values: Mapping[str, str] = field(default_factory=dict)
    components: Sequence[str] = ()


async def choose(meta: CreateMeta, wanted: Wanted, *, ticket_id: int | None = None) -> Choice:
    types = {t.name.casefold(): t for t in await meta.issue_types(wanted.project)}
    first = types.get(wanted.issue_type.casefold())
    default = types.get(wanted.default_type.casefold())
    if first is None and default is None:
        raise TrackerConfigError(
            f"Jira project {wanted.project} has neither issue type {wanted.issue_type!r} nor "
            f"the default {wanted.default_type!r}: fix jira.issue_types (or the channel's "
            "route in routing.channels) in config.yml"
        )
    note = None
    if first is None:
        assert default is not None
        log.warning(
            "ticket %s: project %s has no issue type %r; using the default %r",
            ticket_id, wanted.project, wanted.issue_type, default.name,
        )
        note = messages.NOTE_NO_SUCH_TYPE.format(
            used=default.name, project=wanted.project, wanted=wanted.issue_type
        )
        first = default
    found = await _plan(meta, wanted, first)
    if found.ok:
        return Choice(first.name, found.values, note)
    missing = "; ".join(u.describe() for u in found.unsatisfied)
    if default is not None and default is not first:
        fallback = await _plan(meta, wanted, default)
        if fallback.ok:
            log.warning(
                "ticket %s: %s in %s cannot be filed (%s); filing as %s",
                ticket_id, first.name, wanted.project, missing, default.name,
            )
            note = messages.NOTE_FIELDS_UNFILLED.format(
                used=default.name, wanted=first.name, missing=missing
            )
            return Choice(default.name, fallback.values, note)
    raise TrackerConfigError(
        f"Jira project {wanted.project} requires fields ticketbot cannot fill for "
        f"{first.name} ({missing}): set them in routing.field_defaults in config.yml"
    )


async def _plan(meta: CreateMeta, wanted: Wanted, issue_type: TypeMeta) -> Plan:
    screen = await meta.fields(wanted.project, issue_type)
    if screen is None:  # no metadata: send only what the bot always sends
        return Plan()
    return plan(screen, wanted.values, wanted.components)


async def problems(meta: CreateMeta, wanted: Wanted, type_names: Sequence[str]) -> list[str]:
    """What would go wrong filing ``type_names`` in ``wanted.project`` (for doctor)."""
    types = {t.name.casefold(): t for t in await meta.issue_types(wanted.project)}
    found: list[str] = []
    if wanted.default_type.casefold() not in types:
        found.append(f"has no default issue type {wanted.default_type!r}")
    for name in dict.fromkeys([*type_names, wanted.default_type]):
        issue_type = types.get(name.casefold())
        if issue_type is None:
            if name != wanted.default_type:
                found.append(f"has no issue type {name!r} (falls back to the default)")
            continue
        result = await _plan(meta, wanted, issue_type)
        for unsatisfied in (*result.unsatisfied, *result.invalid):
            found.append(f"{issue_type.name}: {unsatisfied.describe()}")
    return found


@dataclass(frozen=True, slots=True)
class FormField:
    """A required field the form asks for: pick from ``options`` (value, shown name)."""

    field_id: str
    name: str
    options: tuple[tuple[str, str], ...]
    multiple: bool = False
    default: str | None = None  # the value of the configured default, when it is allowed


async def form_fields(
    meta: CreateMeta, wanted: Wanted, type_names: Sequence[str]
) -> list[FormField]:
    """The required fields a person could fill in the form (a list to pick from) for any of
    ``type_names`` in the project, each once, with the configured default picked."""
    types = {t.name.casefold(): t for t in await meta.issue_types(wanted.project)}
    fields: dict[str, FormField] = {}
    for name in dict.fromkeys([*type_names, wanted.default_type]):
        issue_type = types.get(name.casefold())
        screen = await meta.fields(wanted.project, issue_type) if issue_type else None
        for item in screen or ():
            if needs_value(item) and item.allowed and fillable(item):
                fields.setdefault(item.field_id, _form_field(item, wanted.values))
    return list(fields.values())


def _form_field(item: FieldMeta, values: Mapping[str, str]) -> FormField:
    options = tuple((v.id or v.name, v.name) for v in item.allowed)
    default = default_for(item, values)
    value = next((v for v, shown in options if shown == default), None)
    return FormField(item.field_id, item.name, options, item.schema_type == "array", value)


def default_for(item: FieldMeta, values: Mapping[str, str]) -> str | None:
    """The configured value of ``item`` when it is one of its allowed values."""
    for ref, value in reversed(list(values.items())):  # the last one wins, as in ``plan``
        if item.matches(ref):
            found = match(item.allowed, str(value).split(",")[0])
            return found.name if found else None
    return None
