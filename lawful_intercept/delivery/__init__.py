"""Delivery of handover records to a LEMF over ETSI TS 102 232-1 connections (HI2 and HI3).

:mod:`lawful_intercept.delivery.session` is the sans-IO core (TS 102 232-1 clause 6
transport, clause 6.4 TRIPayload housekeeping): :class:`HandoverSession` for the sender
(mediation function) and :class:`ReceiverSession` for the LEMF. Around it: the durable
:class:`Spool`, the transports :class:`DeliveryClient` (blocking) and
:class:`AsyncDeliveryClient` (asyncio), :class:`HandoverDelivery` (HI2 and HI3 addresses,
each its own connection and spool) and the TLS helpers of
:mod:`lawful_intercept.delivery.tls`. See docs/delivery.md.
"""

from ..errors import LocalProtocolError
from ._events import (
    PDU_ACKNOWLEDGEMENT,
    Acknowledged,
    AcknowledgementRequested,
    DeliveryBasis,
    Event,
    KeepAliveFailed,
    OptionsNegotiated,
    PeerKeepAlive,
    PeerMessage,
    ProtocolViolation,
    RecordReceived,
    ResendNeeded,
)
from ._receiver import ReceiverSession
from ._sender import HandoverSession
from ._settings import (
    ACKNOWLEDGEMENT_MODES,
    DEFAULT_ACK_DELAY,
    DEFAULT_ACK_EVERY,
    DEFAULT_KEEP_ALIVE_INTERVAL,
    DEFAULT_KEEP_ALIVE_WAIT,
    DEFAULT_RESEND_WINDOW,
    DEFAULT_RESEND_WINDOW_SECONDS,
    AcknowledgementMode,
    TRIBuilder,
)
from ._transitions import SessionState
from .aio import AsyncDeliveryClient
from .client import ClientStats, DeliveryClient, InsecureTransportError
from .handover import Destination, HandoverDelivery, payload_kind
from .spool import Spool, SpoolCorrupt, SpoolError, SpoolFull, SpoolLocked, SpoolStats
from .tls import PinMismatch, TLSConfigError, client_context

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
    "AsyncDeliveryClient",
    "ClientStats",
    "DeliveryBasis",
    "DeliveryClient",
    "Destination",
    "Event",
    "HandoverDelivery",
    "HandoverSession",
    "InsecureTransportError",
    "KeepAliveFailed",
    "LocalProtocolError",
    "OptionsNegotiated",
    "PeerKeepAlive",
    "PeerMessage",
    "PinMismatch",
    "ProtocolViolation",
    "ReceiverSession",
    "RecordReceived",
    "ResendNeeded",
    "SessionState",
    "Spool",
    "SpoolCorrupt",
    "SpoolError",
    "SpoolFull",
    "SpoolLocked",
    "SpoolStats",
    "TLSConfigError",
    "TRIBuilder",
    "client_context",
    "payload_kind",
]
