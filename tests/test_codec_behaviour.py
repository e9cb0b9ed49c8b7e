"""Behaviour of the compiled codecs on small hand-written modules (X.680, X.690).

Every expected encoding here is computed by hand from X.690 and written out in hex. The
modules are compiled with :func:`lawful_intercept.compile_string`, so nothing here needs the
reference modules, except one error-path test on the real PS-PDU (skipped without them) and the
cache tests (which use files in a temporary folder).
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import lawful_intercept
from lawful_intercept import CompileError, DecodeError, EncodeError, Error
from lawful_intercept.asn1c import _compiler as compiler

H = bytes.fromhex

CODEC_MODULE = """
Codec DEFINITIONS IMPLICIT TAGS ::= BEGIN

maxLen INTEGER ::= 4

Rec ::= SEQUENCE {
    a   [0] INTEGER (0..10),
    b   [1] OCTET STRING (SIZE (1..maxLen)) OPTIONAL,
    c   [2] BOOLEAN DEFAULT TRUE,
    ...
}

Closed ::= SEQUENCE {
    a   [0] INTEGER
}

Holder ::= SEQUENCE {
    items   [0] SEQUENCE OF Rec,
    choice  [1] Alt OPTIONAL
}

Alt ::= CHOICE {
    x   [0] INTEGER,
    y   [1] NULL
}

Unordered ::= SET {
    z   [2] INTEGER,
    a   [0] INTEGER,
    m   [1] BOOLEAN
}

Classes ::= SET {
    c   [0] BOOLEAN,
    b   [APPLICATION 1] INTEGER,
    a   INTEGER,
    d   [PRIVATE 2] NULL
}

Numbers ::= SET OF INTEGER

Few ::= SEQUENCE (SIZE (1..2)) OF INTEGER

Caps ::= IA5String (FROM ("A".."Z"))

Short ::= UTF8String (SIZE (1..3))

Text ::= IA5String

Octets ::= OCTET STRING

TaggedOctets ::= [1] OCTET STRING

Bits ::= BIT STRING

Small ::= INTEGER (-5..5)

