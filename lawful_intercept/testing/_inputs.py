"""Hypothesis strategies for the inputs of the record builders (TS 102 232-1 clause 5.2).

:func:`~lawful_intercept.testing.values` draws what an ASN.1 type admits; the builders also
apply the standards' prose rules (ISO 3166-1 country codes, printable LIIDs given as text,
the NetworkIdentifier members the library models). These strategies draw exactly what the
builders accept: identities, network identifiers, PSHeader values as
:class:`~lawful_intercept.records.PSPDUBuilder` writes them, and IP packets with correct
checksums for the CC builders. See ``docs/values.md``.
"""

from __future__ import annotations

import ipaddress
import struct
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from .._inet import internet_checksum
from ..correlation import (
    CIN_MAX,
    ISO_3166_ALPHA2,
    LIID,
    LIID_MAX_OCTETS,
    NETWORK_IDENTIFIER_MAX_OCTETS,
    SEQUENCE_NUMBER_MAX,
    TIME_STAMP_QUALIFIERS,
    NetworkIdentifier,
    SessionIdentity,
    generalized_time,
    micro_second_timestamp,
)

__all__ = [
    "country_codes",
    "interception_point_ids",
    "ip_packets",
    "liids",
    "network_identifiers",
    "ps_headers",
    "session_identities",
]

_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
_PRINTABLE_STRING = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
# 2000-01-01 .. 2099-12-31 in nanoseconds since the epoch: time stamps of real traffic.
_NS_FIRST = 946_684_800 * 10**9
_NS_LAST = 4_102_444_799 * 10**9


def _text_or_octets(max_octets: int) -> SearchStrategy[str | bytes]:
    """What an identifier built from text or octets accepts: printable ASCII text, or any
    octets, 1..``max_octets`` long."""
    return st.one_of(
        st.text(st.sampled_from(_PRINTABLE_ASCII), min_size=1, max_size=max_octets),
        st.binary(min_size=1, max_size=max_octets),
    )


def liids() -> SearchStrategy[LIID]:
    """:class:`~lawful_intercept.correlation.LIID` values (TS 102 232-1 5.2.2): 1..25 octets,
    made from printable ASCII text or from any octets."""
    return _text_or_octets(LIID_MAX_OCTETS).map(LIID)


def country_codes() -> SearchStrategy[str]:
    """authorizationCountryCode / deliveryCountryCode values (TS 102 232-1 5.2.3, 5.2.4):
    officially assigned ISO 3166-1 alpha-2 codes, the ones
    :func:`~lawful_intercept.correlation.country_code` accepts."""
    return st.sampled_from(sorted(ISO_3166_ALPHA2))


def interception_point_ids() -> SearchStrategy[str]:
    """interceptionPointID values (TS 102 232-1 5.2.11): ``PrintableString (SIZE (1..8))``."""
    return st.text(st.sampled_from(_PRINTABLE_STRING), min_size=1, max_size=8)


def network_identifiers() -> SearchStrategy[NetworkIdentifier]:
    """:class:`~lawful_intercept.correlation.NetworkIdentifier` values (TS 102 232-1 5.2.4):
    operatorIdentifier and an optional networkElementIdentifier of 1..16 octets each (the
    ``eTSI671NEID`` alternative is not modelled by the builders)."""
    part = _text_or_octets(NETWORK_IDENTIFIER_MAX_OCTETS)
    return st.builds(NetworkIdentifier, part, st.none() | part)


def session_identities(*, cin: bool | None = None) -> SearchStrategy[SessionIdentity]:
    """:class:`~lawful_intercept.correlation.SessionIdentity` values (TS 102 232-1 5.2.2-5.2.4,
    5.2.11) with every optional member present or absent; ``cin`` True always gives a
    communicationIdentityNumber, False never, None either."""
    cins: SearchStrategy[int | None] = st.integers(0, CIN_MAX)
    if cin is None:
        cins = st.none() | cins
    elif not cin:
        cins = st.none()
    return st.builds(
        SessionIdentity,
        liids(),
        network_identifiers(),
        cins,
        authorization_country_code=st.none() | country_codes(),
        delivery_country_code=st.none() | country_codes(),
        interception_point_id=st.none() | interception_point_ids(),
    )


