"""Compare two compiled types for everything that decides their BER (X.680, X.690).

Two types are wire-equal when they have the same tags, the same kind, the same members in the
same order with the same optionality, defaults and extension status, the same named numbers
and ENUMERATED items, and the same constraints — recursively. That is the test the project
applies to its own modules against the standards' texts, and what a user can apply to a
newer version of a module against an older one. See ``docs/compiler.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._model import Body, Kind, Type

__all__ = ["wire_differences"]


def wire_differences(
    a: Type, b: Type, path: str = "", *, ignore_constraints: bool = False, limit: int = 50
) -> list[str]:
    """Every difference between ``a`` and ``b`` that shows on the wire, as readable lines
    naming the path (``PS-PDU.pSHeader.sequenceNumber: tags [4] != [5]``). Empty: equal.

    Recursive types are followed once per pair of structures.
    """
    comparison = _Comparison(ignore_constraints, limit)
    comparison.types(a, b, path or (a.name or a.kind.value))
    return comparison.out


@dataclass
class _Comparison:
    """The differences found so far, the pairs of structures already compared, and the
    options of one :func:`wire_differences` call."""

    ignore_constraints: bool
    limit: int
    out: list[str] = field(default_factory=list)
    seen: set[tuple[int, int, tuple[object, ...]]] = field(default_factory=set)

    def types(self, a: Type, b: Type, path: str) -> None:
        """Compare two types: tags, kind, constraints, then (once per pair) their bodies."""
        out = self.out
        if len(out) >= self.limit:
            return
        if a.tags != b.tags:
            out.append(f"{path}: tags {_tags(a)} != {_tags(b)}")
        if a.kind is not b.kind:
            out.append(f"{path}: {a.kind.value} != {b.kind.value}")
            return
        if not self.ignore_constraints and a.constraints != b.constraints:
            out.append(f"{path}: constraints {a.constraints} != {b.constraints}")
        key = (id(a.body), id(b.body), a.tags)
        if key in self.seen:
            return
        self.seen.add(key)
        self.bodies(a.body, b.body, path)

    def bodies(self, a: Body, b: Body, path: str) -> None:
        """Compare two structures of the same kind: named numbers, members, elements."""
        out = self.out
        kind = a.kind
        if kind is Kind.STRING and a.string_type != b.string_type:
            out.append(f"{path}: {a.string_type} != {b.string_type}")
        if kind in (Kind.INTEGER, Kind.BIT_STRING, Kind.ENUMERATED) and (
            a.named_numbers != b.named_numbers
        ):
            out.append(f"{path}: named values {a.named_numbers} != {b.named_numbers}")
        if kind is Kind.ENUMERATED and a.enum_root != b.enum_root:
            out.append(f"{path}: ENUMERATED root {a.enum_root} != {b.enum_root}")
        if kind in (Kind.SEQUENCE, Kind.SET, Kind.CHOICE, Kind.ENUMERATED) and (
            a.extensible != b.extensible
        ):
            out.append(f"{path}: extensible {a.extensible} != {b.extensible}")
        if kind in (Kind.SEQUENCE_OF, Kind.SET_OF):
            assert a.element is not None and b.element is not None
            self.types(a.element, b.element, f"{path}[]")
            return
        if kind not in (Kind.SEQUENCE, Kind.SET, Kind.CHOICE):
            return
        names_a = [c.name for c in a.components]
        names_b = [c.name for c in b.components]
        if names_a != names_b:
            out.append(f"{path}: members {names_a} != {names_b}")
            return
        for ca, cb in zip(a.components, b.components, strict=True):
            sub = f"{path}.{ca.name}"
            if ca.optional != cb.optional:
                out.append(f"{sub}: OPTIONAL {ca.optional} != {cb.optional}")
            if ca.default != cb.default:
                out.append(f"{sub}: DEFAULT {ca.default!r} != {cb.default!r}")
            if ca.extension != cb.extension:
                out.append(f"{sub}: extension addition {ca.extension} != {cb.extension}")
            self.types(ca.type, cb.type, sub)


def _tags(t: Type) -> str:
    return "".join(str(tag) for tag in t.tags) or "(untagged)"