END
"""


@pytest.fixture(scope="module")
def spec() -> Any:
    return lawful_intercept.compile_string(CODEC_MODULE, filename="codec.asn")


# --------------------------------------------------------------------------------------------
# Length forms (X.690 8.1.3).


@pytest.mark.parametrize(
    "hex_data",
    [
        "3003800105",  # definite, short form (the DER form)
        "308103800105",  # long form with one octet, not minimal
        "30820003800105",  # `30 82 00 03` style
        "308400000003800105",  # four length octets
        "3083000004" "80810105",  # inner lengths may be long too
        "30820005" "8082000105",  # several levels at once
    ],
)
def test_non_minimal_long_form_lengths_decode(spec: Any, hex_data: str) -> None:
    assert spec.decode("Rec", H(hex_data)) == {"a": 5, "c": True}
    assert spec.decode("Rec", H(hex_data), strict=False) == {"a": 5, "c": True}


def test_long_form_of_a_realistic_length(spec: Any) -> None:
    # A 157-byte record (`30 81 9d`), once in minimal and once in `30 82 00 9d` form.
    rec = {"items": [{"a": i % 11, "b": b"abcd"} for i in range(16)]}
    data = spec.encode("Holder", rec)
    # 16 items of 30 09 80 01 0i 81 04 61626364 (11 bytes) = 176 bytes of SEQUENCE OF
    # content: Holder = 30 81 b3 a0 81 b0 ...
    assert data[:6] == H("3081b3a081b0")
    assert len(data) == 3 + 3 + 176
    expanded = H("308200b3") + data[3:]
    assert spec.decode("Holder", expanded) == {
        "items": [{"a": i % 11, "b": b"abcd", "c": True} for i in range(16)]
    }


def test_indefinite_lengths_decode(spec: Any) -> None:
    assert spec.decode("Rec", H("3080" "800105" "0000")) == {"a": 5, "c": True}
    # Nested: Holder { items [0] { Rec }, choice [1] (explicit) { x [0] 7 } }, all indefinite.
    data = H("3080" "a080" "3080" "800101" "0000" "0000" "a180" "800107" "0000" "0000")
    assert spec.decode("Holder", data) == {
        "items": [{"a": 1, "c": True}],
        "choice": ("x", 7),
    }
    # Indefinite length is for constructed encodings only (X.690 8.1.3.2 a).
    with pytest.raises(DecodeError):
        spec.decode("Rec", H("3080" "8080" "05" "0000" "0000"))
    # A missing end-of-contents is an error, and so is one too many.
    with pytest.raises(DecodeError):
        spec.decode("Rec", H("3080" "800105"))
    with pytest.raises(DecodeError):
        spec.decode("Rec", H("3080" "800105" "0000" "0000"))
    # End-of-contents in a definite-length SEQUENCE that is not extensible.
    with pytest.raises(DecodeError):
        spec.decode("Closed", H("3005" "800105" "0000"))


@pytest.mark.parametrize("strict", [True, False])
def test_end_of_contents_in_definite_length_is_an_error(spec: Any, strict: bool) -> None:
    """X.690 8.1.5: end-of-contents only closes an indefinite length. In an extensible
    SEQUENCE it must not be skipped as an unknown extension addition (it was, until these
    tests found it)."""
    with pytest.raises(DecodeError) as info:
        spec.decode("Rec", H("3005" "800105" "0000"), strict=strict)
    assert info.value.offset == 5
    with pytest.raises(DecodeError):
        spec.decode("Rec", H("3009" "800105" "bf6302" "0000"), strict=strict)


# --------------------------------------------------------------------------------------------
# Constructed strings (X.690 8.6.4, 8.7.3, 8.23.6).


def test_constructed_octet_string_decodes(spec: Any) -> None:
    assert spec.decode("Octets", H("2408" "0403616263" "040164")) == b"abcd"
    assert spec.decode("Octets", H("2480" "0403616263" "040164" "0000")) == b"abcd"
    # Nested constructed segments, and an empty one.
    assert spec.decode("Octets", H("240e" "2480" "040161" "0000" "0400" "0403626364")) == b"abcd"
    # Implicitly tagged: the outer tag is [1] constructed (0xA1); segments stay UNIVERSAL 4.
    assert spec.decode("TaggedOctets", H("a108" "0403616263" "040164")) == b"abcd"
    assert spec.decode("TaggedOctets", H("810461626364")) == b"abcd"
    # Segments must be OCTET STRINGs.
    with pytest.raises(DecodeError):
        spec.decode("Octets", H("2405" "0c03616263"))


def test_constructed_character_string_decodes(spec: Any) -> None:
    # A character string is encoded as if [UNIVERSAL n] IMPLICIT OCTET STRING (X.690 8.23.6):
    # its segments are OCTET STRINGs.
    assert spec.decode("Text", H("3608" "0403616263" "040164")) == "abcd"
    assert spec.decode("Short", H("2c80" "04026162" "0403e282ac" "0000")) == "ab€"
    # The SIZE of a character string counts characters, not octets: "ab€" is 3.
    with pytest.raises(DecodeError):
        spec.decode("Short", H("2c80" "04026162" "0403e282ac" "040178" "0000"))


def test_constructed_bit_string_decodes(spec: Any) -> None:
    # Segments of 8 bits (0 unused) and 4 bits (4 unused): 12 bits, 0x61 0x60.
    assert spec.decode("Bits", H("2308" "03020061" "03020460")) == (b"\x61\x60", 12)
    assert spec.decode("Bits", H("2380" "03020061" "03020460" "0000")) == (b"\x61\x60", 12)
    # Only the last segment may have unused bits (X.690 8.6.4).
    with pytest.raises(DecodeError):
        spec.decode("Bits", H("2308" "03020461" "03020060"))


# --------------------------------------------------------------------------------------------
# Extensibility.


def test_unknown_extension_additions_are_skipped(spec: Any) -> None:
    expected = {"a": 5, "c": True}
    # A primitive unknown element after the known members: [99] (high tag number form).
    assert spec.decode("Rec", H("3007" "800105" "9f6301ff")) == expected
    # A constructed one, with nesting, in definite and indefinite form.
    assert spec.decode("Rec", H("3009" "800105" "bf63038001ff")) == expected
    assert spec.decode("Rec", H("300f" "800105" "bf6380" "3080" "0101ff" "0000" "0000")) == (
        expected
    )
    # Several unknown elements, after known optional ones.
    assert spec.decode("Rec", H("3010" "800105" "810161" "820100" "9f6300" "9f6401ff")) == {
        "a": 5,
        "b": b"a",
        "c": False,
    }
    # The lenient decoder does the same.
    assert spec.decode("Rec", H("3007" "800105" "9f6301ff"), strict=False) == expected


def test_unknown_members_of_a_closed_sequence_are_an_error(spec: Any) -> None:
    for data in (H("3006" "800105" "830100"), H("3007" "800105" "9f6301ff")):
        for strict in (True, False):
            with pytest.raises(DecodeError) as info:
                spec.decode("Closed", data, strict=strict)
            assert info.value.offset == 5


# --------------------------------------------------------------------------------------------
# DEFAULT.


def test_default_members_omitted_on_encode_and_filled_on_decode(spec: Any) -> None:
    assert spec.encode("Rec", {"a": 5}) == H("3003800105")
    # A value equal to the DEFAULT is not encoded (X.690 11.5, as DER).
    assert spec.encode("Rec", {"a": 5, "c": True}) == H("3003800105")
    assert spec.encode("Rec", {"a": 5, "c": False}) == H("3006800105820100")
    assert spec.decode("Rec", H("3003800105")) == {"a": 5, "c": True}
    # An encoded DEFAULT value (allowed in BER) decodes the same.
    assert spec.decode("Rec", H("3006800105" "8201ff")) == {"a": 5, "c": True}


# --------------------------------------------------------------------------------------------
# SET and SET OF (X.690 8.11, 10.3, 11.6).


def test_set_members_encoded_in_tag_order(spec: Any) -> None:
    value = {"z": 2, "a": 1, "m": True}
    data = spec.encode("Unordered", value)
    assert data == H("3109" "800101" "8101ff" "820102")
    # UNIVERSAL before APPLICATION before CONTEXT before PRIVATE (X.690 10.3, X.680 8.6).
    classes = spec.encode("Classes", {"c": True, "b": 2, "a": 1, "d": None})
    assert classes == H("310b" "020101" "410102" "8001ff" "c200")


def test_set_members_decoded_in_any_order(spec: Any) -> None:
    members = [H("800101"), H("8101ff"), H("820102")]
    for order in itertools.permutations(members):
        data = H("3109") + b"".join(order)
        assert spec.decode("Unordered", data) == {"z": 2, "a": 1, "m": True}
    with pytest.raises(DecodeError):  # a member twice
        spec.decode("Unordered", H("310c" "800101" "800101" "8101ff" "820102"))
    with pytest.raises(DecodeError):  # a member missing
        spec.decode("Unordered", H("3106" "800101" "8101ff"))


def test_set_of_sorted_on_encode(spec: Any) -> None:
    data = spec.encode("Numbers", [3, 1, 256, 2, -1])
    # Sorted by encoding (X.690 11.6): 02 01 01 < 02 01 02 < 02 01 03 < 02 01 ff < 02 02 01 00.
    assert data == H("3110" "020101" "020102" "020103" "0201ff" "02020100")
    # Any order is accepted on decode (BER), and kept.
    assert spec.decode("Numbers", H("3109" "020103" "020101" "020102")) == [3, 1, 2]


# --------------------------------------------------------------------------------------------
# Encode errors: path and rule.


@pytest.mark.parametrize(
    ("type_name", "value", "path", "words"),
    [
        ("Rec", {"a": 11}, "Rec.a", ["0..10"]),
        ("Rec", {"a": -1}, "Rec.a", ["0..10"]),
        ("Rec", {"a": 1, "b": b""}, "Rec.b", ["SIZE (1..4)"]),
        ("Rec", {"a": 1, "b": b"12345"}, "Rec.b", ["SIZE (1..4)"]),
        ("Rec", {}, "Rec", ["a", "missing"]),
        ("Rec", {"a": "x"}, "Rec.a", ["int", "str"]),
        ("Rec", {"a": 1, "b": "text"}, "Rec.b", ["bytes", "str"]),
        ("Rec", {"a": 1, "zz": 1}, "Rec", ["zz"]),
        ("Rec", [1], "Rec", ["dict", "list"]),
        ("Holder", {"items": [{"a": 1}, {"a": 11}]}, "Holder.items[1].a", ["0..10"]),
        ("Holder", {"items": [{"a": 1}, {}]}, "Holder.items[1]", ["a", "missing"]),
        ("Holder", {"items": [], "choice": ("q", 1)}, "Holder.choice", ["q", "alternative"]),
        ("Holder", {"items": [], "choice": ("x", None)}, "Holder.choice.x", ["int"]),
        ("Holder", {"items": 5}, "Holder.items", ["list"]),
        ("Alt", "x", "Alt", ["tuple"]),
        ("Few", [1, 2, 3], "Few", ["SIZE (1..2)"]),
        ("Few", [], "Few", ["SIZE (1..2)"]),
        ("Caps", "abc", "Caps", ["FROM"]),
        ("Short", "abcd", "Short", ["SIZE (1..3)"]),
        ("Small", 6, "Small", ["-5..5"]),
        ("Small", True, "Small", ["int"]),
    ],
)
def test_encode_error_path_and_rule(
    spec: Any, type_name: str, value: Any, path: str, words: list[str]
) -> None:
    with pytest.raises(EncodeError) as info:
        spec.encode(type_name, value)
    err = info.value
    assert err.path == path
    assert str(err).startswith(f"{path}: ")
    for word in words:
        assert word in err.message, (word, err.message)
    assert isinstance(err, Error)


def test_encode_unknown_type(spec: Any) -> None:
    with pytest.raises(EncodeError):
        spec.encode("NoSuchType", 1)
    with pytest.raises(DecodeError):
        spec.decode("NoSuchType", H("0500"))


def test_ps_pdu_error_path(group_spec: Callable[[str], Any]) -> None:
    v43 = group_spec("li-ps-pdu-v43-full")
    header = {
        "li-psDomainId": "0.4.0.2.2.5.1.43",
        "lawfulInterceptionIdentifier": b"LIID",
        "communicationIdentifier": {"networkIdentifier": {"operatorIdentifier": b"OP"}},
        "sequenceNumber": 2**32,
    }
    pdu = {"pSHeader": header, "payload": ("cCPayloadSequence", [])}
    with pytest.raises(EncodeError) as info:
        v43.encode("PS-PDU", pdu)
    assert info.value.path == "PS-PDU.pSHeader.sequenceNumber"
    assert "0..4294967295" in str(info.value)

    header["sequenceNumber"] = 1
    payload = [{"cCContents": ("iPCC", {"iPCCObjId": "5.3.18.2"})}]
    pdu["payload"] = ("cCPayloadSequence", payload)
    with pytest.raises(EncodeError) as info:
        v43.encode("PS-PDU", pdu)
    assert info.value.path == "PS-PDU.payload.cCPayloadSequence[0].cCContents.iPCC"
    assert "iPCCContents" in info.value.message


# --------------------------------------------------------------------------------------------
# Decode errors: offsets, trailing bytes, strictness.


@pytest.mark.parametrize(
    ("type_name", "hex_data", "path", "offset"),
    [
        ("Rec", "", "Rec", 0),
        ("Rec", "3103800105", "Rec", 0),  # wrong tag
        ("Rec", "3005800105", "Rec", 1),  # length beyond the data
        ("Rec", "3003800205", "Rec.a", 3),  # inner length beyond the data
        ("Rec", "3003800163", "Rec.a", 4),  # 99 outside 0..10: at the contents
        ("Rec", "3000", "Rec", 2),  # mandatory member missing: at the end of the contents
        ("Holder", "300ea00c3003800101" "30058001058100", "Holder.items[1].b", 16),
        # A mandatory member missing: where it was expected (the element found instead).
        ("Holder", "3007a005" "3003820100", "Holder.items[0]", 6),
        ("Rec", "3003800105ff", "Rec", 5),  # trailing bytes
    ],
)
def test_decode_error_offsets(
    spec: Any, type_name: str, hex_data: str, path: str, offset: int
) -> None:
    with pytest.raises(DecodeError) as info:
        spec.decode(type_name, H(hex_data))
    err = info.value
    assert err.path == path, str(err)
    assert err.offset == offset, str(err)
    assert str(err).endswith(f"(at offset {offset})")


def test_trailing_bytes(spec: Any) -> None:
    data = H("3003800105" "ff00")
    with pytest.raises(DecodeError) as info:
        spec.decode("Rec", data)
    assert "2 bytes" in str(info.value)
    assert spec.decode_prefix("Rec", data) == ({"a": 5, "c": True}, 5)
    # memoryview and bytearray are accepted too.
    assert spec.decode_prefix("Rec", memoryview(data)) == ({"a": 5, "c": True}, 5)
    assert spec.decode("Rec", bytearray(data[:5])) == {"a": 5, "c": True}


@pytest.mark.parametrize(
    ("type_name", "hex_data", "lenient"),
    [
        ("Rec", "3003800163", {"a": 99, "c": True}),  # value range
        ("Rec", "300b800105810601020304050" "6", {"a": 5, "b": H("010203040506"), "c": True}),
        ("Few", "3009020101020102020103", [1, 2, 3]),  # SIZE of SEQUENCE OF
        ("Few", "3000", []),
        ("Caps", "1603616263", "abc"),  # permitted alphabet
        ("Short", "0c0461626364", "abcd"),  # SIZE of a character string
        ("Small", "0201fa", -6),
    ],
)
def test_constraints_checked_only_when_strict(
    spec: Any, type_name: str, hex_data: str, lenient: Any
) -> None:
    data = H(hex_data)
    with pytest.raises(DecodeError):
        spec.decode(type_name, data)
    with pytest.raises(DecodeError):
        spec.decode(type_name, data, strict=True)
    assert spec.decode(type_name, data, strict=False) == lenient
    assert spec.decode_prefix(type_name, data, strict=False) == (lenient, len(data))


def test_malformed_encodings_rejected_even_when_lenient(spec: Any) -> None:
    for type_name, hex_data in (
        ("Rec", "3003800105" "00"),  # trailing
        ("Text", "1602ff00"),  # not ASCII
        ("Rec", "3080800105"),  # no end-of-contents
        ("Small", "0200"),  # INTEGER without contents octets
    ):
        with pytest.raises(DecodeError):
            spec.decode(type_name, H(hex_data), strict=False)


# --------------------------------------------------------------------------------------------
# Tagging (X.680 31.2, X.690 8.14).


def test_explicit_tags_default() -> None:
    spec = lawful_intercept.compile_string(
        "E DEFINITIONS EXPLICIT TAGS ::= BEGIN\n"
        "T ::= [1] INTEGER\n"
        "U ::= SEQUENCE { a [0] INTEGER, b [APPLICATION 3] BOOLEAN }\n"
        "V ::= [2] IMPLICIT INTEGER\n"
        "END\n"
    )
    assert spec.encode("T", 5) == H("a103" "020105")
    assert spec.encode("U", {"a": 5, "b": True}) == H("300a" "a003020105" "63030101ff")
    assert spec.encode("V", 5) == H("820105")
    # No tagging default at all means EXPLICIT (X.680 13.2).
    plain = lawful_intercept.compile_string("N DEFINITIONS ::= BEGIN T ::= [1] INTEGER END")
    assert plain.encode("T", 5) == H("a103020105")


def test_implicit_tags_default() -> None:
    spec = lawful_intercept.compile_string(
        "I DEFINITIONS IMPLICIT TAGS ::= BEGIN\n"
        "T ::= [1] INTEGER\n"
        "U ::= SEQUENCE { a [0] INTEGER, b [APPLICATION 3] BOOLEAN }\n"
        "V ::= [2] EXPLICIT INTEGER\n"
        "S ::= [3] SEQUENCE { a [0] INTEGER }\n"
        "C ::= CHOICE { x [0] INTEGER, y [1] NULL }\n"
        "W ::= SEQUENCE { c [3] C, d [4] C OPTIONAL }\n"
        "TC ::= [5] C\n"
        "END\n"
    )
    assert spec.encode("T", 5) == H("810105")
    assert spec.encode("U", {"a": 5, "b": True}) == H("3006" "800105" "4301ff")
    assert spec.encode("V", 5) == H("a203020105")
    assert spec.encode("S", {"a": 5}) == H("a303800105")  # constructed, implicitly tagged
    # A tagged CHOICE is explicitly tagged even under IMPLICIT TAGS (X.680 31.2.7 c).
    assert spec.encode("W", {"c": ("x", 5)}) == H("3005" "a303800105")
    assert spec.encode("W", {"c": ("y", None), "d": ("x", 1)}) == H("3009" "a3028100" "a403800101")
    assert spec.encode("TC", ("y", None)) == H("a5028100")
    assert spec.decode("TC", H("a5028100")) == ("y", None)
    assert spec.decode("W", H("3005a303800105")) == {"c": ("x", 5)}


def test_implicit_on_a_choice_is_a_compile_error() -> None:
    """``[1] IMPLICIT C`` with C an untagged CHOICE is illegal (X.680 31.2.9): an implicit tag
    would lose the alternative. Under IMPLICIT TAGS the same tag written without the keyword
    is explicit, as the standard says."""
    text = (
        "M DEFINITIONS ::= BEGIN\n"
        "C ::= CHOICE { x [0] INTEGER, y [1] INTEGER }\n"
        "T ::= [1] IMPLICIT C\n"
        "END\n"
    )
    with pytest.raises(CompileError, match=r"31\.2\.9") as info:
        lawful_intercept.compile_string(text, filename="m.asn")
    assert info.value.line == 3
    implicit_module = text.replace("DEFINITIONS ::=", "DEFINITIONS IMPLICIT TAGS ::=")
    spec = lawful_intercept.compile_string(implicit_module.replace(" IMPLICIT C", " C"))
    # [1] stays explicit around the alternative's own (implicit) [1] tag.
    assert spec.encode("T", ("y", 1)) == H("a103" "810101")
    assert spec.decode("T", H("a103810101")) == ("y", 1)


def test_automatic_tags_default() -> None:
    spec = lawful_intercept.compile_string(
        "A DEFINITIONS AUTOMATIC TAGS ::= BEGIN\n"
        "U ::= SEQUENCE { a INTEGER, b BOOLEAN, c CHOICE { x INTEGER, y NULL } }\n"
        "P ::= SEQUENCE { a [5] INTEGER, b BOOLEAN }\n"
        "S ::= SET { a INTEGER, b BOOLEAN }\n"
        "X ::= SEQUENCE { a INTEGER, ..., b BOOLEAN }\n"
        "END\n"
    )
    # Components numbered [0], [1], ... implicitly; the CHOICE component explicitly.
    assert spec.encode("U", {"a": 5, "b": True, "c": ("y", None)}) == H(
        "300a" "800105" "8101ff" "a2028100"
    )
    # A component with a tag of its own switches automatic tagging off for the type; [5]
    # is then IMPLICIT (the AUTOMATIC default counts as IMPLICIT).
    assert spec.encode("P", {"a": 5, "b": True}) == H("3006" "850105" "0101ff")
    assert spec.encode("S", {"b": True, "a": 5}) == H("3106" "800105" "8101ff")
    assert spec.encode("X", {"a": 5, "b": False}) == H("3006" "800105" "810100")


# --------------------------------------------------------------------------------------------
# Several modules, references, values.

TWO_MODULES = """
Base {itu-t(0) identified-organization(4) etsi(0) 999 base(1)}
DEFINITIONS IMPLICIT TAGS ::= BEGIN
EXPORTS ALL;
maxId INTEGER ::= 8
Id ::= OCTET STRING (SIZE (1..maxId))
Rec ::= SEQUENCE { id [0] Id, n [1] INTEGER }
baseOid RELATIVE-OID ::= {li(5) base(1)}
END

