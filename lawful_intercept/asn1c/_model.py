"""The resolved type model that the compiler hands to the codec and to the test strategies.

The parser produces syntax; the resolver turns it into these objects, in which every type
reference is followed, every tag is known (tagging defaults of X.680 clause 31 applied) and
every constraint is reduced to sets the codec can check quickly. Nothing here knows BER.

A :class:`Type` is a *use* of a structure: its tags and constraints belong to the place it is
used (``[3] Foo (SIZE (1..5))``), while the structure itself (:class:`Body`) is shared by every
use, which is how recursive definitions are represented. See ``docs/compiler.md``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "CONSTRUCTED_KINDS",
    "NO_DEFAULT",
    "STRING_TYPES",
    "UNIVERSAL_TAGS",
    "Body",
    "Component",
    "Constraints",
    "Kind",
    "Range",
    "Tag",
    "TagClass",
    "Type",
    "first_tag_owners",
    "first_tags",
]


class TagClass(enum.IntEnum):
    """The four tag classes of X.680 clause 8.1 (values as in the BER identifier octet >> 6)."""

    UNIVERSAL = 0
    APPLICATION = 1
    CONTEXT = 2
    PRIVATE = 3


@dataclass(frozen=True, slots=True)
class Tag:
    """One tag: class and number (X.680 clause 8)."""

    cls: TagClass
    number: int

    def __str__(self) -> str:
        if self.cls == TagClass.CONTEXT:
            return f"[{self.number}]"
        return f"[{self.cls.name} {self.number}]"


class Kind(enum.Enum):
    """The built-in type a structure is, after references are followed."""

    BOOLEAN = "BOOLEAN"
    INTEGER = "INTEGER"
    ENUMERATED = "ENUMERATED"
    REAL = "REAL"
    NULL = "NULL"
    BIT_STRING = "BIT STRING"
    OCTET_STRING = "OCTET STRING"
    OBJECT_IDENTIFIER = "OBJECT IDENTIFIER"
    RELATIVE_OID = "RELATIVE-OID"
    UTC_TIME = "UTCTime"
    GENERALIZED_TIME = "GeneralizedTime"
    STRING = "character string"
    SEQUENCE = "SEQUENCE"
    SET = "SET"
    SEQUENCE_OF = "SEQUENCE OF"
    SET_OF = "SET OF"
    CHOICE = "CHOICE"
    OPEN = "open type"
    """An open type (information object class field, ANY): the value is one whole TLV as bytes."""


CONSTRUCTED_KINDS: Final = frozenset(
    {Kind.SEQUENCE, Kind.SET, Kind.SEQUENCE_OF, Kind.SET_OF}
)

# Universal tag numbers of the other built-in types (X.680 clause 8.6, table 1).
UNIVERSAL_TAGS: Final[dict[Kind, int]] = {
    Kind.BOOLEAN: 1,
    Kind.INTEGER: 2,
    Kind.BIT_STRING: 3,
    Kind.OCTET_STRING: 4,
    Kind.NULL: 5,
    Kind.OBJECT_IDENTIFIER: 6,
    Kind.REAL: 9,
    Kind.ENUMERATED: 10,
    Kind.RELATIVE_OID: 13,
    Kind.SEQUENCE: 16,
    Kind.SEQUENCE_OF: 16,
    Kind.SET: 17,
    Kind.SET_OF: 17,
    Kind.UTC_TIME: 23,
    Kind.GENERALIZED_TIME: 24,
}

# Character string types and their universal tag numbers (X.680 clause 41, table 8).
STRING_TYPES: Final[dict[str, int]] = {
    "UTF8String": 12,
    "NumericString": 18,
    "PrintableString": 19,
    "TeletexString": 20,
    "T61String": 20,
    "VideotexString": 21,
    "IA5String": 22,
    "GraphicString": 25,
    "VisibleString": 26,
    "ISO646String": 26,
    "GeneralString": 27,
    "UniversalString": 28,
    "BMPString": 30,
}


@dataclass(frozen=True, slots=True)
class Range:
    """A closed range of integers; ``None`` stands for MIN or MAX (unbounded)."""

    lower: int | None
    upper: int | None

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        return (self.lower is None or value >= self.lower) and (
            self.upper is None or value <= self.upper
        )

    def __str__(self) -> str:
        lo = "MIN" if self.lower is None else str(self.lower)
        hi = "MAX" if self.upper is None else str(self.upper)
        return lo if self.lower == self.upper and self.lower is not None else f"{lo}..{hi}"


@dataclass(frozen=True, slots=True)
class Constraints:
    """Effective PER-visible-style constraints of one type use, reduced for checking.

    ``value`` and ``size`` are unions of ranges (``None``: unconstrained). ``alphabet`` is the
    set of permitted characters (``None``: any). ``single_values`` are the values permitted by
    single-value constraints on types other than INTEGER (X.680 51.2): dotted strings for
    OBJECT IDENTIFIER and RELATIVE-OID (``domainID [0] OBJECT IDENTIFIER (hi2OperationId)``),
    ``str`` for character strings, ``bytes`` for OCTET STRING, ``bool``, ENUMERATED item names
    (``None``: any). An extensible constraint (``...``) is kept as a
    flag: values outside the root are still checked, because the standards' extension markers
    on constraints describe future versions, not licence to send anything.
    """

    value: tuple[Range, ...] | None = None
    value_extensible: bool = False
    size: tuple[Range, ...] | None = None
    size_extensible: bool = False
    alphabet: frozenset[str] | None = None
    single_values: frozenset[object] | None = None

    @property
    def empty(self) -> bool:
        """Nothing is constrained."""
        return (self.value is None and self.size is None and self.alphabet is None
                and self.single_values is None)

    def describe_single_values(self) -> str:
        """The permitted single values, as in X.680 notation (``0.4.0.2.2.1.1 | ...``)."""
        assert self.single_values is not None
        return " | ".join(sorted(repr(v) if not isinstance(v, str) else v
                                 for v in self.single_values)) or "no value"

    def describe_value(self) -> str:
        """The value ranges as written in X.680 notation (``0..255 | 300``)."""
        assert self.value is not None
        return " | ".join(str(r) for r in self.value)

    def describe_size(self) -> str:
        """The SIZE constraint as written in X.680 notation (``SIZE (1..8)``)."""
        assert self.size is not None
        return "SIZE (" + " | ".join(str(r) for r in self.size) + ")"


class _NoDefault:
    _instance: _NoDefault | None = None

    def __new__(cls) -> _NoDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __reduce__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Final = _NoDefault()
"""Marker for a component without a DEFAULT value."""


@dataclass(eq=False, slots=True)
class Component:
    """A named member of a SEQUENCE, SET or CHOICE (X.680 clauses 25, 27, 29)."""

    name: str
    type: Type
    optional: bool = False
    default: object = NO_DEFAULT
    extension: bool = False
    """True for an extension addition (after the ``...`` marker)."""

    @property
    def has_default(self) -> bool:
        """The member has a DEFAULT value (X.680 25.6)."""
        return self.default is not NO_DEFAULT


@dataclass(eq=False, slots=True)
class Body:
    """The structure of a type, shared by every use of it.

    Only the fields relevant to ``kind`` are meaningful:

    * SEQUENCE, SET, CHOICE: ``components`` (root and extension additions, in text order),
      ``extensible``;
    * SEQUENCE OF, SET OF: ``element``;
    * INTEGER: ``named_numbers``; ENUMERATED: ``named_numbers`` (name -> value),
      ``enum_root`` (names in the root), ``extensible``; BIT STRING: ``named_numbers``
      (name -> bit position);
    * STRING: ``string_type`` (e.g. ``"PrintableString"``);
    * OCTET STRING: ``contained`` (the type named by a CONTAINING constraint, for information).
    """

    kind: Kind
    components: list[Component] = field(default_factory=list)
    extensible: bool = False
    element: Type | None = None
    named_numbers: dict[str, int] = field(default_factory=dict)
    enum_root: tuple[str, ...] = ()
    string_type: str | None = None
    contained: Type | None = None
    name: str = ""
    """The name of the type assignment that defines this structure, if any."""
    module: str = ""


@dataclass(eq=False, slots=True)
class Type:
    """One use of a structure: its tags (outermost first) and constraints.

    ``tags`` is the complete list of BER tags, outermost first. All but the last are explicit
    wrappers (always constructed). The last is the tag of the contents itself; it is missing
    (``tags`` empty) only for an untagged CHOICE or open type, whose encoding is that of the
    chosen alternative / of the value itself.
    """

    body: Body
    tags: tuple[Tag, ...]
    constraints: Constraints = Constraints()
    name: str = ""
    """The type reference name this use was written with (``PSHeader``) or the built-in name."""

    @property
    def kind(self) -> Kind:
        """The kind of the type's structure (``body.kind``)."""
        return self.body.kind

    def __repr__(self) -> str:
        tags = "".join(str(t) for t in self.tags)
        return f"<Type {self.name or self.body.kind.value} {tags}>"


def first_tag_owners(t: Type, seen: frozenset[int] = frozenset()) -> list[tuple[Tag | None, Type]]:
    """The tags an encoding of ``t`` can start with (X.680 8.6), each with the type whose
    outermost tag it is: an untagged CHOICE contributes its alternatives' tags, an untagged open
    type ``None`` (any tag)."""
    if t.tags:
        return [(t.tags[0], t)]
    if t.body.kind is Kind.CHOICE:
        if id(t.body) in seen:
            return []
        out: list[tuple[Tag | None, Type]] = []
        for c in t.body.components:
            out.extend(first_tag_owners(c.type, seen | {id(t.body)}))
        return out
    return [(None, t)]


def first_tags(t: Type) -> list[Tag | None]:
    """The tags an encoding of ``t`` can start with; ``None`` stands for any tag."""
    return [tag for tag, _ in first_tag_owners(t)]
