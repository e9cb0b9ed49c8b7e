"""IP multimedia records: ETSI TS 102 232-5 IPMMIRI and IPMMCC in PS-PDUs.

:class:`IPMMRecords` adds the payloads of the IP multimedia service (VoIP, SIP or H.323) to a
:class:`~lawful_intercept.records.PSPDUBuilder`: each intercepted signalling message as an
IPMMIRI (TS 102 232-5 clause 5, ASN.1 ``IPMMIRI``: the SIP message with its source and
destination addresses in ``sIPMessage``) and the media as IPMMCC (TS 102 232-5 clause 6,
ASN.1 ``IPMMCC``: one frame in ``mMCCContents`` with its ``frameType``, ``streamIdentifier``
and ``mMCCprotocol``). The object identifiers (iPMMIRIObjId, iPMMCCObjId) and the ENUMERATED
items are those of the IPMultimediaPDU module in the builder's specification.

IPMMCC is the hot path (an RTP stream is 50 packets a second per direction): it goes through
a template per (direction, frame type, stream identifier, protocol), and every input is
checked before the sequence number is taken, so a bad input raises ``EncodeError`` and
leaves the CC numbering gapless.

See docs/records.md, "IP multimedia".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from .._checks import require_instance
from ..asn1c import Hole
from ..errors import EncodeError
from ._ps import PSPDUBuilder
from ._values import (
    DIRECTIONS,
    ServiceRecords,
    address,
    check_name,
    enum_names,
    header_lines,
    iri_pdu,
    octets,
)

__all__ = ["AUTO", "STREAM_ID_MAX", "Address", "IPMMRecords", "ipmmcc_payload",
           "stream_identifier"]

AUTO = "auto"
"""``protocol=AUTO`` (the default of :meth:`IPMMRecords.cc`): the ``mMCCprotocol`` implied by
the frame type (rtpFrame and artificialRtpFrame: rTP, msrpFrame: mSRP, udptlFrame: uDPTL;
none for the others) — TS 102 232-5 ``IPMMCC.mMCCprotocol``."""

STREAM_ID_MAX = 0xFFFFFFFF
"""The largest ``int`` stream identifier: four octets, the width of an RTP SSRC (RFC 3550)."""

_STREAM = Hole("stream", encoded=True)  # a session's streamIdentifier, pre-encoded
_PROTOCOL_OF_FRAME = {"rtpFrame": "rTP", "artificialRtpFrame": "rTP", "msrpFrame": "mSRP",
                      "udptlFrame": "uDPTL"}

Address = str | ipaddress.IPv4Address | ipaddress.IPv6Address | dict[str, Any]
"""An IP address as text, an ``ipaddress`` object, or a complete ``IPAddress`` value
(TS 102 232-1 ``IPAddress``)."""


def stream_identifier(value: int | bytes) -> bytes:
    """The ``streamIdentifier`` octets of a media stream (TS 102 232-5 clause 6,
    ``IPMMCC.streamIdentifier``, an OCTET STRING whose form the module leaves open).

    An ``int`` 0..4294967295 becomes four octets, big-endian — the width of an RTP SSRC
    (RFC 3550), so the SSRC or an index of the SDP media lines both fit. ``bytes`` (at least
    one octet) are taken as they are, for an operator convention of its own.
    """
    if type(value) is int:
        if not 0 <= value <= STREAM_ID_MAX:
            raise EncodeError(
                f"streamIdentifier must be 0..{STREAM_ID_MAX} (four octets) as an int, got "
                f"{value} (TS 102 232-5 IPMMCC.streamIdentifier)",
                "streamIdentifier",
            )
        return value.to_bytes(4, "big")
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        if not data:
            raise EncodeError("streamIdentifier must not be empty "
                              "(TS 102 232-5 IPMMCC.streamIdentifier)", "streamIdentifier")
        return data
    raise EncodeError(
        f"streamIdentifier must be an int or bytes, got {type(value).__name__} "
        "(TS 102 232-5 IPMMCC.streamIdentifier)",
        "streamIdentifier",
    )


class IPMMRecords(ServiceRecords):
    """IPMMIRI and IPMMCC PS-PDUs of one IP multimedia communication (ETSI TS 102 232-5).

    One instance per communication (one :class:`PSPDUBuilder`, so one LIID and CIN): the
    SIP IRIs of a call and its RTP streams then carry the same correlation identifiers, with
    the IRI and the CC numbered separately (TS 102 232-1 5.2.5).
    """

    __slots__ = ("frame_types", "protocols")

    def __init__(self, builder: PSPDUBuilder) -> None:
        super().__init__(builder, "IPMultimediaPDU", "iPMMIRIObjId", "iPMMCCObjId")
        spec = builder.spec
        self.frame_types: tuple[str, ...] = enum_names(spec, "IPMultimediaPDU.FrameType")
        """The IPMMCC ``frameType`` items of the specification (TS 102 232-5 FrameType)."""
        self.protocols: tuple[str, ...] = enum_names(spec, "IPMultimediaPDU.MMCCprotocol")
        """The ``mMCCprotocol`` items of the specification (TS 102 232-5 MMCCprotocol)."""

    # -- IRI ------------------------------------------------------------------------------

    def iri_sip(
        self,
        message: bytes | str,
        *,
        source: Address,
        destination: Address,
        direction: str | None = None,
        iri_type: str | None = None,
        iri_only: bool = False,
        target_location: dict[str, Any] | None = None,
        additional_signalling: Sequence[bytes | str] | None = None,
        time: int | datetime | None = None,
    ) -> bytes:
        """A PS-PDU with an IPMMIRI carrying one SIP message (TS 102 232-5 clause 5,
        ``IPIRIContents.sIPMessage``).

        ``message`` is the complete SIP message as seen on the wire (``bytes``; a ``str`` is
        written as UTF-8, RFC 3261 7); ``source``/``destination`` the IP addresses of its
        packet. ``direction`` is the IRIPayload ``payloadDirection`` (``"fromTarget"`` for a
        request the target sent, …); ``iri_type`` the IRIType (TS 102 232-1 5.2.10).
        ``iri_only=True`` writes ``iRIOnlySIPMessage``, for an interception without CC.
        ``target_location`` is a TS 102 232-1 ``Location`` value; ``additional_signalling``
        SIP header lines (``AdditionalSignalling.sipHeaderLine``).
        """
        content = octets(message, "sIPContent", text=True)
        if not content:
            raise EncodeError("the SIP message is empty (TS 102 232-5 SIPMessage.sIPContent)",
                              "sIPContent")
        require_instance(iri_only, bool, "iri_only")
        sip = {
            "iPSourceAddress": address(source, "iPSourceAddress"),
            "iPDestinationAddress": address(destination, "iPDestinationAddress"),
            "sIPContent": content,
        }
        return self.iri(
            ("iRIOnlySIPMessage" if iri_only else "sIPMessage", sip),
            direction=direction,
            iri_type=iri_type,
            target_location=target_location,
            additional_signalling=additional_signalling,
            time=time,
        )

    def iri(
        self,
        contents: tuple[str, Any],
        *,
        direction: str | None = None,
        iri_type: str | None = None,
        target_location: dict[str, Any] | None = None,
        additional_signalling: Sequence[bytes | str] | None = None,
        time: int | datetime | None = None,
    ) -> bytes:
        """A PS-PDU with an IPMMIRI of any ``IPIRIContents`` alternative (TS 102 232-5
        clause 5): ``("originalIPMMMessage", octets)``, ``("h323Message", {...})``,
        ``("iRIOnlyRTPPacket", octets)``, ``("xCAPMessage", octets)``, … in the library's
        value convention. The other arguments are those of :meth:`iri_sip`."""
        value: dict[str, Any] = {"iPMMIRIObjId": self.iri_obj_id, "iPMMIRIContents": contents}
        if target_location is not None:
            value["targetLocation"] = target_location
        if additional_signalling is not None:
            value["additionalSignalling"] = header_lines(additional_signalling)
        return iri_pdu(self.builder, ("iPMMIRI", value), iri_type=iri_type,
                        direction=direction, time=time)

    # -- CC -------------------------------------------------------------------------------

    def cc(
        self,
        packet: bytes,
        direction: str,
        *,
        frame_type: str | None = "ipFrame",
        stream_id: int | bytes | None = None,
        protocol: str | None = AUTO,
        time: int | datetime | None = None,
    ) -> bytes:
        """A PS-PDU with an IPMMCC carrying one media frame (TS 102 232-5 clause 6).

        ``packet`` is the frame (``mMCCContents``): the IP packet for ``frame_type="ipFrame"``,
        the UDP datagram for ``"udpFrame"``, the RTP packet for ``"rtpFrame"``, the codec
        payload for ``"audioFrame"``, … (the ``FrameType`` items of the specification;
        ``None`` leaves ``frameType`` out). ``direction`` is the CCPayload
        ``payloadDirection``. ``stream_id`` identifies the media stream (see
        :func:`stream_identifier`); ``protocol`` the ``mMCCprotocol`` (:data:`AUTO`: implied
        by the frame type; ``None``: left out). Encoded through a template per
        (direction, frame type, protocol) shared by every session; the stream identifier
        is the session's data.
        """
        key = (direction, frame_type, stream_id, protocol)
        if stream_id is not None and type(stream_id) is not int:
            stream_id = stream_identifier(stream_id)  # bytes: equal values share a template
            key = (direction, frame_type, stream_id, protocol)
        try:
            emit = self._cc[key]
        except (KeyError, TypeError):  # new, or unhashable and about to be refused
            emit = self._cc_encoder(direction, frame_type, stream_id, protocol)
        return emit(packet, time)

    def _cc_encoder(self, direction: object, frame_type: object,
                    stream_id: int | bytes | None, protocol: object) -> Callable[..., bytes]:
        key, payload, stream = ipmmcc_payload(self.cc_obj_id, self.frame_types, self.protocols,
                                              direction, frame_type, stream_id, protocol)
        emit = self.builder.content_encoder(key, payload, field="mMCCContents",
                                            constants={"stream": stream})
        self._cc[(direction, frame_type, stream_id, protocol)] = emit
        return emit


def ipmmcc_payload(cc_obj_id: str, frame_types: tuple[str, ...], protocols: tuple[str, ...],
                   direction: object, frame_type: object, stream_id: int | bytes | None,
                   protocol: object) -> tuple[object, object, dict[str, bytes]]:
    """The template key, the Payload and the ``stream`` constant of an IPMMCC PS-PDU
    (TS 102 232-5 clause 6) with the frame left open as ``Hole("content")``: every input
    checked (``EncodeError`` naming the field). The stream identifier is an encoded hole, so
    sessions with different streams share the template (``frame_types`` and ``protocols``:
    the FrameType and MMCCprotocol items of the specification)."""
    check_name(direction, DIRECTIONS, "payloadDirection", "TS 102 232-1 PayloadDirection")
    value: dict[str, Any] = {"iPMMCCObjId": cc_obj_id, "mMCCContents": Hole("content"),
                             "streamIdentifier": _STREAM}
    stream: dict[str, bytes] = {}
    if frame_type is not None:
        value["frameType"] = check_name(frame_type, frame_types, "frameType",
                                         "TS 102 232-5 FrameType")
    if stream_id is not None:
        stream["streamIdentifier"] = stream_identifier(stream_id)
    if isinstance(protocol, str) and protocol == AUTO:
        implied = _PROTOCOL_OF_FRAME.get(value.get("frameType", ""))
        if implied in protocols:
            value["mMCCprotocol"] = implied
    elif protocol is not None:
        value["mMCCprotocol"] = check_name(protocol, protocols, "mMCCprotocol",
                                            "TS 102 232-5 MMCCprotocol")
    payload = ("cCPayloadSequence",
               [{"payloadDirection": direction, "cCContents": ("iPMMCC", value)}])
    key = ("iPMMCC", direction, value.get("frameType"), "stream", value.get("mMCCprotocol"))
    return key, payload, stream
