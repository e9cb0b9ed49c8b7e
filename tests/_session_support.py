"""Shared by the tests of the sans-IO handover session (test_delivery_session.py,
test_delivery_receiver.py, test_delivery_transitions.py): a sender (:class:`HandoverSession`)
and a LEMF-side responder (:class:`ReceiverSession`) joined by an in-memory pipe with a fake
clock. The pipe can hold octets "in the network", deliver them in chunks of any size, lose
them (a dropped connection) or swallow the answers (a network that silently stops).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import lawful_intercept
from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import (
    Acknowledged,
    Event,
    HandoverSession,
    ReceiverSession,
    RecordReceived,
)
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

SPEC = lawful_intercept.bundled()
SPEC_35 = lawful_intercept.bundled(versions={"102232-1": "35"})
T0_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z: the PDUs' time stamps
CLOCK = Clock(lambda: T0_NS)
MF = NetworkIdentifier(b"operator-1", b"mf-1")
PACKET = b"\x45\x00\x00\x1c" + bytes(24)


def tri_builder(spec: lawful_intercept.Specification = SPEC) -> PSPDUBuilder:
    """TRI PDUs as OpenLI sends them: CIN 0, their own sequence numbers."""
    return PSPDUBuilder(SessionIdentity("LIID-TRI", MF, 0), spec=spec, clock=CLOCK)


def make_records(n: int, spec: lawful_intercept.Specification = SPEC) -> list[bytes]:
    """``n`` distinct IPCC PS-PDUs (sequence numbers 0..n-1)."""
    ip = IPAccessRecords(PSPDUBuilder(SessionIdentity("LIID-42", MF, 1234), spec=spec,
                                      clock=CLOCK))
    return [ip.ipcc(PACKET, "toTarget") for _ in range(n)]


RECORDS = make_records(400)


class Link:
    """A sender and a LEMF responder joined by an in-memory pipe, with a fake clock."""

    def __init__(self, sender: HandoverSession, *, chunk: int | None = None,
                 **receiver_options: Any) -> None:
        self.sender = sender
        self.receiver_options = receiver_options
        self.receiver = ReceiverSession(sender.spec, **receiver_options)
        self.chunk = chunk
        self.now = 0.0
        self.to_receiver = bytearray()  # octets in the network towards the LEMF
        self.to_sender = bytearray()
        self.events: list[Event] = []  # the sender's
        self.received: list[bytes] = []  # raw records the LEMF got, every connection
        self.receiver_events: list[Event] = []
        self.answering = True  # False: the network swallows everything towards the sender

    def connect(self) -> None:
        self.receiver = ReceiverSession(self.sender.spec, **self.receiver_options)
        self.sender.connection_made(self.now)

    def write(self) -> bytes:
        data = self.sender.data_to_send()
        self.to_receiver += data
        return data

    def deliver(self) -> None:
        """Carry every octet across in both directions until both sides are quiet."""
        while True:
            self.write()
            if not self.to_receiver and not self.to_sender:
                break
            while self.to_receiver:
                n = self.chunk or len(self.to_receiver)
                piece = bytes(self.to_receiver[:n])
                del self.to_receiver[:n]
                self.receiver.receive_data(piece)
            self.collect_receiver()
            if self.answering:
                self.to_sender += self.receiver.data_to_send()
            else:
                self.receiver.data_to_send()
            while self.to_sender:
                n = self.chunk or len(self.to_sender)
                piece = bytes(self.to_sender[:n])
                del self.to_sender[:n]
                self.sender.receive_data(piece)
        self.collect()

    def collect(self) -> list[Event]:
        new = self.sender.events()
        self.events += new
        return new

    def collect_receiver(self) -> None:
        for event in self.receiver.events():
            self.receiver_events.append(event)
            if isinstance(event, RecordReceived):
                self.received.append(event.pdu.raw)

    def advance(self, seconds: float) -> list[Event]:
        self.now += seconds
        self.sender.tick(self.now)
        return self.collect()

    def drop(self, reason: str = "reset") -> list[Event]:
        self.to_receiver.clear()
        self.to_sender.clear()
        self.sender.connection_lost(self.now, reason)
        return self.collect()

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def acknowledged(self, basis: str | None = None) -> list[Hashable]:
        return [rid for e in self.of(Acknowledged) if basis in (None, e.basis)
                for rid in e.record_ids]


def tri_names(data: bytes) -> list[str]:
    """The payload kind of each PS-PDU in ``data``: a TRIPayload alternative or the Payload
    alternative."""
    names = []
    for pdu in lawful_intercept.stream.iter_pdus([data], SPEC):
        kind, inner = pdu.value["payload"]
        names.append(inner[0] if kind == "tRIPayload" else kind)
    return names


def sender(**options: Any) -> HandoverSession:
    return HandoverSession(tri=tri_builder(), **options)
