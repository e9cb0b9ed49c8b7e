"""Built-in handover scenarios: correlated streams of IRI and CC as a LEMF receives them.

A scenario is what one intercept produces at a mediation function's handover interfaces, built
with the library's record builders from a simulated timeline, so that a test collection
function, a capture or a decoder has realistic, correlated input without any network:

* ``"etsi"`` (ETSI TS 102 232): an HI1 ``liActivated`` notification (TS 102 232-1 6.6,
  TS 101 671 HI1), a broadband session (TS 102 232-3: IPIRI sessionStart, IPCC in both
  directions, IPIRI sessionEnd), a VoIP call during it (TS 102 232-5: IPMMIRI with the SIP
  messages, IPMMCC with the RTP packets) and ``liDeactivated``. One LIID; the broadband session
  and the call each have their own CIN (TS 102 232-1 5.2.4), and sequence numbers count from 0
  without gaps per (LIID, CIN, IRI|CC) (TS 102 232-1 5.2.5); the HI1 notifications have no CIN
  and are numbered with the IRI of CIN 0.
* ``"packetcable"`` (PacketCable PCESP, PKT-SP-ES-DCI): a VoIP call as CDC messages
  (origination, ccopen, answer, mediareport, release, ccclose) and CCC packets (the RTP
  datagrams behind the ES-DCI-C01 CCC header). The CCC packets are UDP payloads in the
  standard, not BER: their :attr:`ScenarioPDU.pdu_type` is :data:`CCC_PACKET`.
* ``"atis"``: an ATIS-1000678 VoIP call (LAESProtocol messages, CC-APDUs) during an
  ATIS-1000013 broadband session (IasProtocol messages, IAS-CC-APDUs), one case identity.

Call content is deterministic: packet sizes, timing jitter and payload octets come from
``random.Random(seed)``, and the times from one reading of the ``clock`` (the start of the
timeline), so the same seed and the same start time give the same bytes. The CC packets are
complete IPv4 datagrams (RFC 791) with UDP (RFC 768) or TCP (RFC 9293) headers and correct
checksums; the media is RTP (RFC 3550) carrying 20 ms of PCMA (payload type 8, RFC 3551).

See docs/cli.md, "generate" (the command that writes them).
"""

from __future__ import annotations

import ipaddress
import random
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final, Literal, TypedDict, Unpack, get_args

from ._checks import require_choice, require_int
from ._inet import internet_checksum
from .asn1c import Specification
from .catalog import (
    CC_APDU,
    CDC_PDU,
    IAS_CC_APDU,
    IAS_PROTOCOL,
    LAES_PROTOCOL,
    PS_PDU,
    default_specification,
)
from .correlation import (
    CINAllocator,
    Clock,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from .records import (
    BillingCorrelationId,
    ContentIdentifier,
    HI1Operations,
    IASRecords,
    IPAccessRecords,
    IPMMRecords,
    LAESRecords,
    PacketCableRecords,
    PSPDUBuilder,
    atis_call_identity,
    atis_correlation_id,
)

__all__ = [
    "CCC_PACKET",
    "FORMATS",
    "Destination",
    "Format",
    "PDUKind",
    "ScenarioOptions",
    "ScenarioPDU",
    "iter_scenario",
    "minimum_records",
    "pdu_type_for",
    "pdu_types",
    "scenario",
]

Format = Literal["etsi", "packetcable", "atis"]
"""The handover formats a scenario can be written in."""
Destination = Literal["HI2", "HI3", "CCC"]
"""Where a PDU goes: the IRI interface (HI2, also carrying HI1 notifications and PacketCable
CDC), the CC interface (HI3), or PacketCable's CCC stream (UDP)."""
PDUKind = Literal["HI1", "IRI", "CC"]
"""What a PDU carries: an HI1 notification, intercept-related information or call content."""

FORMATS: Final[tuple[str, ...]] = get_args(Format)
"""The format names :func:`scenario` accepts."""

CCC_PACKET: Final = "ccc-packet"
"""The :attr:`ScenarioPDU.pdu_type` of a PacketCable CCC packet: not BER but a binary header
and an IP datagram (read it with :func:`lawful_intercept.records.parse_ccc_packet`). ASN.1 type
names start with a capital letter, so this never names a type."""

_TYPES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "etsi": {"HI2": (PS_PDU,), "HI3": (PS_PDU,)},
    "packetcable": {"HI2": (CDC_PDU,), "CCC": (CCC_PACKET,)},
    "atis": {"HI2": (LAES_PROTOCOL, IAS_PROTOCOL), "HI3": (CC_APDU, IAS_CC_APDU)},
}

