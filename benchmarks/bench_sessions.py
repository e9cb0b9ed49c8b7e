"""Encoding cost against the number of concurrent sessions, in one run. Prints one JSON line.

A mediation function carries many intercepted communications at once and opens new ones all
the time. For 1, 100, 10,000 and 100,000 sessions over one shared numbering, this measures
five kinds of CC:

* ``ipcc_table``: IPCC PS-PDUs (TS 102 232-3) of a 1,400-octet packet, the sessions rows of one
  ``SessionTable`` (each its own ``SessionIdentity`` from ``CINAllocator.open_session``),
  through ``SessionTable.ipcc``;
* ``ipmmcc_table``: IPMMCC PS-PDUs (TS 102 232-5) of a 172-octet RTP frame, likewise through
  ``SessionTable.ipmmcc``;
* ``ipcc`` and ``ipmmcc``: the same PDUs with a records object per session (its own
  ``PSPDUBuilder`` and ``IPAccessRecords`` or ``IPMMRecords``), for comparison;
* ``atis_cc``: ATIS-1000678 CC-APDUs of a 1,400-octet packet (a ``LAESRecords`` per case);

``open_us``: microseconds to open a session and encode its first PDU (mean over the sessions,
and over at least 100 openings);
``other_direction_first_us``: microseconds for a session's first PDU in the other direction;
``pdu_us``: microseconds per PDU, the PDUs spread at random over the open sessions: the best of
``--rounds`` runs of 1,000 PDUs, the runs of the four counts taking turns (the sessions'
records objects in a list, or the tables' row indices in an ``array``: an ``int`` object per
index would be one more object per PDU). So that every count does the same work per PDU:

* the PDUs are sent on the same sessions opened again with their CC numbering continued from
  ``--first-number`` (a restored ``SequenceCounters`` state; 1,000,000 by default, as for
  sessions that have carried traffic for a while): every count then encodes sequence numbers
  of three octets. Numbered from 0, the one session would reach 100,000 (three octets) while
  each of 100,000 sessions stays under 128 (one octet, a cached ``int``, no ``to_bytes``): the
  many-session figures did less work per PDU than the one-session figure;
* a table's rows are numbered from 256 (rows opened before them and not used), so that every
  count makes its index ``int`` the same way (below 256 it is a cached object);
* each run of 1,000 PDUs follows 50 PDUs of the same count, not timed (the code and data that
  every PDU uses, evicted by the count before, are back in the caches); the counts take turns
  in an order that rotates from one round to the next; the garbage collector is frozen once
  every count's sessions are open, and off during each timed run;
``bytes_per_session``: memory the sessions hold once open (tracemalloc, measured over
``--memory-sessions`` sessions after the first has made the shared code).

Targets (issue 15): open + first PDU <= 50 us; <= 2 KB per session; us per PDU at 100,000
sessions <= 1.5 x the figure at one session. ``met`` is for the kinds a mediation function
should use per session (the tables, and ATIS); ``met_by_kind`` has every kind's.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
import tracemalloc
from array import array
from collections.abc import Callable
from typing import Any

from lawful_intercept.catalog import default_specification
from lawful_intercept.correlation import (
    CINAllocator,
    Clock,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.records import (
    ContentSequenceNumbers,
    IPAccessRecords,
    IPMMRecords,
    LAESRecords,
    PSPDUBuilder,
    SessionTable,
    atis_correlation_id,
)

T0 = 1_764_504_000_123_456_000
PACKET = bytes(range(256)) * 5 + bytes(120)  # 1,400 octets
FRAME = bytes(172)  # an RTP frame of G.711, 20 ms
Emit = Callable[[Any], bytes]
Session = tuple[Any, Emit, Emit]  # what the session holds; a PDU in each direction


class Kind:
    """How to open one session of a kind and send one of its PDUs."""

    def __init__(self, counters: SequenceCounters | None = None) -> None:
        ticks = iter(range(T0, T0 + 10**18, 1000))
        self.clock = Clock(lambda: next(ticks))
        self.counters = counters if counters is not None else SequenceCounters()
        self.numbers = ContentSequenceNumbers()
        self.allocator = CINAllocator(secret=b"bench")
        self.base = SessionIdentity("LIID-000042", NetworkIdentifier(b"operator-1", b"bras-07"),
                                    authorization_country_code="DE",
                                    delivery_country_code="DE")

    def open(self, i: int) -> Session:
        raise NotImplementedError

    def identity(self, i: int) -> SessionIdentity | None:
        """The identity of session ``i`` (its CIN allocated if new), or ``None`` if the kind
        is not numbered by ``counters``."""
        return self.allocator.open_session(self.base, i)

    def pad(self) -> None:
        """Anything to do before the sessions the PDUs are sent on are opened."""


class IPCC(Kind):
    def open(self, i: int) -> Session:
        identity = self.allocator.open_session(self.base, i)
        records = IPAccessRecords(PSPDUBuilder(identity, counters=self.counters,
                                               clock=self.clock))
        records.ipcc(PACKET, "fromTarget")
        return records, _ipcc_from, _ipcc_to


class IPMMCC(Kind):
    def open(self, i: int) -> Session:
        identity = self.allocator.open_session(self.base, i)
        records = IPMMRecords(PSPDUBuilder(identity, counters=self.counters,
                                           clock=self.clock))
        records.cc(FRAME, "fromTarget")
        return records, _ipmmcc_from, _ipmmcc_to


class AtisCC(Kind):
    def open(self, i: int) -> Session:
        records = LAESRecords(f"CASE-{i:06d}", "IAP-1", clock=self.clock,
                              sequence_numbers=self.numbers)
        correlation = atis_correlation_id(b"CORR-%08d" % (i + 1))
        records.cc_apdu(PACKET, correlation=correlation, direction="fromSubject")
        return (records, correlation), _atis_from, _atis_to

    def identity(self, i: int) -> SessionIdentity | None:
        return None  # numbered by its own ContentSequenceNumbers, from 0


class TableKind(Kind):
    """Sessions as rows of one table: a session is its row index."""

    def __init__(self, counters: SequenceCounters | None = None) -> None:
        super().__init__(counters)
        self.table = SessionTable(counters=self.counters, clock=self.clock)

    def pad(self) -> None:
        for i in range(256):  # rows 0..255, not used: the indices of the sessions are >= 256
            self.table.open(self.allocator.open_session(self.base, f"pad-{i}"))


class IPCCTable(TableKind):
    def __init__(self, counters: SequenceCounters | None = None) -> None:
        super().__init__(counters)
        ipcc = self.table.ipcc
        self.send_from: Emit = lambda row: ipcc(row, PACKET, "fromTarget")
        self.send_to: Emit = lambda row: ipcc(row, PACKET, "toTarget")

    def open(self, i: int) -> Session:
        row = self.table.open(self.allocator.open_session(self.base, i))
        self.send_from(row)
        return row, self.send_from, self.send_to


class IPMMCCTable(TableKind):
    def __init__(self, counters: SequenceCounters | None = None) -> None:
        super().__init__(counters)
        ipmmcc = self.table.ipmmcc
        self.send_from: Emit = lambda row: ipmmcc(row, FRAME, "fromTarget")
        self.send_to: Emit = lambda row: ipmmcc(row, FRAME, "toTarget")

    def open(self, i: int) -> Session:
        row = self.table.open(self.allocator.open_session(self.base, i))
        self.send_from(row)
        return row, self.send_from, self.send_to


def _ipcc_from(records: IPAccessRecords) -> bytes:
    return records.ipcc(PACKET, "fromTarget")


def _ipcc_to(records: IPAccessRecords) -> bytes:
    return records.ipcc(PACKET, "toTarget")


def _ipmmcc_from(records: IPMMRecords) -> bytes:
    return records.cc(FRAME, "fromTarget")


def _ipmmcc_to(records: IPMMRecords) -> bytes:
    return records.cc(FRAME, "toTarget")


def _atis_from(session: tuple[LAESRecords, Any]) -> bytes:
    return session[0].cc_apdu(PACKET, correlation=session[1], direction="fromSubject")


def _atis_to(session: tuple[LAESRecords, Any]) -> bytes:
    return session[0].cc_apdu(PACKET, correlation=session[1], direction="toSubject")


KINDS: dict[str, type[Kind]] = {"ipcc_table": IPCCTable, "ipmmcc_table": IPMMCCTable,
                                "ipcc": IPCC, "ipmmcc": IPMMCC, "atis_cc": AtisCC}
#: The kinds the targets are for: what a mediation function would use per session.
PER_SESSION = ("ipcc_table", "ipmmcc_table", "atis_cc")


WARM = 50  # PDUs sent before each timed run, not timed


def continued(kind: type[Kind], keys: range, first: int) -> SequenceCounters:
    """Counters in which the CC numbering of the sessions ``keys`` of ``kind`` continues from
    ``first`` (a restored state; the CINs are those a new ``kind()`` allocates, its allocator
    having the same secret and being asked in the same order)."""
    planner = kind()
    communications = []
    for key in keys:
        identity = planner.identity(key)
        if identity is not None:
            communications.append({"liid": identity.liid.value.hex(), "cin": identity.cin,
                                   "next": {"CC": first}})
    return SequenceCounters.from_state({"format": "lawful-intercept/sequence-counters",
                                        "version": 1, "wrap": True,
                                        "communications": communications})


class Population:
    """``sessions`` open sessions of one kind, and the PDUs to send over them."""

    def __init__(self, kind: type[Kind], sessions: int, pdus: int, seed: int,
                 first: int) -> None:
        k = kind()
        k.open(-1)  # the first session of the shape makes the shared code: not a session's
        k.pad()
        gc.collect()
        # Fewer than 100 sessions: open them several times over (each time the previous ones
        # closed), so that the figure is a mean over at least 100 openings.
        rounds = max(1, 100 // sessions)
        t0 = time.perf_counter()
        for r in range(rounds):
            opened = [k.open(r * sessions + i) for i in range(sessions)]
        open_s = (time.perf_counter() - t0) / rounds
        t0 = time.perf_counter()
        for session, _, other in opened:
            other(session)
        other_s = time.perf_counter() - t0
        self.figures = {"open_us": round(open_s / sessions * 1e6, 2),
                        "other_direction_first_us": round(other_s / sessions * 1e6, 2)}
        keys = range((rounds - 1) * sessions, rounds * sessions)
        if first:  # the same sessions again, their numbering continued (not timed)
            del opened
            k = kind(continued(kind, keys, first))
            k.open(-1)
            k.pad()
            opened = [k.open(key) for key in keys]
            probe = k.identity(keys[0])
            if probe is not None and probe.cin is not None and (
                    k.counters.peek(probe.liid, probe.cin, "CC") <= first):
                raise RuntimeError("the continued numbering was not the sessions' own")
        order = random.Random(seed).choices(range(sessions), k=pdus + WARM)
        picks: Any = [opened[i][0] for i in order]
        if type(picks[0]) is int:  # row indices, kept compact as a caller would keep them
            picks = array("q", picks)
        self.kind, self.picks, self.emit = k, picks, opened[0][1]
        self.best = float("inf")

    def send(self, start: int, count: int) -> None:
        """Send ``count`` of the PDUs from ``start`` after ``WARM`` others (not timed); keep
        the best time per PDU."""
        emit, chunk = self.emit, self.picks[start:start + count]
        for session in self.picks[start + count:start + count + WARM]:
            emit(session)
        gc.disable()
        t0 = time.perf_counter()
        for session in chunk:
            emit(session)
        elapsed = time.perf_counter() - t0
        gc.enable()
        self.best = min(self.best, elapsed / len(chunk))


def run(kind: type[Kind], counts: list[int], pdus: int, rounds: int, first: int
        ) -> dict[str, dict[str, float]]:
    """Open the sessions of each count (timed), then send their PDUs in short runs that take
    turns between the counts, ``rounds`` times over: the best run of each count counts, so
    that other work on the machine, which comes and goes, weighs on all counts alike."""
    populations = {n: Population(kind, n, pdus, seed=n, first=first) for n in counts}
    chunk = max(1, pdus // 50)
    order = list(populations.values())
    gc.collect()
    gc.freeze()  # what the sessions hold is not the young objects of any run
    for r in range(rounds):
        turn = r % len(order)
        for population in order[turn:] + order[:turn]:
            population.send(r * chunk % pdus, chunk)
    gc.unfreeze()
    figures = {str(n): {**p.figures, "pdu_us": round(p.best * 1e6, 3)}
               for n, p in populations.items()}
    del populations, order
    gc.collect()
    return figures


def memory(kind: type[Kind], sessions: int) -> float:
    """Bytes held per open session (tracemalloc), the shared code made beforehand."""
    k = kind()
    keep = [k.open(-1)[0]]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    keep.extend(k.open(i)[0] for i in range(sessions))
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return round((after - before) / sessions)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="up to 10,000 sessions, fewer PDUs")
    ap.add_argument("--memory-sessions", type=int, default=10_000)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--rounds", type=int, default=100,
                    help="runs of 1/50 of the PDUs per count, taking turns; the best counts")
    ap.add_argument("--first-number", type=int, default=1_000_000,
                    help="CC sequence number the sessions' PDUs start at (0: each session's "
                         "numbering starts at 0, as a new session's)")
    args = ap.parse_args(argv)
    counts = [1, 100, 10_000] if args.quick else [1, 100, 10_000, 100_000]
    pdus = 10_000 if args.quick else 50_000
    default_specification()  # bundled(), warmed
    out: dict[str, Any] = {"benchmark": "sessions", "pdus": pdus,
                           "first_number": args.first_number, "kinds": {}}
    met = True
    met_by_kind = {}
    for name in args.kinds.split(","):
        kind = KINDS[name]
        figures = run(kind, counts, pdus, args.rounds, args.first_number)
        per_session = memory(kind, args.memory_sessions)
        one, most = figures["1"]["pdu_us"], figures[str(counts[-1])]["pdu_us"]
        worst_open = max(f["open_us"] for n, f in figures.items() if n != "1")
        out["kinds"][name] = {
            "sessions": figures,
            "bytes_per_session": per_session,
            "pdu_us_ratio_most_to_one": round(most / one, 2),
        }
        met_by_kind[name] = worst_open <= 50 and per_session <= 2048 and most <= 1.5 * one
        if name in PER_SESSION:
            met = met and met_by_kind[name]
    out["targets"] = {"open_us_at_most": 50, "bytes_per_session_at_most": 2048,
                      "pdu_us_ratio_at_most": 1.5, "met": met, "met_by_kind": met_by_kind}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
