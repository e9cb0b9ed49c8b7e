"""Sequence numbers: a gapless sequenceNumber per (LIID, CIN, kind), with the wrap rule, the
cINReset rule of a restarted process and a JSON-able state (ETSI TS 102 232-1 clause 5.2.5;
see docs/correlation.md)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from .._checks import require_instance, require_int
from ..errors import EncodeError
from ._identity import CIN_MAX, LIID, communication_identity_number, liid_bytes
from ._state import (
    check_state_format,
    restoring_state,
    state_field,
    state_hex,
    state_mapping,
)
from ._values import PATH_SEQ, ReadOnly, read_only, uint

__all__ = ["SEQUENCE_KINDS", "SEQUENCE_NUMBER_MAX", "Numbering", "SequenceCounters"]

#: Largest sequenceNumber (TS 102 232-1 5.2.5, ``INTEGER (0..4294967295)``).
SEQUENCE_NUMBER_MAX: Final = 4294967295
#: The kinds of PS-PDU that are numbered separately: IRI, CC and TRI (TS 102 232-1 5.2.5).
SEQUENCE_KINDS: Final = ("IRI", "CC", "TRI")
_COUNTERS_FORMAT: Final = "lawful-intercept/sequence-counters"


def _kind_index(kind: object) -> int:
    if kind == "IRI":
        return 0
    if kind == "CC":
        return 1
    if kind == "TRI":
        return 2
    raise ValueError(
        f"kind must be one of 'IRI', 'CC', 'TRI' (TS 102 232-1 5.2.5 numbers each kind "
        f"separately), not {kind!r}"
    )



_EXHAUSTED: Final = SEQUENCE_NUMBER_MAX + 1


class _Communication:
    """The counters of one (LIID, CIN): one ``itertools.count`` per kind, whose ``next`` is
    atomic in CPython, so taking a number needs no lock. A count runs past 4294967295; the
    number is taken modulo 2**32 (``wrap``) or the count stays at _EXHAUSTED (no wrap)."""

    __slots__ = ("counts", "known", "restored")

    def __init__(self, next_values: list[int], restored: bool = False,
                 known: bool = False) -> None:
        self.counts = [itertools.count(v) for v in next_values]
        self.restored = restored
        self.known = known  # restored, begun, or cINReset sent: no cINReset needed

    def next_values(self, wrap: bool) -> list[int]:
        """Per kind, the number the next call returns (_EXHAUSTED when used up, no wrap)."""
        values = [int(repr(c)[6:-1]) for c in self.counts]  # repr is "count(n)"
        if wrap:
            return [v & SEQUENCE_NUMBER_MAX for v in values]
        return [min(v, _EXHAUSTED) for v in values]


class Numbering:
    """One (LIID, CIN, kind) numbering of a :class:`SequenceCounters` (TS 102 232-1 5.2.5).

    ``numbering()`` takes the next number; ``numbering.peek()`` tells it without taking it.
    """

    __slots__ = ("_comms", "_index", "_key", "_kind", "_lock", "_take", "_wrap")

    def __init__(self, counters: SequenceCounters, key: tuple[bytes, int], index: int,
                 kind: str) -> None:
        self._comms = counters._comms
        self._lock = counters._lock
        self._wrap = counters._wrap
        self._key = key
        self._index = index
        self._kind = kind
        self._take: Callable[[], int] | None = None  # made on first use

    def __call__(self) -> int:
        """Take the next number (as :meth:`SequenceCounters.next`)."""
        take = self._take
        if take is None:
            take = self.taker()
        return take()

    def taker(self) -> Callable[[], int]:
        """The function that takes the next number, for per-PDU paths (a closure, cheaper to
        call than this object)."""
        take = self._take
        if take is None:
            take = self._take = self._make_taker()
        return take

    def counting(self) -> Iterator[int]:
        """The bare count of this numbering, for the leanest per-PDU paths (TS 102 232-1
        5.2.5): ``next(count)`` takes a number, but a value above ``SEQUENCE_NUMBER_MAX`` must
        go through :meth:`past_max` before use. Creates the communication's counters if new.

        The count is found once: a per-PDU call then touches only it (with thousands of
        communications, a lookup per PDU costs cache misses). A count is replaced only when
        used up; :meth:`SequenceCounters.forget` drops it, and its contract is that no record
        of the communication is numbered afterwards."""
        with self._lock:
            comm = self._comms.get(self._key)
            if comm is None:
                comm = self._comms[self._key] = _Communication([0, 0, 0])
            count: Iterator[int] = comm.counts[self._index]
            return count

    def past_max(self, value: int) -> int:
        """The sequenceNumber of a raw count ``value`` from :meth:`counting`: itself up to
        4294967295; above, wrapped modulo 2**32 (``wrap``), else ``EncodeError`` and the
        numbering stays used up (TS 102 232-1 5.2.5)."""
        if value <= SEQUENCE_NUMBER_MAX:
            return value
        if self._wrap:
            return value & SEQUENCE_NUMBER_MAX
        with self._lock:  # used up: leave the count where it was, and say so
            comm = self._comms.get(self._key)
            if comm is not None:
                comm.counts[self._index] = itertools.count(_EXHAUSTED)
        raise EncodeError(
            f"sequence numbers of {self._kind} for LIID {LIID(self._key[0])!r} CIN "
            f"{self._key[1]} are used up: 4294967295 was the last (TS 102 232-1 5.2.5, "
            "wrap=False)", PATH_SEQ,
        )

    def _make_taker(self) -> Callable[[], int]:
        step: Callable[[], int] | None = None
        counting, past_max = self.counting, self.past_max

        def take() -> int:
            nonlocal step
            if step is None:
                step = counting().__next__
            value = step()
            if value <= SEQUENCE_NUMBER_MAX:
                return value
            return past_max(value)

        return take

    def peek(self) -> int:
        """The number a call would take, without taking it (as :meth:`SequenceCounters.peek`;
        raises the same error when the numbers are used up)."""
        with self._lock:
            comm = self._comms.get(self._key)
            value = 0 if comm is None else comm.next_values(self._wrap)[self._index]
        if value == _EXHAUSTED:
            raise EncodeError(
                f"sequence numbers of {self._kind} for LIID {LIID(self._key[0])!r} CIN "
                f"{self._key[1]} are used up (TS 102 232-1 5.2.5, wrap=False)",
                PATH_SEQ,
            )
        return value


class SequenceCounters:
    """sequenceNumber counters per (LIID, CIN, kind) (TS 102 232-1 clause 5.2.5).

    Each of IRI, CC and TRI PDUs of one (LIID, CIN) is numbered on its own, from 0, without
    gaps: :meth:`next` returns 0, 1, 2, ... (OpenLI likewise keeps separate IRI and CC
    counters per LIID and CIN).

    **Wrap rule.** The field is ``INTEGER (0..4294967295)``. With ``wrap=True`` (the default)
    the number after 4294967295 is 0: numbering is modulo 2**32, so a long, busy session keeps
    being delivered and a receiver that checks continuity modulo 2**32 sees no gap. The
    standard's text on what follows the maximum was not available to check; with
    ``wrap=False`` :meth:`next` raises ``EncodeError`` instead of wrapping, and the caller can
    start a new CIN.

    **Restarts and cINReset.** The state (:meth:`save_state`, :meth:`from_state`) is a
    JSON-able dict. A process that starts anew (``restarted=False``) numbers every
    communication from 0 and never needs a cINReset. A restarted process is either built with
    :meth:`from_state` (numbering continues where the saved state left it; those
    communications are *restored*) or with ``restarted=True`` when the state was lost. In a
    restarted process :meth:`needs_cin_reset` is ``True`` for every (LIID, CIN) that is
    neither restored nor declared new with :meth:`begin`: its numbering starts again at 0, so
    the LEMF must first get a TRI PDU with ``cINReset`` (TS 102 232-1 TRIPayload cINReset
    [7]). After sending it, call :meth:`cin_reset_sent`. When in doubt the rule errs towards
    an unneeded cINReset, never towards a silent restart of the numbering.

    Thread-safe: all methods take one lock.
    """

    def __init__(self, *, wrap: bool = True, restarted: bool = False) -> None:
        require_instance(wrap, bool, "wrap")
        require_instance(restarted, bool, "restarted")
        self._wrap = wrap
        self._restarted = restarted
        self._comms: dict[tuple[bytes, int], _Communication] = {}
        self._lock = threading.Lock()

    wrap: ReadOnly[bool] = read_only("_wrap", "Whether 4294967295 is followed by 0 (TS 102 "
                                     "232-1 5.2.5); else numbering stops.")
    restarted: ReadOnly[bool] = read_only("_restarted", "Whether this process continues an "
                                          "earlier one (TS 102 232-1 TRIPayload cINReset).")

    @staticmethod
    def _key(liid: object, cin: object) -> tuple[bytes, int]:
        return liid_bytes(liid), communication_identity_number(cin)

    def next(self, liid: LIID | str | bytes, cin: int, kind: str) -> int:
        """The sequenceNumber for the next PDU of ``kind`` of (LIID, CIN) (TS 102 232-1 5.2.5).

        ``kind`` is ``"IRI"``, ``"CC"`` or ``"TRI"``. Starts at 0; gapless; wraps after
        4294967295 unless ``wrap=False`` (then ``EncodeError``, with nothing changed).
        """
        return self.counter(liid, cin, kind)()

    def counter(self, liid: LIID | str | bytes, cin: int, kind: str) -> Numbering:
        """The numbering of ``kind`` of (LIID, CIN) as an object: calling it takes the next
        number like :meth:`next`, :meth:`Numbering.peek` looks like :meth:`peek`; state is
        shared with this object, and the arguments are checked once (the per-PDU path of a
        record builder, TS 102 232-1 5.2.5)."""
        return Numbering(self, self._key(liid, cin), _kind_index(kind), kind)

    def peek(self, liid: LIID | str | bytes, cin: int, kind: str) -> int:
        """The number :meth:`next` would return, without taking it (TS 102 232-1 5.2.5).

        Raises ``EncodeError`` where :meth:`next` would (numbers used up, ``wrap=False``).
        """
        return self.counter(liid, cin, kind).peek()

    def begin(self, liid: LIID | str | bytes, cin: int) -> None:
        """Declare that communication (LIID, CIN) starts now (TS 102 232-1 5.2.5).

        Call it on the event that starts the communication (the one giving IRI-BEGIN): its
        numbering starting at 0 is then expected and needs no cINReset. Idempotent: counters
        already in use are left as they are (use :meth:`forget` to drop them).
        """
        self._mark_known(liid, cin)

    def _mark_known(self, liid: LIID | str | bytes, cin: int) -> None:
        """(LIID, CIN) needs no cINReset: declared new, or its cINReset was sent."""
        key = self._key(liid, cin)
        with self._lock:
            comm = self._comms.get(key)
            if comm is None:
                comm = self._comms[key] = _Communication([0, 0, 0])
            comm.known = True

    def needs_cin_reset(self, liid: LIID | str | bytes, cin: int) -> bool:
        """Whether a cINReset TRI PDU must precede the PDUs of (LIID, CIN).

        TS 102 232-1 TRIPayload ``cINReset [7]``: ``True`` only in a restarted process, for a
        communication that was neither restored from the saved state nor declared with
        :meth:`begin`, and for which :meth:`cin_reset_sent` has not been called.
        """
        key = self._key(liid, cin)
        if not self._restarted:
            return False
        with self._lock:
            comm = self._comms.get(key)
            return comm is None or not comm.known

    def cin_reset_sent(self, liid: LIID | str | bytes, cin: int) -> None:
        """Record that the cINReset of (LIID, CIN) was sent (TS 102 232-1 TRIPayload [7]).

        The counters are not changed: send the cINReset before the first IRI or CC PDU of the
        communication, and they start at 0 after it.
        """
        self._mark_known(liid, cin)

    def is_restored(self, liid: LIID | str | bytes, cin: int) -> bool:
        """Whether the counters of (LIID, CIN) came from a saved state (TS 102 232-1 5.2.5)."""
        key = self._key(liid, cin)
        with self._lock:
            comm = self._comms.get(key)
            return comm is not None and comm.restored

    def forget(self, liid: LIID | str | bytes, cin: int) -> None:
        """Drop the counters of (LIID, CIN) once its CIN is free again (TS 102 232-1 5.2.5).

        A later communication with the same CIN then numbers from 0. Call it with the pairs
        :meth:`CINAllocator.purge` returns, never while records of the communication may
        still be numbered.
        """
        key = self._key(liid, cin)
        with self._lock:
            self._comms.pop(key, None)

    def save_state(self) -> dict[str, Any]:
        """The counters as a JSON-able dict (TS 102 232-1 5.2.5 numbering to continue).

        Per communication: LIID (hex), CIN, the next number of each kind (4294967296 when used
        up with ``wrap=False``) and whether a cINReset is still owed.
        """
        with self._lock:
            communications = [
                {
                    "liid": liid.hex(),
                    "cin": cin,
                    "next": dict(zip(SEQUENCE_KINDS, comm.next_values(self._wrap),
                                     strict=True)),
                    "cin_reset_pending": self._restarted and not comm.known,
                }
                for (liid, cin), comm in sorted(self._comms.items())
            ]
            return {
                "format": _COUNTERS_FORMAT,
                "version": 1,
                "wrap": self._wrap,
                "communications": communications,
            }

    @classmethod
    @restoring_state()
    def from_state(cls, state: Mapping[str, Any], *, advance: int = 0) -> SequenceCounters:
        """Counters continuing from :meth:`save_state` in a restarted process.

        Every communication in the state is *restored* and continues its numbering (TS 102
        232-1 5.2.5); any other one needs a cINReset (see :meth:`needs_cin_reset`).
        ``advance`` is added to every restored counter (wrapping, or up to used-up with
        ``wrap=False``): after a clean shutdown pass 0; with state saved periodically, pass at
        least the most numbers one counter can take between two saves, so that numbers
        handed out after the last save are skipped (a gap the LEMF can see) and never given
        twice. A malformed state raises ``TypeError`` or ``ValueError`` naming the member
        (``state.communications[0].next.CC``).
        """
        step = require_int(advance, "advance", low=0, high=SEQUENCE_NUMBER_MAX)
        mapping = check_state_format(state, _COUNTERS_FORMAT)
        wrap = require_instance(state_field(mapping, "wrap", "state"), bool, "state.wrap")
        counters = cls(wrap=wrap, restarted=True)
        entries = require_instance(state_field(mapping, "communications", "state"), list,
                                   "state.communications")
        for position, entry in enumerate(entries):
            path = f"state.communications[{position}]"
            entry_map = state_mapping(entry, path)
            liid_hex = state_field(entry_map, "liid", path)
            liid_octets = LIID(state_hex(liid_hex, f"{path}.liid")).value
            cin = uint(
                state_field(entry_map, "cin", path), f"{path}.cin", "CIN", CIN_MAX,
                "TS 102 232-1 5.2.4",
            )
            if (liid_octets, cin) in counters._comms:
                raise EncodeError(f"LIID {liid_hex} CIN {cin} appears twice", path)
            nexts = state_mapping(state_field(entry_map, "next", path), f"{path}.next")
            values = [0, 0, 0]
            for name, value in nexts.items():
                if name not in SEQUENCE_KINDS:
                    raise EncodeError(
                        f"unknown kind {name!r} (IRI, CC, TRI)", f"{path}.next"
                    )
                index = _kind_index(name)
                limit = SEQUENCE_NUMBER_MAX if wrap else _EXHAUSTED
                number = uint(
                    value, f"{path}.next.{name}", "sequenceNumber", limit,
                    "TS 102 232-1 5.2.5 INTEGER (0..4294967295)",
                )
                if number != _EXHAUSTED and step:
                    number += step
                    if wrap:
                        number %= SEQUENCE_NUMBER_MAX + 1
                    else:
                        number = min(number, _EXHAUSTED)
                values[index] = number
            pending = entry_map.get("cin_reset_pending", False)
            require_instance(pending, bool, f"{path}.cin_reset_pending")
            counters._comms[(liid_octets, cin)] = _Communication(
                values, restored=True, known=not pending
            )
        return counters