# The PDUs every scenario has whatever ``records`` asks for: HI1, IRI and call set-up.
_FIXED: Final[dict[str, int]] = {"etsi": 10, "packetcable": 6, "atis": 9}

_MS: Final = 1_000_000
_S: Final = 1_000_000_000
_RTP_INTERVAL: Final = 20 * _MS  # 20 ms of audio per RTP packet (RFC 3551 PCMA)

_TARGET_IP: Final = "198.51.100.7"      # RFC 5737 documentation addresses
_PEER_IP: Final = "203.0.113.5"
_WEB_IP: Final = "192.0.2.80"
_TARGET_MEDIA_PORT: Final = 49170
_PEER_MEDIA_PORT: Final = 30000
_SSRC_TARGET: Final = 0x1A2B3C4D
_SSRC_PEER: Final = 0x5E6F7A8B
_SUBSCRIBER: Final = "subscriber42@isp.example"


@dataclass(frozen=True, slots=True)
class ScenarioPDU:
    """One PDU of a scenario, with where it goes and what it is."""

    destination: Destination
    """``"HI2"``, ``"HI3"`` or ``"CCC"`` (see :data:`Destination`)."""
    kind: PDUKind
    """``"HI1"``, ``"IRI"`` or ``"CC"``."""
    pdu: bytes
    """The encoded PDU (BER), or the CCC packet for :data:`CCC_PACKET`."""
    pdu_type: str
    """The ASN.1 type that decodes :attr:`pdu` in the bundled specification (``"PS-PDU"``,
    ``"PCESP.CdcPdu"``, …), or :data:`CCC_PACKET`."""
    note: str
    """What the PDU is, for people: ``"IPIRI sessionStart"``, ``"IPCC toTarget"``, …"""
    time: int
    """The record's time on the scenario's timeline, in nanoseconds since the Unix epoch."""

    @property
    def is_ber(self) -> bool:
        """Whether :attr:`pdu` is a BER encoding (everything but a CCC packet)."""
        return self.pdu_type != CCC_PACKET


@dataclass(slots=True)
class _Plan:
    """A PDU to be built at ``time`` (nanoseconds from the start of the timeline)."""

    time: int
    destination: Destination
    kind: PDUKind
    pdu_type: str
    note: str
    build: Callable[[int], bytes]  # called with the absolute time, in timeline order


_ATIS_DIRECTIONS: Final = ("fromSubject", "toSubject")  # PacketCable and ATIS name them so


def _media_plans(media: Iterable[tuple[int, bool, int]], destination: Destination,
                 pdu_type: str, label: str, directions: tuple[str, str],
                 build: Callable[[bool, int], Callable[[int], bytes]]) -> list[_Plan]:
    """The CC plans of a call's RTP packets ``(time, from_target, index)``: each noted with
    its direction (``directions``: from, to the target) and built by
    ``build(from_target, index)``."""
    return [_Plan(when, destination, "CC", pdu_type,
                  f"{label} {directions[0] if from_target else directions[1]}",
                  build(from_target, index))
            for when, from_target, index in media]


def _check_format(format: object) -> str:
    require_choice(format, FORMATS, "format")
    return str(format)


def minimum_records(format: str) -> int:
    """The number of PDUs of ``format``'s scenario without call content (HI1, IRI, call
    set-up): :func:`scenario` never writes fewer."""
    return _FIXED[_check_format(format)]


