"""Python source text of generated codec functions, and the range tests they inline.

Shared by the generated fast paths (:mod:`._fast`) and templates (:mod:`._template`).
"""

from __future__ import annotations

from .. import ber
from ._model import Constraints, Kind, Range, Type

__all__ = [
    "Source", "inline_sequence", "length_expr", "length_octets", "range_test", "short_string",
]

_LEN = tuple(bytes((i,)) for i in range(128))
_LONG2 = tuple(b"\x81" + bytes((i,)) for i in range(256))

# How deep SEQUENCE members are generated inline in their parent's function, and up to what
# size (bigger ones get their own function, shared by every parent).
_INLINE_DEPTH = 4
_INLINE_MEMBERS = 24


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


def inline_sequence(t: Type, inlined: tuple[int, ...]) -> bool:
    """Whether a SEQUENCE member is generated inside its parent's function: a few levels
    deep at most, never a structure already being inlined (recursion), never a huge one."""
    return (
        t.kind is Kind.SEQUENCE
        and len(t.tags) == 1
        and len(inlined) < _INLINE_DEPTH
        and id(t.body) not in inlined
        and len(t.body.components) <= _INLINE_MEMBERS
    )


def short_string(cons: Constraints) -> bool:
    """Whether SIZE keeps a string short enough (at most 16 characters) to cache it."""
    return cons.size is not None and all(
        r.upper is not None and r.upper <= 16 for r in cons.size)


def length_expr(n: str) -> str:
    """Inline expression for the minimal length octets of the int variable ``n``."""
    return (f"(L[{n}] if {n} < 128 else LL[{n}] if {n} < 256 else "
            f"b'\\x82' + {n}.to_bytes(2, 'big') if {n} < 65536 else el({n}))")


def length_octets(n: int) -> bytes:
    """Minimal definite length octets (X.690 10.1), fast for the common sizes."""
    if n < 128:
        return _LEN[n]
    if n < 256:
        return _LONG2[n]
    if n < 65536:
        return b"\x82" + n.to_bytes(2, "big")
    return ber.encode_length(n)
