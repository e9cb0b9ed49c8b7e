"""Our HI2 IRIs and X2 xIRIs decode in Wireshark's tshark, an independent decoder.

``../shared/tools/tshark_oracle.py`` hands each PDU to a tshark dissector and reports, per PDU,
the decoded fields and every problem (expert infos, malformed packets, undecoded bytes, values
the dissector has no name for). tshark runs once per batch of PDUs. Skipped when tshark (or
the oracle) is not installed.

The installed tshark is 4.0 (Debian 12), whose dissectors are generated from older versions
than our modules; what was restricted, and why:

* ``HI2Operations`` is TS 101 671 HI2Operations **version11**. Ours is version 18 (the
  latest published), where ``IRIsContent ::= CHOICE { iRIContent IRIContent, iRISequence
  IRISequence }`` is untagged; version 11 tags the two alternatives ``[0]`` and ``[1]``
  (IMPLICIT TAGS: ``[0]`` wraps the IRIContent CHOICE explicitly, ``[1]`` replaces the SEQUENCE
  OF tag). So we encode ``IRIContent`` / ``IRISequence`` with our modules and frame them the
  version-11 way; everything inside is our encoder's output, untouched. (A hand-built IRI
  sent both ways picks the framing, so a tshark built from version 18 gets our plain
  encoding.)

  Hypothesis values are drawn with ``include_extensions=False``: only the extension roots.
  Versions of a module may add only extension additions, so the roots of version 18 are the
  roots of version 11 (a hand-built IRI below covers extension additions version 11 knows,
  such as networkIdentifier [26] and sIPMessage [30]). Left out as well (``HI2_LEFT_OUT``):
  ``GSMLocation.utmRefCoordinates``, a root alternative that did change (``utmref-string`` is
  ``[2] PrintableString`` in version 11, untagged in version 18), and
  ``Network-Element-Identifier.e164-Format``, whose octets tshark hands to its ISUP
  calling-party-number dissector: random octets are no ISUP number (a single octet raises an
  exception there). The hand-built IRI-End carries a valid one, and tshark's ISUP reading of
  it is checked.

* ``xiri`` is 3GPP TS 33.128 **V17.1** ``XIRIPayload``; ours is r19 version 8. The module has
  EXTENSIBILITY IMPLIED, so there is no root to restrict to. Values are restricted with the
  dissector's own tables instead (``tshark -G fields``/``-G values``): CHOICE alternatives
  only where tshark registers a field of that name (in tshark 4.0, XIRIEvent stops at
  mMEUnsuccessfulProcedure [91]), SEQUENCE/SET members only the mandatory ones (later
  versions add only OPTIONAL members), ENUMERATED items only those tshark has a name for, no
  U+0000 in strings (tshark cuts the shown string there and reports "Trailing stray
  characters") and xIRIPayloadOID arcs below 2**32 (Wireshark keeps OID arcs in 32 bits and
  shows nothing for a larger one; the value is compared with ours below).
  Hand-built xIRIs below add the common OPTIONAL members (pEI, gPSI, location, ...).

Problems that are not problems of our encoding are named and ignored, nothing else: the
oracle flags every field whose name contains "error", and ``gPRSOperationErrorCode`` (HI2) and
``mLPErrorCode`` (xIRI) are ordinary data fields.

Besides "no problems", tshark's decoded values are compared with ours: the LIID of every IRI
(in order, across IRISequence records too), the xIRI event chosen, and for the hand-built
PDUs a set of identifiers and times.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import _tshark
import pytest
from _conformance_support import restricted, strings_in, tlv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept import Specification
from lawful_intercept.asn1c import Body, Component, Kind
from lawful_intercept.testing import strategy_for

_why_not = _tshark.available()
if _why_not is not None:
    pytest.skip(_why_not, allow_module_level=True)

HYPOTHESIS_IRIS = 150
HYPOTHESIS_XIRIS = 300

_IGNORED = [
    re.compile(r"^HI2Operations\.gPRSOperationErrorCode: "),
    re.compile(r"^lix2\.mLPErrorCode: "),
]


def real_problems(problems: list[str]) -> list[str]:
    return [p for p in problems if not any(r.search(p) for r in _IGNORED)]


def _collect(strategy: Any, n: int) -> list[Any]:
    out: list[Any] = []

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )
    @given(strategy)
    def draw(v: Any) -> None:
        out.append(v)

    draw()
    return out


def _hex_colons(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


# --------------------------------------------------------------------------------------------
# HI2 (TS 101 671): version-11 framing of our IRIContent / IRISequence.


def _contents(der: bytes) -> bytes:
    """The contents octets of one definite-length TLV with a one-octet identifier."""
    first = der[1]
    return der[2:] if first < 0x80 else der[2 + (first & 0x7F):]


def v11_iris_content(spec: Specification, value: tuple[str, Any]) -> bytes:
    """Our IRIsContent value, framed as HI2Operations version 11 frames it."""
    alternative, inner = value
    if alternative == "iRIContent":
        return tlv(0xA0, spec.encode("HI2Operations.IRIContent", inner))
    assert alternative == "iRISequence"
    return tlv(0xA1, _contents(spec.encode("HI2Operations.IRISequence", inner)))


def _liids(value: tuple[str, Any]) -> list[bytes]:
    alternative, inner = value
    records = [inner] if alternative == "iRIContent" else inner
    return [params["lawfulInterceptionIdentifier"] for _, params in records]


LIID = b"LIID-0042"
BEGIN: dict[str, Any] = {
    "domainID": "0.4.0.2.2.1.18",
    "lawfulInterceptionIdentifier": LIID,
    "communicationIdentifier": {
        "communication-Identity-Number": b"12345678",
        "network-Identifier": {
            "operator-Identifier": b"OPX",
            "network-Element-Identifier": ("iP-Format", b"192.0.2.1"),
        },
    },
    "timeStamp": (
        "localTime",
        {
            "generalizedTime": datetime.datetime(2024, 3, 1, 12, 30, 45),
            "winterSummerIndication": "winterTime",
        },
    ),
    "intercepted-Call-Direct": "originating-Target",
    "intercepted-Call-State": "setUpInProcess",
    "locationOfTheTarget": {
        "globalCellID": bytes.fromhex("62f2100001000a"),
        "gsmLocation": (
            "geoCoordinates",
            {"latitude": "N502312", "longitude": "E1122312.18", "mapDatum": "wGS84"},
        ),
    },
    "partyInformation": [
        {
            "party-Qualifier": "originating-Party",
            "partyIdentity": {
                "imsi": bytes.fromhex("62021300000010f0"),
                "callingPartyNumber": ("mAP-Format", bytes.fromhex("919471000000")),
                "msISDN": bytes.fromhex("9194710000000f"),
                "sip-uri": b"sip:alice@example.org",
            },
        }
    ],
    "nature-Of-The-intercepted-call": "gSM-ISDN-PSTN-circuit-call",
    # extension additions that version 11 has
    "networkIdentifier": {"operator-Identifier": b"OPX"},
    "sIPMessage": b"INVITE sip:bob@example.org SIP/2.0\r\n\r\n",
}
# ISUP calling party number (EN 300 356): odd, international; ISDN plan; digits 491234567
E164_NODE = bytes.fromhex("84119421436507")
END: dict[str, Any] = {
    "lawfulInterceptionIdentifier": LIID,
    "communicationIdentifier": {
        "communication-Identity-Number": b"12345678",
        "network-Identifier": {
            "operator-Identifier": b"OPX",
            "network-Element-Identifier": ("e164-Format", E164_NODE),
        },
    },
    "timeStamp": ("utcTime", datetime.datetime(2024, 3, 1, 12, 35, 0)),
    "conversationDuration": bytes.fromhex("000415"),
    "release-Reason-Of-Intercepted-Call": bytes.fromhex("8090"),
}
HAND_BUILT_IRIS: list[tuple[str, Any]] = [
    ("iRIContent", ("iRI-Begin-record", BEGIN)),
    ("iRIContent", ("iRI-End-record", END)),
    ("iRISequence", [("iRI-Continue-record", END), ("iRI-Report-record", END)]),
]


HI2_LEFT_OUT = {
    # version 11 tags utmref-string [2]; version 18 leaves it untagged
    ("HI2Operations", "GSMLocation", "utmRefCoordinates"),
    # tshark hands these octets to its ISUP calling-party-number dissector; random octets
    # are no ISUP number (one octet raises an exception there). BEGIN has a valid one.
    ("HI2Operations", "Network-Element-Identifier", "e164-Format"),
}


def _hi2_values() -> Any:
    spec = lawful_intercept.bundled()
    root = spec.get_type("HI2Operations.IRIsContent")

    def keep(owner: Body, member: Component) -> bool:
        return (owner.module, owner.name, member.name) not in HI2_LEFT_OUT

    return strategy_for(restricted(root, keep), max_depth=6, include_extensions=False)


Framing = Callable[[tuple[str, Any]], bytes]


@pytest.fixture(scope="module")
def hi2_frame(spec: Specification) -> Framing:
    """How the installed dissector wants IRIsContent framed: version 11 ([0]/[1]) on
    tshark 4.0, version 18 (untagged, our plain encoding) on a tshark built from it. One
    hand-built IRI, sent both ways, decides; exactly one way must decode cleanly."""
    probe = HAND_BUILT_IRIS[1]
    v11, v18 = _tshark.decode(
        [v11_iris_content(spec, probe), spec.encode("HI2Operations.IRIsContent", probe)],
        "HI2Operations",
    )
    assert (v11.problems == []) != (v18.problems == []), (v11.problems, v18.problems)
    if v11.problems == []:
        return lambda v: v11_iris_content(spec, v)
    return lambda v: spec.encode("HI2Operations.IRIsContent", v)


def test_hi2_iris_decode_in_tshark_without_problems(
    spec: Specification, hi2_frame: Framing
) -> None:
    iris = HAND_BUILT_IRIS + _collect(_hi2_values(), HYPOTHESIS_IRIS)
    for v in iris:  # the values are valid values of our module
        assert spec.decode("HI2Operations.IRIsContent", spec.encode(
            "HI2Operations.IRIsContent", v)) == v
    decoded = _tshark.decode([hi2_frame(v) for v in iris], "HI2Operations")
    failures = []
    for i, (v, d) in enumerate(zip(iris, decoded, strict=True)):
        if "HI2operations" not in d.protocols.split(":"):
            failures.append(f"PDU {i}: not decoded as HI2Operations ({d.protocols})")
        problems = real_problems(d.problems)
        if problems:
            failures.append(f"PDU {i}: {problems}\n    value: {v!r}"[:3000])
        shown = d.shown("HI2Operations.lawfulInterceptionIdentifier")
        if shown != [_hex_colons(liid) for liid in _liids(v)]:
            failures.append(f"PDU {i}: LIIDs {shown} != ours {_liids(v)}")
    assert not failures, "\n".join(failures[:20])


def test_hi2_hand_built_fields_match(hi2_frame: Framing) -> None:
    begin, end, seq = _tshark.decode([hi2_frame(v) for v in HAND_BUILT_IRIS], "HI2Operations")
    assert begin.shown("HI2Operations.iRIContent") == ["1"]  # iRI-Begin-record
    assert begin.shown("HI2Operations.domainID") == ["0.4.0.2.2.1.18"]
    assert begin.shown("HI2Operations.communication_Identity_Number") == [
        _hex_colons(b"12345678")
    ]
    assert begin.shown("HI2Operations.operator_Identifier") == [_hex_colons(b"OPX")] * 2
    assert begin.shown("HI2Operations.iP_Format") == [_hex_colons(b"192.0.2.1")]
    assert begin.shown("HI2Operations.generalizedTime") == [
        "Mar  1, 2024 12:30:45.000000000 UTC"
    ]
    assert begin.shown("HI2Operations.imsi") == ["62:02:13:00:00:00:10:f0"]
    assert begin.shown("HI2Operations.geoCoordinates.latitude") == ["N502312"]
    assert begin.shown("HI2Operations.geoCoordinates.longitude") == ["E1122312.18"]
    assert begin.shown("HI2Operations.sip_uri") == [_hex_colons(b"sip:alice@example.org")]
    assert begin.shown("HI2Operations.sIPMessage") == [_hex_colons(BEGIN["sIPMessage"])]
    assert end.shown("HI2Operations.iRIContent") == ["2"]  # iRI-End-record
    assert end.shown("HI2Operations.utcTime") == ["24-03-01 12:35:00 (UTC)"]
    assert end.shown("HI2Operations.conversationDuration") == ["00:04:15"]
    assert end.shown("HI2Operations.e164_Format") == [_hex_colons(E164_NODE)]
    assert end.shown("isup.calling") == ["491234567"]  # tshark's ISUP reading of our octets
    assert seq.shown("HI2Operations.IRIsContent") == ["1"]  # iRISequence
    assert seq.shown("HI2Operations.IRIContent") == ["3", "4"]  # Continue, Report
    for d in (begin, end, seq):
        assert d.problems == []


def test_tshark_4_0_needs_the_version_11_framing(spec: Specification) -> None:
    """Why the framing exists: tshark 4.0 cannot read our version-18 IRIsContent (no [0]
    around the IRIContent): an IRI-End-record's [2] is no version-11 IRIsContent alternative
    (an IRI-Begin-record's [1] is taken for iRISequence)."""
    if _tshark.version().startswith("4.0."):
        (d,) = _tshark.decode(
            [spec.encode("HI2Operations.IRIsContent", HAND_BUILT_IRIS[1])], "HI2Operations"
        )
        assert d.problems
    else:
        pytest.skip(f"tshark {_tshark.version()} is not 4.0")


# --------------------------------------------------------------------------------------------
# X2 xIRI (TS 33.128).

XIRI_OID = "4.19.19.8.1"  # {threeGPP(4) ts33128(19) r19(19) version8(8) xIRI(1)}
SUPI = ("iMSI", "262031234567890")
PEI = ("iMEI", "35137987654321")
GPSI = ("mSISDN", "4917630000000")
PLMN = {"mCC": "262", "mNC": "03"}
NR_LOCATION = {
    "locationInfo": {
        "userLocation": {
            "nRLocation": {
                "tAI": {"pLMNID": PLMN, "tAC": bytes.fromhex("8d74")},
                "nCGI": {"pLMNID": PLMN, "nRCellID": (bytes.fromhex("1c1ccc0710"), 36)},
                "ageOfLocationInfo": 0,
                "uELocationTimestamp": datetime.datetime(
                    2024, 3, 1, 12, 30, 45, 250000, tzinfo=datetime.UTC
                ),
            }
        },
        "rATType": "nR",
    }
}
GUTI5G = {
    "mCC": "262",
    "mNC": "03",
    "aMFRegionID": 48,
    "aMFSetID": 257,
    "aMFPointer": 2,
    "fiveGTMSI": 4116588092,
}
HAND_BUILT_XIRIS: list[dict[str, Any]] = [
    {
        "xIRIPayloadOID": XIRI_OID,
        "event": (
            "registration",
            {
                "registrationType": "initial",
                "registrationResult": "threeGPPAccess",
                "sUPI": SUPI,
                "pEI": PEI,
                "gPSI": GPSI,
                "gUTI": GUTI5G,
                "location": NR_LOCATION,
            },
        ),
    },
    {
        "xIRIPayloadOID": XIRI_OID,
        "event": (
            "deregistration",
            {
                "deregistrationDirection": "uEInitiated",
                "accessType": "threeGPPAccess",
                "sUPI": SUPI,
                "gUTI": GUTI5G,
            },
        ),
    },
    {
        "xIRIPayloadOID": XIRI_OID,
        "event": (
            "pDUSessionEstablishment",
            {
                "sUPI": SUPI,
                "pEI": PEI,
                "gPSI": GPSI,
                "pDUSessionID": 5,
                "gTPTunnelID": {"tEID": 305419896, "iPv4Address": bytes([192, 0, 2, 10])},
                "pDUSessionType": "iPv4",
                "sNSSAI": {"sliceServiceType": 1, "sliceDifferentiator": b"\x00\x00\x01"},
                "uEEndpoint": [("iPv4Address", bytes([10, 45, 0, 7]))],
                "location": NR_LOCATION,
                "dNN": "internet",
                "requestType": "initialRequest",
                "accessType": "threeGPPAccess",
                "rATType": "nR",
            },
        ),
    },
    {
        "xIRIPayloadOID": XIRI_OID,
        "event": (
            "mMEAttach",
            {
                "attachType": "combinedEPSIMSIAttach",
                "attachResult": "ePSOnly",
                "iMSI": "262031234567890",
                "iMEI": "35137987654321",
                "mSISDN": "4917630000000",
            },
        ),
    },
]


def _xiri_values() -> Any:
    spec = lawful_intercept.bundled()
    reg = _tshark.registry("xiri", "lix2.")
    root = spec.get_type("TS33128Payloads.XIRIPayload")

    def keep_member(owner: Body, member: Component) -> bool:
        return owner.kind is Kind.CHOICE and member.name in reg.names

    def keep_enum(body: Body, via: Component | None, item: str) -> bool:
        known = reg.value_names.get(via.name.replace("-", "_")) if via is not None else None
        return known is None or item in known

    strategy = strategy_for(restricted(root, keep_member, keep_enum), max_depth=6)
    oids = st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=8).map(
        lambda arcs: ".".join(map(str, arcs))
    )
    return st.builds(
        lambda v, oid: {**v, "xIRIPayloadOID": oid},
        strategy.filter(lambda v: not any("\x00" in s for s in strings_in(v))),
        oids,
    )


