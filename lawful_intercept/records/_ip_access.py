"""Internet access records: ETSI TS 102 232-3 IPIRI and IPCC in PS-PDUs.

:class:`IPAccessRecords` adds the service-specific payloads to a
:class:`~lawful_intercept.records.PSPDUBuilder`: session events as IPIRI (TS 102 232-3
clause 5, 7.1) and the target's IP packets as IPCC (clause 6). The object identifiers
(iPIRIObjId, iPCCObjId) are those of the IPAccessPDU module in the builder's specification.

IPCC is the hot path of a mediation function: it is encoded through a template per payload
direction, so only the sequence number, the time stamp and the packet are written per PDU.

See docs/records.md, "Internet access".
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..asn1c import Hole
from ..errors import EncodeError
from ._ps import PSPDUBuilder, check_direction

__all__ = ["IPAccessRecords", "ip_address", "ipcc_payload"]

_NS = 1_000_000_000


@functools.lru_cache(maxsize=4096)
def _parse_ip(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> tuple[int, bytes]:
    try:
        addr = ipaddress.ip_address(address)
    except ValueError as exc:
        raise EncodeError(f"not an IP address: {exc}", "iP-value") from None
    return addr.version, addr.packed


def ip_address(
    address: str | ipaddress.IPv4Address | ipaddress.IPv6Address,
    *,
    assignment: str | None = None,
    prefix_length: int | None = None,
) -> dict[str, Any]:
    """An IPAddress value (TS 102 232-1 IPAddress: type, binary value, assignment)."""
    version, packed = _parse_ip(address)
    value: dict[str, Any] = {
        "iP-type": "iPV4" if version == 4 else "iPV6",
        "iP-value": ("iPBinaryAddress", packed),
    }
    if assignment is not None:
        value["iP-assignment"] = assignment
    if prefix_length is not None:
        value["iPv6PrefixLength"] = prefix_length
    return value


class IPAccessRecords:
    """IPIRI and IPCC PS-PDUs of one internet access session (ETSI TS 102 232-3)."""

    # Slots, and the encoders of the two usual directions in their own slots: an IPCC of one
    # of thousands of sessions then touches as little of the session's memory as it can.
    __slots__ = ("__weakref__", "_cc", "_from_target", "_to_target", "builder", "cc_obj_id",
                 "iri_obj_id")

    def __init__(self, builder: PSPDUBuilder) -> None:
        self.builder = builder
        values = builder.spec.values
        try:
            self.iri_obj_id = _str(values["iPIRIObjId"])
            self.cc_obj_id = _str(values["iPCCObjId"])
        except KeyError as exc:
            raise ValueError(f"spec: the specification has no IPAccessPDU value {exc}") from None
        self._cc: dict[str, Callable[..., bytes]] = {}
        self._from_target: Callable[..., bytes] | None = None
        self._to_target: Callable[..., bytes] | None = None

    def ipiri(
        self,
        event: str,
        *,
        target_username: bytes | str,
        access_type: str = "undefined",
        ip_version: str | None = None,
        target_ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address | None = None,
        iri_type: str | None = None,
        time: int | datetime | None = None,
        **more: Any,
    ) -> bytes:
        """A PS-PDU with an IPIRI (TS 102 232-3 7.1): ``event`` is the accessEventType
        (``"sessionStart"``, ``"accessAccept"``, ``"sessionEnd"``, …), ``access_type`` the
        internetAccessType, ``target_ip`` the target's address; ``more`` are further
        IPIRIContents members by their ASN.1 names (``startTime``, ``octetsReceived``, …)."""
        if isinstance(target_username, str):
            target_username = target_username.encode("utf-8")
        contents: dict[str, Any] = {
            "accessEventType": event,
            "targetUsername": target_username,
            "internetAccessType": access_type,
        }
        if target_ip is not None:
            address = ip_address(target_ip, assignment=more.pop("assignment", None))
            contents["targetIPAddress"] = address
            if ip_version is None:
                ip_version = "iPV4" if address["iP-type"] == "iPV4" else "iPV6"
        contents["iPVersion"] = ip_version or "iPV4"
        contents.update(more)
        value = ("iPIRI", {"iPIRIObjId": self.iri_obj_id, "iPIRIContents": contents})
        return self.builder.iri(value, iri_type=iri_type, time=time)

    def ipcc(self, packet: bytes, direction: str, *, time: int | None = None) -> bytes:
        """A PS-PDU with an IPCC carrying one IP packet (TS 102 232-3 6.1, iPPackets) sent
        in ``direction`` (the CCPayload payloadDirection, TS 102 232-1: ``fromTarget``,
        ``toTarget``, …; required, since a wrong direction silently misleads the LEMF)."""
        if direction == "fromTarget":
            emit = self._from_target
        elif direction == "toTarget":
            emit = self._to_target
        else:
            emit = self._cc.get(direction)
        if emit is None:
            emit = self._cc_encoder(direction)
        return emit(packet, time)

    def ipcc_segmented(self, packet: bytes, max_segment: int, direction: str, *,
                       time: int | None = None) -> list[bytes]:
        """An IP packet larger than ``max_segment`` octets as segmented IPCC PDUs between
        firstSegmentFlag and lastSegmentFlag TRI PDUs (TS 102 232-1 6.4.3), sent in
        ``direction`` (required, as for :meth:`ipcc`)."""
        cc_obj_id = self.cc_obj_id
        return self.builder.segmented_cc(
            lambda piece: ("iPCC", {"iPCCObjId": cc_obj_id,
                                    "iPCCContents": ("iPPackets", piece)}),
            packet, max_segment=max_segment, direction=direction, time=time,
        )

    def _cc_encoder(self, direction: str) -> Callable[..., bytes]:
        emit = self.builder.content_encoder(("iPCC", direction),
                                            ipcc_payload(self.cc_obj_id, direction),
                                            field="iPPackets")
        if direction == "fromTarget":
            self._from_target = emit
        elif direction == "toTarget":
            self._to_target = emit
        else:
            self._cc[direction] = emit
        return emit


def ipcc_payload(cc_obj_id: str, direction: str) -> tuple[str, list[dict[str, Any]]]:
    """The Payload of an IPCC PS-PDU (TS 102 232-3 6.1, iPPackets) in ``direction`` with the
    packet left open as ``Hole("content")``: what every session's IPCC template is made of
    (template key ``("iPCC", direction)``); ``direction`` is checked (TS 102 232-1
    PayloadDirection)."""
    check_direction(direction)
    return (
        "cCPayloadSequence",
        [
            {
                "payloadDirection": direction,
                "cCContents": (
                    "iPCC",
                    {"iPCCObjId": cc_obj_id, "iPCCContents": ("iPPackets", Hole("content"))},
                ),
            }
        ],
    )


def _str(value: object) -> str:
    assert isinstance(value, str)
    return value
