"""Render the prompt with the model's own chat template, split around the ticket text.

The part before the ticket and the part after it are tokenised with special tokens; the
ticket itself is tokenised as plain text, so ``<|im_end|>`` typed by a user is just text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from bot.classify.prompt import chat_messages
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
