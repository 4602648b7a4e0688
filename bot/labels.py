"""The five ticket labels, in the order they are shown everywhere."""

from __future__ import annotations

from typing import Final, Literal, get_args

Label = Literal["Task", "Bug", "Incident", "Feature Request", "Question"]
LABELS: Final[tuple[Label, ...]] = get_args(Label)


def parse_label(text: str) -> Label | None:
    """Return the label ``text`` names (case and surrounding space ignored), else None."""
    wanted = " ".join(text.split()).casefold()
    for label in LABELS:
        if label.casefold() == wanted:
            return label
    return None