def _event_tag(spec: Specification, name: str) -> int:
    event = spec.get_type("TS33128Payloads.XIRIEvent")
    (comp,) = [c for c in event.body.components if c.name == name]
    return comp.type.tags[0].number


def test_xiris_decode_in_tshark_without_problems(spec: Specification) -> None:
    xiris = HAND_BUILT_XIRIS + _collect(_xiri_values(), HYPOTHESIS_XIRIS)
    pdus = [spec.encode("TS33128Payloads.XIRIPayload", v) for v in xiris]
    decoded = _tshark.decode(pdus, "xiri")
    failures = []
    events = set()
    for i, (v, d) in enumerate(zip(xiris, decoded, strict=True)):
        if "xiri" not in d.protocols.split(":"):
            failures.append(f"PDU {i}: not decoded as xiri ({d.protocols})")
        problems = real_problems(d.problems)
        if problems:
            failures.append(f"PDU {i}: {problems}\n    value: {v!r}"[:3000])
        name = v["event"][0]
        events.add(name)
        if d.shown("lix2.event")[:1] != [str(_event_tag(spec, name))]:
            failures.append(f"PDU {i}: event {d.shown('lix2.event')} != ours {name}")
        # tshark shows a RELATIVE-OID with a leading dot
        if d.shown("lix2.xIRIPayloadOID") != ["." + v["xIRIPayloadOID"]]:
            failures.append(
                f"PDU {i}: OID {d.shown('lix2.xIRIPayloadOID')} != ours {v['xIRIPayloadOID']}"
            )
    assert not failures, "\n".join(failures[:20])
    assert len(events) >= 40, sorted(events)  # the draw spreads over the known events


