"""Render the prompt with the model's own chat template, split around the ticket text.

The template's own parts are tokenised with special tokens; the ticket and every few-shot
example (text that users typed) are tokenised as plain text, so ``<|im_end|>`` typed by a user,
even in a ticket later approved and used as an example, is just text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from bot.classify.prompt import chat_messages, defuse
from bot.classify.types import Example

log = logging.getLogger(__name__)

MARKER = "\u2063TICKET_TEXT\u2063"
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class PromptTemplate:
    """Wraps a Jinja chat template (from the GGUF metadata, else ChatML)."""

    def __init__(self, template: str | None, *, bos_token: str = "", eos_token: str = "") -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        if not template:
            log.info("llama: model has no chat template; using ChatML")
        self._formatter = Jinja2ChatFormatter(
            template=template or CHATML, eos_token=eos_token, bos_token=bos_token
        )

    def render(self, messages: list[dict[str, str]]) -> str:
        result: Any = self._formatter(messages=cast(Any, messages))
        return str(result.prompt)

    def split(self, examples: Sequence[Example] = ()) -> tuple[str, str]:
        """(text before the ticket, text after it, ending with the assistant's turn)."""
        prompt = self.render(chat_messages(MARKER, examples))
        head, sep, tail = prompt.rpartition(MARKER)
        if not sep:
            raise ValueError("chat template dropped the ticket text")
        return head, tail

    def segments(self, examples: Sequence[Example] = ()) -> tuple[list[Segment], str]:
        """Like ``split``, with the text before the ticket cut into template parts (``special``
        True) and the examples' user text (``special`` False)."""
        markers = [f"\u2063EXAMPLE_{n}\u2063" for n in range(len(examples))]
        marked = [(marker, label) for marker, (_, label) in zip(markers, examples, strict=True)]
        head, tail = self.split(marked)
        parts: list[Segment] = []
        for marker, (text, _) in zip(markers, examples, strict=True):
            before, found, head = head.partition(marker)
            if not found:
                raise ValueError("chat template dropped an example")
            parts += [Segment(before, special=True), Segment(defuse(text.strip()), special=False)]
        parts.append(Segment(head, special=True))
        return parts, tail


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    special: bool

