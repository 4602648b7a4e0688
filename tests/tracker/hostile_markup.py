"""Jira markup a Slack user can type into a ticket or a display name, and the checks that the
description Jira receives shows all of it as text.

``wiki_problems`` reads a v2 description the way Jira's wiki renderer finds its blocks: the
``{noformat}`` tags pair up in order (any case, with or without parameters), and outside the
block every line must be one of our footer lines, whose user values carry no unescaped markup
character. ``adf_problems`` walks a v3 document: only paragraphs, plain text nodes and one rule;
the one mark allowed is the link on the Slack permalink. Both also check that the text is
faithful: the body reads back as typed, the display name as shown in Slack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.tracker.chars import show_bidi
from bot.tracker.summary import clean_line


@dataclass(frozen=True, slots=True)
class HostileMarkup:
    name: str
    text: str


MARKUP_INPUTS: tuple[HostileMarkup, ...] = (
    HostileMarkup("mention", "[~accountid:557058:0f7a] [~admin] please look at this"),
    HostileMarkup("spoofed_link", "[Reset your password|https://evil.example/reset] today"),
    HostileMarkup("link_forms", "[mailto:a@evil.example] [^secret.pdf] [#top] [file:///etc]"),
    HostileMarkup("image", "!https://evil.example/pixel.png! and !logo.png|thumbnail!"),
    HostileMarkup("colour", "{color:red}URGENT, from the CEO{color}"),
    HostileMarkup("panel", "{panel:title=Security notice|bgColor=#FFCE4C}Approved by IT{panel}"),
    HostileMarkup(
        "noformat_breakout",
        "harmless\n{noformat}\nh1. Injected\n[~accountid:557058:x]\n{noformat}\ntrailing",
    ),
    HostileMarkup("noformat_variants", "{NOFORMAT} {noFormat:title=x} { noformat} {noformat"),
    HostileMarkup("code_quote", "{code:java}System.exit(0);{code}\n{quote}said the CEO{quote}"),
    HostileMarkup("html_macro", "{html}<script>alert(1)</script>{html} {anchor:x}"),
    HostileMarkup("table", "||user||password||\n|admin|hunter2|"),
    HostileMarkup("headings", "h1. Big heading\nbq. a quote\n----\nh6.small"),
    HostileMarkup("lists", "* bullet\n# numbered\n- dash\n** nested"),
    HostileMarkup("effects", "*bold* _it_ -del- +ins+ ^sup^ ~sub~ ??cite?? {{mono}}"),
    HostileMarkup("backslashes", "C:\\Users\\ada\\new \\\\ line break \\[not a link\\]"),
    HostileMarkup("emoticons", ":) (y) (!) ;) (/) (*r)"),
    HostileMarkup("entities", "&#91;~accountid:557058:x&#93; &lt;b&gt; &amp;"),
    HostileMarkup("bidi", "Invoice \u202efdp.exe\u202c and \u2066isolated\u2069 \u200fmark"),
)

#: Display names (Slack profile) that would fake or hide the attribution if they were markup.
HOSTILE_NAMES: tuple[str, ...] = (
    "{color:red}CEO{color}",
    "[~accountid:557058:x]",
    "*Security Team* [Verified|https://evil.example]",
    "!https://evil.example/p.png! \\\\ h1. Admin",
    "Bob\u202e nimdA\u200b",
    "{noformat} Eve {NOFORMAT}",
    "  ",
)

_NOFORMAT_TAG = re.compile(r"\{\s*noformat[^}]*\}", re.IGNORECASE)
_SPECIAL = set("{}[]!|*_+-^~?#():;&\\")
_FOOTER = (
    re.compile(r"----"),
    re.compile(r"… trimmed: the request had [\d,]+ characters; the full text is in Slack\."),
    re.compile(r"Requested in Slack by (?P<who>.*)\."),
    re.compile(r"Slack message: (?P<url>\S+)"),
    re.compile(r"Filed by ticketbot, ticket #\d+\."),
    # our notes on a fallback type (bot.messages.NOTE_*), escaped as wiki text
    re.compile(r"Filed as [^{}\[\]|]+\\: project [^{}\[\]|]+ has no issue type [^{}\[\]|]+\."),
    re.compile(r"Filed as [^{}\[\]|]+, not [^{}\[\]|]+\\: [^{}\[\]|]+\."),
)


def expected_name(name: str) -> str:
    return clean_line(name) or "unknown user"


def wiki_problems(wiki: str, *, body: str, name: str, permalink: str | None = None) -> list[str]:
    """Why ``wiki`` (a v2 description) is not ``body`` and ``name`` shown as plain text."""
    tags = list(_NOFORMAT_TAG.finditer(wiki))
    if len(tags) != 2 or tags[0].start() != 0:
        return [f"expected one {{noformat}} block at the start, found tags {tags}"]
    opening, closing = tags
    if wiki[opening.end()] != "\n" or wiki[closing.start() - 1] != "\n":
        return ["the {noformat} tags are not on lines of their own"]
    found: list[str] = []
    inside = wiki[opening.end() + 1 : closing.start() - 1]
    if inside.replace("\uff5b", "{") != show_bidi(body.strip()):
        found.append(f"the body does not read back as typed: {inside[:120]!r}")
    outside = wiki[closing.end() :].removeprefix("\n")
    for line in outside.split("\n"):
        found += _footer_line_problems(line, name=name, permalink=permalink)
    return found


def _footer_line_problems(line: str, *, name: str, permalink: str | None) -> list[str]:
    match = next((m for p in _FOOTER if (m := p.fullmatch(line))), None)
    if match is None:
        return [f"a line outside the block that we did not write: {line!r}"]
    groups = match.groupdict()
    if "url" in groups and groups["url"] != permalink:
        return [f"a link we did not add: {line!r}"]
    if "who" not in groups:
        return []
    who = groups["who"]
    if unescaped := _unescaped_markup(who):
        return [f"markup characters {unescaped} in the attribution {line!r}"]
    shown = _unescape(who).replace("\uff5b", "{")  # a typed {noformat has a full-width brace
    if shown != expected_name(name):
        return [f"the name reads {shown!r}, not {expected_name(name)!r}"]
    return []


def _unescaped_markup(text: str) -> list[str]:
    found, index = [], 0
    while index < len(text):
        if text.startswith("&#92;", index):
            index += 5
        elif text[index] == "\\" and index + 1 < len(text) and text[index + 1] in _SPECIAL:
            index += 2
        else:
            if text[index] in _SPECIAL:
                found.append(text[index])
            index += 1
    return found


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace("&#92;", "\x00")).replace("\x00", "\\")


def adf_problems(doc: Any, *, body: str, name: str, permalink: str | None = None) -> list[str]:
    """Why ``doc`` (a v3 description) is not ``body`` and ``name`` as plain text nodes."""
    if not isinstance(doc, dict) or doc.get("type") != "doc":
        return [f"not an ADF document: {doc!r:.80}"]
    found: list[str] = []
    lines: list[str] = []
    rules = [i for i, block in enumerate(doc["content"]) if block == {"type": "rule"}]
    if len(rules) != 1:
        return [f"expected one rule (ours) before the footer, found {len(rules)}"]
    for block in doc["content"]:
        if block == {"type": "rule"}:
            continue
        if set(block) != {"type", "content"} or block["type"] != "paragraph":
            found.append(f"a block that is not a plain paragraph: {block!r:.80}")
            continue
        texts = []
        for node in block["content"]:
            link = {"type": "link", "attrs": {"href": permalink}}
            ours = permalink is not None and node == {**_text(permalink), "marks": [link]}
            if node != _text(node.get("text")) and not ours:
                found.append(f"a node that is not plain text: {node!r:.80}")
            texts.append(str(node.get("text")))
        lines.append("".join(texts))
    expected_body = [line for line in show_bidi(body.strip()).splitlines() if line.strip()]
    rule = rules[0]
    if [line for line in lines[:rule] if not line.startswith("… trimmed")] != expected_body:
        found.append(f"the body does not read back as typed: {lines[:rule]!r:.160}")
    if f"Requested in Slack by {expected_name(name)}." not in lines[rule:]:
        found.append(f"no attribution to {expected_name(name)!r} in {lines[rule:]!r}")
    return found


def _text(text: Any) -> dict[str, Any]:
    return {"type": "text", "text": text}
