"""Block Kit validation with Slack's limits (PROTOCOLS.md §2.4).

Each function returns a list of error strings shaped like Slack's
`"[ERROR] <what> [json-pointer:/blocks/0/text/text]"`; an empty list means valid.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000

BLOCK_TYPES = frozenset(
    {
        "actions", "context", "divider", "file", "header", "image", "input",
        "markdown", "rich_text", "section", "video",
    }
)  # fmt: skip
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})


def _err(message: str, pointer: str) -> str:
    return f"[ERROR] {message} [json-pointer:{pointer}]"


def _max_len(value: Any, limit: int, pointer: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [_err(f"must be less than {limit + 1} characters", pointer)]
    return []


def _text_object(
    obj: Any, pointer: str, limit: int, *, plain_only: bool = False, required: bool = True
) -> list[str]:
    if obj is None:
        return [_err("missing required field: text", pointer)] if required else []
    if not isinstance(obj, dict) or obj.get("type") not in TEXT_TYPES:
        return [_err("must be a text object (plain_text or mrkdwn)", pointer)]
    if plain_only and obj["type"] != "plain_text":
        return [_err("must be a plain_text object", pointer + "/type")]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [_err("must be a non-empty string", pointer + "/text")]
    return _max_len(text, limit, pointer + "/text")


def _confirm(obj: Any, pointer: str) -> list[str]:
    if obj is None:
        return []
    if not isinstance(obj, dict):
        return [_err("must be a confirmation dialog object", pointer)]
    return (
        _text_object(obj.get("title"), pointer + "/title", 100, plain_only=True)
        + _text_object(obj.get("text"), pointer + "/text", 300)
        + _text_object(obj.get("confirm"), pointer + "/confirm", 30, plain_only=True)
        + _text_object(obj.get("deny"), pointer + "/deny", 30, plain_only=True)
    )


def _options(options: Any, pointer: str) -> list[str]:
    if not isinstance(options, list) or len(options) > 100:
        return [_err("must be a list of at most 100 options", pointer)]
    errors: list[str] = []
    for i, option in enumerate(options):
        p = f"{pointer}/{i}"
        if not isinstance(option, dict):
            errors.append(_err("must be an option object", p))
            continue
        errors += _text_object(option.get("text"), p + "/text", 75)
        errors += _max_len(option.get("value"), 150, p + "/value")
    return errors


def validate_element(element: Any, pointer: str) -> list[str]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [_err("missing required field: type", pointer)]
    errors = _max_len(element.get("action_id"), 255, pointer + "/action_id")
    errors += _confirm(element.get("confirm"), pointer + "/confirm")
    kind = element["type"]
    if kind == "button":
        errors += _text_object(element.get("text"), pointer + "/text", 75, plain_only=True)
        errors += _max_len(element.get("value"), 2000, pointer + "/value")
        errors += _max_len(element.get("url"), 3000, pointer + "/url")
        if element.get("style") not in (None, "primary", "danger"):
            errors.append(_err("must be primary or danger", pointer + "/style"))
    elif kind == "image":
        errors += _max_len(element.get("image_url"), 3000, pointer + "/image_url")
        errors += _max_len(element.get("alt_text"), 2000, pointer + "/alt_text")
    elif kind in TEXT_TYPES:
        errors += _text_object(element, pointer, 3000)
    if "placeholder" in element:
        errors += _text_object(element["placeholder"], pointer + "/placeholder", 150)
    if "options" in element:
        errors += _options(element["options"], pointer + "/options")
    return errors


def _elements(block: dict[str, Any], pointer: str, limit: int) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [_err("missing required field: elements", pointer + "/elements")]
    if len(elements) > limit:
        return [_err(f"no more than {limit} items allowed", pointer + "/elements")]
    errors: list[str] = []
    for i, element in enumerate(elements):
        errors += validate_element(element, f"{pointer}/elements/{i}")
    return errors


def _section(block: dict[str, Any], pointer: str) -> list[str]:
    text, fields = block.get("text"), block.get("fields")
    if text is None and not fields:
        return [_err("must provide text or fields", pointer)]
    errors = _text_object(text, pointer + "/text", 3000, required=False)
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > 10:
            errors.append(_err("no more than 10 items allowed", pointer + "/fields"))
        else:
            for i, item in enumerate(fields):
                errors += _text_object(item, f"{pointer}/fields/{i}", 2000)
    if "accessory" in block:
        errors += validate_element(block["accessory"], pointer + "/accessory")
    return errors


def _input(block: dict[str, Any], pointer: str) -> list[str]:
    errors = _text_object(block.get("label"), pointer + "/label", 2000, plain_only=True)
    errors += _text_object(block.get("hint"), pointer + "/hint", 2000, required=False)
    if "element" not in block:
        return [*errors, _err("missing required field: element", pointer + "/element")]
    return errors + validate_element(block["element"], pointer + "/element")


def validate_block(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return [_err("missing required field: type", pointer)]
    kind = block["type"]
    if kind not in BLOCK_TYPES:
        return [_err(f"unsupported type: {kind}", pointer + "/type")]
    errors = _max_len(block.get("block_id"), 255, pointer + "/block_id")
    if kind == "section":
        errors += _section(block, pointer)
    elif kind == "header":
        errors += _text_object(block.get("text"), pointer + "/text", 150, plain_only=True)
    elif kind == "actions":
        errors += _elements(block, pointer, 25)
    elif kind == "context":
        errors += _elements(block, pointer, 10)
    elif kind == "markdown":
        text = block.get("text")
        if not isinstance(text, str):
            errors.append(_err("missing required field: text", pointer + "/text"))
        errors += _max_len(text, 12_000, pointer + "/text")
    elif kind == "image":
        errors += _max_len(block.get("image_url"), 3000, pointer + "/image_url")
        errors += _max_len(block.get("alt_text"), 2000, pointer + "/alt_text")
    elif kind == "input":
        errors += _input(block, pointer)
    return errors


def validate_blocks(blocks: Any, limit: int, pointer: str = "/blocks") -> list[str]:
    if not isinstance(blocks, list):
        return [_err("must be an array", pointer)]
    if len(blocks) > limit:
        return [_err(f"no more than {limit} items allowed", pointer)]
    errors: list[str] = []
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        errors += validate_block(block, f"{pointer}/{i}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            if block_id in seen:
                errors.append(_err(f"duplicate block_id {block_id}", f"{pointer}/{i}/block_id"))
            seen.add(block_id)
    return errors


def validate_view(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return [_err("must be an object", "/view")]
    if view.get("type") not in ("modal", "home"):
        return [_err("must be modal or home", "/view/type")]
    errors: list[str] = []
    if view["type"] == "modal":
        errors += _text_object(view.get("title"), "/view/title", 24, plain_only=True)
        errors += _text_object(view.get("close"), "/view/close", 24, required=False)
        errors += _text_object(view.get("submit"), "/view/submit", 24, required=False)
    errors += _max_len(view.get("private_metadata"), 3000, "/view/private_metadata")
    errors += _max_len(view.get("callback_id"), 255, "/view/callback_id")
    errors += _max_len(view.get("external_id"), 255, "/view/external_id")
    blocks = view.get("blocks", [])
    errors += validate_blocks(blocks, MAX_VIEW_BLOCKS, "/view/blocks")
    has_inputs = isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
    if view["type"] == "modal" and has_inputs and "submit" not in view:
        errors.append(_err("submit is required when input blocks are present", "/view/submit"))
    return errors
