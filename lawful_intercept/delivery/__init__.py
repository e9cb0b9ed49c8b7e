"""Delivery of handover records over ETSI TS 102 232-1 connections (HI2 and HI3).

:mod:`lawful_intercept.delivery.session` is the sans-IO core (TS 102 232-1 clause 6
transport, clause 6.4 TRIPayload housekeeping): :class:`HandoverSession` for the sender
(mediation function) and :class:`ReceiverSession` for the LEMF. Transports own the sockets
and the clock and drive a session; see docs/delivery.md.
"""

from .session import (
    ACKNOWLEDGEMENT_MODES,
    DEFAULT_ACK_DELAY,
    DEFAULT_ACK_EVERY,
    DEFAULT_KEEP_ALIVE_INTERVAL,
    DEFAULT_KEEP_ALIVE_WAIT,
    DEFAULT_RESEND_WINDOW,
    DEFAULT_RESEND_WINDOW_SECONDS,
    PDU_ACKNOWLEDGEMENT,
    Acknowledged,
    AcknowledgementMode,
    AcknowledgementRequested,
    DeliveryBasis,
    Event,
    HandoverSession,
    KeepAliveFailed,
    LocalProtocolError,
    OptionsNegotiated,
    PeerKeepAlive,
    PeerMessage,
    ProtocolError,
    ReceiverSession,
    RecordReceived,
    ResendNeeded,
    SessionState,
    TRIBuilder,
)

__all__ = [
    "ACKNOWLEDGEMENT_MODES",
    "DEFAULT_ACK_DELAY",
    "DEFAULT_ACK_EVERY",
    "DEFAULT_KEEP_ALIVE_INTERVAL",
    "DEFAULT_KEEP_ALIVE_WAIT",
    "DEFAULT_RESEND_WINDOW",
    "DEFAULT_RESEND_WINDOW_SECONDS",
    "PDU_ACKNOWLEDGEMENT",
    "Acknowledged",
    "AcknowledgementMode",
    "AcknowledgementRequested",
    "DeliveryBasis",
    "Event",
    "HandoverSession",
    "KeepAliveFailed",
    "LocalProtocolError",
    "OptionsNegotiated",
    "PeerKeepAlive",
    "PeerMessage",
    "ProtocolError",
    "ReceiverSession",
    "RecordReceived",
    "ResendNeeded",
    "SessionState",
    "TRIBuilder",
]
