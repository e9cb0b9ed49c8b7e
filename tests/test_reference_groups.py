"""The reference module groups compile unmodified, and the published wire rules hold.

``groups.json`` (next to the reference modules, see ``conftest.py``) lists ten sets of files
whose IMPORTS are satisfied within the set. Each must compile as published, with every module
and every type assignment of its files present. An independent, regular-expression reading of
the module headers and type assignments is the oracle.

The published ETSI/3GPP modules type their object identifiers as RELATIVE-OID: the contents
octets carry the arcs one after the other in base 128 (X.690 8.20), without the combination
of the first two arcs that OBJECT IDENTIFIER uses (X.690 8.19.4). Hand-computed bytes check it.

A name defined in several modules is available only as ``Module.Type``. Compile errors name
the file, the line and the construct.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import lawful_intercept
from lawful_intercept import CompileError, DecodeError, EncodeError, Error
from lawful_intercept.asn1c import Kind

# --------------------------------------------------------------------------------------------
# The groups, known at collection time when the reference folder exists.


REFERENCE_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "asn1"


def _group_names() -> list[str]:
    try:
        raw = json.loads((REFERENCE_DIR / "groups.json").read_text(encoding="utf-8"))
    except OSError:
        return ["(reference modules missing)"]  # the fixtures skip this single case
    return [name for name in raw if not name.startswith("_")]


GROUP_NAMES = _group_names()

# Lower bounds on the number of type assignments per group (the exact number is checked
# against the text of the files below; these only guard against a regex gone blind).
MIN_TYPES = {
    "rose-x880-v1": 5,
    "common-parameters-v281": 40,
    "etsi-101671-v3.15.1": 200,
    "3gpp-33108-v19": 380,
    "li-ps-pdu-v43-full": 1500,
    "li-ps-pdu-v35-full": 1500,
    "3gpp-33128-r19-v3": 1500,
    "atis-t1678-vop": 120,
    "atis-t1ias": 70,
    "packetcable-pcesp": 25,
}

# Module OBJECT IDENTIFIERs read off the headers by hand.
KNOWN_OIDS = {
    "li-ps-pdu-v43-full": {
        "LI-PS-PDU": "0.4.0.2.2.5.1.43",
        "IPAccessPDU": "0.4.0.2.2.5.3.18",
        "TS33128Payloads": "0.4.0.2.2.4.19.19.8",
        "Common-Parameters": "0.4.0.3280.281",
        "HI2Operations": "0.4.0.2.2.1.18",
        "PCESP": "1.3.6.1.4.1.4491.2.2.5.1.4",
        "Remote-Operations-Information-Objects": "2.4.5.0",
    },
    "li-ps-pdu-v35-full": {"LI-PS-PDU": "0.4.0.2.2.5.1.35"},
    "3gpp-33128-r19-v3": {
        "TS33128Payloads": "0.4.0.2.2.4.19.19.3",
        "TS33128IdentityAssociation": "0.4.0.2.2.4.20.17.1",
    },
    "packetcable-pcesp": {"PCESP": "1.3.6.1.4.1.4491.2.2.5.1.4"},
    "common-parameters-v281": {"Common-Parameters": "0.4.0.3280.281"},
}

# Groups whose modules were reconstructed without their module OBJECT IDENTIFIER.
GROUPS_WITHOUT_OIDS = {"atis-t1678-vop", "atis-t1ias"}

# --------------------------------------------------------------------------------------------
# An independent reading of module headers and type assignments.

# The same independent reading of headers the bundled-module conformance tests use.
from _conformance_support import _HEADER, _TYPE_ASSIGNMENT, _dotted  # noqa: E402
from _conformance_support import _text as _read  # noqa: E402


def expected_contents(paths: list[Path]) -> tuple[dict[str, str | None], set[tuple[str, str]]]:
    """Module name -> dotted OID (or None), and the (module, type) assignments of the files."""
    modules: dict[str, str | None] = {}
    types: set[tuple[str, str]] = set()
    for path in paths:
        text = _read(path)
        headers = list(_HEADER.finditer(text))
        for i, m in enumerate(headers):
            modules[m.group(1)] = _dotted(m.group(2)) if m.group(2) else None
            end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
            for a in _TYPE_ASSIGNMENT.finditer(text, m.end(), end):
                if not a.group(2):  # information object classes are not types
                    types.add((m.group(1), a.group(1)))
    return modules, types


# --------------------------------------------------------------------------------------------
# Every group compiles unmodified.


@pytest.mark.parametrize("group", GROUP_NAMES)
def test_group_compiles_unmodified(
    group: str, reference_dir: Path, reference_groups: dict[str, list[str]]
) -> None:
    paths = [reference_dir / f for f in reference_groups[group]]
    spec = lawful_intercept.compile_files(paths, cache=False)
    modules, assignments = expected_contents(paths)

    # Every module, with the OBJECT IDENTIFIER of its header.
    assert dict(spec.modules) == modules
    if group in GROUPS_WITHOUT_OIDS:
        assert all(oid is None for oid in spec.modules.values())
    else:
        assert all(oid is not None for oid in spec.modules.values()), spec.modules
        for oid in spec.modules.values():
            assert oid is not None and re.fullmatch(r"[012](\.\d+)+", oid), oid
    for module, oid in KNOWN_OIDS.get(group, {}).items():
        assert spec.modules[module] == oid

    # Every type assignment: under its plain name if no other module defines the name,
    # else only as Module.Type.
    assert len(spec.types) == len(assignments) >= MIN_TYPES[group]
    owners = Counter(name for _, name in assignments)
    for module, name in assignments:
        key = name if owners[name] == 1 else f"{module}.{name}"
        assert key in spec.types, key
        assert spec.get_type(f"{module}.{name}") is spec.types[key]
        if owners[name] > 1:
            assert name not in spec.types


def test_ten_groups(reference_groups: dict[str, list[str]]) -> None:
    assert len(reference_groups) == 10
    assert set(reference_groups) == set(MIN_TYPES)


# --------------------------------------------------------------------------------------------
# RELATIVE-OID content rules.


def relative_oid_contents(dotted: str) -> bytes:
    """X.690 8.20: each arc in base 128, most significant group first, bit 8 set on all but
    the last octet of an arc."""
    out = bytearray()
    for arc in (int(a) for a in dotted.split(".")):
        groups = [arc & 0x7F]
        arc >>= 7
        while arc:
            groups.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(groups))
    return bytes(out)


def object_identifier_contents(dotted: str) -> bytes:
    """X.690 8.19: as RELATIVE-OID, but the first two arcs are combined into 40 * X + Y."""
    arcs = [int(a) for a in dotted.split(".")]
    return relative_oid_contents(".".join(map(str, [arcs[0] * 40 + arcs[1], *arcs[2:]])))


def test_oracle_helpers_known_answers() -> None:
    # X.690 8.19.5 example: {2 999 3} -> 0x88 0x37 0x03.
    assert object_identifier_contents("2.999.3") == bytes.fromhex("883703")
    assert relative_oid_contents("8571.3.2") == bytes.fromhex("c27b0302")  # X.690 8.20.5
    assert relative_oid_contents("0") == b"\x00"


def _assignment(text: str, name: str) -> str:
    m = re.search(rf"^\s*{re.escape(name)}\s+RELATIVE-OID\s*::=\s*\{{([^}}]*)\}}", text, re.M)
    assert m is not None, name
    return m.group(1)


def test_ipcc_object_id_is_relative_oid(
    reference_dir: Path, group_spec: Callable[[str], Any]
) -> None:
    # The value assignments in the published module: iPCCObjId = {li-ps(5) iPAccess(3)
    # version18(18) cC(2)}.
    text = _read(reference_dir / "official" / "IPAccessPDU.asn")
    assert re.sub(r"\s+", " ", _assignment(text, "iPAccessPDUObjId")).strip() == (
        "li-ps(5) iPAccess(3) version18(18)"
    )
    assert re.sub(r"\s+", " ", _assignment(text, "iPCCObjId")).strip() == (
        "iPAccessPDUObjId cC(2)"
    )
    ipcc_obj_id = "5.3.18.2"

    spec = group_spec("li-ps-pdu-v43-full")
    ipcc = spec.get_type("IPCC")
    assert ipcc.body.components[0].name == "iPCCObjId"
    assert ipcc.body.components[0].type.kind is Kind.RELATIVE_OID

    packet = bytes.fromhex("4500001c0001000040110000c0a80001c0a80002")
    value = {"iPCCObjId": ipcc_obj_id, "iPCCContents": ("iPPackets", packet)}
    data = spec.encode("IPCC", value)
    # IMPLICIT TAGS: [0] RELATIVE-OID is primitive context 0 (0x80) with the four arcs as
    # four octets; [1] IPCCContents is a CHOICE, so its tag is explicit (0xA1).
    expected = (
        bytes.fromhex("301e" "800405031202" "a116" "8014") + packet
    )
    assert data == expected
    assert data[2:8] == b"\x80\x04" + relative_oid_contents(ipcc_obj_id)
    assert spec.decode("IPCC", data) == value

    # OBJECT IDENTIFIER rules would give other contents: 5.3 cannot even be the start of an
    # OBJECT IDENTIFIER (first arc at most 2), and the absolute identifier
    # 0.4.0.2.2.5.3.18.2 combines its first two arcs into one octet.
    absolute = "0.4.0.2.2." + ipcc_obj_id
    assert object_identifier_contents(absolute) == bytes.fromhex("0400020205031202")
    assert object_identifier_contents(absolute) != relative_oid_contents(absolute)
    assert relative_oid_contents(absolute) == bytes.fromhex("000400020205031202")

    # The OBJECT IDENTIFIER octets read as RELATIVE-OID give another value.
    oid_form = bytes.fromhex("3022" "80080400020205031202" "a116" "8014") + packet
    decoded = spec.decode("IPCC", oid_form)
    assert decoded["iPCCObjId"] == "4.0.2.2.5.3.18.2" != absolute

    # A large arc takes several octets, with no first-two-arcs combination.
    big = spec.encode("IPCC", {"iPCCObjId": "5.3.300", "iPCCContents": ("iPPackets", b"")})
    assert big == bytes.fromhex("300a" "80040503822c" "a1028000")


def test_patched_copy_encodes_object_identifier_instead(
    reference_dir: Path,
) -> None:
    """The asn1tools-patched copy types iPCCObjId as OBJECT IDENTIFIER: other bytes."""
    files = sorted((reference_dir / "unofficial-asn1viewer-patched").iterdir())
    patched = lawful_intercept.compile_files(files, cache=False)
    field = patched.get_type("IPCC").body.components[0]
    assert field.type.kind is Kind.OBJECT_IDENTIFIER
    value = {"iPCCObjId": "0.4.0.2.2.5.3.18.2", "iPCCContents": ("iPPackets", b"")}
    assert patched.encode("IPCC", value) == bytes.fromhex("300e" "80080400020205031202" "a1028000")


def test_ts33128_payload_oids_are_relative(group_spec: Callable[[str], Any]) -> None:
    for group, version in (("li-ps-pdu-v43-full", 8), ("3gpp-33128-r19-v3", 3)):
        spec = group_spec(group)
        for type_name, field in (
            ("XIRIPayload", "xIRIPayloadOID"),
            ("IRIPayload", "iRIPayloadOID"),
            ("CCPayload", "cCPayloadOID"),
            ("LINotificationPayload", "lINotificationPayloadOID"),
        ):
            qualified = f"TS33128Payloads.{type_name}"
            body = spec.get_type(qualified).body
            member = next(c for c in body.components if c.name == field)
            assert member.type.kind is Kind.RELATIVE_OID, (group, qualified)

        # MediatedFromIndicator ::= CHOICE { xIRIRelativeOID [1] RELATIVE-OID }
        x_iri = f"4.19.19.{version}.1"  # {tS33128PayloadsOID xIRI(1)}
        data = spec.encode("MediatedFromIndicator", ("xIRIRelativeOID", x_iri))
        assert data == bytes.fromhex(f"81050413130{version}01")
        assert spec.decode("MediatedFromIndicator", data) == ("xIRIRelativeOID", x_iri)


def _first_member_tlv(data: bytes) -> tuple[int, bytes]:
    """Identifier octet and contents of the first element inside a definite-length SEQUENCE."""
    pos = 1
    first = data[pos]
    pos += 1 + (first & 0x7F if first & 0x80 else 0)
    tag = data[pos]
    length = data[pos + 1]
    assert length < 0x80
    return tag, data[pos + 2 : pos + 2 + length]


@pytest.fixture(scope="module")
def v43(group_spec: Callable[[str], Any]) -> Any:
    return group_spec("li-ps-pdu-v43-full")


def test_xiri_payload_oid_property(v43: Any) -> None:
    from lawful_intercept.testing import values

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(values(v43, "XIRIPayload", max_depth=3))
    def check(value: Any) -> None:
        data = v43.encode("XIRIPayload", value)
        tag, contents = _first_member_tlv(data)
        assert tag == 0x81  # [1] IMPLICIT, primitive
        assert contents == relative_oid_contents(value["xIRIPayloadOID"])
        assert v43.decode("XIRIPayload", data) == value

    check()


def test_relative_oid_rejects_what_is_not_one(v43: Any) -> None:
    for bad in ("", "1..2", "a.b", "-1.2", 5):
        with pytest.raises(EncodeError) as info:
            v43.encode("MediatedFromIndicator", ("xIRIRelativeOID", bad))
        assert "MediatedFromIndicator" in str(info.value)
    # A subidentifier that does not end (last octet with bit 8 set) is not a RELATIVE-OID.
    with pytest.raises(DecodeError):
        v43.decode("MediatedFromIndicator", bytes.fromhex("8102 0485"))


# --------------------------------------------------------------------------------------------
# Module.Type lookup.

CC_PDU_GROUPS = ["3gpp-33108-v19", "li-ps-pdu-v43-full", "li-ps-pdu-v35-full", "3gpp-33128-r19-v3"]


@pytest.mark.parametrize("group", CC_PDU_GROUPS)
def test_cc_pdu_only_qualified(group: str, group_spec: Callable[[str], Any]) -> None:
    spec = group_spec(group)
    assert "Umts-HI3-PS.CC-PDU" in spec.types
    assert "Eps-HI3-PS.CC-PDU" in spec.types
    assert "CC-PDU" not in spec.types
    umts = spec.get_type("Umts-HI3-PS.CC-PDU")
    eps = spec.get_type("Eps-HI3-PS.CC-PDU")
    assert umts is spec.types["Umts-HI3-PS.CC-PDU"]
    assert eps is spec.types["Eps-HI3-PS.CC-PDU"]
    assert umts.body.module == "Umts-HI3-PS" and eps.body.module == "Eps-HI3-PS"
    assert umts.body is not eps.body

    with pytest.raises(Error) as info:
        spec.get_type("CC-PDU")
    assert "Umts-HI3-PS.CC-PDU" in str(info.value)
    assert "Eps-HI3-PS.CC-PDU" in str(info.value)
    with pytest.raises(EncodeError):
        spec.encode("CC-PDU", {})
    with pytest.raises(DecodeError):
        spec.decode("CC-PDU", b"\x30\x00")
    with pytest.raises(Error):
        spec.get_type("No-Such-Module.CC-PDU")


def test_qualified_names_always_work(v43: Any) -> None:
    assert v43.get_type("LI-PS-PDU.PS-PDU") is v43.get_type("PS-PDU")
    assert v43.get_type("IPAccessPDU.IPCC") is v43.types["IPCC"]


# --------------------------------------------------------------------------------------------
# Compile errors carry file, line and construct.

BROKEN = [
    pytest.param(
        "missing END",
        "M DEFINITIONS ::= BEGIN\nT ::= INTEGER\n",
        1,
        1,
        ["END"],
        id="missing-end",
    ),
    pytest.param(
        "unknown type reference",
        "M DEFINITIONS ::= BEGIN\nT ::= INTEGER\nU ::= SEQUENCE {\n  a Foo\n}\nEND\n",
        3,
        4,
        ["Foo", "U"],
        id="unknown-type",
    ),
    pytest.param(
        "duplicate CHOICE tags",
        "M DEFINITIONS ::= BEGIN\nU ::= CHOICE {\n  a [0] INTEGER,\n  b [0] BOOLEAN\n}\nEND\n",
        2,
        4,
        ["[0]", "U"],
        id="duplicate-choice-tags",
    ),
    pytest.param(
        "duplicate untagged CHOICE alternatives",
        "M DEFINITIONS ::= BEGIN\nU ::= CHOICE {\n  a INTEGER,\n  b INTEGER\n}\nEND\n",
        2,
        4,
        ["U", "tag"],
        id="duplicate-universal-tags",
    ),
    pytest.param(
        "bad syntax",
        "M DEFINITIONS ::= BEGIN\nT ::= INTEGER\nU ::= SEQUENCE {\n  a INTEGER,,\n}\nEND\n",
        4,
        4,
        ["U"],
        id="bad-syntax",
    ),
    pytest.param(
        "duplicate assignment",
        "M DEFINITIONS ::= BEGIN\nT ::= INTEGER\nT ::= BOOLEAN\nEND\n",
        3,
        3,
        ["T"],
        id="duplicate-assignment",
    ),
    pytest.param(
        "import from an absent module",
        "M DEFINITIONS ::= BEGIN\nIMPORTS X FROM Other;\nT ::= X\nEND\n",
        2,
        3,
        ["Other"],
        id="missing-module",
    ),
    pytest.param(
        "unknown value in a constraint",
        "M DEFINITIONS ::= BEGIN\nT ::= OCTET STRING (SIZE (1..maxX))\nEND\n",
        2,
        2,
        ["maxX"],
        id="unknown-value",
    ),
    pytest.param(
        "duplicate SET tags",
        "M DEFINITIONS ::= BEGIN\nU ::= SET {\n  a [1] INTEGER,\n  b [1] BOOLEAN\n}\nEND\n",
        2,
        4,
        ["[1]", "U"],
        id="duplicate-set-tags",
    ),
]


@pytest.mark.parametrize(("what", "text", "first_line", "last_line", "words"), BROKEN)
def test_compile_error_locates_the_problem(
    what: str, text: str, first_line: int, last_line: int, words: list[str]
) -> None:
    with pytest.raises(CompileError) as info:
        lawful_intercept.compile_string(text, filename="broken.asn")
    err = info.value
    assert err.filename == "broken.asn", what
    assert err.line is not None and first_line <= err.line <= last_line, (what, err.line)
    assert err.construct, what
    rendered = str(err)
    assert rendered.startswith(f"broken.asn:{err.line}: "), rendered
    assert err.construct in rendered
    for word in words:
        assert word in rendered, (what, word, rendered)
    assert isinstance(err, Error)


def test_compile_error_without_filename_names_the_line() -> None:
    with pytest.raises(CompileError) as info:
        lawful_intercept.compile_string(
            "M DEFINITIONS ::= BEGIN\n\nU ::= SEQUENCE { a Foo }\nEND\n"
        )
    assert info.value.filename is None
    assert info.value.line == 3
    assert str(info.value).startswith("line 3: ")


def test_compile_files_error_names_the_file(tmp_path: Path) -> None:
    good = tmp_path / "Good.asn"
    good.write_text("Good DEFINITIONS ::= BEGIN\nG ::= INTEGER\nEND\n")
    bad = tmp_path / "Bad.asn"
    bad.write_text("Bad DEFINITIONS ::= BEGIN\nIMPORTS G FROM Good;\n\nB ::= SEQUENCE {\n"
                   "  g G,\n  h Missing\n}\nEND\n")
    with pytest.raises(CompileError) as info:
        lawful_intercept.compile_files([good, bad], cache=False)
    assert info.value.filename == str(bad)
    assert info.value.line == 6
    assert str(info.value).startswith(f"{bad}:6: ")
    with pytest.raises(CompileError) as missing:
        lawful_intercept.compile_files([tmp_path / "absent.asn"], cache=False)
    assert missing.value.filename == str(tmp_path / "absent.asn")
    with pytest.raises(CompileError):
        lawful_intercept.compile_files([], cache=False)


# X.680 clause 25.5 (SEQUENCE): "The tags of components in a series of one or more consecutive
# OPTIONAL or DEFAULT components and the following component (if any) shall be distinct."
# Without that check the encoder produces bytes its own decoder cannot read (fixed after these
# tests found it).
AMBIGUOUS_SEQUENCES = [
    pytest.param(
        "M DEFINITIONS ::= BEGIN\nU ::= SEQUENCE {\n  a [1] INTEGER OPTIONAL,\n"
        "  b [1] INTEGER\n}\nEND\n",
        "[1]",
        id="optional-then-same-tag",
    ),
    pytest.param(
        "M DEFINITIONS ::= BEGIN\nU ::= SEQUENCE {\n  a [1] INTEGER DEFAULT 3,\n"
        "  b [1] INTEGER\n}\nEND\n",
        "[1]",
        id="default-then-same-tag",
    ),
    pytest.param(
        "M DEFINITIONS ::= BEGIN\nU ::= SEQUENCE {\n  a INTEGER OPTIONAL,\n"
        "  b CHOICE { x INTEGER, y BOOLEAN }\n}\nEND\n",
        "[UNIVERSAL 2]",
        id="optional-then-untagged-choice",
    ),
]


@pytest.mark.parametrize(("text", "tag"), AMBIGUOUS_SEQUENCES)
def test_ambiguous_sequence_tags_are_a_compile_error(text: str, tag: str) -> None:
    with pytest.raises(CompileError) as info:
        lawful_intercept.compile_string(text, filename="ambiguous.asn")
    err = info.value
    assert err.filename == "ambiguous.asn"
    assert err.line is not None and 2 <= err.line <= 5
    assert "U" in err.construct
    assert tag in str(err) and "25.5" in str(err)


@pytest.mark.parametrize(
    "text",
    [
        # Same tags, both mandatory: legal (X.680 25.5 is about OPTIONAL/DEFAULT runs).
        "M DEFINITIONS ::= BEGIN\nU ::= SEQUENCE { a [1] INTEGER, b [1] INTEGER }\nEND\n",
        # An OPTIONAL member followed by one with another tag.
        "M DEFINITIONS ::= BEGIN\nU ::= SEQUENCE { a [1] INTEGER OPTIONAL, b [2] INTEGER }\nEND\n",
        # AUTOMATIC TAGS makes the tags distinct.
        "M DEFINITIONS AUTOMATIC TAGS ::= BEGIN\n"
        "U ::= SEQUENCE { a INTEGER OPTIONAL, b CHOICE { x INTEGER, y BOOLEAN } }\nEND\n",
    ],
)
def test_unambiguous_sequence_tags_compile(text: str) -> None:
    spec = lawful_intercept.compile_string(text)
    value = {"a": 1, "b": 2} if "AUTOMATIC" not in text else {"a": 1, "b": ("x", 2)}
    assert spec.decode("U", spec.encode("U", value)) == value
