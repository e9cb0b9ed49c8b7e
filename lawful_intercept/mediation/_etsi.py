"""One communication in ETSI TS 102 232 PS-PDUs: the conversion of each X2/X3 payload format
into its IRI or CC record (TS 102 232-1 clause 5 header, -3 IPCC, -5 IPMMIRI and IPMMCC,
-7 TS 33.128 payloads), and the re-stamping of a TS 102 232-1 PDU a network element sent
whole."""

from __future__ import annotations

import ipaddress
from typing import Any, Final

from ..asn1c import Specification
from ..catalog import KIND_OF_PAYLOAD, NUMBERING_OF_KIND, PS_PDU
from ..correlation import Clock, SequenceCounters, SessionIdentity
from ..errors import ConversionError, Error
from ..records import DEFAULT_IRI_TYPES, IPAccessRecords, IPMMRecords, MobileRecords, PSPDUBuilder

__all__ = ["EtsiCommunication", "rtp_ssrc"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_TIME_FIELDS: Final = ("timeStamp", "microSecondTimeStamp", "timeStampQualifier")


def rtp_ssrc(packet: bytes | memoryview) -> int | None:
    """The SSRC of an RTP packet (RFC 3550 5.1, octets 8-11), or ``None`` if ``packet`` is
    shorter than an RTP header or not RTP version 2."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    return int.from_bytes(packet[8:12], "big")


class EtsiCommunication:
    """The PS-PDUs of one communication (one LIID and CIN, TS 102 232-1 5.2.4): its builder
    and the service records objects, made on first use."""

    __slots__ = ("_ip", "_ipmm", "_mobile", "builder", "spec")

    def __init__(self, identity: SessionIdentity, *, counters: SequenceCounters,
                 spec: Specification, clock: Clock | None) -> None:
        self.spec = spec
        self.builder = PSPDUBuilder(identity, spec=spec, counters=counters, clock=clock)
        self._ip: IPAccessRecords | None = None
        self._ipmm: IPMMRecords | None = None
        self._mobile: MobileRecords | None = None

    @property
    def ip(self) -> IPAccessRecords:
        """The TS 102 232-3 records of the communication."""
        if self._ip is None:
            self._ip = IPAccessRecords(self.builder)
        return self._ip

    @property
    def ipmm(self) -> IPMMRecords:
        """The TS 102 232-5 records of the communication."""
        if self._ipmm is None:
            self._ipmm = IPMMRecords(self.builder)
        return self._ipmm

    @property
    def mobile(self) -> MobileRecords:
        """The TS 102 232-7 (TS 33.128) records of the communication."""
        if self._mobile is None:
            self._mobile = MobileRecords(self.builder)
        return self._mobile

    def sip(self, message: bytes, *, iri_type: str, direction: str, source: Address | None,
            destination: Address | None, iri_only: bool, time: int) -> bytes:
        """An IPMMIRI with the SIP message (TS 102 232-5 clause 5): ``sIPMessage`` with the
        packet's addresses, or ``originalIPMMMessage`` when the X2 PDU gave none
        (``iRIOnly…`` forms for an IRI-only warrant)."""
        if source is not None and destination is not None:
            return self.ipmm.iri_sip(message, source=source, destination=destination,
                                     direction=direction, iri_type=iri_type,
                                     iri_only=iri_only, time=time)
        name = "iRIOnlyOriginalIPMMMessage" if iri_only else "originalIPMMMessage"
        return self.ipmm.iri((name, message), direction=direction, iri_type=iri_type,
                             time=time)

    def rtp(self, packet: bytes, direction: str, time: int) -> bytes:
        """An IPMMCC with one RTP packet (TS 102 232-5 clause 6, ``rtpFrame``), its stream
        identified by the SSRC (RFC 3550)."""
        return self.ipmm.cc(packet, direction, frame_type="rtpFrame",
                            stream_id=rtp_ssrc(packet), time=time)

    def ip_packet(self, packet: bytes, direction: str, time: int) -> bytes:
        """An IPCC with one IPv4 or IPv6 packet (TS 102 232-3 6.1, ``iPPackets``)."""
        return self.ip.ipcc(packet, direction, time=time)

    def xiri(self, payload: bytes, *, mediated_from: str, time: int) -> bytes:
        """The IRI of a TS 33.128 xIRI (the XIRIPayload a POI sends over LI_X2) as an
        IRIPayload in ``threeGPP33128DefinedIRI`` (TS 102 232-7); the IRIType the event's
        (``DEFAULT_IRI_TYPES``), else iRI-Report."""
        try:
            value = self.spec.decode("XIRIPayload", payload)
        except Error as exc:
            raise ConversionError(f"the X2 payload is no TS 33.128 XIRIPayload: {exc}",
                                  "payload") from None
        event = value["event"]
        iri_type = DEFAULT_IRI_TYPES.get(event[0], "iRI-Report")
        try:
            return self.mobile.iri(event, iri_type=iri_type, mediated_from=mediated_from,
                                   time=time)
        except Error as exc:
            raise ConversionError(f"the xIRI event {event[0]!r} has no IRI form: {exc}",
                                  "payload") from None

    def xcc(self, payload: bytes, direction: str, time: int) -> bytes:
        """The CC of a TS 33.128 xCC (an encoded CCPayload) in ``threeGPP33128DefinedCC``
        (TS 102 232-7); the payload is checked to decode before it is passed on."""
        try:
            self.spec.decode("TS33128Payloads.CCPayload", payload)
        except Error as exc:
            raise ConversionError(f"the X3 payload is no TS 33.128 CCPayload: {exc}",
                                  "payload") from None
        return self.builder.cc(("threeGPP33128DefinedCC", payload), direction=direction,
                               time=time)

    def restamp(self, payload: bytes) -> tuple[str, bytes]:
        """A TS 102 232-1 PS-PDU a network element sent whole, with this communication's LIID,
        network identifier, CIN and the next sequence number of its kind (TS 102 232-1 5.2);
        its time stamps and payload as sent. Returns the kind (``"IRI"``, ``"CC"``, ``"HI1"``)
        and the PDU. TRI PDUs belong to the network element's own link: refused."""
        try:
            value = self.spec.decode(PS_PDU, payload)
        except Error as exc:
            raise ConversionError(f"the payload is no TS 102 232-1 PS-PDU: {exc}",
                                  "payload") from None
        kind = KIND_OF_PAYLOAD.get(value["payload"][0], "OTHER")
        if kind not in ("IRI", "CC", "HI1"):
            raise ConversionError(f"a PS-PDU with a {value['payload'][0]} payload is not IRI "
                                  "or CC: the link's TRI PDUs are not passed on", "payload")
        builder = self.builder
        old = value["pSHeader"]
        header: dict[str, Any] = {"li-psDomainId": builder.li_ps_domain_id,
                                  **builder.identity.ps_header_fields()}
        for name in _TIME_FIELDS:
            if name in old:
                header[name] = old[name]
        numbering = builder.numbering(NUMBERING_OF_KIND.get(kind, kind))
        header["sequenceNumber"] = number = numbering.peek()
        encode = self.spec.encoder(PS_PDU)
        out = {"pSHeader": header, "payload": value["payload"]}
        try:
            data = encode(out)
        except Error as exc:
            raise ConversionError(f"the PS-PDU cannot be re-stamped: {exc}", "payload") from None
        taken = numbering()
        if taken != number:
            header["sequenceNumber"] = taken
            data = encode(out)
        return kind, data