def pdu_types(format: str, destination: str | None = None) -> tuple[str, ...]:
    """The ASN.1 types (or :data:`CCC_PACKET`) of the PDUs ``format``'s scenario sends to
    ``destination`` (to any destination when ``None``), in the order they first appear."""
    by_destination = _TYPES[_check_format(format)]
    if destination is None:
        return tuple(dict.fromkeys(t for types in by_destination.values() for t in types))
    if destination not in by_destination:
        raise ValueError(f"the {format} scenario sends nothing to {destination!r}; its "
                         f"destinations are {', '.join(by_destination)}")
    return by_destination[destination]


def pdu_type_for(format: str, destination: str) -> str:
    """The one type of the PDUs ``format``'s scenario sends to ``destination`` (what a
    receiver decodes them as). Raises ``ValueError`` where there are two (ATIS: the VoIP and
    the broadband intercept use different types; see :func:`pdu_types`)."""
    types = pdu_types(format, destination)
    if len(types) != 1:
        raise ValueError(f"the {format} scenario sends {len(types)} types to {destination} "
                         f"({', '.join(types)}); use pdu_types()")
    return types[0]


def scenario(format: Format = "etsi", **options: Unpack[ScenarioOptions]) -> list[ScenarioPDU]:
    """The PDUs of ``format``'s scenario in the order of their times (see the module
    docstring); :func:`iter_scenario` yields the same PDUs one at a time.

    The options (:class:`ScenarioOptions`) are those of :func:`iter_scenario`: ``records``
    is the number of PDUs, at least :func:`minimum_records` (fewer are raised to it); what is
    above the fixed PDUs is call content. ``seed`` makes the packets; ``clock`` is read once
    for the start of the timeline (default: now); ``spec`` is the compiled specification
    (default: the bundled modules).
    """
    return list(iter_scenario(format, **options))


class ScenarioOptions(TypedDict, total=False):
    """The keyword options of :func:`scenario` and :func:`iter_scenario`: ``records``
    (default 200), ``seed`` (default 0), ``spec`` and ``clock``."""

    records: int
    seed: int
    spec: Specification | None
    clock: Clock | None


def iter_scenario(
    format: Format = "etsi",
    *,
    records: int = 200,
    seed: int = 0,
    spec: Specification | None = None,
    clock: Clock | None = None,
) -> Iterator[ScenarioPDU]:
    """The PDUs of :func:`scenario`, encoded one at a time as they are taken. The arguments
    are checked and the timeline planned at once (a small object per PDU); the packets and
    the encodings are made only when each PDU is taken."""
    name = _check_format(format)
    require_int(records, "records", low=1)
    require_int(seed, "seed")
    if spec is None:
        spec = default_specification()
    clock = clock if clock is not None else Clock()
    start = clock.now_ns()
    rng = random.Random(seed)
    content = _Content(random.Random(rng.getrandbits(64)))
    cc_count = max(records, _FIXED[name]) - _FIXED[name]
    planner = _PLANNERS[name]
    plans = planner(spec, clock, rng, content, cc_count, start)
    plans.sort(key=lambda p: p.time)  # stable: equal times keep their planned order
    return _emit(plans, start)


def _emit(plans: list[_Plan], start: int) -> Iterator[ScenarioPDU]:
    for plan in plans:
        at = start + plan.time
        yield ScenarioPDU(plan.destination, plan.kind, plan.build(at), plan.pdu_type,
                          plan.note, at)


# ---------------------------------------------------------------------------------------------
# Packets (IPv4 + UDP/TCP + RTP)
# ---------------------------------------------------------------------------------------------