def ps_headers(spec: Any = None) -> SearchStrategy[dict[str, Any]]:
    """PSHeader values (TS 102 232-1 5.2) as :class:`~lawful_intercept.records.PSPDUBuilder`
    writes them: the correlation members of a drawn :func:`session_identities` (with a CIN),
    ``li-psDomainId`` of ``spec`` (default: the bundled modules), a sequenceNumber, the time
    stamps (microSecondTimeStamp, timeStamp or both, 2000..2099) and an optional
    timeStampQualifier. Unlike ``values(spec, "LI-PS-PDU.PSHeader")``, every value is one the
    builders accept (see :func:`~lawful_intercept.testing.values`)."""
    if spec is None:
        from ..registry import bundled

        spec = bundled()
    domain = spec.values["li-psDomainId"]

    def header(drawn: tuple[SessionIdentity, int, int, str, str | None]) -> dict[str, Any]:
        identity, sequence, ns, stamps, qualifier = drawn
        value: dict[str, Any] = {"li-psDomainId": domain, **identity.ps_header_fields(),
                                 "sequenceNumber": sequence}
        if stamps != "microSecondTimeStamp":
            value["timeStamp"] = generalized_time(ns)
        if stamps != "timeStamp":
            value["microSecondTimeStamp"] = dict(micro_second_timestamp(ns))
        if qualifier is not None:
            value["timeStampQualifier"] = qualifier
        return value

    return st.tuples(
        session_identities(cin=True),
        st.integers(0, SEQUENCE_NUMBER_MAX),
        st.integers(_NS_FIRST, _NS_LAST).map(lambda ns: ns - ns % 1000),
        st.sampled_from(["microSecondTimeStamp", "timeStamp", "both"]),
        st.none() | st.sampled_from(TIME_STAMP_QUALIFIERS),
    ).map(header)


# -- IP packets -----------------------------------------------------------------------------


def _transport(protocol: int, pseudo: bytes, ports: tuple[int, int], payload: bytes,
               tcp: tuple[int, int, int, int]) -> bytes:
    """A UDP (RFC 768) or TCP (RFC 9293) segment whose checksum covers ``pseudo``."""
    sport, dport = ports
    if protocol == 17:
        length = 8 + len(payload)
        header = struct.pack("!HHHH", sport, dport, length, 0)
        checksum = internet_checksum(pseudo + header + payload) or 0xFFFF
        return struct.pack("!HHHH", sport, dport, length, checksum) + payload
    seq, ack, flags, window = tcp
    fields = (sport, dport, seq, ack, 5 << 12 | flags, window)
    header = struct.pack("!HHIIHH", *fields) + b"\x00\x00\x00\x00"
    checksum = internet_checksum(pseudo + header + payload)
    return struct.pack("!HHIIHHHH", *fields, checksum, 0) + payload


def _ipv4(drawn: tuple[Any, ...]) -> bytes:
    src, dst, protocol, ports, payload, tcp, ident, ttl = drawn
    src_b, dst_b = src.packed, dst.packed
    segment_length = (8 if protocol == 17 else 20) + len(payload)
    pseudo = src_b + dst_b + struct.pack("!BBH", 0, protocol, segment_length)
    segment = _transport(protocol, pseudo, ports, payload, tcp)
    fields = (0x45, 0, 20 + len(segment), ident, 0x4000, ttl, protocol)
    header = struct.pack("!BBHHHBBH4s4s", *fields, 0, src_b, dst_b)
    checksum = internet_checksum(header)
    return struct.pack("!BBHHHBBH4s4s", *fields, checksum, src_b, dst_b) + segment


def _ipv6(drawn: tuple[Any, ...]) -> bytes:
    src, dst, protocol, ports, payload, tcp, flow, hops = drawn
    src_b, dst_b = src.packed, dst.packed
    segment_length = (8 if protocol == 17 else 20) + len(payload)
    pseudo = src_b + dst_b + struct.pack("!I3xB", segment_length, protocol)
    segment = _transport(protocol, pseudo, ports, payload, tcp)
    first = (6 << 28) | flow
    header = struct.pack("!IHBB", first, len(segment), protocol, hops)
    return b"".join((header, src_b, dst_b, segment))


def ip_packets(*, versions: tuple[int, ...] = (4, 6),
               max_payload: int = 256) -> SearchStrategy[bytes]:
    """Whole IP packets for the CC builders (``iPPackets``, TS 102 232-3 6.2.3): IPv4
    (RFC 791, header checksum correct, DF set) or IPv6 (RFC 8200) carrying UDP (RFC 768) or
    TCP (RFC 9293) with a correct checksum and up to ``max_payload`` octets of payload."""
    if not versions or any(v not in (4, 6) for v in versions):
        raise ValueError(f"versions must be a non-empty tuple of 4 and 6, not {versions!r}")
    if not isinstance(max_payload, int) or not 0 <= max_payload <= 65000:
        raise ValueError(f"max_payload must be an int in 0..65000, not {max_payload!r}")
    common = (
        st.sampled_from([6, 17]),
        st.tuples(st.integers(0, 65535), st.integers(0, 65535)),
        st.binary(max_size=max_payload),
        st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1),
                  st.integers(0, 0x1FF), st.integers(0, 65535)),
    )
    choices = []
    if 4 in versions:
        v4 = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)
        choices.append(st.tuples(v4, v4, *common, st.integers(0, 65535),
                                 st.integers(1, 255)).map(_ipv4))
    if 6 in versions:
        v6 = st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address)
        choices.append(st.tuples(v6, v6, *common, st.integers(0, 0xFFFFF),
                                 st.integers(1, 255)).map(_ipv6))
    return st.one_of(choices)
