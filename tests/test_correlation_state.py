"""The saved-state checks shared by CINAllocator, SequenceCounters and ContentSequenceNumbers
(lawful_intercept.correlation._state), and the read-only attribute helper."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _misuse import raises_misuse

from lawful_intercept import EncodeError
from lawful_intercept.correlation import (
    CINAllocator,
    Clock,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.correlation._state import (
    check_state_format,
    restoring_state,
    state_field,
    state_fingerprint,
    state_hex,
    state_mapping,
)
from lawful_intercept.correlation._values import ReadOnly, read_only
from lawful_intercept.records import ContentSequenceNumbers, atis_correlation_id


def test_check_state_format_accepts_its_format_and_version() -> None:
    state = {"format": "x/y", "version": 1, "more": 2}
    assert check_state_format(state, "x/y") is state
    assert check_state_format({"version": 2}, None, 2) == {"version": 2}


@pytest.mark.parametrize(
    ("state", "format_name", "kind", "message"),
    [
        ({"format": "x/y", "version": 2}, "x/y", ValueError, "version-1 x/y state"),
        ({"format": "other", "version": 1}, "x/y", ValueError, "'other'"),
        ({"version": 3}, None, ValueError, "version-1 saved state"),
        ([1, 2], "x/y", TypeError, "dict with str keys, not list"),
        ({1: "a"}, None, TypeError, "dict with str keys"),
    ],
)
def test_check_state_format_refuses(state: Any, format_name: str | None,
                                    kind: type[Exception], message: str) -> None:
    with raises_misuse(kind, "state", message):
        check_state_format(state, format_name)


def test_state_fields() -> None:
    assert state_mapping({"a": 1}, "p") == {"a": 1}
    assert state_field({"a": 1}, "a", "p") == 1
    with raises_misuse(ValueError, "state.x", "b is missing"):
        state_field({"a": 1}, "b", "state.x")
    assert state_hex("00ff", "p") == b"\x00\xff"
    with raises_misuse(ValueError, "state.y", "not hexadecimal"):
        state_hex("xyz", "state.y")
    with raises_misuse(TypeError, "state.y", "hex str, not int"):
        state_hex(5, "state.y")
    assert state_fingerprint("11" * 16, "p") == b"\x11" * 16
    with raises_misuse(ValueError, "state.z", "16 octets"):
        state_fingerprint("11" * 15, "state.z")
    with raises_misuse(TypeError, "state.z", "hex str"):
        state_fingerprint(5, "state.z")


def test_restoring_state_turns_a_field_error_into_the_state_argument_error() -> None:
    with raises_misuse(ValueError, "state.a.b: too big"), restoring_state():
        raise EncodeError("too big", "state.a.b")
    with raises_misuse(ValueError, "state: lawfulInterceptionIdentifier: too long"), \
            restoring_state():
        raise EncodeError("too long", "lawfulInterceptionIdentifier")
    with raises_misuse(TypeError, "state.c"), restoring_state():
        raise TypeError("state.c must be a list, not int")


def test_the_three_counters_round_trip_through_json() -> None:
    allocator = CINAllocator(secret=b"k", clock=lambda: 100.0)
    net = NetworkIdentifier(b"op")
    cin = allocator.allocate("LIID-1", net, "session-1")
    counters = SequenceCounters()
    counters.next("LIID-1", cin, "CC")
    numbers = ContentSequenceNumbers()
    numbers.next("CASE-1", atis_correlation_id(b"c"))
    for state in (allocator.save_state(), counters.save_state(), numbers.save_state()):
        assert json.loads(json.dumps(state)) == state
    again = CINAllocator.from_state(allocator.save_state(), secret=b"k", clock=lambda: 100.0)
    assert again.lookup("LIID-1", net, "session-1") == cin
    assert SequenceCounters.from_state(counters.save_state()).peek("LIID-1", cin, "CC") == 1
    restored = ContentSequenceNumbers.from_state(numbers.save_state())
    assert restored.peek("CASE-1", b"c") == 1
    # Each refuses another's state, with the error at "state".
    for restore in (lambda s: CINAllocator.from_state(s, secret=b"k"),
                    SequenceCounters.from_state):
        with raises_misuse(ValueError, "state ", "format None"):
            restore(numbers.save_state())
    with raises_misuse(TypeError, "state.streams[0]", "dict with str keys, not str"):
        ContentSequenceNumbers.from_state({"version": 1, "streams": ["not a dict"]})


class _Point:
    __slots__ = ("_x",)
    x: ReadOnly[int] = read_only("_x", "The x coordinate.")

    def __init__(self, x: int) -> None:
        self._x = x


def test_read_only_reads_and_refuses_writes() -> None:
    point = _Point(3)
    assert point.x == 3
    assert _Point.__dict__["x"].__doc__ == "The x coordinate."
    with pytest.raises(AttributeError):
        point.x = 4  # type: ignore[misc]
    identity = SessionIdentity("L", NetworkIdentifier(b"op"), 7)
    assert identity.cin == 7 and identity.liid.value == b"L"
    assert Clock(utc=False).utc is False
