"""Figures, the table printed at the end, and the results JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.machine import one_line

FORMATS = {"ms": "{:.1f} ms", "s": "{:.2f} s", "MiB": "{:.0f} MiB", "MB": "{:.0f} MB",
           "x": "{:.2f}x", "%": "{:+.1f} %", "/s": "{:.2f} /s", "": "{:.0f}", "ratio": "{:.3f}"}


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str = ""
    #: Shown instead of the formatted value (e.g. "> 60 s" for a wait that never ended).
    shown: str | None = None
    target: str | None = None
    met: bool | None = None
    note: str = ""
    #: Filled in from the section when empty.
    command: str = ""

    def display(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.value is None:
            return "n/a"
        return FORMATS.get(self.unit, "{:.2f} " + self.unit).format(self.value)


@dataclass
class Section:
    name: str
    #: How to reproduce every figure in it.
    command: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, *figures: Figure) -> None:
        for figure in figures:
            figure.command = figure.command or self.command
            self.figures.append(figure)


def _verdict(figure: Figure) -> str:
    return {True: "met", False: "MISSED", None: ""}[figure.met]


def table(sections: list[Section], machine: dict[str, Any]) -> str:
    width = max((len(f.name) for s in sections for f in s.figures), default=20) + 2
    lines = [f"machine: {one_line(machine)}", ""]
    for section in sections:
        lines.append(f"== {section.name}  ({section.seconds:.0f} s)  $ {section.command}")
        for figure in section.figures:
            target = f"target {figure.target}" if figure.target else ""
            note = f"({figure.note})" if figure.note else ""
            row = (f"  {figure.name:<{width}}{figure.display():>12}  {target:<18}"
                   f"{_verdict(figure):<8}{note}")
            lines.append(row.rstrip())
        lines.extend(f"  note: {note}" for note in section.notes)
        lines.append("")
    return "\n".join(lines)


def write_json(path: Path, sections: list[Section], machine: dict[str, Any],
               argv: list[str], seconds: float) -> None:
    document = {
        "command": " ".join(["python -m bench", *argv]),
        "machine": machine,
        "date": machine["date"],
        "total_seconds": round(seconds, 1),
        "sections": [
            {"name": s.name, "command": s.command, "seconds": round(s.seconds, 1),
             "figures": [{**asdict(f), "display": f.display()} for f in s.figures],
             "notes": s.notes, "details": s.details}
            for s in sections
        ],
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
