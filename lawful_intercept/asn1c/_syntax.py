"""Syntax tree of ASN.1 modules as written, before references are resolved (X.680).

These classes are what the parser produces and what the resolver reads. Values are kept as
token lists where their meaning depends on the governing type (``{ ... }`` can be an OBJECT
IDENTIFIER, a SEQUENCE value or a list of named bits), and are interpreted by the resolver.
See ``docs/compiler.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._lexer import Token

__all__ = [
    "BuiltinType",
    "ComponentSyntax",
    "ComponentsOf",
    "ConstrainedType",
    "Constraint",
    "Import",
    "ListType",
    "ModuleSyntax",
    "NamedNumber",
    "OpenType",
    "RefType",
    "SelectionType",
    "SkippedAssignment",
    "StructType",
    "TaggedType",
    "TypeAssignment",
    "TypeSyntax",
    "ValueAssignment",
    "ValueSyntax",
]


@dataclass(eq=False)
class TypeSyntax:
    """Base of every type as written."""

    line: int


@dataclass(eq=False)
class RefType(TypeSyntax):
    """A type reference, ``Name`` or ``Module.Name`` (X.680 clause 14)."""

    module: str | None
    name: str


@dataclass(eq=False)
class TaggedType(TypeSyntax):
    """``[class number] IMPLICIT|EXPLICIT Type`` (X.680 clause 31)."""

    cls: str  # UNIVERSAL, APPLICATION, PRIVATE or CONTEXT
    number: ValueSyntax
    mode: str | None  # IMPLICIT, EXPLICIT or None (module default)
    inner: TypeSyntax


@dataclass(eq=False)
class NamedNumber:
    """``name(value)`` in INTEGER, ENUMERATED and BIT STRING definitions."""

    name: str
    value: ValueSyntax | None  # None: ENUMERATED item numbered automatically
    extension: bool = False


@dataclass(eq=False)
class BuiltinType(TypeSyntax):
    """A built-in simple type: INTEGER, ENUMERATED, BIT STRING, a character string type, ..."""

    name: str
    named: list[NamedNumber] = field(default_factory=list)
    extensible: bool = False


@dataclass(eq=False)
class ComponentSyntax:
    """A member of SEQUENCE, SET or CHOICE as written."""

    name: str
    type: TypeSyntax
    optional: bool = False
    default: ValueSyntax | None = None
    extension: bool = False
    line: int = 0


@dataclass(eq=False)
class ComponentsOf:
    """``COMPONENTS OF Type`` inside a SEQUENCE or SET (X.680 clause 25.5)."""

    type: TypeSyntax
    extension: bool = False
    line: int = 0


@dataclass(eq=False)
class StructType(TypeSyntax):
    """SEQUENCE, SET or CHOICE with its components."""

    kind: str  # SEQUENCE, SET, CHOICE
    components: list[ComponentSyntax | ComponentsOf]
    extensible: bool


@dataclass(eq=False)
class ListType(TypeSyntax):
    """SEQUENCE OF or SET OF, with the SIZE constraint written between the keywords."""

    kind: str  # SEQUENCE OF, SET OF
    element: TypeSyntax
    size: Constraint | None = None


@dataclass(eq=False)
class ConstrainedType(TypeSyntax):
    """``Type (constraint)``, possibly several in a row (X.680 clause 49)."""

    inner: TypeSyntax
    constraint: Constraint


@dataclass(eq=False)
class OpenType(TypeSyntax):
    """An information-object field type (``OPERATION.&ArgumentType``) or ANY: an open type."""

    text: str


@dataclass(eq=False)
class SelectionType(TypeSyntax):
    """``name < Type`` (X.680 clause 30)."""

    name: str
    inner: TypeSyntax


@dataclass(eq=False)
class ValueSyntax:
    """A value as written: its tokens. ``Module.value`` references are kept as three tokens."""

    tokens: list[Token]

    @property
    def line(self) -> int:
        """The line the value starts on (0: an empty value)."""
        return self.tokens[0].line if self.tokens else 0

    def text(self) -> str:
        """The value as written, its tokens separated by spaces."""
        return " ".join(t.text for t in self.tokens)


@dataclass(eq=False)
class Constraint:
    """A constraint as a small tree (X.680 clauses 46-51).

    ``op`` is one of: ``union``, ``intersection``, ``except`` (args: sub-constraints),
    ``range`` (lower, upper as ValueSyntax or ``MIN``/``MAX`` strings; lower_open,
    upper_open), ``single`` (a ValueSyntax), ``size`` and ``from`` (one sub-constraint),
    ``containing`` (a TypeSyntax), ``type`` (an included subtype), ``extensible`` (root,
    additions), ``ignored`` (constraints with no effect on BER: WITH COMPONENTS, CONSTRAINED
    BY, PATTERN, table constraints).
    """

    op: str
    args: list[object]
    line: int = 0


@dataclass(eq=False)
class TypeAssignment:
    """``Name ::= Type``."""

    name: str
    type: TypeSyntax
    line: int


@dataclass(eq=False)
class ValueAssignment:
    """``name Type ::= value``; the type and value are interpreted only when used."""

    name: str
    type: TypeSyntax | None  # None when the governing type could not be parsed (e.g. a class)
    value: ValueSyntax
    line: int
    type_text: str = ""


@dataclass(eq=False)
class SkippedAssignment:
    """An assignment that has no bearing on BER: information object classes, objects, object
    sets, parameterized definitions. Kept so that a reference to it gives a precise error."""

    name: str
    reason: str
    line: int


@dataclass(eq=False)
class Import:
    """``symbols FROM Module {oid} [WITH SUCCESSORS|WITH DESCENDANTS]`` (X.680 clause 13)."""

    module: str
    oid: ValueSyntax | None
    symbols: list[str]
    selection: str | None = None
    line: int = 0


@dataclass(eq=False)
class ModuleSyntax:
    """One module as written."""

    name: str
    oid: ValueSyntax | None
    tagging: str  # EXPLICIT, IMPLICIT, AUTOMATIC
    extensibility_implied: bool
    imports: list[Import]
    assignments: dict[str, TypeAssignment | ValueAssignment | SkippedAssignment]
    filename: str | None
    line: int
