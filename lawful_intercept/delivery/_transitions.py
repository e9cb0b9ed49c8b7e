"""The sender's state machine, in one place (the way ``h11`` keeps its own in ``_state.py``).

A :class:`~lawful_intercept.delivery.HandoverSession` is in one :class:`SessionState`. It
moves only through :data:`TRANSITIONS` (a :class:`Trigger` is what happened: a call of the
transport, an answer from the peer, a wait that ran out); :data:`CALL_TRIGGERS` says which
triggers each public call may fire; :data:`REFUSED` lists the calls that are wrong in a state
(they raise :class:`~lawful_intercept.errors.LocalProtocolError`: a bug in the caller); and
:data:`INERT` the calls that are accepted but do nothing in a state. Every other call is
accepted and leaves the state as it is. See docs/delivery.md, "the handover session".

The TS 102 232-1 clauses behind the triggers: a connection carries PS-PDUs back to back
(clause 6); its housekeeping is the TRIPayload of clause 6.4: keep-alive (6.4.5) and, in later
LI-PS-PDU versions, option negotiation (TRIPayload [9]..[11]) and PDU acknowledgement
([12], [13]).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

from ..errors import LocalProtocolError

__all__ = [
    "CALLS",
    "CALL_TRIGGERS",
    "INERT",
    "REFUSED",
    "TRANSITIONS",
    "SessionState",
    "Trigger",
    "check_call",
    "next_state",
]


class SessionState(enum.Enum):
    """Where a :class:`~lawful_intercept.delivery.HandoverSession` is."""

    DISCONNECTED = "disconnected"
    """No connection (before ``connection_made`` or after ``connection_lost``)."""
    NEGOTIATING = "negotiating"
    """Connected, waiting for the optionResponse (TS 102 232-1 TRIPayload [10]); records are
    held."""
    OPEN = "open"
    """Connected; records are written."""
    FAILED = "failed"
    """A :class:`~lawful_intercept.delivery.KeepAliveFailed` or
    :class:`~lawful_intercept.delivery.ProtocolViolation` was reported: nothing more is
    written; the transport must close and call ``connection_lost``."""


class Trigger(enum.Enum):
    """What moves a session from one state to another."""

    CONNECTED = "connection_made"
    """The transport connected; records are written at once."""
    CONNECTED_TO_NEGOTIATE = "connection_made with acknowledgement='negotiate'"
    """The transport connected; an optionRequest (TRIPayload [9]) goes first."""
    OPTIONS_ENDED = "optionResponse received, or its wait ran out"
    """Option negotiation ended (TRIPayload [10] answered, or not within the wait)."""
    FAILED = "KeepAliveFailed or ProtocolViolation"
    """A TRI request went unanswered (6.4.5), or the peer broke the protocol (clause 6)."""
    CONNECTION_LOST = "connection_lost"
    """The transport lost the connection; what was not acknowledged is to be sent again."""


_D, _N, _O, _F = (SessionState.DISCONNECTED, SessionState.NEGOTIATING, SessionState.OPEN,
                  SessionState.FAILED)

TRANSITIONS: Final[Mapping[SessionState, Mapping[Trigger, SessionState]]] = {
    _D: {Trigger.CONNECTED: _O, Trigger.CONNECTED_TO_NEGOTIATE: _N},
    _N: {Trigger.OPTIONS_ENDED: _O, Trigger.FAILED: _F, Trigger.CONNECTION_LOST: _D},
    _O: {Trigger.FAILED: _F, Trigger.CONNECTION_LOST: _D},
    _F: {Trigger.CONNECTION_LOST: _D},
}
"""state → trigger → the next state. A trigger not listed for a state cannot happen there."""

CALLS: Final = ("connection_made", "connection_lost", "send", "send_many", "receive_data",
                "tick", "flush", "data_to_send", "next_deadline", "close_confirmed")
"""The public calls of a :class:`~lawful_intercept.delivery.HandoverSession` that a
transport makes."""

CALL_TRIGGERS: Final[Mapping[str, frozenset[Trigger]]] = {
    "connection_made": frozenset({Trigger.CONNECTED, Trigger.CONNECTED_TO_NEGOTIATE}),
    "connection_lost": frozenset({Trigger.CONNECTION_LOST}),
    # an optionResponse, octets that are no PS-PDUs:
    "receive_data": frozenset({Trigger.OPTIONS_ENDED, Trigger.FAILED}),
    # the optionRequest's wait, a keep-alive's or an acknowledgement request's wait:
    "tick": frozenset({Trigger.OPTIONS_ENDED, Trigger.FAILED}),
    "send": frozenset(),
    "send_many": frozenset(),
    "flush": frozenset(),
    "data_to_send": frozenset(),
    "next_deadline": frozenset(),
    "close_confirmed": frozenset(),
}
"""call → the triggers it may fire (the state it leaves the session in follows from
:data:`TRANSITIONS`)."""

REFUSED: Final[Mapping[SessionState, Mapping[str, str]]] = {
    _D: {"connection_lost": "connection_lost without a connection",
         "receive_data": "receive_data without a connection",
         "close_confirmed": "close_confirmed without a connection"},
    _N: {"connection_made": "connection_made in state negotiating"},
    _O: {"connection_made": "connection_made in state open"},
    _F: {"connection_made": "connection_made in state failed"},
}
"""state → call → why it is refused (:class:`~lawful_intercept.errors.LocalProtocolError`)."""

INERT: Final[Mapping[SessionState, frozenset[str]]] = {
    _D: frozenset({"flush", "data_to_send", "next_deadline"}),
    _N: frozenset({"flush"}),
    _O: frozenset(),
    _F: frozenset({"receive_data", "flush", "data_to_send", "next_deadline"}),
}
"""state → the calls accepted without effect: ``flush`` does nothing, ``data_to_send`` gives
``b""``, ``next_deadline`` gives ``None``, ``receive_data`` ignores the octets. (``send``
holds the record until the connection is open; ``tick`` only advances the clock when no
timer runs.)"""


def check_call(state: SessionState, call: str) -> None:
    """Raise :class:`~lawful_intercept.errors.LocalProtocolError` if ``call`` is refused in
    ``state`` (:data:`REFUSED`)."""
    reason = REFUSED[state].get(call)
    if reason is not None:
        raise LocalProtocolError(reason)


def next_state(state: SessionState, trigger: Trigger) -> SessionState:
    """The state ``trigger`` moves ``state`` to (:data:`TRANSITIONS`)."""
    try:
        return TRANSITIONS[state][trigger]
    except KeyError:
        raise AssertionError(f"no transition from {state.value} on {trigger.name}") from None
