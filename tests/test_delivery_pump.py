"""The sans-IO delivery pump, without sockets: records from a spool through a handover session,
the octets carried by hand to a :class:`ReceiverSession` and its answers carried back.

What must hold: the pump hands the session the spool's records above its send cursor, in
order and within ``max_buffered_bytes``, only while the session is open; a new connection
starts the cursor again (everything not acknowledged is sent again, counted as resent);
acknowledgements delete records from the spool; a spool drained on a connection without PDU
acknowledgement asks for a keep-alive that confirms what was written; an unanswered
keep-alive or a protocol violation sets the reason the connection must end; the back-off
doubles from ``reconnect_initial`` up to ``reconnect_max`` and starts again after a
connection on which the peer answered.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import lawful_intercept
from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import (
    DeliveryPump,
    HandoverSession,
    ReceiverSession,
    RecordReceived,
    SessionState,
    Spool,
)
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder
from lawful_intercept.stream import iter_pdus

SPEC = lawful_intercept.bundled()
CLOCK = Clock(lambda: 1_767_225_600_000_000_000)
MF = NetworkIdentifier(b"operator-1", b"mf-1")
IP = IPAccessRecords(PSPDUBuilder(SessionIdentity("LIID-42", MF, 1234), spec=SPEC, clock=CLOCK))
RECORDS = [IP.ipcc(bytes([i]) * 40, "toTarget") for i in range(12)]


def sessions(**options: object) -> Callable[[], HandoverSession]:
    tri = PSPDUBuilder(SessionIdentity("LIID-TRI", MF, 0), spec=SPEC, clock=CLOCK)
    settings: dict[str, object] = {"acknowledgement": "request", "ack_every": 4,
                                   "ack_delay": 0.05, "keep_alive_wait": 5.0}
    settings.update(options)
    return lambda: HandoverSession(SPEC, tri=tri, **settings)  # type: ignore[arg-type]


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    with Spool(tmp_path / "spool", fsync="never") as opened:
        yield opened


def written(pump: DeliveryPump) -> bytes:
    """Everything the pump asks the transport to write now."""
    out = b""
    while data := pump.data_to_send():
        out += data
    return out


def records_in(octets: bytes) -> list[bytes]:
    """The PDUs of ``octets`` that are records (not TRI PDUs)."""
    return [pdu.raw for pdu in iter_pdus([octets]) if pdu.raw in RECORDS]


def exchange(pump: DeliveryPump, receiver: ReceiverSession, now: float) -> list[bytes]:
    """One round of a transport: feed, tick, act on events, write to the receiver, carry its
    answers back. The records the receiver got."""
    backlog = pump.feed()
    pump.tick(now, backlog=backlog)
    pump.acknowledge(pump.events())
    receiver.receive_data(written(pump))
    got = [e.pdu.raw for e in receiver.events() if isinstance(e, RecordReceived)]
    answer = receiver.data_to_send()
    if answer:
        pump.receive_data(answer)
        pump.acknowledge(pump.events())
    return got


def test_the_pump_hands_the_records_above_its_cursor_in_order(spool: Spool) -> None:
    spool.append_many(RECORDS[:5])
    pump = DeliveryPump(spool, sessions(acknowledgement="off"))
    assert pump.room() == 0 and pump.data_to_send() == b""  # not connected
    pump.connected(0.0)
    assert pump.feed() is False  # everything fitted
    assert pump.cursor == 5
    assert records_in(written(pump)) == RECORDS[:5]
    assert pump.room() == 0  # nothing above the cursor
    spool.append(RECORDS[5])
    assert pump.room() > 0
    pump.feed()
    assert records_in(written(pump)) == [RECORDS[5]] and pump.cursor == 6
    assert (pump.stats().sent, pump.stats().resent, pump.stats().queued) == (6, 0, 6)


def test_acknowledgements_delete_the_records_from_the_spool(spool: Spool) -> None:
    spool.append_many(RECORDS[:8])
    pump = DeliveryPump(spool, sessions())
    receiver = ReceiverSession(SPEC)
    pump.connected(0.0)
    assert exchange(pump, receiver, 0.0) == RECORDS[:8]
    assert spool.stats().queued == 0  # two requests (ack_every=4), both answered
    stats = pump.stats()
    assert stats.acknowledged == 8 and stats.sent == 8 and pump.failure is None


def test_a_new_connection_sends_again_from_the_start(spool: Spool) -> None:
    spool.append_many(RECORDS[:6])
    pump = DeliveryPump(spool, sessions(acknowledgement="off"))
    pump.connected(0.0)
    pump.feed()
    assert records_in(written(pump)) == RECORDS[:6]
    assert pump.disconnected(1.0, "reset") == []  # nothing was confirmed
    spool.ack([2, 3])  # ... but two were, meanwhile, by other means
    pump.connected(2.0)
    assert pump.cursor == 0
    pump.feed()
    assert records_in(written(pump)) == [RECORDS[i] for i in (0, 3, 4, 5)]
    stats = pump.stats()
    assert (stats.sent, stats.resent, stats.connects, stats.reconnects) == (10, 4, 2, 1)


def test_nothing_is_fed_while_options_are_negotiated(spool: Spool) -> None:
    spool.append_many(RECORDS[:3])
    pump = DeliveryPump(spool, sessions(acknowledgement="negotiate"))
    session = pump.connected(0.0)
    assert session.state is SessionState.NEGOTIATING
    assert pump.room() == 0 and pump.feed() is False and pump.cursor == 0
    receiver = ReceiverSession(SPEC)
    exchange(pump, receiver, 0.0)  # the optionRequest and its answer
    assert session.state is SessionState.OPEN
    assert exchange(pump, receiver, 0.1) == RECORDS[:3]


def test_max_buffered_bytes_bounds_what_is_fed_ahead_of_the_connection(spool: Spool) -> None:
    spool.append_many(RECORDS)
    size = len(RECORDS[0])
    pump = DeliveryPump(spool, sessions(acknowledgement="off"), max_buffered_bytes=3 * size)
    pump.connected(0.0)
    assert pump.feed() is True  # the bound was reached: more is waiting
    assert pump.cursor == 3 and pump.room() == 0  # the session holds 3 records' octets
    assert records_in(written(pump)) == RECORDS[:3]
    backlog = True
    while backlog:
        backlog = pump.feed()
        written(pump)
    assert pump.cursor == len(RECORDS)


def test_a_drained_spool_is_confirmed_by_a_keep_alive(spool: Spool) -> None:
    spool.append_many(RECORDS[:5])
    pump = DeliveryPump(spool, sessions(acknowledgement="off", keep_alive_interval=300.0))
    receiver = ReceiverSession(SPEC)
    pump.connected(0.0)
    pump.feed()
    receiver.receive_data(written(pump))
    pump.tick(0.1, backlog=True)  # more to feed: no keep-alive yet
    assert pump.data_to_send() == b""
    pump.tick(0.1)  # drained: ask the peer to confirm what was written
    receiver.receive_data(written(pump))
    pump.receive_data(receiver.data_to_send())
    assert pump.acknowledge(pump.events()) == 5
    assert spool.stats().queued == 0


def test_an_unanswered_keep_alive_ends_the_connection(spool: Spool) -> None:
    pump = DeliveryPump(spool, sessions(keep_alive_interval=10.0, keep_alive_wait=2.0))
    pump.connected(0.0)
    assert pump.timeout(0.0, backlog=False, poll_interval=0.5) == 0.5
    assert pump.timeout(0.0, backlog=True, poll_interval=0.5) == 0.0
    assert pump.timeout(9.8, backlog=False, poll_interval=0.5) == pytest.approx(0.2)
    pump.tick(10.0)
    assert written(pump)  # the keep-alive
    pump.tick(12.5)
    assert pump.events() == [] and pump.failure is not None
    assert "no answer to keepalive" in pump.failure.lower().replace("-", "")
    assert pump.stats().keep_alive_failures == 1


def test_octets_that_are_no_ps_pdu_end_the_connection(spool: Spool) -> None:
    pump = DeliveryPump(spool, sessions())
    pump.connected(0.0)
    pump.receive_data(b"\x04\x03abc" * 3)
    pump.events()
    assert pump.failure is not None and "protocol error" in pump.failure
    assert pump.stats().protocol_errors == 1


def test_the_back_off_doubles_and_starts_again_after_an_answer(spool: Spool) -> None:
    pump = DeliveryPump(spool, sessions(), reconnect_initial=1.0, reconnect_max=8.0,
                        jitter=0.0, rng=random.Random(1))
    delays = []
    for _ in range(5):
        pump.attempt()
        pump.connect_failed("refused")
        delays.append(pump.next_delay())
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert pump.stats().attempts == 5 and pump.stats().last_error == "refused"
    pump.connected(0.0)
    pump.disconnected(0.5, "reset")  # the peer never answered: one more failure
    assert pump.next_delay() == 8.0
    pump.connected(1.0)
    pump.receive_data(b"")  # the peer answered (nothing, but it did)
    pump.disconnected(1.5, "reset")
    assert pump.next_delay() == 1.0
    pump.connected(2.0)
    pump.disconnected(10.0, "reset")  # it lasted reconnect_max
    assert pump.next_delay() == 1.0


@pytest.mark.parametrize("jitter", [0.1, 0.5])
def test_the_jitter_varies_the_delay_within_its_fraction(spool: Spool, jitter: float) -> None:
    pump = DeliveryPump(spool, sessions(), reconnect_initial=2.0, jitter=jitter,
                        rng=random.Random(7))
    pump.connect_failed("refused")
    delays = [pump.next_delay() for _ in range(50)]
    assert all(2.0 * (1 - jitter) <= d <= 2.0 * (1 + jitter) for d in delays)
    assert len(set(delays)) == len(delays)


def test_a_large_record_is_written_as_it_is_without_a_copy(spool: Spool) -> None:
    run = b"".join(RECORDS) * 600  # one send_batch record, larger than one write
    spool.append(run)
    pump = DeliveryPump(spool, sessions(acknowledgement="off"))
    pump.connected(0.0)
    pump.feed()
    assert pump.data_to_send() is run
    assert pump.data_to_send() == b""


def test_bad_settings(spool: Spool) -> None:
    with pytest.raises(ValueError, match="jitter"):
        DeliveryPump(spool, sessions(), jitter=1.0)
    with pytest.raises(ValueError, match="max_buffered_bytes"):
        DeliveryPump(spool, sessions(), max_buffered_bytes=0)
    with pytest.raises(ValueError, match="reconnect_initial"):
        DeliveryPump(spool, sessions(), reconnect_initial=0)
    with pytest.raises(TypeError, match="spool"):
        DeliveryPump("spool", sessions())  # type: ignore[arg-type]


# -- proof by an orderly close, refusals (issue 11 points 1 and 2), sans-IO ----------------------


def no_tri(**options: object) -> Callable[[], HandoverSession]:
    settings: dict[str, object] = {"resend_window": 1000, "resend_window_seconds": 0}
    settings.update(options)
    return lambda: HandoverSession(SPEC, tri=None, **settings)  # type: ignore[arg-type]


def test_a_stream_without_tri_is_proven_by_the_answered_close(spool: Spool) -> None:
    spool.append_many(RECORDS[:5])
    pump = DeliveryPump(spool, no_tri(), jitter=0)
    pump.connected(0.0)
    assert not pump.close_wanted(backlog=False)  # nothing written yet
    assert pump.feed() is False
    assert records_in(written(pump)) == RECORDS[:5]
    pump.tick(1.0)
    assert pump.acknowledge(pump.events()) == 0  # written and read is not proven
    assert pump.close_wanted(backlog=True) is False  # more to write: not yet
    assert pump.close_wanted(backlog=False)  # drained: close to prove
    assert pump.acknowledge(pump.close_proven(1.1)) == 5
    assert pump.acknowledge(pump.disconnected(1.2, "closed by us")) == 0
    assert spool.stats().queued == 0 and pump.stats().acknowledged == 5
    assert pump.next_delay() == 0.0  # a proving close is no failure: go on at once


def test_a_close_without_answer_leaves_everything_pending(spool: Spool) -> None:
    spool.append_many(RECORDS[:3])
    pump = DeliveryPump(spool, no_tri(), jitter=0, reconnect_initial=0.5)
    pump.connected(0.0)
    pump.feed()
    written(pump)
    assert pump.close_wanted(backlog=False)
    assert pump.acknowledge(pump.disconnected(1.0, "no answer to our close")) == 0
    assert spool.stats().queued == 3
    assert pump.next_delay() == 0.5  # a failure: back-off


def test_the_resend_window_stops_feeding_and_asks_for_the_close(spool: Spool) -> None:
    spool.append_many(RECORDS)
    pump = DeliveryPump(spool, no_tri(resend_window=3), jitter=0, max_buffered_bytes=100)
    pump.connected(0.0)
    while pump.feed() or pump.room():
        written(pump)
    written(pump)
    session = pump.session
    assert session is not None and session.proof_due
    assert pump.room() == 0 and pump.close_wanted(backlog=True)
    assert 3 < session.unproven < len(RECORDS)


def test_a_refusal_after_the_handshake_counts_no_connection(spool: Spool) -> None:
    pump = DeliveryPump(spool, no_tri())
    pump.connected(0.0)
    pump.refused("the LEMF refused our certificate (alert certificate_required)",
                 permanent=True, connected=True)
    pump.disconnected(0.1, "refused")
    pump.refused("the LEMF refused our certificate (alert unknown_ca)", permanent=True,
                 connected=False)
    stats = pump.stats()
    assert stats.connects == 0 and stats.refused == 2
    assert stats.refusal == stats.last_error == ("the LEMF refused our certificate "
                                                 "(alert unknown_ca)")


def test_a_factory_that_makes_no_session_is_named(spool: Spool) -> None:
    pump = DeliveryPump(spool, lambda: "a session?")  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="must return a HandoverSession, not str"):
        pump.connected(0.0)
