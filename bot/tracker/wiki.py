"""Jira wiki markup (REST API v2, and the only rich text Server / Data Center has) that no
user text can turn into markup (pure).

Two tools, for two kinds of text:

- **The request text goes into a ``{noformat}`` block** (``noformat_block``). Inside one Jira
  renders nothing: no mentions (``[~accountid:…]``), links (``[text|url]``), images
  (``!url!``), macros (``{color}``, ``{panel}``, ``{code}``, ``{html}``), tables, headings,
  lists, text effects, emoticons or ``\\\\`` line breaks. That guarantee does not depend on a
  per-character escape table, which Jira Server's renderer and Jira Cloud's wiki-to-ADF
  converter do not document alike, and the text arrives exactly as typed: line breaks,
  indentation, backslashes (Windows paths), pasted logs and code. The one way out of the
  block is its closing tag, so every ``{noformat`` the user typed (any case, spaces after the
  brace) has its brace replaced by the full-width ``｛`` (U+FF5B): visibly the same word,
  no longer a tag. The block sits on lines of its own, so even a body ending in ``\\`` cannot
  touch our closing tag. Jira shows the block as a plain pre-formatted box.
- **Short text on our own lines** (a display name, an e-mail address, a comment) is escaped
  character by character (``inline``): a backslash before every ASCII character that can start
  or end markup (``\\X`` is Jira's documented escape), and a backslash itself, which cannot be
  escaped that way (``\\\\`` is a line break), as the character reference ``&#92;``. A line that
  would start a heading or a quote (``h1.``, ``bq.``) gets its first letter escaped too
  (``lines``), and ``{noformat`` gets the full-width brace here as well.

The attribution footer (who asked, where, the ticket number) is written by us, outside the
block; only the values in it come from users, and they go through ``inline``.
"""

from __future__ import annotations

import re

NOFORMAT = "{noformat}"
#: ASCII characters that start or end wiki markup: macros, links, images, mentions, tables,
#: lists, text effects, citations, emoticons (``:)``, ``(y)``, ``;)``) and entities.
SPECIAL = frozenset("{}[]!|*_+-^~?#():;&")
_TAG_START = re.compile(r"\{(?=\s*noformat)", re.IGNORECASE)
_BLOCK_START = re.compile(r"(?:h[1-6]|bq)\.", re.IGNORECASE)


def noformat_block(text: str) -> str:
    """``text`` as a ``{noformat}`` block no input can leave (see the module docstring)."""
    return f"{NOFORMAT}\n{close_proof(text)}\n{NOFORMAT}"


def close_proof(text: str) -> str:
    """``text`` with every ``{noformat`` made harmless; the length stays the same."""
    return _TAG_START.sub("\uff5b", text)


def inline(text: str) -> str:
    """``text`` with every markup character escaped, for use inside one of our lines (and no
    ``{noformat`` either, so even a renderer that ignored the escape would open no block)."""
    return "".join(_escape(ch) for ch in close_proof(text))


def lines(text: str) -> str:
    """Multi-line plain text as wiki markup that renders as the same text."""
    return "\n".join(_line(line) for line in text.split("\n"))


def _line(line: str) -> str:
    escaped = inline(line)
    stripped = escaped.lstrip()
    if _BLOCK_START.match(stripped):
        indent = escaped[: len(escaped) - len(stripped)]
        return f"{indent}\\{stripped}"
    return escaped


def _escape(ch: str) -> str:
    if ch == "\\":
        return "&#92;"
    return f"\\{ch}" if ch in SPECIAL else ch
