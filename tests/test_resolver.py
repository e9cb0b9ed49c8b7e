"""The resolver (X.680 clauses 13, 14, 31, 49): from parsed modules to the type model.

Tagging defaults and AUTOMATIC tags, EXTENSIBILITY IMPLIED, extension additions, references
across modules (IMPORTS by OID, by name, ``Module.Type``), values (constraint bounds, DEFAULTs,
OBJECT IDENTIFIER and RELATIVE-OID), the reduction of constraints to ranges, and errors that
name the file, line and construct.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.asn1c import Kind, Range, Specification, Tag, TagClass, compile_files
from lawful_intercept.errors import CompileError


def compile_module(body: str, header: str = "M DEFINITIONS ::=") -> Specification:
    return lawful_intercept.compile_string(f"{header}\nBEGIN\n{body}\nEND\n", filename="m.asn")


def context(number: int) -> Tag:
    return Tag(TagClass.CONTEXT, number)


def universal(number: int) -> Tag:
    return Tag(TagClass.UNIVERSAL, number)


# -- tagging (X.680 clause 31) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ("M DEFINITIONS ::=", (context(0), universal(2))),  # EXPLICIT by default
        ("M DEFINITIONS EXPLICIT TAGS ::=", (context(0), universal(2))),
        ("M DEFINITIONS IMPLICIT TAGS ::=", (context(0),)),
    ],
)
def test_tagging_default_applies_to_tags_without_a_mode(header: str, tags: tuple[Tag, ...]) -> None:
    spec = compile_module("T ::= [0] INTEGER", header)
    assert spec.types["T"].tags == tags


def test_an_explicit_mode_overrides_the_default() -> None:
    spec = compile_module(
        "T ::= [1] EXPLICIT INTEGER\nU ::= [APPLICATION 2] BOOLEAN",
        "M DEFINITIONS IMPLICIT TAGS ::=",
    )
    assert spec.types["T"].tags == (context(1), universal(2))
    assert spec.types["U"].tags == (Tag(TagClass.APPLICATION, 2),)


def test_a_tagged_choice_is_always_explicit() -> None:
    spec = compile_module(
        "T ::= [3] CHOICE { a [0] INTEGER, b [1] BOOLEAN }", "M DEFINITIONS IMPLICIT TAGS ::="
    )
    assert spec.types["T"].tags == (context(3),)
    assert spec.types["T"].kind is Kind.CHOICE


def test_automatic_tags_number_the_members() -> None:
    spec = compile_module(
        "T ::= SEQUENCE { a INTEGER, b BOOLEAN, c CHOICE { x INTEGER, y NULL } }\n"
        "U ::= SEQUENCE { a [5] INTEGER, b BOOLEAN }",  # a tag written: no automatic tags
        "M DEFINITIONS AUTOMATIC TAGS ::=",
    )
    t = spec.types["T"].body.components
    assert [c.type.tags for c in t] == [(context(0),), (context(1),), (context(2),)]
    u = spec.types["U"].body.components
    assert [c.type.tags for c in u] == [(context(5),), (universal(1),)]


# -- extensibility ------------------------------------------------------------------------------


def test_extensibility_implied() -> None:
    spec = compile_module(
        "T ::= SEQUENCE { a INTEGER }\nE ::= ENUMERATED { a, b }\nC ::= CHOICE { a INTEGER }",
        "M DEFINITIONS EXTENSIBILITY IMPLIED ::=",
    )
    assert all(spec.types[n].body.extensible for n in "TEC")
    plain = compile_module("T ::= SEQUENCE { a INTEGER }")
    assert not plain.types["T"].body.extensible


def test_extension_additions_and_groups() -> None:
    spec = compile_module(
        "T ::= SEQUENCE { a [0] INTEGER, ..., [[ b [1] BOOLEAN, c [2] NULL ]], d [3] INTEGER }",
        "M DEFINITIONS IMPLICIT TAGS ::=",
    )
    body = spec.types["T"].body
    assert body.extensible
    assert [(c.name, c.extension) for c in body.components] == [
        ("a", False), ("b", True), ("c", True), ("d", True)
    ]


# -- references across modules (X.680 clauses 13, 14) ---------------------------------------

BASE = (
    "Base {0 4 0 2 1} DEFINITIONS IMPLICIT TAGS ::=\nBEGIN\n"
    "Id ::= OCTET STRING (SIZE (1..25))\n"
    "limit INTEGER ::= 7\n"
    "END\n"
)


def test_imports_by_oid_resolve_whatever_the_module_is_called_there() -> None:
    user = (
        "User DEFINITIONS IMPLICIT TAGS ::=\nBEGIN\n"
        "IMPORTS Id, limit FROM Base-As-Named-Elsewhere {0 4 0 2 1};\n"
        "T ::= SEQUENCE { id [0] Id, n [1] INTEGER (0..limit), q [2] Base.Id }\n"
        "END\n"
    )
    spec = lawful_intercept.compile_string(BASE + user)
    assert spec.modules == {"Base": "0.4.0.2.1", "User": None}
    id_, n, q = spec.types["T"].body.components
    assert id_.type.constraints.size == (Range(1, 25),)
    assert n.type.constraints.value == (Range(0, 7),)
    assert q.type.constraints.size == (Range(1, 25),)  # Module.Type (X.680 14.1)


def test_imports_by_name_when_the_oid_is_unknown() -> None:
    user = (
        "User DEFINITIONS ::=\nBEGIN\nIMPORTS Id FROM Base {0 4 0 2 99};\nT ::= Id\nEND\n"
    )
    spec = lawful_intercept.compile_string(BASE + user)
    assert spec.types["T"].kind is Kind.OCTET_STRING


def test_values_defaults_and_object_identifiers() -> None:
    spec = compile_module(
        "maxLen INTEGER ::= 10\n"
        "T ::= OCTET STRING (SIZE (1..maxLen))\n"
        "r RELATIVE-OID ::= {1 2 3}\n"
        "o OBJECT IDENTIFIER ::= {itu-t(0) identified-organization(4) 5}\n"
        "R ::= RELATIVE-OID\n"
        "D ::= SEQUENCE { a INTEGER DEFAULT 5, b BOOLEAN DEFAULT TRUE, c R OPTIONAL }"
    )
    assert spec.values == {"maxLen": 10, "r": "1.2.3", "o": "0.4.5"}
    assert spec.types["T"].constraints.size == (Range(1, 10),)
    assert spec.types["R"].kind is Kind.RELATIVE_OID
    assert spec.types["R"].tags == (universal(13),)
    defaults = {c.name: (c.has_default, c.default) for c in spec.types["D"].body.components}
    assert defaults["a"] == (True, 5) and defaults["b"] == (True, True)
    assert defaults["c"][0] is False


def test_information_objects_do_not_stop_the_data_types() -> None:
    spec = compile_module(
        "OP ::= CLASS { &id INTEGER UNIQUE } WITH SYNTAX { ID &id }\n"
        "op OP ::= { ID 1 }\n"
        "T ::= SEQUENCE { a INTEGER }"
    )
    assert set(spec.types) == {"T"}


# -- errors: file, line and construct ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("T ::= U", 3, "U is not defined in module M and not imported"),
        ("T ::= CHOICE { a [0] INTEGER,\n b [0] BOOLEAN }", 3, "b and a have the same tag [0]"),
        ("T ::= SEQUENCE { a [0] INTEGER OPTIONAL,\n b [0] BOOLEAN }", 3,
         "a decoder could not tell them apart"),
        ("T ::= U\nU ::= T", 3, "defined in terms of itself"),
        # at the IMPORTS that name the missing module
        ("IMPORTS X FROM Nowhere;\nT ::= X", 3, "module Nowhere (imported by M) is not among"),
        ("OP ::= CLASS { &id INTEGER }\nT ::= OP", 4, "not a type the codec can use"),
        ("v INTEGER ::= w\nw INTEGER ::= v\nT ::= INTEGER (0..v)", 3, "v is defined in terms of"),
    ],
)
def test_errors_name_file_line_and_construct(body: str, line: int, message: str) -> None:
    with pytest.raises(CompileError) as caught:
        compile_module(body)
    error = caught.value
    assert message in str(error)
    assert error.filename == "m.asn"
    assert error.line == line, str(error)
    assert error.construct


def test_a_module_defined_twice() -> None:
    text = "M DEFINITIONS ::= BEGIN\nT ::= INTEGER\nEND\nM DEFINITIONS ::= BEGIN\nEND\n"
    with pytest.raises(CompileError, match=r"defined twice \(also in two\.asn:1\)") as caught:
        lawful_intercept.compile_string(text, filename="two.asn")
    assert caught.value.line == 4


def test_an_error_names_the_file_it_is_in(tmp_path: Path) -> None:
    (tmp_path / "base.asn").write_text(BASE, encoding="utf-8")
    (tmp_path / "user.asn").write_text(
        "User DEFINITIONS ::=\nBEGIN\nIMPORTS Id FROM Base;\n\n"
        "T ::= SEQUENCE {\n  x Id,\n  y Missing }\nEND\n",
        encoding="utf-8",
    )
    with pytest.raises(CompileError) as caught:
        compile_files([tmp_path / "base.asn", tmp_path / "user.asn"], cache=False)
    error = caught.value
    assert error.filename == str(tmp_path / "user.asn")
    assert error.line == 7
    assert "Missing is not defined in module User" in str(error)
    assert str(error).startswith(f"{tmp_path / 'user.asn'}:7: in type User.T.y: ")


# -- constraints reduce to what the codec checks (X.680 clauses 46-51) ---------------------


def allowed(ranges: tuple[Range, ...] | None, value: int) -> bool:
    return ranges is None or any(value in r for r in ranges)


small = st.integers(min_value=-20, max_value=20)


@settings(max_examples=60, deadline=None)
@given(a=small, b=small, c=small, d=small)
def test_unions_and_intersections_of_ranges(a: int, b: int, c: int, d: int) -> None:
    (a, b), (c, d) = sorted((a, b)), sorted((c, d))
    spec = compile_module(
        f"U ::= INTEGER ({a}..{b} | {c}..{d})\n"
        f"I ::= INTEGER ({a}..{b} ^ {c}..{d})\n"
        f"S ::= INTEGER ({a}..{b}) ({c}..{d})"  # serial application (X.680 49.6)
    )
    union = spec.types["U"].constraints.value
    intersection = spec.types["I"].constraints.value
    serial = spec.types["S"].constraints.value
    for v in range(-25, 26):
        in_ab, in_cd = a <= v <= b, c <= v <= d
        assert allowed(union, v) == (in_ab or in_cd)
        assert allowed(intersection, v) == (in_ab and in_cd)
        assert allowed(serial, v) == (in_ab and in_cd)


def test_extensible_constraints_are_marked() -> None:
    spec = compile_module(
        "T ::= INTEGER (0..7, ...)\nS ::= OCTET STRING (SIZE (1..4, ...))\nP ::= INTEGER (0..7)"
    )
    assert spec.types["T"].constraints.value_extensible
    assert spec.types["S"].constraints.size_extensible
    assert spec.types["S"].constraints.size == (Range(1, 4),)
    assert not spec.types["P"].constraints.value_extensible


def test_permitted_alphabet_and_size_together() -> None:
    spec = compile_module('S ::= IA5String (FROM ("a".."c" | "x") ^ SIZE (1..4))')
    constraints = spec.types["S"].constraints
    assert constraints.alphabet == frozenset("abcx")
    assert constraints.size == (Range(1, 4),)


def test_min_max_bounds() -> None:
    spec = compile_module("N ::= INTEGER (MIN..0)\nP ::= INTEGER (1..MAX)")
    assert spec.types["N"].constraints.value == (Range(None, 0),)
    assert spec.types["P"].constraints.value == (Range(1, None),)
