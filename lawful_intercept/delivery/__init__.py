"""Delivery of handover records to a LEMF over ETSI TS 102 232-1 connections (HI2 and HI3).

The sans-IO core (TS 102 232-1 clause 6 transport, clause 6.4 TRIPayload housekeeping) is
:class:`HandoverSession` for the sender (mediation function) and :class:`ReceiverSession` for
the LEMF. Around it: the durable log :class:`Spool` (docs/spool.md), the sans-IO
:class:`DeliveryPump` (spool ↔ session ↔ connection: send cursor, acknowledgements,
back-off, :class:`ClientStats`), the transports driving it, :class:`DeliveryClient`
(blocking) and :class:`AsyncDeliveryClient` (asyncio), :class:`HandoverDelivery` (HI2 and HI3
addresses, each its own connection and spool) and the TLS helpers (:func:`client_context`,
certificate pins). The implementation modules are private; every public name is here. See
docs/delivery.md.
"""

from ..catalog import PayloadKind, payload_kind
from ..errors import (
    DeliveryRefused,
    InsecureTransportError,
    LocalProtocolError,
    PinMismatch,
    SpoolClosed,
    SpoolCorrupt,
    SpoolError,
    SpoolFull,
    SpoolLocked,
    TLSConfigError,
)
from ._aio import AsyncDeliveryClient
from ._aio_handover import AsyncHandoverDelivery
from ._client import DeliveryClient
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
from ._handover import HandoverDelivery
from ._metrics import DeliveryCollector, expose_prometheus
from ._notices import DeliveryNotice, NoticeCallback, NoticeKind
from ._pump import ClientStats, DeliveryPump
from ._receiver import ReceiverSession
from ._routing import Destination, DestinationName, SessionFactories
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
from ._spool import (
    DEFAULT_CACHE_BYTES,
    DEFAULT_MAX_BYTES,
    DEFAULT_SEGMENT_BYTES,
    FsyncPolicy,
    Spool,
    SpoolStats,
)
from ._spool_dead import DeadLetter
from ._spool_format import RECORD_OVERHEAD, SEGMENT_OVERHEAD, SpoolEntry
from ._tls import Pins, check_pin, client_context, fingerprint, normalize_pins
from ._transitions import SessionState
from ._udp import MAX_DATAGRAM, CCCSender, CCCStats, Pacer

__all__ = [
    "ACKNOWLEDGEMENT_MODES",
    "DEFAULT_ACK_DELAY",
    "DEFAULT_ACK_EVERY",
    "DEFAULT_CACHE_BYTES",
    "DEFAULT_KEEP_ALIVE_INTERVAL",
    "DEFAULT_KEEP_ALIVE_WAIT",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RESEND_WINDOW",
    "DEFAULT_RESEND_WINDOW_SECONDS",
    "DEFAULT_SEGMENT_BYTES",
    "MAX_DATAGRAM",
    "PDU_ACKNOWLEDGEMENT",
    "RECORD_OVERHEAD",
    "SEGMENT_OVERHEAD",
    "Acknowledged",
    "AcknowledgementMode",
    "AcknowledgementRequested",
    "AsyncDeliveryClient",
    "AsyncHandoverDelivery",
    "CCCSender",
    "CCCStats",
    "ClientStats",
    "DeadLetter",
    "DeliveryBasis",
    "DeliveryClient",
    "DeliveryCollector",
    "DeliveryNotice",
    "DeliveryPump",
    "DeliveryRefused",
    "Destination",
    "DestinationName",
    "Event",
    "FsyncPolicy",
    "HandoverDelivery",
    "HandoverSession",
    "InsecureTransportError",
    "KeepAliveFailed",
    "LocalProtocolError",
    "NoticeCallback",
    "NoticeKind",
    "OptionsNegotiated",
    "Pacer",
    "PayloadKind",
    "PeerKeepAlive",
    "PeerMessage",
    "PinMismatch",
    "Pins",
    "ProtocolViolation",
    "ReceiverSession",
    "RecordReceived",
    "ResendNeeded",
    "SessionFactories",
    "SessionState",
    "Spool",
    "SpoolClosed",
    "SpoolCorrupt",
    "SpoolEntry",
    "SpoolError",
    "SpoolFull",
    "SpoolLocked",
    "SpoolStats",
    "TLSConfigError",
    "TRIBuilder",
    "check_pin",
    "client_context",
    "expose_prometheus",
    "fingerprint",
    "normalize_pins",
    "payload_kind",
]
