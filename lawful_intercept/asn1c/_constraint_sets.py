"""The algebra of reduced constraints: unions, intersections and ranges (X.680 clauses 46, 49).

The resolver reduces each subtype constraint to the sets the codec checks (value ranges, size
ranges, permitted alphabets, :class:`~lawful_intercept.asn1c.Constraints`); these functions
combine such sets. See ``docs/compiler.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from . import _syntax as syn
from ._model import Constraints, Kind, Range

__all__ = [
    "SINGLE_VALUE_KINDS", "intersect", "intersect_ranges", "intersection", "operands", "union",
]

_T = TypeVar("_T")

# Kinds whose single-value constraints (X.680 51.2) are checked like INTEGER's ranges.
SINGLE_VALUE_KINDS: dict[Kind, type] = {
    Kind.OBJECT_IDENTIFIER: str, Kind.RELATIVE_OID: str, Kind.STRING: str,
    Kind.OCTET_STRING: bytes, Kind.BOOLEAN: bool, Kind.ENUMERATED: str,
}


def union(parts: list[Constraints]) -> Constraints | None:
    """The union of constraints of one sort; None when they constrain different things."""
    if not parts:
        return None
    if all(p.single_values is not None and p.value is None and p.size is None
           and p.alphabet is None for p in parts):
        values: set[object] = set()
        for p in parts:
            values |= p.single_values or frozenset()
        return Constraints(single_values=frozenset(values))
    if any(p.single_values is not None for p in parts):
        return None
    if all(p.value is not None and p.size is None and p.alphabet is None for p in parts):
        return Constraints(value=tuple(r for p in parts for r in (p.value or ())))
    if all(p.size is not None and p.value is None and p.alphabet is None for p in parts):
        return Constraints(size=tuple(r for p in parts for r in (p.size or ())))
    if all(p.alphabet is not None and p.value is None and p.size is None for p in parts):
        chars: set[str] = set()
        for p in parts:
            chars |= p.alphabet or frozenset()
        return Constraints(alphabet=frozenset(chars))
    return None


def operands(c: syn.Constraint, *, skip_markers: bool = False) -> Iterator[syn.Constraint]:
    """The operands of a set operation (X.680 clause 46); with ``skip_markers``, without the
    empty unions that stand for an extension marker ``...``."""
    for arg in c.args:
        assert isinstance(arg, syn.Constraint)
        if skip_markers and not arg.args and arg.op == "union":
            continue
        yield arg


def intersection(values: Iterable[_T | None], meet: Callable[[_T, _T], _T]) -> _T | None:
    """The meet of the values that are known (X.680 46.3); an unknown one (None) does not
    narrow the result, and nothing known gives None."""
    result: _T | None = None
    for v in values:
        if v is not None:
            result = v if result is None else meet(result, v)
    return result


def intersect_ranges(a: tuple[Range, ...], b: tuple[Range, ...]) -> tuple[Range, ...]:
    """The ranges both ``a`` and ``b`` allow (X.680 46.3)."""
    out = []
    for x in a:
        for y in b:
            lo = x.lower if y.lower is None else y.lower if x.lower is None else max(
                x.lower, y.lower
            )
            hi = x.upper if y.upper is None else y.upper if x.upper is None else min(
                x.upper, y.upper
            )
            if lo is None or hi is None or lo <= hi:
                out.append(Range(lo, hi))
    return tuple(out)


def intersect(a: Constraints, b: Constraints) -> Constraints:
    """Serial application of constraints (X.680 49.6): both must hold."""
    value = a.value if b.value is None else b.value if a.value is None else intersect_ranges(
        a.value, b.value
    )
    size = a.size if b.size is None else b.size if a.size is None else intersect_ranges(
        a.size, b.size
    )
    alphabet = a.alphabet if b.alphabet is None else b.alphabet if a.alphabet is None else (
        a.alphabet & b.alphabet
    )
    single = a.single_values if b.single_values is None else (
        b.single_values if a.single_values is None else a.single_values & b.single_values
    )
    return Constraints(
        value,
        (a.value_extensible or b.value_extensible) and (value is not None or single is not None),
        size,
        (a.size_extensible or b.size_extensible) and size is not None,
        alphabet,
        single,
    )
