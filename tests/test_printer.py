"""The printer writes modules that compile to wire-equal types (and the comparer sees it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import lawful_intercept
from lawful_intercept.asn1c import format_module, parse_text, wire_differences

GROUPS = [
    "rose-x880-v1",
    "common-parameters-v281",
    "etsi-101671-v3.15.1",
    "3gpp-33108-v19",
    "li-ps-pdu-v43-full",
    "li-ps-pdu-v35-full",
    "3gpp-33128-r19-v3",
    "atis-t1678-vop",
    "atis-t1ias",
    "packetcable-pcesp",
]


@pytest.mark.parametrize("group", GROUPS)
def test_printed_modules_are_wire_equal(
    group: str,
    reference_dir: Path,
    reference_groups: dict[str, list[str]],
    group_spec: Callable[[str], Any],
    tmp_path: Path,
) -> None:
    original = group_spec(group)
    printed = []
    for f in reference_groups[group]:
        for module in parse_text((reference_dir / f).read_text(encoding="utf-8"), f):
            path = tmp_path / f"{module.name}.asn"
            path.write_text(format_module(module, header=["printed for a test"]))
            printed.append(path)
    again = lawful_intercept.compile_files(printed, cache=False)
    assert set(again.types) == set(original.types)
    assert dict(again.modules) == dict(original.modules)
    problems = []
    for name, t in original.types.items():
        problems.extend(wire_differences(t, again.types[name], name))
    assert problems == []


def test_comparer_reports_each_kind_of_difference() -> None:
    a = lawful_intercept.compile_string(
        "M DEFINITIONS IMPLICIT TAGS ::= BEGIN\n"
        "T ::= SEQUENCE { a [0] INTEGER (0..7), b [1] OCTET STRING OPTIONAL, ... }\n"
        "E ::= ENUMERATED { x(0), y(1) }\n"
        "END\n"
    )
    b = lawful_intercept.compile_string(
        "M DEFINITIONS IMPLICIT TAGS ::= BEGIN\n"
        "T ::= SEQUENCE { a [0] INTEGER (0..8), b [2] OCTET STRING }\n"
        "E ::= ENUMERATED { x(0), y(2) }\n"
        "END\n"
    )
    diffs = wire_differences(a.types["T"], b.types["T"])
    assert any(d.startswith("T.a: constraints") for d in diffs)
    assert any(d.startswith("T.b: OPTIONAL") for d in diffs)
    assert any(d.startswith("T.b: tags [2]") or "[1] != [2]" in d for d in diffs)
    assert any(d.startswith("T: extensible") for d in diffs)
    assert wire_differences(a.types["T"], b.types["T"], ignore_constraints=True) != []
    assert any("named values" in d for d in wire_differences(a.types["E"], b.types["E"]))
    assert wire_differences(a.types["T"], a.types["T"]) == []
