"""Encoded holes of templates (issue 15): members whose octets a user of a shared template
pre-encodes once (``Hole(name, encoded=True)``, ``Template.pre_encode``)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawful_intercept import EncodeError, Hole
from lawful_intercept.asn1c import Template
from lawful_intercept.catalog import default_specification

SPEC = default_specification()
DOMAIN = SPEC.values["li-psDomainId"]
IDS = ("lawfulInterceptionIdentifier", "authorizationCountryCode", "communicationIdentifier")


def _keep_alive_template() -> Template:
    ids = Hole("ids", encoded=True)
    header: dict[str, Any] = {"li-psDomainId": DOMAIN, **dict.fromkeys(IDS, ids),
                              "sequenceNumber": Hole("seq")}
    return SPEC.template("PS-PDU", {"pSHeader": header, "payload": ("tRIPayload", Hole("p"))})


def _full(members: dict[str, Any], seq: int) -> bytes:
    return SPEC.encode("PS-PDU", {
        "pSHeader": {"li-psDomainId": DOMAIN, **members, "sequenceNumber": seq},
        "payload": ("tRIPayload", ("keep-alive", None)),
    })


def test_one_encoded_hole_stands_for_consecutive_members() -> None:
    template = _keep_alive_template()
    assert template.fields == ("ids", "seq", "p")
    assert template.encoded_fields == ("ids",)
    assert template.members_of("ids") == IDS


@settings(max_examples=80, deadline=None)
@given(
    liid=st.binary(min_size=1, max_size=25),
    country=st.none() | st.sampled_from(["DE", "FR"]),
    operator=st.binary(min_size=1, max_size=16),
    cin=st.none() | st.integers(0, 4294967295),
    seq=st.integers(0, 4294967295),
)
def test_template_with_pre_encoded_members_equals_encode(
    liid: bytes, country: str | None, operator: bytes, cin: int | None, seq: int,
) -> None:
    communication: dict[str, Any] = {"networkIdentifier": {"operatorIdentifier": operator}}
    if cin is not None:
        communication["communicationIdentityNumber"] = cin
    members: dict[str, Any] = {"lawfulInterceptionIdentifier": liid,
                               "communicationIdentifier": communication}
    if country is not None:
        members["authorizationCountryCode"] = country
    template = _keep_alive_template()
    octets = template.pre_encode("ids", members)
    expected = _full(members, seq)
    assert template.encode(ids=octets, seq=seq, p=("keep-alive", None)) == expected
    assert template.encode(octets, seq, ("keep-alive", None)) == expected


def test_the_slow_path_decodes_the_pre_encoded_members() -> None:
    template = _keep_alive_template()
    members = {"lawfulInterceptionIdentifier": b"LIID-1",
               "communicationIdentifier": {"networkIdentifier": {"operatorIdentifier": b"op"}}}
    octets = template.pre_encode("ids", members)
    # A payload value the fast path does not take goes the general way, with the same result.
    with pytest.raises(EncodeError, match="sequenceNumber"):
        template.encode(ids=octets, seq=2**32, p=("keep-alive", None))
    with pytest.raises(TypeError, match="'ids' must be bytes"):
        template.encode(ids="LIID-1", seq=1, p=("keep-alive", None))
    with pytest.raises(ValueError, match="does not hold the encoding"):
        template.encode(ids=octets[:-1], seq=2**32, p=("keep-alive", None))
    with pytest.raises(ValueError, match="does not hold the encoding"):
        template.encode(ids=octets + b"\x00", seq=2**32, p=("keep-alive", None))


def test_pre_encode_names_the_member_and_the_rule() -> None:
    template = _keep_alive_template()
    with pytest.raises(EncodeError) as info:
        template.pre_encode("ids", {"lawfulInterceptionIdentifier": b"x" * 26,
                                    "communicationIdentifier": {}})
    assert info.value.path == "PS-PDU.pSHeader.lawfulInterceptionIdentifier"
    with pytest.raises(EncodeError, match="mandatory member communicationIdentifier"):
        template.pre_encode("ids", {"lawfulInterceptionIdentifier": b"x"})
    with pytest.raises(EncodeError, match="unknown member"):
        template.pre_encode("ids", {"sequenceNumber": 1})
    with pytest.raises(ValueError, match="not an encoded hole"):
        template.pre_encode("seq", {})


def test_encoded_holes_are_refused_where_they_cannot_stand() -> None:
    with pytest.raises(ValueError, match="never optional"):
        Hole("x", optional=True, encoded=True)
    with pytest.raises(EncodeError, match="must be the value of members"):
        SPEC.template("PS-PDU", {"pSHeader": {
            "li-psDomainId": DOMAIN, "lawfulInterceptionIdentifier": b"L",
            "communicationIdentifier": {"networkIdentifier": {"operatorIdentifier": b"o"}},
            "sequenceNumber": 1}, "payload": ("tRIPayload", Hole("p", encoded=True))})
    ids = Hole("ids", encoded=True)
    with pytest.raises(EncodeError, match="used twice"):  # not consecutive: two places
        SPEC.template("PS-PDU", {"pSHeader": {
            "li-psDomainId": DOMAIN, "lawfulInterceptionIdentifier": ids,
            "communicationIdentifier": {"networkIdentifier": {"operatorIdentifier": b"o"}},
            "sequenceNumber": ids}, "payload": ("tRIPayload", ("keep-alive", None))})


def test_an_absent_optional_run_is_empty_octets() -> None:
    tsq = Hole("tsq", encoded=True)
    template = SPEC.template("PS-PDU", {"pSHeader": {
        "li-psDomainId": DOMAIN, "lawfulInterceptionIdentifier": b"L",
        "communicationIdentifier": {"networkIdentifier": {"operatorIdentifier": b"o"}},
        "sequenceNumber": Hole("seq"), "timeStampQualifier": tsq},
        "payload": ("tRIPayload", ("keep-alive", None))})
    assert template.pre_encode("tsq", {}) == b""
    members = {"lawfulInterceptionIdentifier": b"L",
               "communicationIdentifier": {"networkIdentifier": {"operatorIdentifier": b"o"}}}
    assert template.encode(tsq=b"", seq=3) == _full(members, 3)
