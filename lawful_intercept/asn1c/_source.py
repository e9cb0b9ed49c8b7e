"""Python source text of generated codec functions, and the range tests they inline.

Shared by the generated fast paths (:mod:`._fast`) and templates (:mod:`._template`).
"""

from __future__ import annotations

from ._model import Range

__all__ = ["Source", "range_test"]


def range_test(var: str, ranges: tuple[Range, ...] | None) -> str | None:
    """A Python expression true when ``var`` is inside the ranges (None: always)."""
    if ranges is None:
        return None
    tests = []
    for r in ranges:
        if r.lower is None and r.upper is None:
            return None
        if r.lower is None:
            tests.append(f"{var} <= {r.upper}")
        elif r.upper is None:
            tests.append(f"{r.lower} <= {var}")
        elif r.lower == r.upper:
            tests.append(f"{var} == {r.lower}")
        else:
            tests.append(f"{r.lower} <= {var} <= {r.upper}")
    return " or ".join(f"({t})" for t in tests)


class Source:
    """Python source text being generated, one indented line at a time."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, indent: int, text: str) -> None:
        """Append the line ``text``, indented ``indent`` levels."""
        self.lines.append("    " * indent + text)

    def text(self) -> str:
        """The whole source, one line per added line."""
        return "\n".join(self.lines) + "\n"