def _ipv4(src: bytes, dst: bytes, protocol: int, ident: int, payload: bytes) -> bytes:
    """An IPv4 datagram (RFC 791): no options, DF set, TTL 64, header checksum filled in."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000,
                         64, protocol, 0, src, dst)
    return header[:10] + struct.pack("!H", internet_checksum(header)) + header[12:] + payload


def _udp(src: bytes, dst: bytes, sport: int, dport: int, payload: bytes) -> bytes:
    """A UDP datagram (RFC 768) with its checksum over the IPv4 pseudo-header."""
    length = 8 + len(payload)
    pseudo = src + dst + struct.pack("!xBH", 17, length)
    header = struct.pack("!HHHH", sport, dport, length, 0)
    checksum = internet_checksum(pseudo + header + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, checksum) + payload


def _tcp(src: bytes, dst: bytes, sport: int, dport: int, seq: int, ack: int,
         payload: bytes) -> bytes:
    """A TCP segment (RFC 9293) with ACK and PSH set and its checksum."""
    header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                         5 << 4, 0x18, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!xBH", 6, len(header) + len(payload))
    checksum = internet_checksum(pseudo + header + payload)
    return header[:16] + struct.pack("!H", checksum) + header[18:] + payload


@dataclass
class _Flow:
    """Running state of one direction of a transport flow (IP ident, TCP sequence)."""

    ident: int = 0
    seq: int = 0


@dataclass
class _Content:
    """Makes the CC packets in timeline order from one random generator."""

    rng: random.Random
    flows: dict[str, _Flow] = field(default_factory=dict)
    octets: dict[str, int] = field(default_factory=dict)

    def _flow(self, key: str) -> _Flow:
        flow = self.flows.get(key)
        if flow is None:
            flow = self.flows[key] = _Flow(self.rng.randrange(1 << 16),
                                           self.rng.randrange(1 << 32))
        return flow

    def rtp(self, from_target: bool, index: int) -> bytes:
        """The ``index``-th RTP packet (20 ms of PCMA) of one direction, as an IPv4/UDP
        datagram."""
        target, peer = _packed(_TARGET_IP), _packed(_PEER_IP)
        src, dst = (target, peer) if from_target else (peer, target)
        sport, dport = ((_TARGET_MEDIA_PORT, _PEER_MEDIA_PORT) if from_target
                        else (_PEER_MEDIA_PORT, _TARGET_MEDIA_PORT))
        ssrc = _SSRC_TARGET if from_target else _SSRC_PEER
        marker = 0x80 if index == 0 else 0
        rtp = struct.pack("!BBHII", 0x80, marker | 8, index & 0xFFFF, index * 160 & 0xFFFFFFFF,
                          ssrc) + self.rng.randbytes(160)
        flow = self._flow(f"rtp-{from_target}")
        flow.ident += 1
        return _ipv4(src, dst, 17, flow.ident, _udp(src, dst, sport, dport, rtp))

    def browsing(self, to_target: bool) -> bytes:
        """A packet of the target's web traffic, 200..1400 octets: TCP to or from port 443
        (HTTPS), or UDP port 443 (QUIC), with random payload."""
        size = self.rng.randint(200, 1400)
        tcp = self.rng.random() < 0.7
        header = 40 if tcp else 28
        payload = self.rng.randbytes(size - header)
        target, server = _packed(_TARGET_IP), _packed(_WEB_IP)
        src, dst = (server, target) if to_target else (target, server)
        sport, dport = (443, 51234) if to_target else (51234, 443)
        key = f"{'tcp' if tcp else 'udp'}-{to_target}"
        flow = self._flow(key)
        flow.ident += 1
        if tcp:
            back = self._flow(f"tcp-{not to_target}")
            segment = _tcp(src, dst, sport, dport, flow.seq, back.seq, payload)
            flow.seq += len(payload)
        else:
            segment = _udp(src, dst, sport, dport, payload)
        packet = _ipv4(src, dst, 6 if tcp else 17, flow.ident, segment)
        direction = "toTarget" if to_target else "fromTarget"
        self.octets[direction] = self.octets.get(direction, 0) + len(packet)
        return packet


def _packed(address: str) -> bytes:
    return ipaddress.IPv4Address(address).packed


def _sdp(address: str, port: int, session: int) -> str:
    """An SDP offer/answer (RFC 8866) for one PCMA audio stream."""
    return (f"v=0\r\no=- {session} 1 IN IP4 {address}\r\ns=-\r\nc=IN IP4 {address}\r\n"
            f"t=0 0\r\nm=audio {port} RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n")


# ---------------------------------------------------------------------------------------------
# Timelines
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Call:
    """The times of a call: set-up events, the media packets and the end."""

    invite: int
    ringing: int
    answer: int
    ack: int
    media: list[tuple[int, bool, int]]  # (time, from target, index in its direction)
    bye: int
    bye_ok: int


def _call(begin: int, media_packets: int, rng: random.Random) -> _Call:
    """A call from ``begin``: ringing, answer after 2 s, media in both directions every 20 ms
    (with up to 2 ms of jitter), hang-up 200 ms after the last packet."""
    ringing = begin + 150 * _MS
    answer = begin + 2 * _S
    ack = answer + 40 * _MS
    first = ack + 60 * _MS
    media = []
    counts = [0, 0]
    for i in range(media_packets):
        from_target = i % 2 == 0
        tick = first + (i // 2) * _RTP_INTERVAL + (0 if from_target else 7 * _MS)
        media.append((tick + rng.randrange(2 * _MS), from_target, counts[not from_target]))
        counts[not from_target] += 1
    last = max((t for t, _, _ in media), default=first)
    bye = last + 200 * _MS
    return _Call(begin, ringing, answer, ack, media, bye, bye + 30 * _MS)


def _spread(rng: random.Random, count: int, begin: int, end: int) -> list[int]:
    """``count`` random times in ``[begin, end)``, sorted."""
    return sorted(rng.randrange(begin, max(end, begin + 1)) for _ in range(count))


def _split(cc_count: int) -> tuple[int, int]:
    """(call media packets, broadband packets): about 40 % media, an even number of it."""
    media = (cc_count * 2 // 5) // 2 * 2
    return media, cc_count - media


def _sip(first_line: str, *, call_id: str, cseq: str, from_target: bool,
         sdp: str | None = None) -> bytes:
    """A SIP message (RFC 3261) of the scenario's call, with an SDP body if given."""
    via = _TARGET_IP if from_target else _PEER_IP
    body = sdp or ""
    return (f"{first_line}\r\nVia: SIP/2.0/UDP {via}:5060;branch=z9hG4bK776asdhds\r\n"
            f"From: <sip:+31201234567@ims.example.nl>;tag=1928301774\r\n"
            f"To: <sip:+31207654321@ims.example.nl>\r\nCall-ID: {call_id}\r\n"
            f"CSeq: {cseq}\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(body.encode())}\r\n\r\n{body}").encode()


