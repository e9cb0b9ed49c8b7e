"""Delivery of handover records to a LEMF over ETSI TS 102 232-1 connections (HI2 and HI3).

:mod:`lawful_intercept.delivery.session` is the sans-IO core (TS 102 232-1 clause 6
transport, clause 6.4 TRIPayload housekeeping): :class:`HandoverSession` for the sender
(mediation function) and :class:`ReceiverSession` for the LEMF. Around it: the durable
:class:`Spool`, the transports :class:`DeliveryClient` (blocking) and
:class:`AsyncDeliveryClient` (asyncio), :class:`HandoverDelivery` (HI2 and HI3 addresses,
each its own connection and spool) and the TLS helpers of
:mod:`lawful_intercept.delivery.tls`. See docs/delivery.md.
"""

from .aio import AsyncDeliveryClient
from .client import ClientStats, DeliveryClient, InsecureTransportError
from .handover import Destination, HandoverDelivery, payload_kind

# Everything the session module exports, under one list kept there.
from .session import *  # noqa: F403
from .session import __all__ as _session_all
from .spool import Spool, SpoolCorrupt, SpoolError, SpoolFull, SpoolLocked, SpoolStats
from .tls import PinMismatch, TLSConfigError, client_context

__all__ = [
    *_session_all,
    "AsyncDeliveryClient",
    "ClientStats",
    "DeliveryClient",
    "Destination",
    "HandoverDelivery",
    "InsecureTransportError",
    "PinMismatch",
    "Spool",
    "SpoolCorrupt",
    "SpoolError",
    "SpoolFull",
    "SpoolLocked",
    "SpoolStats",
    "TLSConfigError",
    "client_context",
    "payload_kind",
]
