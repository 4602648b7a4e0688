"""The form the "File as ticket" shortcut opens, as pure Block Kit."""

from __future__ import annotations

from bot import messages
from bot.slack import blocks
from bot.slack.source_blocks import (
    DETAILS_LIMIT,
    FILES_BLOCK,
    REQUESTER_BLOCK,
    SOURCE_MODAL_CALLBACK,
    parse_metadata,
    source_metadata,
    source_modal,
    split_message,
    submitted,
)
from bot.tickets import SourceFile
from bot.triage.sources import FoundMessage
from emulators.slack.blocks import validate_view
from emulators.slack.payloads import view_state

MESSAGE = FoundMessage(
    "C1", "1700000000.000100", "U2", "Printer on fire\nfloor 3, since 9:00 & <counting>",
    files=(SourceFile("F1", "a.png", 10),),
    permalink="https://emulated.slack.com/archives/C1/p1700000000000100",
)


def test_one_line_is_the_summary_the_rest_the_details() -> None:
    assert split_message("Printer on fire") == ("Printer on fire", "")
    assert split_message("Printer on fire\nfloor 3\n\nsince 9:00") == (
        "Printer on fire", "floor 3\n\nsince 9:00"
    )
    long = "word " * 100
    summary, details = split_message(long)
    assert len(summary) <= blocks.MODAL_SUMMARY_LIMIT and summary.endswith("…")
    assert details == long.strip()  # cut: the whole text stays in the details


def test_very_long_messages_are_cut_with_a_note() -> None:
    _, details = split_message("title\n" + "x" * 10_000)
    assert len(details) <= DETAILS_LIMIT and details.endswith(messages.SOURCE_FORM_CUT)


def test_the_form_is_valid_prefilled_and_round_trips() -> None:
    view = source_modal(MESSAGE)
    assert validate_view(view) == []
    assert view["callback_id"] == SOURCE_MODAL_CALLBACK
    inputs = {b.get("block_id"): b.get("element", {}) for b in view["blocks"]}
    assert inputs[blocks.SUMMARY_BLOCK]["initial_value"] == "Printer on fire"
    assert inputs[blocks.DETAILS_BLOCK]["initial_value"] == "floor 3, since 9:00 & <counting>"
    assert inputs[REQUESTER_BLOCK]["initial_user"] == "U2"
    back = parse_metadata(view["private_metadata"])
    assert back is not None
    assert (back.channel_id, back.ts, back.author_id) == ("C1", MESSAGE.ts, "U2")
    assert back.files == MESSAGE.files and back.permalink == MESSAGE.permalink
    assert parse_metadata("C1") is None and parse_metadata('{"c": 1}') is None


def test_many_files_never_overflow_the_metadata() -> None:
    files = tuple(SourceFile(f"F{n:09d}", "x" * 80 + ".png", n) for n in range(100))
    message = FoundMessage("C1", "1.1", "U2", "t", files=files)
    assert len(source_metadata(message)) <= 3000


def test_the_requester_and_files_submitted() -> None:
    view = source_modal(MESSAGE)
    shared = {"files": [{"id": "F9", "name": "shot.png", "size": 42}]}
    view["state"] = view_state(view, {
        blocks.SUMMARY_BLOCK: {blocks.VALUE_ACTION: "Printer on fire"},
        REQUESTER_BLOCK: {blocks.VALUE_ACTION: "U3"},
        FILES_BLOCK: {blocks.VALUE_ACTION: shared},
    })
    assert submitted(view) == ("U3", (SourceFile("F9", "shot.png", 42),))