# ---------------------------------------------------------------------------------------------
# ETSI TS 102 232
# ---------------------------------------------------------------------------------------------


def _plan_etsi(spec: Specification, clock: Clock, rng: random.Random, content: _Content,
               cc_count: int, start: int) -> list[_Plan]:
    intercept = SessionIdentity("LIID-4711", NetworkIdentifier(b"operator-1", b"mf-01"),
                                authorization_country_code="NL", delivery_country_code="NL")
    counters = SequenceCounters()
    cins = CINAllocator()
    hi1 = HI1Operations("LIID-4711", clock=clock, spec=spec)
    hi1_builder = PSPDUBuilder(intercept, spec=spec, counters=counters, clock=clock)
    access = IPAccessRecords(PSPDUBuilder(
        cins.open_session(intercept, "acct-session-7f3a9c"), spec=spec, counters=counters,
        clock=clock))
    call_id = "a84b4c76e66710@pc33.example.nl"
    voip = IPMMRecords(PSPDUBuilder(cins.open_session(intercept, call_id), spec=spec,
                                    counters=counters, clock=clock))
    media_count, web_count = _split(cc_count)
    call = _call(500 * _MS, media_count, rng)
    end = call.bye_ok + 1 * _S
    plans = [
        _Plan(0, "HI2", "HI1", PS_PDU, "HI1 liActivated",
              lambda t: hi1_builder.hi1(hi1.activated(target_information=_SUBSCRIBER, time=t),
                                        time=t)),
        _Plan(1 * _MS, "HI2", "IRI", PS_PDU, "IPIRI sessionStart",
              lambda t: access.ipiri("sessionStart", target_username=_SUBSCRIBER,
                                     access_type="xDSL", target_ip=_TARGET_IP,
                                     iri_type="iRI-Begin", time=t)),
    ]
    for when in _spread(rng, web_count, 5 * _MS, end - 5 * _MS):
        to_target = rng.random() < 0.6
        direction = "toTarget" if to_target else "fromTarget"
        plans.append(_Plan(when, "HI3", "CC", PS_PDU, f"IPCC {direction}",
                           _ipcc(access, content, to_target)))
    offer = _sdp(_TARGET_IP, _TARGET_MEDIA_PORT, 2890844526)
    answer = _sdp(_PEER_IP, _PEER_MEDIA_PORT, 2890844527)
    signalling = [
        (call.invite, "INVITE sip:+31207654321@ims.example.nl SIP/2.0", "1 INVITE", True,
         offer, "iRI-Begin"),
        (call.ringing, "SIP/2.0 180 Ringing", "1 INVITE", False, None, "iRI-Continue"),
        (call.answer, "SIP/2.0 200 OK", "1 INVITE", False, answer, "iRI-Continue"),
        (call.ack, "ACK sip:+31207654321@ims.example.nl SIP/2.0", "1 ACK", True, None,
         "iRI-Continue"),
        (call.bye, "BYE sip:+31207654321@ims.example.nl SIP/2.0", "2 BYE", True, None,
         "iRI-Continue"),
        (call.bye_ok, "SIP/2.0 200 OK", "2 BYE", False, None, "iRI-End"),
    ]
    for when, first_line, cseq, from_target, sdp, iri_type in signalling:
        message = _sip(first_line, call_id=call_id, cseq=cseq, from_target=from_target,
                       sdp=sdp)
        title = first_line.split(" ")[0] if from_target else first_line[8:]
        plans.append(_Plan(when, "HI2", "IRI", PS_PDU, f"IPMMIRI SIP {title}",
                           _sip_iri(voip, message, from_target, iri_type)))
    plans += _media_plans(call.media, "HI3", PS_PDU, "IPMMCC RTP", ("fromTarget", "toTarget"),
                          lambda from_target, index: _ipmmcc(voip, content, from_target, index))
    plans.append(_Plan(end, "HI2", "IRI", PS_PDU, "IPIRI sessionEnd",
                       lambda t: access.ipiri(
                           "sessionEnd", target_username=_SUBSCRIBER, access_type="xDSL",
                           target_ip=_TARGET_IP, iri_type="iRI-End", time=t,
                           endReason="regularLogoff",
                           octetsReceived=content.octets.get("toTarget", 0),
                           octetsTransmitted=content.octets.get("fromTarget", 0))))
    plans.append(_Plan(end + 1 * _MS, "HI2", "HI1", PS_PDU, "HI1 liDeactivated",
                       lambda t: hi1_builder.hi1(hi1.deactivated(time=t), time=t)))
    return plans


