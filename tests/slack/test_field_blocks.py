"""The form's blocks for required Jira fields, and reading them back from a submission."""

from __future__ import annotations

from bot.slack.field_blocks import BLOCK_PREFIX, field_blocks, field_values
from bot.tracker.screens import FormField

TEAM = FormField("customfield_10010", "Team", (("1", "Platform"), ("2", "Mobile")))


def test_a_field_without_a_default_must_be_picked() -> None:
    [block] = field_blocks([TEAM])
    assert block["block_id"] == BLOCK_PREFIX + "customfield_10010"
    assert block["optional"] is False and block["label"]["text"] == "Team"
    assert [o["value"] for o in block["element"]["options"]] == ["1", "2"]
    assert "initial_option" not in block["element"]


def test_a_default_starts_picked_and_may_be_kept() -> None:
    [block] = field_blocks([FormField("priority", "Priority", (("3", "Medium"),), default="3")])
    assert block["optional"] is True
    assert block["element"]["initial_option"]["value"] == "3"


def test_lists_use_a_multi_select_and_long_lists_are_cut_to_slacks_limit() -> None:
    many = tuple((str(n), f"Component {n}" + "x" * 80) for n in range(150))
    [block] = field_blocks([FormField("components", "Component/s", many, multiple=True)])
    assert block["element"]["type"] == "multi_static_select"
    assert len(block["element"]["options"]) == 100
    assert all(len(o["text"]["text"]) <= 75 for o in block["element"]["options"])


def test_submitted_values_are_read_back_by_field_id() -> None:
    view = {"state": {"values": {
        "summary": {"value": {"value": "VPN"}},
        BLOCK_PREFIX + "customfield_10010": {"value": {"selected_option": {"value": "2"}}},
        BLOCK_PREFIX + "components": {"value": {"selected_options": [{"value": "20"},
                                                                     {"value": "21"}]}},
        BLOCK_PREFIX + "priority": {"value": {"selected_option": None}},
    }}}
    assert field_values(view) == (("customfield_10010", "2"), ("components", "20,21"))
