"""The sender's state machine (``lawful_intercept.delivery._transitions``) is what the sender
does: every state × every call, the allowed calls move only as the table says, the refused
ones raise ``LocalProtocolError`` and change nothing, the inert ones do nothing; and the sender
learns the sequence numbers of its own TRI PDUs from the builder, never by decoding them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _session_support import RECORDS, SPEC, sender, tri_builder

from lawful_intercept.delivery import (
    HandoverSession,
    LocalProtocolError,
    ReceiverSession,
    SessionState,
)
from lawful_intercept.delivery._transitions import (
    CALL_TRIGGERS,
    CALLS,
    INERT,
    REFUSED,
    TRANSITIONS,
    check_call,
    next_state,
)
from lawful_intercept.records import NumberedPDU

NOW = 10.0  # after every set-up time below
GARBAGE = b"GET / HTTP/1.1\r\n\r\n"


class Situation:
    """A sender brought into a state, with the peer's answer to what it wrote."""

    def __init__(self, label: str, session: HandoverSession, answer: bytes = b"") -> None:
        self.label = label
        self.session = session
        self.answer = answer


def answer_to(session: HandoverSession) -> bytes:
    """Write what ``session`` queued and return what a LEMF answers to it."""
    receiver = ReceiverSession(SPEC)
    receiver.receive_data(session.data_to_send())
    return receiver.data_to_send()


def fresh() -> Situation:
    return Situation("fresh", sender())


def fresh_negotiating() -> Situation:
    return Situation("fresh, negotiating", sender(acknowledgement="negotiate"))


def lost() -> Situation:
    session = connected()
    session.send("r0", RECORDS[0])
    session.connection_lost(1.0)
    return Situation("after a lost connection", session)


def negotiating() -> Situation:
    session = sender(acknowledgement="negotiate")
    session.connection_made(0.0)
    session.send("r0", RECORDS[0])
    return Situation("optionRequest written", session, answer_to(session))


def open_() -> Situation:
    return Situation("open", connected())


def keep_alive_written() -> Situation:
    session = connected(keep_alive_interval=1)
    session.send("r0", RECORDS[0])
    session.tick(1.0)
    return Situation("open, keep-alive written", session, answer_to(session))


def acknowledgement_requested() -> Situation:
    session = connected(acknowledgement="request", ack_every=1)
    session.send("r0", RECORDS[0])
    return Situation("open, acknowledgement request written", session, answer_to(session))


def failed() -> Situation:
    session = connected()
    session.send("r0", RECORDS[0])
    session.receive_data(GARBAGE)
    return Situation("failed", session)


SITUATIONS = [fresh, fresh_negotiating, lost, negotiating, open_, keep_alive_written,
              acknowledgement_requested, failed]


def connected(**options: Any) -> HandoverSession:
    session = sender(**options)
    session.connection_made(0.0)
    return session


# Each call with the inputs that may trigger its transitions (and some that do not).
Variant = Callable[[Situation], object]
VARIANTS: dict[str, list[Variant]] = {
    "connection_made": [lambda s: s.session.connection_made(NOW)],
    "connection_lost": [lambda s: s.session.connection_lost(NOW, "test")],
    "send": [lambda s: s.session.send("new", RECORDS[1])],
    "send_many": [lambda s: s.session.send_many([("new", RECORDS[1]), ("new2", RECORDS[2])])],
    "receive_data": [lambda s: s.session.receive_data(b""),
                     lambda s: s.session.receive_data(s.answer),
                     lambda s: s.session.receive_data(GARBAGE)],
    "tick": [lambda s: s.session.tick(NOW), lambda s: s.session.tick(NOW + 10_000)],
    "flush": [lambda s: s.session.flush()],
    "data_to_send": [lambda s: s.session.data_to_send()],
    "next_deadline": [lambda s: s.session.next_deadline()],
    "close_confirmed": [lambda s: s.session.close_confirmed(NOW)],
}


