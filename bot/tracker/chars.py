"""Invisible characters in user text: dropped from one-line titles, shown in bodies (pure).

Two rules, one per kind of text:

- **Titles** (the Jira summary, the headlines Slack shows, display names): ``strip_invisible``
  drops every format character (Unicode category ``Cf``: bidi embeddings, overrides and
  isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F and U+061C, zero-width
  space, non-joiner and joiner U+200B–U+200D, word joiner U+2060, BOM U+FEFF, soft hyphen, tag
  characters, …) and the blank "filler" letters used to fake empty names. A title is short and
  read at a glance, so "Invoice \\u202efdp.exe" must read "Invoice fdp.exe", as stored.
  Two sequences survive because they are pictures, not tricks: a zero-width joiner between two
  emoji (woman + ZWJ + laptop) and the tag characters of a subdivision flag (black flag +
  letters + cancel tag).
- **Bodies** (the description, the details Slack shows) stay faithful: ``show_bidi`` replaces
  each bidi control with a visible ``[U+202E]``, so nothing is reordered and the reader sees
  that the requester typed one. Other invisible characters (joiners that Persian, Indic
  scripts and emoji need) are kept.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that change the display order of the text around them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: Invisible characters outside ``Cf``: combining grapheme joiner, Hangul and Khmer fillers.
_BLANK_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
_ZWJ = "\u200d"
_FLAG = re.compile("\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{2,7}\U000e007f")


def is_invisible(ch: str) -> bool:
    """True for format characters (``Cf``) and blank filler letters."""
    return unicodedata.category(ch) == "Cf" or ch in _BLANK_LETTERS


def strip_invisible(text: str) -> str:
    """``text`` without invisible format characters (see the module docstring)."""
    if not any(is_invisible(ch) for ch in text):
        return text
    flags = [range(m.start(), m.end()) for m in _FLAG.finditer(text)]
    kept = [
        ch
        for index, ch in enumerate(text)
        if not is_invisible(ch)
        or (ch == _ZWJ and _between_emoji(text, index))
        or any(index in span for span in flags)
    ]
    return "".join(kept)


def show_bidi(text: str) -> str:
    """``text`` with each bidi control replaced by a visible ``[U+XXXX]``."""
    if not any(ch in BIDI_CONTROLS for ch in text):
        return text
    return "".join(f"[U+{ord(ch):04X}]" if ch in BIDI_CONTROLS else ch for ch in text)


def _between_emoji(text: str, index: int) -> bool:
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    return _emoji_end(before) and unicodedata.category(after or " ") == "So"


def _emoji_end(ch: str) -> bool:
    """A character an emoji can end with: a symbol, a variation selector or a skin tone."""
    if not ch:
        return False
    return unicodedata.category(ch) == "So" or ch == "\ufe0f" or 0x1F3FB <= ord(ch) <= 0x1F3FF
