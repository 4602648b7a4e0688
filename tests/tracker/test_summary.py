"""make_summary: one line, <= 255 UTF-16 units, cut on a word boundary, never empty."""

from __future__ import annotations

import pytest

from bot.tracker.summary import ELLIPSIS, FALLBACK_SUMMARY, make_summary, utf16_len


def assert_jira_safe(summary: str) -> None:
    assert summary.strip() == summary and summary
    assert "\n" not in summary and "\r" not in summary
    assert utf16_len(summary) <= 255


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Printer on 3rd floor is jammed", "Printer on 3rd floor is jammed"),
        ("  padded   with\tspaces  ", "padded with spaces"),
        ("First line\nsecond line", "First line"),
        ("\n\n   \nreal first line\nnext", "real first line"),
        ("Windows line\r\nnext", "Windows line"),
        ("Hi. The VPN is down.", "Hi. The VPN is down."),
        ("???", "???"),
        ("!!! ... ???", "!!! ... ???"),
        ("🔥🔥🔥", "🔥🔥🔥"),
        ("Ünïcödé naïve café — ok", "Ünïcödé naïve café — ok"),
        ("line\u2028separator", "line"),  # U+2028 and VT are line breaks too
        ("tab\tand\x0bvertical", "tab and"),
        ("bell\x07char", "bell char"),
        ("nul\x00byte", "nul byte"),
        ("日本語のテキスト。二文目。", "日本語のテキスト。二文目。"),
    ],
)
def test_short_texts(text: str, expected: str) -> None:
    assert make_summary(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", "\x00\x01"])
def test_empty_text_uses_fallback(text: str) -> None:
    assert make_summary(text) == FALLBACK_SUMMARY
    assert make_summary(text, fallback="Request from Ada") == "Request from Ada"


def test_blank_fallback_still_not_empty() -> None:
    assert make_summary("", fallback="  ") == FALLBACK_SUMMARY


def test_long_line_takes_first_sentence() -> None:
    first = "The billing export fails for every customer in the EU region."
    text = first + " " + "More detail follows here. " * 20
    assert make_summary(text) == first


def test_long_sentence_cut_on_word_boundary_with_ellipsis() -> None:
    text = " ".join(["word"] * 100)
    summary = make_summary(text)
    assert_jira_safe(summary)
    assert summary.endswith(ELLIPSIS)
    assert summary[:-1].split(" ") == ["word"] * len(summary[:-1].split(" "))
    assert utf16_len(summary) > 240


def test_cut_drops_trailing_punctuation_before_ellipsis() -> None:
    text = ("alpha, " * 60).strip()
    summary = make_summary(text)
    assert summary.endswith("alpha" + ELLIPSIS)


def test_exactly_255_is_kept_whole() -> None:
    text = "a" * 255
    assert make_summary(text) == text


def test_one_huge_word_is_hard_cut() -> None:
    summary = make_summary("x" * 1000)
    assert summary == "x" * 254 + ELLIPSIS


def test_emoji_count_as_two_units() -> None:
    text = "🔥" * 200  # 400 UTF-16 units
    summary = make_summary(text)
    assert_jira_safe(summary)
    assert summary == "🔥" * 127 + ELLIPSIS


def test_cut_never_splits_a_combining_sequence() -> None:
    text = "e\u0301" * 200  # é as e + combining acute
    summary = make_summary(text)
    assert_jira_safe(summary)
    body = summary[: -len(ELLIPSIS)]
    assert not body.endswith("e")


def test_cut_never_leaves_a_dangling_zwj() -> None:
    family = "👨\u200d👩\u200d👧"
    summary = make_summary(family * 60)
    assert_jira_safe(summary)
    assert not summary[: -len(ELLIPSIS)].endswith("\u200d")


@pytest.mark.parametrize(
    "text",
    [
        "a " * 300,
        "\n".join(["x" * 300] * 3),
        "Sentence without end " * 40,
        "🙂 " * 300,
        "—" * 400,
        "   \n" + "y" * 256,
    ],
)
def test_always_jira_safe(text: str) -> None:
    assert_jira_safe(make_summary(text))
