"""PSTN/ISDN records: ETSI TS 102 232-6 PstnIsdnIRI and PstnIsdnCC in PS-PDUs.

:class:`PstnIsdnRecords` adds the payloads of the PSTN/ISDN service handed over as packets to
a :class:`~lawful_intercept.records.PSPDUBuilder`: the bearer content of a call as
PstnIsdnCC (TS 102 232-6, ASN.1 ``PstnIsdnCC``: the octets of the bearer in
``pstnIsdnCCContents``, the bearer in ``cCLinkID``) and the description of that content as
PstnIsdnIRI (ASN.1 ``PstnIsdnIRI``, whose only alternative is ``supplementaryInfo``: direction,
media format, SDP, frame type). The call's signalling IRI (set-up, answer, release) is not
part of this module: it is the TS 101 671 HI2 IRI, carried in the ``eTSI671IRI`` alternative
of the PS-PDU (``PSPDUBuilder.iri``). The object identifiers and ENUMERATED items are those
of the PstnIsdnPDU module in the builder's specification.

PstnIsdnCC is the hot path (a voice frame every 20 ms per direction): it goes through a
template per (direction, cCLinkID), and every input is checked before the sequence number is
taken.

See docs/records.md, "PSTN/ISDN".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypedDict, Unpack

from ..asn1c import Hole
from ..errors import EncodeError
from ._ps import PSPDUBuilder
from ._values import (
    DIRECTIONS,
    ServiceRecords,
    check_name,
    enum_names,
    integer,
    iri_pdu,
    octets,
)

__all__ = ["PstnIsdnRecords", "SupplementaryInfoOptions"]

_LINK = Hole("link", encoded=True)  # a call's cCLinkID, pre-encoded
_LINK_MAX = 65535
_PDU_NUMBER_MAX = 4294967295
_MEDIA_FORMAT_MAX = 127


class SupplementaryInfoOptions(TypedDict, total=False):
    """The optional members of a ``SupplementaryInfo`` (TS 102 232-6), as
    :meth:`PstnIsdnRecords.supplementary_info` takes them."""

    cc_link_id: int | None
    first_pdu_number: int | None
    media_attributes: bytes | str | None
    encryption_key: bytes | None
    session_name: bytes | str | None
    session_info: bytes | str | None
    sdp: bytes | str | None
    frame_type: str | None
    alternate_protocol: str | None


class PstnIsdnRecords(ServiceRecords):
    """PstnIsdnIRI and PstnIsdnCC PS-PDUs of one PSTN/ISDN call (ETSI TS 102 232-6)."""

    __slots__ = ("alternate_protocols", "frame_types")

    def __init__(self, builder: PSPDUBuilder) -> None:
        super().__init__(builder, "PstnIsdnPDU", "pstnIsdnIRIObjId", "pstnIsdnCCObjId")
        spec = builder.spec
        self.frame_types: tuple[str, ...] = enum_names(spec, "PstnIsdnPDU.FrameType")
        """The SupplementaryInfo ``frameType`` items (TS 102 232-6 FrameType)."""
        self.alternate_protocols: tuple[str, ...] = enum_names(
            spec, "PstnIsdnPDU.AlternateProtocol")
        """The ``alternateProtocol`` items (TS 102 232-6 AlternateProtocol)."""

    def supplementary_info(
        self,
        direction: str,
        media_format: int,
        *,
        cc_link_id: int | None = None,
        first_pdu_number: int | None = None,
        media_attributes: bytes | str | None = None,
        encryption_key: bytes | None = None,
        session_name: bytes | str | None = None,
        session_info: bytes | str | None = None,
        sdp: bytes | str | None = None,
        frame_type: str | None = None,
        alternate_protocol: str | None = None,
    ) -> dict[str, Any]:
        """A ``SupplementaryInfo`` value (TS 102 232-6, ASN.1 ``SupplementaryInfo``): what
        the CC it applies to carries.

        ``direction`` (``payloadDirection``), ``cc_link_id`` (0..65535) and
        ``first_pdu_number`` (the sequenceNumber of the first CC PDU it applies to,
        0..4294967295) make up ``informationAppliesTo``. ``media_format`` (0..127) is the RTP
        payload type of the content (RFC 3551: 0 PCMU, 8 PCMA, …). ``media_attributes``,
        ``session_name``, ``session_info`` and ``sdp`` (``copyOfSDPMessage``) are SDP text
        (a ``str`` is written as UTF-8); ``encryption_key`` octets; ``frame_type`` and
        ``alternate_protocol`` items of the module's FrameType and AlternateProtocol.
        """
        applies: dict[str, Any] = {
            "payloadDirection": check_name(direction, DIRECTIONS, "payloadDirection",
                                            "TS 102 232-1 PayloadDirection"),
        }
        if cc_link_id is not None:
            applies["cCLinkID"] = integer(cc_link_id, "cCLinkID", 0, _LINK_MAX,
                                           "TS 102 232-6 INTEGER (0..65535)")
        if first_pdu_number is not None:
            applies["firstPDUNumber"] = integer(first_pdu_number, "firstPDUNumber", 0,
                                                 _PDU_NUMBER_MAX,
                                                 "TS 102 232-6 INTEGER (0..4294967295)")
        info: dict[str, Any] = {
            "informationAppliesTo": applies,
            "mediaFormat": integer(media_format, "mediaFormat", 0, _MEDIA_FORMAT_MAX,
                                    "TS 102 232-6 INTEGER (0..127), an RTP payload type"),
        }
        for name, value, text in (
            ("mediaAttributes", media_attributes, True),
            ("encryptionKey", encryption_key, False),
            ("sessionName", session_name, True),
            ("sessionInfo", session_info, True),
            ("copyOfSDPMessage", sdp, True),
        ):
            if value is not None:
                info[name] = octets(value, name, text=text)
        if frame_type is not None:
            info["frameType"] = check_name(frame_type, self.frame_types, "frameType",
                                            "TS 102 232-6 FrameType")
        if alternate_protocol is not None:
            info["alternateProtocol"] = check_name(
                alternate_protocol, self.alternate_protocols, "alternateProtocol",
                "TS 102 232-6 AlternateProtocol")
        return info

    def iri(self, direction: str, media_format: int, *, iri_type: str | None = None,
            time: int | datetime | None = None,
            **options: Unpack[SupplementaryInfoOptions]) -> bytes:
        """A PS-PDU with a PstnIsdnIRI describing the call's CC (TS 102 232-6,
        ``PstnIsdnIRIContents.supplementaryInfo``); the arguments are those of
        :meth:`supplementary_info`, with ``iri_type`` the IRIType (TS 102 232-1 5.2.10)."""
        info = self.supplementary_info(direction, media_format, **options)
        return self.iri_value(info, iri_type=iri_type, time=time)

    def iri_value(self, info: Mapping[str, Any], *, iri_type: str | None = None,
                  time: int | datetime | None = None) -> bytes:
        """A PS-PDU with a PstnIsdnIRI of a ready ``SupplementaryInfo`` value (TS 102 232-6,
        e.g. from :meth:`supplementary_info` or with extension members of a newer module)."""
        if not isinstance(info, Mapping):
            raise EncodeError("supplementaryInfo must be a SupplementaryInfo value (dict), got "
                              f"{type(info).__name__}", "supplementaryInfo")
        value = {"pstnIsdnIRIObjId": self.iri_obj_id,
                 "pstnIsdnIRIContents": ("supplementaryInfo", dict(info))}
        return iri_pdu(self.builder, ("pstnIsdnIRI", value), iri_type=iri_type, time=time)

    def cc(
        self,
        content: bytes,
        direction: str,
        *,
        cc_link_id: int | None = None,
        supplementary: Mapping[str, Any] | None = None,
        time: int | datetime | None = None,
    ) -> bytes:
        """A PS-PDU with a PstnIsdnCC (TS 102 232-6, ASN.1 ``PstnIsdnCC``).

        ``content`` is the bearer content (``pstnIsdnCCContents``: voice or data octets, in
        the frame the supplementary information announced); ``direction`` the CCPayload
        ``payloadDirection``; ``cc_link_id`` (0..65535) the bearer it belongs to;
        ``supplementary`` an optional ``SupplementaryInfo`` (:meth:`supplementary_info`) sent
        with this PDU. Without ``supplementary`` the PDU goes through a template per
        (direction, cCLinkID).
        """
        if cc_link_id is not None and type(cc_link_id) is not int:
            integer(cc_link_id, "cCLinkID", 0, _LINK_MAX, "TS 102 232-6 INTEGER (0..65535)")
        if supplementary is not None:
            value: dict[str, Any] = {"pstnIsdnCCObjId": self.cc_obj_id,
                                     "pstnIsdnCCContents": octets(content,
                                                                   "pstnIsdnCCContents")}
            if cc_link_id is not None:
                value["cCLinkID"] = integer(cc_link_id, "cCLinkID", 0, _LINK_MAX,
                                             "TS 102 232-6 INTEGER (0..65535)")
            if not isinstance(supplementary, Mapping):
                raise EncodeError("supplementaryInfo must be a SupplementaryInfo value (dict)",
                                  "supplementaryInfo")
            value["supplementaryInfo"] = dict(supplementary)
            check_name(direction, DIRECTIONS, "payloadDirection",
                        "TS 102 232-1 PayloadDirection")
            return self.builder.cc(("pstnIsdnCC", value), direction=direction, time=time)
        try:
            emit = self._cc[(direction, cc_link_id)]
        except (KeyError, TypeError):  # new, or unhashable and about to be refused
            emit = self._cc_encoder(direction, cc_link_id)
        return emit(content, time)

    def _cc_encoder(self, direction: object, cc_link_id: int | None) -> Callable[..., bytes]:
        check_name(direction, DIRECTIONS, "payloadDirection", "TS 102 232-1 PayloadDirection")
        # The CC link is the call's: its octets are data, the code is shared (issue 15).
        value: dict[str, Any] = {"pstnIsdnCCObjId": self.cc_obj_id,
                                 "pstnIsdnCCContents": Hole("content"), "cCLinkID": _LINK}
        link: dict[str, Any] = {}
        if cc_link_id is not None:
            link["cCLinkID"] = integer(cc_link_id, "cCLinkID", 0, _LINK_MAX,
                                        "TS 102 232-6 INTEGER (0..65535)")
        payload = ("cCPayloadSequence",
                   [{"payloadDirection": direction, "cCContents": ("pstnIsdnCC", value)}])
        emit = self.builder.content_encoder(("pstnIsdnCC", direction, "link"), payload,
                                            field="pstnIsdnCCContents",
                                            constants={"link": link})
        self._cc[(direction, cc_link_id)] = emit
        return emit