def test_xiri_hand_built_fields_match(spec: Specification) -> None:
    decoded = _tshark.decode(
        [spec.encode("TS33128Payloads.XIRIPayload", v) for v in HAND_BUILT_XIRIS], "xiri"
    )
    registration, deregistration, session, attach = decoded
    for d in decoded:
        assert d.problems == []
        assert d.shown("lix2.xIRIPayloadOID") == ["." + XIRI_OID]
    assert registration.shown("lix2.event") == ["1"]
    assert registration.shown("lix2.iMSI") == [SUPI[1]]
    assert registration.shown("lix2.iMEI") == [PEI[1]]
    assert registration.shown("lix2.mSISDN") == [GPSI[1]]
    assert registration.shown("lix2.fiveGTMSI") == [str(GUTI5G["fiveGTMSI"])]
    assert registration.shown("lix2.mCC")[:1] == ["262"]
    assert deregistration.shown("lix2.event") == ["2"]
    assert deregistration.shown("lix2.iMSI") == [SUPI[1]]
    assert session.shown("lix2.event") == ["6"]
    assert session.shown("lix2.pDUSessionID") == ["5"]
    assert session.shown("lix2.dNN") == ["internet"]
    assert session.shown("lix2.tEID") == ["305419896"]
    assert attach.shown("lix2.event") == ["87"]
    assert attach.shown("lix2.iMSI") == ["262031234567890"]


def test_hypothesis_draws_stay_within_our_modules(spec: Specification) -> None:
    """The restricted strategies draw values of our (unrestricted) types."""

    @settings(max_examples=30, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.tuples(_hi2_values(), _xiri_values()))
    def check(pair: tuple[Any, Any]) -> None:
        iri, xiri = pair
        assert spec.decode("HI2Operations.IRIsContent",
                           spec.encode("HI2Operations.IRIsContent", iri)) == iri
        assert spec.decode("TS33128Payloads.XIRIPayload",
                           spec.encode("TS33128Payloads.XIRIPayload", xiri)) == xiri

    check()


