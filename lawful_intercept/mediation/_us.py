"""One communication in the US formats: ATIS-1000678 (LAESProtocol messages and CC-APDUs) and
PacketCable (PCESP CDC messages and CCC packets, PKT-SP-ES-DCI).

ATIS: every SIP message goes to the agency as it was intercepted, in a
``directSignalReporting`` tied to the communication by its correlationID (the CIN, four
octets); the end of the call adds a ``release``. The first content of a communication is
announced by a ``ccOpen`` (contentIdentifier = that correlationID, cccId = the CIN); every
packet then goes in a CC-APDU with that contentIdentifier, numbered per (caseId, content
identifier).

PacketCable: the call's events as CDC messages (``origination`` or ``terminationattempt``
for the INVITE that begins it, ``answer`` for its 2xx, ``release`` at its end; PCESP has no
message for the other SIP messages, which are counted, not delivered), the CallId a BCID
made from the communication; the first content is announced by a ``ccopen`` of the CCC
stream numbered by the CIN, and each packet is a CCC packet (UDP, not BER).
"""

from __future__ import annotations

from typing import Final

from ..records import (
    BillingCorrelationId,
    CCCLayout,
    LAESRecords,
    PacketCableRecords,
    PacketDirection,
    atis_correlation_id,
)
from ._sip import SIPMessage

__all__ = ["AtisCommunication", "Output", "PacketCableCommunication"]

Output = tuple[str, bytes]
"""A record and its kind (``"IRI"`` or ``"CC"``)."""

_ATIS_DIRECTIONS: Final[dict[int, PacketDirection]] = {2: "toSubject", 3: "fromSubject"}
_FLOW: Final = "downstream-and-upstream"


def _visible(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters of VisibleString (others become ``?``)."""
    cleaned = "".join(c if " " <= c <= "~" else "?" for c in text[:limit])
    return cleaned or "?"


class AtisCommunication:
    """The ATIS-1000678 messages and CC-APDUs of one communication (its CIN)."""

    __slots__ = ("cin", "content", "laes", "opened")

    def __init__(self, laes: LAESRecords, cin: int) -> None:
        self.laes = laes
        self.cin = cin
        self.content = atis_correlation_id(cin.to_bytes(4, "big"))
        self.opened = False

    def sip(self, message: bytes, sip: SIPMessage, iri_type: str, time: int) -> list[Output]:
        """``directSignalReporting`` with the SIP message; with ``release`` at the end."""
        out = [("IRI", self.laes.direct_signal_reporting(self.content, [("SIP", message)],
                                                         time=time))]
        if iri_type == "iRI-End" and sip.call_id:
            out.append(("IRI", self.laes.release(sip.call_id, time=time)))
        return out

    def content_packet(self, packet: bytes, direction: int, time: int) -> list[Output]:
        """A CC-APDU with ``packet``; a ``ccOpen`` before the first."""
        out: list[Output] = []
        if not self.opened:
            out.append(("IRI", self.laes.cc_open(self.content, self.cin, time=time)))
            self.opened = True
        out.append(("CC", self.laes.cc_apdu(packet, correlation=self.content, time=time,
                                            direction=_ATIS_DIRECTIONS.get(direction))))
        return out


class PacketCableCommunication:
    """The PacketCable CDC messages and CCC packets of one communication (its CIN)."""

    __slots__ = ("answered", "bcid", "cdc", "cin", "layout", "opened")

    def __init__(self, cdc: PacketCableRecords, cin: int, *, element_id: str,
                 started_s: int, layout: CCCLayout | None) -> None:
        self.cdc = cdc
        self.cin = cin
        self.bcid = BillingCorrelationId(started_s & 0xFFFFFFFF, _visible(element_id, 8).ljust(8),
                                         "0+000000", cin & 0xFFFFFFFF)
        self.layout = layout
        self.opened = False
        self.answered = False

    def sip(self, sip: SIPMessage, iri_type: str, direction: int, target: str,
            time: int) -> list[Output]:
        """The CDC message of a SIP message, if PCESP has one (see the module)."""
        cdc = self.cdc
        if iri_type == "iRI-Begin" and sip.method == "INVITE":
            dialled = _visible(sip.request_uri or "?", 32)
            party = _visible(target or "?", 15)
            if direction == 3:  # from the target: the subject places the call
                return [("IRI", cdc.origination(self.bcid, party, user_input=dialled,
                                                time=time))]
            return [("IRI", cdc.terminationattempt(self.bcid, called=party, time=time))]
        if (not self.answered and sip.status is not None and 200 <= sip.status < 300
                and sip.cseq_method == "INVITE"):
            self.answered = True
            return [("IRI", cdc.answer(self.bcid, time=time))]
        if iri_type == "iRI-End":
            return [("IRI", cdc.release(self.bcid, time=time))]
        return []

    def content_packet(self, packet: bytes, time: int) -> list[Output]:
        """A CCC packet with ``packet``; a ``ccopen`` of the CCC stream before the first."""
        out: list[Output] = []
        if not self.opened:
            out.append(("IRI", self.cdc.ccopen(self.cin, self.bcid, flow_direction=_FLOW,
                                               time=time)))
            self.opened = True
        stamped = (self.layout or self.cdc.ccc_layout) != "ESP-I01"  # ESP-I01 has no time
        out.append(("CC", self.cdc.ccc(self.cin, packet, layout=self.layout,
                                       time=time if stamped else None)))
        return out