def test_the_tables_cover_every_state_and_call() -> None:
    assert set(VARIANTS) == set(CALLS) == set(CALL_TRIGGERS)
    assert set(TRANSITIONS) == set(REFUSED) == set(INERT) == set(SessionState)
    for state in SessionState:
        assert set(REFUSED[state]) <= set(CALLS)
        assert set(INERT[state]) <= set(CALLS)
        assert not set(REFUSED[state]) & INERT[state]
        for call in REFUSED[state]:
            with pytest.raises(LocalProtocolError):
                check_call(state, call)


def test_every_state_and_call_moves_as_the_table_says() -> None:
    seen: set[tuple[SessionState, SessionState]] = set()
    for make in SITUATIONS:
        for call, variant in ((c, v) for c in CALLS for v in VARIANTS[c]):
            situation = make()
            session = situation.session
            before = session.state
            outstanding, pending = session.outstanding, session.pending_bytes
            where = f"{call} in {before.value} ({situation.label})"
            if call in REFUSED[before]:
                with pytest.raises(LocalProtocolError, match=REFUSED[before][call]):
                    variant(situation)
                assert session.state is before, where
                continue
            result = variant(situation)
            after = session.state
            allowed = {before} | {TRANSITIONS[before][trigger] for trigger in CALL_TRIGGERS[call]
                                  if trigger in TRANSITIONS[before]}
            assert after in allowed, where
            seen.add((before, after))
            if call in INERT[before]:
                assert after is before, where
                assert (session.outstanding, session.pending_bytes) == (outstanding, pending), where
                assert result in (None, b""), where
    every_move = {(state, target) for state, moves in TRANSITIONS.items()
                  for target in moves.values()}
    assert every_move <= seen  # each transition of the table happened at least once


def test_a_transition_not_in_the_table_is_a_bug() -> None:
    from lawful_intercept.delivery._transitions import Trigger

    with pytest.raises(AssertionError, match="no transition from open on CONNECTED"):
        next_state(SessionState.OPEN, Trigger.CONNECTED)


# -- the sender never decodes what it built ------------------------------------------------


def test_the_sender_never_decodes_its_own_tri_pdus() -> None:
    """The builder tells the sequence number of each TRI PDU (``tri_numbered``): the sender
    matches keep-alive, acknowledgement and option answers without decoding its own PDUs."""
    builder = tri_builder()
    built: set[bytes] = set()

    def build(payload: tuple[str, Any]) -> NumberedPDU:
        numbered = builder.tri_numbered(payload)
        built.add(numbered.pdu)
        return numbered

    class SenderSpecification:
        """The sender's specification: SPEC, but decoding a PDU the sender built fails."""

        def __getattr__(self, name: str) -> Any:
            return getattr(SPEC, name)

        def decode(self, type_name: str, data: Any, *args: Any, **kwargs: Any) -> Any:
            assert bytes(data) not in built, "the sender decoded a TRI PDU it built"
            return SPEC.decode(type_name, data, *args, **kwargs)

    for mode in ("off", "request", "negotiate"):
        session = HandoverSession(SenderSpecification(),  # type: ignore[arg-type]
                                  tri=build, acknowledgement=mode,  # type: ignore[arg-type]
                                  ack_every=2, keep_alive_interval=1)
        receiver = ReceiverSession(SPEC)
        session.connection_made(0.0)
        session.send_many([(i, RECORDS[i]) for i in range(4)])
        now = 0.0
        for _ in range(4):
            receiver.receive_data(session.data_to_send())
            session.receive_data(receiver.data_to_send())
            now += 1.0
            session.tick(now)
        session.flush()
        receiver.receive_data(session.data_to_send())
        session.receive_data(receiver.data_to_send())
        assert session.outstanding == 0, mode
    assert built  # TRI PDUs were built, sent and answered


def test_a_tri_builder_that_breaks_its_contract_is_refused() -> None:
    session = HandoverSession(SPEC, tri=lambda payload: b"not numbered", keep_alive_interval=1)
    session.connection_made(0.0)
    with pytest.raises(TypeError, match="NumberedPDU"):
        session.tick(1.0)
