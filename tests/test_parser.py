"""The ASN.1 parser (X.680) on its own: the syntax forms the handover modules use, the syntax
tree it builds, and errors that name the file and line of bad input.

The parser's output is checked directly (``parse_text`` gives the modules as written); what
the types mean after resolution is ``test_resolver.py``'s subject.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.asn1c import (
    ModuleSyntax,
    Range,
    TypeAssignment,
    format_module,
    parse_text,
)
from lawful_intercept.asn1c._syntax import (
    BuiltinType,
    ComponentSyntax,
    ConstrainedType,
    Constraint,
    ListType,
    RefType,
    SkippedAssignment,
    StructType,
    TaggedType,
    ValueAssignment,
)
from lawful_intercept.errors import CompileError


def parse_one(text: str, filename: str = "test.asn") -> ModuleSyntax:
    modules = parse_text(text, filename)
    assert len(modules) == 1
    return modules[0]


def type_of(module: ModuleSyntax, name: str) -> object:
    assignment = module.assignments[name]
    assert isinstance(assignment, TypeAssignment)
    return assignment.type


def module(body: str, header: str = "M DEFINITIONS ::=") -> str:
    return f"{header}\nBEGIN\n{body}\nEND\n"


# -- module headers (X.680 clause 13) ---------------------------------------------------


@pytest.mark.parametrize(
    ("header", "tagging"),
    [
        ("M DEFINITIONS ::=", "EXPLICIT"),  # the default (X.680 13.3)
        ("M DEFINITIONS EXPLICIT TAGS ::=", "EXPLICIT"),
        ("M DEFINITIONS IMPLICIT TAGS ::=", "IMPLICIT"),
        ("M DEFINITIONS AUTOMATIC TAGS ::=", "AUTOMATIC"),
    ],
)
def test_tagging_default(header: str, tagging: str) -> None:
    m = parse_one(module("T ::= INTEGER", header))
    assert m.tagging == tagging
    assert m.extensibility_implied is False


def test_extensibility_implied_and_module_oid() -> None:
    m = parse_one(module(
        "T ::= INTEGER",
        "M {itu-t(0) identified-organization(4) etsi(0) 2 1} DEFINITIONS IMPLICIT TAGS "
        "EXTENSIBILITY IMPLIED ::=",
    ))
    assert m.name == "M"
    assert m.tagging == "IMPLICIT"
    assert m.extensibility_implied is True
    assert m.oid is not None
    assert m.oid.text().replace(" ", "") == "{itu-t(0)identified-organization(4)etsi(0)21}"


def test_imports_by_oid_with_successors_and_by_name() -> None:
    m = parse_one(module(
        "IMPORTS\n"
        "  A, B FROM First {itu-t(0) 4 0 2 7} WITH SUCCESSORS\n"
        "  C FROM Second\n"
        "  D FROM Third {0 4 1} WITH DESCENDANTS;\n"
        "T ::= A"
    ))
    first, second, third = m.imports
    assert (first.module, first.symbols, first.selection) == ("First", ["A", "B"], "SUCCESSORS")
    assert first.oid is not None and first.oid.text().startswith("{")
    assert (second.module, second.symbols, second.oid, second.selection) == (
        "Second", ["C"], None, None
    )
    assert (third.module, third.selection) == ("Third", "DESCENDANTS")
    assert [i.line for i in m.imports] == [4, 5, 6]


def test_module_type_reference() -> None:
    t = type_of(parse_one(module("T ::= Other.Thing")), "T")
    assert isinstance(t, RefType)
    assert (t.module, t.name) == ("Other", "Thing")


def test_several_modules_in_one_text() -> None:
    modules = parse_text(module("T ::= INTEGER") + module("U ::= BOOLEAN", "N DEFINITIONS ::="))
    assert [m.name for m in modules] == ["M", "N"]


# -- types and members (X.680 clauses 16-31) ----------------------------------------------


def test_extension_marker_and_addition_groups() -> None:
    t = type_of(parse_one(module(
        "T ::= SEQUENCE {\n"
        "  a [0] INTEGER,\n"
        "  b [1] OCTET STRING OPTIONAL,\n"
        "  ...,\n"
        "  [[ c [2] BOOLEAN,\n"
        "     d [3] NULL ]],\n"
        "  e [4] INTEGER DEFAULT 5\n"
        "}"
    )), "T")
    assert isinstance(t, StructType)
    assert t.kind == "SEQUENCE" and t.extensible
    members = [c for c in t.components if isinstance(c, ComponentSyntax)]
    assert [(c.name, c.optional, c.extension) for c in members] == [
        ("a", False, False), ("b", True, False), ("c", False, True), ("d", False, True),
        ("e", False, True),
    ]
    assert members[4].default is not None and members[4].default.text() == "5"
    assert [c.line for c in members] == [4, 5, 7, 8, 9]


def test_tags_with_class_and_mode() -> None:
    m = parse_one(module(
        "A ::= [APPLICATION 3] IMPLICIT INTEGER\n"
        "B ::= [PRIVATE 1] EXPLICIT BOOLEAN\n"
        "C ::= [7] NULL"
    ))
    a, b, c = (type_of(m, n) for n in "ABC")
    assert isinstance(a, TaggedType) and (a.cls, a.number.text(), a.mode) == (
        "APPLICATION", "3", "IMPLICIT"
    )
    assert isinstance(b, TaggedType) and (b.cls, b.mode) == ("PRIVATE", "EXPLICIT")
    assert isinstance(c, TaggedType) and (c.cls, c.mode) == ("CONTEXT", None)


def test_relative_oid_type_and_value() -> None:
    m = parse_one(module("R ::= RELATIVE-OID\nr RELATIVE-OID ::= {1 2 3}"))
    r = type_of(m, "R")
    assert isinstance(r, BuiltinType) and r.name == "RELATIVE-OID"
    value = m.assignments["r"]
    assert isinstance(value, ValueAssignment)
    assert value.value.text() == "{ 1 2 3 }"


def test_named_numbers_and_enumerations() -> None:
    m = parse_one(module(
        "I ::= INTEGER { low(0), high(10) }\n"
        "E ::= ENUMERATED { red, green(5), ..., blue }\n"
        "F ::= BIT STRING { a(0), b(1) }"
    ))
    i, e, f = (type_of(m, n) for n in "IEF")
    assert isinstance(i, BuiltinType) and [n.name for n in i.named] == ["low", "high"]
    assert isinstance(e, BuiltinType) and e.extensible
    assert [(n.name, n.extension) for n in e.named] == [
        ("red", False), ("green", False), ("blue", True)
    ]
    assert isinstance(f, BuiltinType) and f.name == "BIT STRING"


# -- constraints (X.680 clauses 46-51) ------------------------------------------------------


def constraint_of(text: str) -> Constraint:
    t = type_of(parse_one(module(f"T ::= {text}")), "T")
    assert isinstance(t, ConstrainedType)
    return t.constraint


def ops(args: list[object]) -> list[str]:
    assert all(isinstance(a, Constraint) for a in args)
    return [a.op for a in args if isinstance(a, Constraint)]


def test_value_range_and_single_values() -> None:
    c = constraint_of("INTEGER (0..255)")
    assert c.op == "range"
    assert [a.text() if hasattr(a, "text") else a for a in c.args] == ["0", "255", False, False]
    union = constraint_of("INTEGER (1 | 3 | 5..7)")
    assert union.op == "union" and ops(union.args) == ["single", "single", "range"]


def test_min_max_and_open_bounds() -> None:
    c = constraint_of("INTEGER (MIN..<0)")
    assert c.args[0] == "MIN" and c.args[3] is True


def test_size_from_and_intersection() -> None:
    c = constraint_of('IA5String (FROM ("a".."z") ^ SIZE (1..4))')
    assert c.op == "intersection"
    assert ops(c.args) == ["from", "size"]


def test_extensible_constraint() -> None:
    c = constraint_of("INTEGER (0..7, ...)")
    assert c.op == "extensible"
    root = c.args[0]
    assert isinstance(root, Constraint) and root.op == "range"


def test_size_between_sequence_and_of() -> None:
    t = type_of(parse_one(module("L ::= SEQUENCE SIZE (1..10) OF INTEGER")), "L")
    assert isinstance(t, ListType) and t.kind == "SEQUENCE OF"
    assert t.size is not None and t.size.op == "size"


def test_constraints_without_bearing_on_ber_are_kept_as_ignored() -> None:
    c = constraint_of("SEQUENCE { a INTEGER OPTIONAL } (WITH COMPONENTS { a PRESENT })")
    assert c.op == "ignored"


# -- information objects and parameterized definitions (X.681-X.683) ----------------------


def test_information_objects_are_skipped_with_their_reason() -> None:
    m = parse_one(module(
        "OPERATION ::= CLASS { &ArgumentType OPTIONAL, &operationCode INTEGER UNIQUE }\n"
        "  WITH SYNTAX { [ARGUMENT &ArgumentType] CODE &operationCode }\n"
        "op OPERATION ::= { ARGUMENT INTEGER CODE 1 }\n"
        "Ops OPERATION ::= { op, ... }\n"
        "Wrapper { Arg } ::= SEQUENCE { x Arg }\n"
        "T ::= INTEGER"
    ))
    skipped = {n: a for n, a in m.assignments.items() if isinstance(a, SkippedAssignment)}
    assert set(skipped) == {"OPERATION", "op", "Ops", "Wrapper"}
    assert skipped["OPERATION"].reason == "information object class"
    assert skipped["Wrapper"].reason == "parameterized definition"
    assert isinstance(m.assignments["T"], TypeAssignment)
    assert m.assignments["T"].line == 8


def test_class_defined_in_another_text_is_known() -> None:
    text = module("ops MY-CLASS ::= { 1 }\nT ::= INTEGER")
    with_class = parse_text(text, "t.asn", class_names=["MY-CLASS"])[0]
    assert isinstance(with_class.assignments["ops"], SkippedAssignment)


# -- errors name the file and the line ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("M DEFINITIONS ::= BEGIN\nT ::= INTEGER $\nEND\n", 2, "unexpected character '$'"),
        ("M DEFINITIONS ::= BEGIN\n/* never closed\nEND\n", 2, "unterminated /* comment"),
        ("M DEFINITIONS ::= BEGIN\nT ::= SEQUENCE { a INTEGER )\nEND\n", 2, "expected ','"),
        ("garbage\n", 1, "expected a module name"),
        ("M DEFINITIONS ::= BEGIN\nT ::= INTEGER\n", 1, "has no END"),
    ],
)
def test_errors_carry_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(CompileError) as caught:
        parse_text(text, "bad.asn")
    error = caught.value
    assert (error.filename, error.line) == ("bad.asn", line)
    assert message in str(error)
    assert str(error).startswith(f"bad.asn:{line}: ")


def test_empty_text_is_an_error() -> None:
    with pytest.raises(CompileError, match=r"no ASN\.1 module found"):
        parse_text("-- only a comment\n", "empty.asn")


# -- print -> parse round trip ----------------------------------------------------------------

bounds = st.integers(min_value=-(2**40), max_value=2**40)


@settings(max_examples=60, deadline=None)
@given(a=bounds, b=bounds, size_lo=st.integers(0, 1000), size_span=st.integers(0, 1000),
       extensible=st.booleans())
def test_constraints_survive_print_and_parse(
    a: int, b: int, size_lo: int, size_span: int, extensible: bool
) -> None:
    lo, hi = min(a, b), max(a, b)
    ext = ", ..." if extensible else ""
    text = module(
        f"T ::= INTEGER ({lo}..{hi}{ext})\n"
        f"S ::= OCTET STRING (SIZE ({size_lo}..{size_lo + size_span}){ext})\n"
        f"L ::= SEQUENCE SIZE ({size_lo}..{size_lo + size_span}) OF INTEGER",
        "M DEFINITIONS IMPLICIT TAGS ::=",
    )
    printed = format_module(parse_one(text))
    original = lawful_intercept.compile_string(text)
    again = lawful_intercept.compile_string(printed)
    for name in ("T", "S", "L"):
        assert again.types[name].constraints == original.types[name].constraints
    assert original.types["T"].constraints.value == (Range(lo, hi),)
    assert original.types["T"].constraints.value_extensible is extensible
    assert original.types["S"].constraints.size == (Range(size_lo, size_lo + size_span),)
