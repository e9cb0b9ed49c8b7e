"""The LEMF's side of the sans-IO handover session (:class:`ReceiverSession`, ETSI TS 102 232-1
clause 6 and the TRIPayload answers of clause 6.4), through the pipe of ``_session_support``.
"""

from __future__ import annotations

from _session_support import (
    RECORDS,
    SPEC,
    Link,
    sender,
    tri_builder,
)

from lawful_intercept.delivery import (
    AcknowledgementRequested,
    ProtocolViolation,
    ReceiverSession,
    RecordReceived,
)


def test_manual_acknowledgement_by_the_receiver() -> None:
    link = Link(sender(acknowledgement="request", ack_every=2), auto_acknowledge=False)
    link.connect()
    link.sender.send("a", RECORDS[0])
    link.sender.send("b", RECORDS[1])
    link.deliver()
    assert link.acknowledged() == []
    [request] = [e for e in link.receiver_events if isinstance(e, AcknowledgementRequested)]
    link.receiver.acknowledge(request)
    link.to_sender += link.receiver.data_to_send()
    link.deliver()
    assert link.acknowledged() == ["a", "b"]


def test_receiver_declines_options_it_does_not_offer() -> None:
    receiver = ReceiverSession(SPEC, options=["somethingElse"])
    tri = tri_builder()
    receiver.receive_data(tri.tri(("optionRequest",
                                   {"requestedOptions": [("pDUAcknowledgement", None)]})))
    answer = SPEC.decode("PS-PDU", receiver.data_to_send())["payload"][1]
    assert answer == ("optionResponse", {"acceptedOptions": [],
                                         "declinedOptions": [("pDUAcknowledgement", None)]})


def test_receiver_reports_garbage_and_truncation() -> None:
    receiver = ReceiverSession(SPEC)
    receiver.receive_data(RECORDS[0] + b"\x04\x01\x00")
    events = receiver.events()
    assert [type(e) for e in events] == [RecordReceived, ProtocolViolation]
    assert receiver.failed
    truncated = ReceiverSession(SPEC)
    truncated.receive_data(RECORDS[0][:-1])
    truncated.eof()
    [error] = truncated.events()
    assert isinstance(error, ProtocolViolation) and "inside a PDU" in error.reason
