"""The bare count of a numbering (issue 15): ``Numbering.counting`` and ``past_max`` give the
same gapless numbers as ``next`` (TS 102 232-1 5.2.5), with the wrap rule."""

from __future__ import annotations

import pytest

from lawful_intercept import EncodeError
from lawful_intercept.correlation import SequenceCounters

LAST = 4294967295


def _near_the_end(wrap: bool) -> SequenceCounters:
    state = SequenceCounters(wrap=wrap).save_state()
    state["communications"] = [{"liid": b"LIID-1".hex(), "cin": 7,
                                "next": {"IRI": 0, "CC": LAST, "TRI": 0},
                                "cin_reset_pending": False}]
    return SequenceCounters.from_state(state)


def test_counting_shares_the_numbers_of_next_and_peek() -> None:
    counters = SequenceCounters()
    numbering = counters.counter("LIID-1", 7, "CC")
    count = numbering.counting()
    assert [next(count), counters.next("LIID-1", 7, "CC"), next(count)] == [0, 1, 2]
    assert numbering.peek() == 3
    assert numbering() == 3
    assert counters.peek("LIID-1", 7, "IRI") == 0


def test_past_max_wraps_or_refuses() -> None:
    wrapping = _near_the_end(wrap=True).counter("LIID-1", 7, "CC")
    count = wrapping.counting()
    assert wrapping.past_max(next(count)) == LAST
    assert wrapping.past_max(next(count)) == 0
    stopping = _near_the_end(wrap=False).counter("LIID-1", 7, "CC")
    count = stopping.counting()
    assert stopping.past_max(next(count)) == LAST
    with pytest.raises(EncodeError, match="used up"):
        stopping.past_max(next(count))
    with pytest.raises(EncodeError, match="used up"):
        stopping.peek()
    with pytest.raises(EncodeError, match="used up"):
        stopping()


def test_a_taker_made_before_forget_is_not_needed_for_a_new_communication() -> None:
    counters = SequenceCounters()
    assert counters.next("LIID-1", 7, "CC") == 0
    counters.forget("LIID-1", 7)
    # A later communication with the same CIN numbers from 0 (TS 102 232-1 5.2.5).
    assert counters.counter("LIID-1", 7, "CC")() == 0
    assert next(counters.counter("LIID-1", 7, "CC").counting()) == 1
