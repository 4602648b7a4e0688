"""The issue summary from a Slack message: one line, at most 255 characters, never empty.

Rules, in order:

1. take the first line that has any visible text;
2. if that line is longer than the limit, take its first sentence instead;
3. collapse every run of whitespace (any Unicode space, tab or line separator) to one space,
   drop control characters, so no newline can reach Jira, and drop invisible format
   characters (bidi overrides and isolates, zero-width characters: ``bot.tracker.chars``), so
   "Invoice \\u202efdp.exe" reads as it is stored;
4. if still too long, cut on the last word boundary that fits and add ``…``;
5. if nothing is left, use the fallback.

Lengths are counted as Jira counts them: in UTF-16 code units (an emoji outside the BMP is 2).
"""

from __future__ import annotations

import re
import unicodedata

from bot.tracker.chars import strip_invisible

MAX_SUMMARY = 255
ELLIPSIS = "…"
FALLBACK_SUMMARY = "Request from Slack"
_SENTENCE_END = re.compile(r"[.!?…。！？]+(?=\s)")
_TRAILING_JUNK = " \t,;:-–—(/"


def utf16_len(text: str) -> int:
    """Length as Java's ``String.length()`` sees it, which is what Jira's limits use."""
    return len(text.encode("utf-16-le")) // 2


def make_summary(text: str, *, limit: int = MAX_SUMMARY, fallback: str = FALLBACK_SUMMARY) -> str:
    """Build a Jira-safe summary from ``text`` (see the module docstring for the rules)."""
    line = _first_line(text)
    if utf16_len(line) > limit:
        line = _first_sentence(line)
    summary = clean_line(line)
    if not summary:
        summary = clean_line(fallback) or FALLBACK_SUMMARY
    return shorten(summary, limit)


def clean_line(text: str) -> str:
    """Collapse whitespace, drop control and invisible format characters; no line breaks."""
    visible = "".join(" " if _is_control(ch) else ch for ch in strip_invisible(text))
    return " ".join(visible.split())


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` UTF-16 units on a word boundary, ending with an ellipsis."""
    if utf16_len(text) <= limit:
        return text
    head = _prefix_within(text, limit - utf16_len(ELLIPSIS))
    space = head.rfind(" ")
    if space > 0:
        head = head[:space]
    head = head.rstrip(_TRAILING_JUNK) or _prefix_within(text, limit - utf16_len(ELLIPSIS))
    return head + ELLIPSIS


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if clean_line(line):
            return line
    return ""


def _first_sentence(line: str) -> str:
    match = _SENTENCE_END.search(line)
    return line[: match.end()] if match else line


def _prefix_within(text: str, units: int) -> str:
    """The longest prefix of ``text`` within ``units`` UTF-16 units, not ending inside a cluster."""
    used = 0
    end = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > units:
            break
        end = index + 1
    while 0 < end < len(text) and _joins_previous(text[end]):
        end -= 1
    while end > 0 and text[end - 1] == "\u200d":
        end -= 1
    return text[:end]


def _joins_previous(ch: str) -> bool:
    """True for characters that belong to the cluster before them (accents, ZWJ, selectors)."""
    return (
        unicodedata.combining(ch) != 0
        or ch in "\u200d\ufe0e\ufe0f"
        or 0x1F3FB <= ord(ch) <= 0x1F3FF
        or 0xE0020 <= ord(ch) <= 0xE007F
    )


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029"
