"""Pieces of the generated codec functions (X.690): their source text, the range, length
and tag tests they inline, and the fallback to the general encoder.

Shared by the generated fast paths (:mod:`._fast`) and templates (:mod:`._template`).
"""

from __future__ import annotations

from typing import Any

from .. import ber
from ._codec import Encoder, identifier_octets
from ._model import Constraints, Kind, Range, Tag, Type, first_tag_owners

__all__ = [
    "GENERATED_KINDS", "Source", "fallback_encode", "first_test", "inline_sequence",
    "length_expr", "length_octets", "range_test", "short_string",
]

GENERATED_KINDS = (Kind.SEQUENCE, Kind.SET, Kind.SEQUENCE_OF, Kind.SET_OF, Kind.CHOICE)
"""The kinds whose codecs are generated functions (the others are primitives)."""

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


def fallback_encode(encode: Encoder, value: Any, out: list[bytes], start: int) -> int:
    """Undo what a generated encoder appended and encode ``value`` the general way."""
    del out[start:]
    b = encode(value)
    out.append(b)
    return len(b)


def first_test(mt: Type, p: str, stop: str) -> tuple[str, bytes]:
    """A test that the element at ``p`` can start a value of ``mt``, and the identifier
    octets it proves, if it proves exactly one."""
    tests = []
    idents: list[bytes] = []
    for tag, owner in first_tag_owners(mt):
        if tag is None:
            return f"{p} < {stop}", b""
        t, i = _tag_tests(tag, owner, p)
        tests.extend(t)
        idents.extend(i)
    if not tests:
        return "False", b""
    exact = idents[0] if len(idents) == 1 else b""
    return f"{p} < {stop} and ({' or '.join(tests)})", exact

def _tag_tests(tag: Tag, mt: Type, p: str) -> tuple[list[str], list[bytes]]:
    """Tests for the identifier of ``tag`` at ``p``, in the forms X.690 allows for it."""
    out = []
    idents = []
    if len(mt.tags) > 1 or mt.kind in GENERATED_KINDS or mt.kind is Kind.OPEN:
        forms: tuple[bool, ...] = (True,)
    elif mt.kind in (Kind.OCTET_STRING, Kind.BIT_STRING, Kind.STRING):
        forms = (False, True)  # strings may use the constructed form (X.690 8.7.3)
    else:
        forms = (False,)
    for constructed in forms:
        ident = identifier_octets(tag, constructed)
        idents.append(ident)
        if len(ident) == 1:
            out.append(f"data[{p}] == {ident[0]}")
        else:
            out.append(f"data.startswith({ident!r}, {p})")
    return out, idents
