"""Delivery of handover records over ETSI TS 102 232-1 connections (HI2 and HI3).

:mod:`lawful_intercept.delivery.session` is the sans-IO core (TS 102 232-1 clause 6
transport, clause 6.4 TRIPayload housekeeping): :class:`HandoverSession` for the sender
(mediation function) and :class:`ReceiverSession` for the LEMF. Transports own the sockets
and the clock and drive a session; see docs/delivery.md.
"""

# Everything the session module exports, under one list kept there.
from .session import *  # noqa: F403
from .session import __all__ as __all__