def _ipcc(access: IPAccessRecords, content: _Content, to_target: bool) -> Callable[[int], bytes]:
    direction = "toTarget" if to_target else "fromTarget"
    return lambda t: access.ipcc(content.browsing(to_target), direction, time=t)


def _sip_iri(voip: IPMMRecords, message: bytes, from_target: bool,
             iri_type: str) -> Callable[[int], bytes]:
    source, destination = (_TARGET_IP, _PEER_IP) if from_target else (_PEER_IP, _TARGET_IP)
    direction = "fromTarget" if from_target else "toTarget"
    return lambda t: voip.iri_sip(message, source=source, destination=destination,
                                  direction=direction, iri_type=iri_type, time=t)


def _ipmmcc(voip: IPMMRecords, content: _Content, from_target: bool,
            index: int) -> Callable[[int], bytes]:
    direction = "fromTarget" if from_target else "toTarget"
    ssrc = _SSRC_TARGET if from_target else _SSRC_PEER
    return lambda t: voip.cc(content.rtp(from_target, index), direction, frame_type="ipFrame",
                             stream_id=ssrc, protocol="rTP", time=t)


# ---------------------------------------------------------------------------------------------
# PacketCable
# ---------------------------------------------------------------------------------------------


def _plan_packetcable(spec: Specification, clock: Clock, rng: random.Random,
                      content: _Content, cc_count: int, start: int) -> list[_Plan]:
    cdc = PacketCableRecords("CASE-2026-0042", "CMS-EAST-1", spec=spec, clock=clock,
                             ccc_layout="ES-DCI-C01", ccc_case_id=20260042)
    ccc_id = 0x00C0FFEE
    call = _call(0, cc_count, rng)
    offer = _sdp(_TARGET_IP, _TARGET_MEDIA_PORT, 2890844526)
    answer = _sdp(_PEER_IP, _PEER_MEDIA_PORT, 2890844527)

    # The BCID's timestamp is the call's start in seconds (PacketCable Event Messages).
    bcid = BillingCorrelationId((start + call.invite) // _S & 0xFFFFFFFF, "CMS-E-01",
                                "0-050000", 4242)
    plans = [
        _Plan(call.invite, "HI2", "IRI", CDC_PDU, "CDC origination",
              lambda t: cdc.origination(bcid, "3035551000", called="3035552000",
                                        user_input="3035552000", time=t)),
        _Plan(call.ringing, "HI2", "IRI", CDC_PDU, "CDC ccopen",
              lambda t: cdc.ccopen(ccc_id, bcid, subject_sdp=offer,
                                   flow_direction="downstream-and-upstream", time=t)),
        _Plan(call.answer, "HI2", "IRI", CDC_PDU, "CDC answer",
              lambda t: cdc.answer(bcid, answering="3035552000", time=t)),
        _Plan(call.ack, "HI2", "IRI", CDC_PDU, "CDC mediareport",
              lambda t: cdc.mediareport(bcid, subject_sdp=offer, associate_sdp=answer,
                                        time=t)),
    ]
    plans += _media_plans(call.media, "CCC", CCC_PACKET, "CCC RTP", _ATIS_DIRECTIONS,
                          lambda from_target, index: _ccc(cdc, ccc_id, content, from_target,
                                                          index))
    plans += [
        _Plan(call.bye, "HI2", "IRI", CDC_PDU, "CDC release",
              lambda t: cdc.release(bcid, time=t)),
        _Plan(call.bye_ok, "HI2", "IRI", CDC_PDU, "CDC ccclose",
              lambda t: cdc.ccclose(ccc_id, flow_direction="downstream-and-upstream", time=t)),
    ]
    return plans