User {itu-t(0) identified-organization(4) etsi(0) 999 user(2)}
DEFINITIONS EXPLICIT TAGS ::= BEGIN
IMPORTS Id, Rec, baseOid, maxId
    FROM Base {itu-t(0) identified-organization(4) etsi(0) 999 base(1)};
userOid RELATIVE-OID ::= {baseOid user(2)}
longOid RELATIVE-OID ::= {userOid 300}
Rec ::= SEQUENCE {
    id  [0] Id,
    q   [1] Base.Rec,
    oid [2] RELATIVE-OID DEFAULT userOid,
    ids [3] SEQUENCE (SIZE (1..maxId)) OF Id OPTIONAL
}
Wrap ::= SEQUENCE {
    r   [0] Rec OPTIONAL,
    o   [1] OBJECT IDENTIFIER DEFAULT {itu-t(0) 4 0},
    l   [2] RELATIVE-OID DEFAULT longOid
}
END
"""


@pytest.fixture(scope="module")
def two() -> Any:
    return lawful_intercept.compile_string(TWO_MODULES, filename="two.asn")


def test_imports_across_modules_in_one_text(two: Any) -> None:
    assert dict(two.modules) == {"Base": "0.4.0.999.1", "User": "0.4.0.999.2"}
    assert "Id" in two.types
    assert "Base.Rec" in two.types and "User.Rec" in two.types and "Rec" not in two.types
    with pytest.raises(Error) as info:
        two.get_type("Rec")
    assert "Base.Rec" in str(info.value) and "User.Rec" in str(info.value)


def test_module_type_references(two: Any) -> None:
    value = {"id": b"a", "q": {"id": b"b", "n": 1}}
    data = two.encode("User.Rec", value)
    # User has EXPLICIT TAGS: every [n] wraps; Base.Rec inside keeps Base's IMPLICIT TAGS.
    assert data == H("300f" "a003" "040161" "a108" "3006" "800162" "810101")
    assert two.decode("User.Rec", data) == {**value, "oid": "5.1.2"}
    assert two.encode("Base.Rec", {"id": b"b", "n": 1}) == H("3006800162810101")


def test_relative_oid_values_as_defaults(two: Any) -> None:
    base = {"id": b"a", "q": {"id": b"b", "n": 1}}
    # userOid = {baseOid user(2)} = {5 1 2}: the DEFAULT, so not encoded.
    assert two.encode("User.Rec", {**base, "oid": "5.1.2"}) == two.encode("User.Rec", base)
    other = two.encode("User.Rec", {**base, "oid": "5.1.3"})
    assert other.endswith(H("a205" "0d03050103"))
    # longOid = {userOid 300}: 300 takes two octets (82 2c).
    assert two.encode("Wrap", {}) == H("3000")
    assert two.decode("Wrap", H("3000")) == {"o": "0.4.0", "l": "5.1.2.300"}
    assert two.encode("Wrap", {"l": "5.1.2.300", "o": "0.4.0"}) == H("3000")
    assert two.encode("Wrap", {"l": "5.1.2.301"}) == H("3009" "a207" "0d05050102822d")


def test_value_assignments_in_constraints(two: Any) -> None:
    assert two.encode("Id", b"12345678") == H("040831323334353637" "38")
    with pytest.raises(EncodeError) as info:
        two.encode("Id", b"123456789")
    assert "SIZE (1..8)" in str(info.value)
    base = {"id": b"a", "q": {"id": b"b", "n": 1}}
    with pytest.raises(EncodeError) as info:
        two.encode("User.Rec", {**base, "ids": [b"x"] * 9})
    assert info.value.path == "User.Rec.ids"
    assert "SIZE (1..8)" in str(info.value)
    with pytest.raises(EncodeError) as info:
        two.encode("User.Rec", {**base, "ids": [b"x", b""]})
    assert info.value.path == "User.Rec.ids[1]"


# --------------------------------------------------------------------------------------------
# The compile cache.

CACHE_MODULE = """
Cached DEFINITIONS IMPLICIT TAGS ::= BEGIN
Rec ::= SEQUENCE { a [0] INTEGER (0..10), b [1] UTF8String OPTIONAL }
END
"""


def _snapshot(spec: Any) -> tuple[Any, ...]:
    value = {"a": 3, "b": "x"}
    return (sorted(spec.types), dict(spec.modules), spec.encode("Rec", value))


def test_compile_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "Cached.asn"
    source.write_text(CACHE_MODULE, encoding="utf-8")
    cache_dir = tmp_path / "cache"

    calls: list[int] = []
    real_compile = compiler._compile

    def counting_compile(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_compile(*args, **kwargs)

    monkeypatch.setattr(compiler, "_compile", counting_compile)

    first = lawful_intercept.compile_files([source], cache=cache_dir)
    assert len(calls) == 1
    entries = [p for p in cache_dir.iterdir() if p.suffix == ".pickle"]  # not the prune stamp
    assert len(entries) == 1, entries
    entry = entries[0]

    # Second time: loaded from the cache, not compiled, and equal.
    second = lawful_intercept.compile_files([source], cache=cache_dir)
    assert len(calls) == 1
    assert _snapshot(second) == _snapshot(first)
    assert second.decode("Rec", first.encode("Rec", {"a": 1})) == {"a": 1}

    # A damaged entry is compiled again (and rewritten), never trusted.
    for damage in (b"", b"not a pickle", pickle.dumps(("wrong", "shape")), entry.read_bytes()[:20]):
        entry.write_bytes(damage)
        again = lawful_intercept.compile_files([source], cache=cache_dir)
        assert _snapshot(again) == _snapshot(first)
    assert len(calls) == 5
    third = lawful_intercept.compile_files([source], cache=cache_dir)
    assert len(calls) == 5
    assert _snapshot(third) == _snapshot(first)

    # Other text, other entry.
    source.write_text(CACHE_MODULE.replace("0..10", "0..20"), encoding="utf-8")
    changed = lawful_intercept.compile_files([source], cache=cache_dir)
    assert len(calls) == 6
    assert changed.encode("Rec", {"a": 20}) == H("3003800114")
    assert len([p for p in cache_dir.iterdir() if p.suffix == ".pickle"]) == 2

    # cache=False neither reads nor writes the cache.
    lawful_intercept.compile_files([source], cache=False)
    assert len(calls) == 7
    assert len([p for p in cache_dir.iterdir() if p.suffix == ".pickle"]) == 2


def test_compile_cache_unwritable_directory(tmp_path: Path) -> None:
    source = tmp_path / "Cached.asn"
    source.write_text(CACHE_MODULE, encoding="utf-8")
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    spec = lawful_intercept.compile_files([source], cache=blocker / "cache")
    assert spec.encode("Rec", {"a": 1}) == H("3003800101")


def test_compile_cache_default_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAWFUL_INTERCEPT_CACHE_DIR", str(tmp_path / "env-cache"))
    source = tmp_path / "Cached.asn"
    source.write_text(CACHE_MODULE, encoding="utf-8")
    lawful_intercept.compile_files([source])  # cache=True by default
    assert any((tmp_path / "env-cache").iterdir())


def test_lenient_decode_keeps_unknown_extensions_of_enumerated_and_choice() -> None:
    """A newer sender's ENUMERATED item or CHOICE alternative: strict decoding rejects it,
    lenient decoding keeps it (the item's number; the alternative's tag and whole TLV)."""
    spec = lawful_intercept.compile_string(
        "M DEFINITIONS IMPLICIT TAGS ::= BEGIN\n"
        "E ::= ENUMERATED { a(0), b(1), ... }\n"
        "F ::= ENUMERATED { a(0), b(1) }\n"
        "C ::= CHOICE { x [0] INTEGER, ... }\n"
        "S ::= SEQUENCE { e [0] E, c [1] C }\n"
        "END\n"
    )
    data = H("300a" "800105" "a105" "a3030101ff")  # e = 5, c = [3] {BOOLEAN TRUE}
    with pytest.raises(DecodeError, match="not an ENUMERATED item"):
        spec.decode("S", data)
    value = spec.decode("S", data, strict=False)
    assert value == {"e": 5, "c": ("[3]", H("a3030101ff"))}
    with pytest.raises(DecodeError):  # not extensible: unknown even when lenient
        spec.decode("F", H("0a0105"), strict=False)


def test_template_hole_on_a_default_member_follows_der() -> None:
    """A hole on a DEFAULT member: given the default value, the member is left out, as
    encode leaves it out (X.690 11.5); found by the template property test (mapDatum)."""
    from lawful_intercept import Hole

    spec = lawful_intercept.compile_string(
        "M DEFINITIONS IMPLICIT TAGS ::= BEGIN\n"
        "E ::= ENUMERATED { a(0), b(1) }\n"
        "T ::= SEQUENCE { x [0] INTEGER, d [1] E DEFAULT a, n [2] INTEGER DEFAULT 7,"
        " y [3] INTEGER }\n"
        "END\n"
    )
    template = spec.template("T", {"x": 1, "d": Hole("d"), "n": Hole("n"), "y": Hole("y")})
    for d in ("a", "b"):
        for n in (7, 8, 0):
            value = {"x": 1, "d": d, "n": n, "y": 5}
            assert template.encode(d=d, n=n, y=5) == spec.encode("T", value)
    assert template.encode(d="a", n=7, y=5) == H("3006800101830105")
