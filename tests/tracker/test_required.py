"""The pure planner of required field values (``bot.tracker.required``)."""

from __future__ import annotations

from bot.tracker.createmeta import AllowedValue, FieldMeta, field_meta
from bot.tracker.required import plan

TEAM = FieldMeta(
    "customfield_10010", "Team", True, "option",
    allowed=(AllowedValue("1", "Platform"), AllowedValue("2", "Mobile")),
)
PRIORITY = FieldMeta(
    "priority", "Priority", False, "priority",
    allowed=(AllowedValue("3", "Medium"), AllowedValue("2", "High")),
)
COMPONENTS = FieldMeta(
    "components", "Component/s", True, "array", items="component",
    allowed=(AllowedValue("20", "Backend"), AllowedValue("21", "Web")),
)
SUMMARY = FieldMeta("summary", "Summary", True, "string")


def test_values_by_name_or_id_any_case_are_sent_by_id() -> None:
    result = plan([SUMMARY, TEAM, PRIORITY], {"team": "MOBILE", "priority": "3"})
    assert result.ok
    assert result.values == {"customfield_10010": {"id": "2"}, "priority": {"id": "3"}}


def test_components_come_from_the_route_and_lists_split_on_commas() -> None:
    assert plan([COMPONENTS], {}, ["Web"]).values == {"components": [{"id": "21"}]}
    both = plan([COMPONENTS], {"components": "Backend, Web"}, ["Web"])
    assert both.values == {"components": [{"id": "20"}, {"id": "21"}]}


def test_missing_and_not_allowed_values_are_unsatisfied_and_never_sent() -> None:
    result = plan([TEAM, COMPONENTS], {"Team": "Finance"})
    assert not result.ok and result.values == {}
    assert [u.describe() for u in result.unsatisfied] == [
        "Team value 'Finance' is not one of: Platform, Mobile",
        "Component/s is required and has no value",
    ]


def test_an_optional_field_with_a_bad_value_is_left_out_and_reported() -> None:
    result = plan([PRIORITY], {"priority": "Urgent"})
    assert result.ok and result.values == {}
    assert [u.field.field_id for u in result.invalid] == ["priority"]


def test_fields_jira_defaults_or_the_bot_fills_need_nothing() -> None:
    defaulted = FieldMeta("customfield_2", "Severity", True, "option", has_default=True)
    user = FieldMeta("customfield_3", "Owner", True, "user")
    result = plan([SUMMARY, defaulted, user], {"unknown_field": "x"})
    assert [u.describe() for u in result.unsatisfied] == ["Owner is required and has no value"]
    assert result.ignored == ("unknown_field",)


def test_createmeta_json_becomes_field_meta() -> None:
    raw = {
        "required": True, "name": "Team", "fieldId": "customfield_10010",
        "schema": {"type": "option", "custom": "…:select"}, "hasDefaultValue": False,
        "allowedValues": [{"id": "1", "value": "Platform"}, {"id": "9", "value": "Old",
                                                            "disabled": True}],
    }
    meta = field_meta(raw)
    assert meta == FieldMeta("customfield_10010", "Team", True, "option",
                             allowed=(AllowedValue("1", "Platform"),))


def test_of_several_values_for_one_field_the_last_wins() -> None:
    values = {"Team": "Platform", "customfield_10010": "2"}  # a default, then the form's pick
    assert plan([TEAM], values).values == {"customfield_10010": {"id": "2"}}