def _ccc(cdc: PacketCableRecords, ccc_id: int, content: _Content, from_target: bool,
         index: int) -> Callable[[int], bytes]:
    return lambda t: cdc.ccc(ccc_id, content.rtp(from_target, index), time=t)


# ---------------------------------------------------------------------------------------------
# ATIS
# ---------------------------------------------------------------------------------------------


def _plan_atis(spec: Specification, clock: Clock, rng: random.Random, content: _Content,
               cc_count: int, start: int) -> list[_Plan]:
    case = "CASE-2026-0099"
    laes = LAESRecords(case, "SBC-DENVER-1", spec=spec, clock=clock)
    ias = IASRecords(case, "BRAS-DENVER-7", spec=spec, clock=clock)
    call = atis_call_identity("a84b4c76e66710@pc33.atlanta.example.com")
    voice = atis_correlation_id(b"\x00\xc0\xff\xee")
    data = atis_correlation_id(b"\x00\x00\x00\x2a")
    voice_ccc, data_ccc = 0x00C0FFEE, 0x0000002A
    media_count, web_count = _split(cc_count)
    timeline = _call(500 * _MS, media_count, rng)
    end = timeline.bye_ok + 1 * _S
    offer = _sdp(_TARGET_IP, _TARGET_MEDIA_PORT, 2890844526)
    answer = _sdp(_PEER_IP, _PEER_MEDIA_PORT, 2890844527)
    caller, callee = "sip:alice@atlanta.example.com", "sip:bob@biloxi.example.com"
    plans = [
        _Plan(0, "HI2", "IRI", IAS_PROTOCOL, "IAS access-Accepted",
              lambda t: ias.access_accepted(_SUBSCRIBER, 77, ip_address=_TARGET_IP, time=t)),
        _Plan(1 * _MS, "HI2", "IRI", IAS_PROTOCOL, "IAS session-Start",
              lambda t: ias.session_start(_SUBSCRIBER, b"\x01", _TARGET_IP,
                                          access_session_id=77, delivery=(data, data_ccc),
                                          time=t)),
    ]
    for when in _spread(rng, web_count, 5 * _MS, end - 5 * _MS):
        to_target = rng.random() < 0.6
        direction = "toSubject" if to_target else "fromSubject"
        plans.append(_Plan(when, "HI3", "CC", IAS_CC_APDU, f"IAS-CC-APDU {direction}",
                           _ias_cc(ias, content, data, to_target)))
    plans += [
        _Plan(timeline.invite, "HI2", "IRI", LAES_PROTOCOL, "LAES origination",
              lambda t: laes.origination(call, origination_cause="normal", calling=caller,
                                         called=callee, user_input=callee,
                                         subject_media=offer, time=t)),
        _Plan(timeline.ringing, "HI2", "IRI", LAES_PROTOCOL, "LAES ccOpen",
              lambda t: laes.cc_open(voice, voice_ccc, subject_media=offer, time=t)),
        _Plan(timeline.answer, "HI2", "IRI", LAES_PROTOCOL, "LAES answer",
              lambda t: laes.answer(call, answering=callee, answering_media=answer, time=t)),
    ]
    plans += _media_plans(timeline.media, "HI3", CC_APDU, "CC-APDU RTP", _ATIS_DIRECTIONS,
                          lambda from_target, index: _laes_cc(laes, content, voice,
                                                              from_target, index))
    plans += [
        _Plan(timeline.bye, "HI2", "IRI", LAES_PROTOCOL, "LAES release",
              lambda t: laes.release(call, time=t)),
        _Plan(timeline.bye_ok, "HI2", "IRI", LAES_PROTOCOL, "LAES ccClose",
              lambda t: laes.cc_close(voice, voice_ccc, time=t)),
        _Plan(end, "HI2", "IRI", IAS_PROTOCOL, "IAS session-End",
              lambda t: ias.session_end(_SUBSCRIBER, b"\x01", _TARGET_IP,
                                        reason="regular logoff", time=t)),
        _Plan(end + 1 * _MS, "HI2", "IRI", IAS_PROTOCOL, "IAS access-Session-End",
              lambda t: ias.access_session_end(_SUBSCRIBER, 77, ip_address=_TARGET_IP,
                                               time=t)),
    ]
    return plans


def _ias_cc(ias: IASRecords, content: _Content, data: ContentIdentifier,
            to_target: bool) -> Callable[[int], bytes]:
    direction: Literal["fromSubject", "toSubject"] = "toSubject" if to_target else "fromSubject"
    return lambda t: ias.cc_apdu(content.browsing(to_target), correlation=data,
                                 direction=direction, time=t)


def _laes_cc(laes: LAESRecords, content: _Content, voice: ContentIdentifier, from_target: bool,
             index: int) -> Callable[[int], bytes]:
    direction: Literal["fromSubject", "toSubject"] = ("fromSubject" if from_target
                                                      else "toSubject")
    return lambda t: laes.cc_apdu(content.rtp(from_target, index), correlation=voice,
                                  direction=direction, time=t)


_Planner = Callable[[Specification, Clock, random.Random, _Content, int, int], list[_Plan]]
_PLANNERS: Final[dict[str, _Planner]] = {
    "etsi": _plan_etsi,
    "packetcable": _plan_packetcable,
    "atis": _plan_atis,
}
