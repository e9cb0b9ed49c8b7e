"""X3 to the HI3 spool: the mediation function's hot path against the bare path, in one run.
Prints one JSON line.

``mediation``: a stream of X3 PDUs (ETSI TS 103 221-2, payload format 5: an IPv4 packet of
1,400 octets, with sequence-number and timestamp attributes) over ``--communications``
correlation IDs of one task, cut by the listener's parser (``X2X3Reader`` fed chunks of
1 MiB, bytes objects as the listener's asyncio transport gives them), converted into IPCC
PS-PDUs (TS 102 232-3) by ``X2X3Converter`` (task lookup, the warrant's checks, the
communication's CIN, the time stamp from the attribute) and appended to the HI3 spool by
``MediationDelivery.deliver`` (``Spool.append_many``, one batch per chunk).

``bare``: the same packets encoded by ``IPAccessRecords.ipcc`` (the template) of the same
communications and appended to a spool in the same batches: what it costs without X2/X3.

Both spools use ``fsync="never"`` so that the figure is the CPU's, not the disk's (a real
deployment's fsync policy costs both paths the same). Each path runs ``--rounds`` times on a
fresh spool; the best round counts. Targets (issue 13): >= 100,000 PDUs/s for the mediation
path, and >= 0.5 of the bare path's rate.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from lawful_intercept.correlation import (
    CINAllocator,
    Clock,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.delivery import Destination, HandoverDelivery, HandoverSession, Spool
from lawful_intercept.mediation import MediationDelivery, MediationTask, X2X3Converter
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder
from lawful_intercept.x2x3 import (
    X2X3PDU,
    Attribute,
    AttributeType,
    PayloadFormat,
    PDUType,
    Timestamp,
    X2X3Reader,
    encode_pdus,
)

T0 = 1_800_000_000
XID = uuid.UUID("6f0a3c2e-5b1d-4e8a-9c7f-0d2b4a6e8f10")
NETWORK = NetworkIdentifier(b"operator-1", b"mf-1")
LIID = "LIID-BENCH"
CHUNK = 1 << 20
SPOOL = {"fsync": "never", "max_bytes": 1 << 30, "cache_bytes": 0}


def packet(n: int) -> bytes:
    """An IPv4 packet of 1,400 octets (version 4, IHL 5), its octets varying with ``n``."""
    body = bytes((n + i) & 0xFF for i in range(8)) * 172 + bytes(4)
    return bytes([0x45, 0, 0x05, 0x78]) + bytes(16) + body[: 1400 - 20]


def stream(count: int, communications: int) -> tuple[bytes, list[tuple[int, bytes, int, int]]]:
    """The X3 stream and, per PDU, (correlation ID, packet, direction, time in ns)."""
    pdus = []
    plan = []
    for n in range(count):
        cid = n % communications + 1
        data = packet(n)
        direction = 2 + n % 2
        seconds, nanos = T0 + n // 1000, (n % 1000) * 1000
        plan.append((cid, data, direction, seconds * 1_000_000_000 + nanos))
        pdus.append(X2X3PDU(PDUType.X3, XID, cid, data, PayloadFormat.IPV4_PACKET, direction,
                            (Attribute(AttributeType.SEQUENCE_NUMBER, n & 0xFFFFFFFF),
                             Attribute(AttributeType.TIMESTAMP, Timestamp(seconds, nanos)))))
    return encode_pdus(pdus), plan


def run_mediation(octets: bytes, directory: Path) -> tuple[float, int, dict[str, Any]]:
    counters = SequenceCounters()
    converter = X2X3Converter(NETWORK, allocator=CINAllocator(), counters=counters,
                              clock=Clock(lambda: T0 * 1_000_000_000))
    tri = PSPDUBuilder(SessionIdentity(LIID, NETWORK, 0))
    delivery = HandoverDelivery(Destination("127.0.0.1", 9), Destination("127.0.0.1", 9),
                                directory, lambda: HandoverSession(tri=tri),
                                ssl_context=None, insecure_plain_tcp=True,
                                spool_options=SPOOL)
    try:
        mediation = MediationDelivery(converter, {"agency": delivery})
        mediation.activate(MediationTask(XID, LIID, destinations=("agency",)),
                           time=T0 * 1_000_000_000)
        reader = X2X3Reader()
        # The chunks as the listener's transport hands them over: bytes objects.
        chunks = [octets[offset:offset + CHUNK] for offset in range(0, len(octets), CHUNK)]
        gc.collect()
        started = time.perf_counter()
        for chunk in chunks:
            mediation.deliver(converter.convert_many(reader.feed(chunk), T0 * 1_000_000_000))
        seconds = time.perf_counter() - started
        reader.eof()
        queued = delivery.spools["hi3"].stats().queued
        return seconds, queued, converter.stats.as_dict()
    finally:
        delivery.close(0)


def run_bare(plan: list[tuple[int, bytes, int, int]], batches: list[int],
             directory: Path) -> tuple[float, int]:
    counters = SequenceCounters()
    allocator = CINAllocator()
    base = SessionIdentity(LIID, NETWORK)
    sessions: dict[int, IPAccessRecords] = {}
    for cid in sorted({p[0] for p in plan}):
        identity = allocator.open_session(base, XID.bytes + cid.to_bytes(8, "big"))
        sessions[cid] = IPAccessRecords(PSPDUBuilder(identity, counters=counters))
    names = {2: "toTarget", 3: "fromTarget"}
    with Spool(directory, **SPOOL) as spool:  # type: ignore[arg-type]
        gc.collect()
        started = time.perf_counter()
        index = 0
        for size in batches:
            out = [sessions[cid].ipcc(data, names[direction], time=when)
                   for cid, data, direction, when in plan[index:index + size]]
            spool.append_many(out, kinds="CC", keys=LIID)
            index += size
        seconds = time.perf_counter() - started
        return seconds, spool.stats().queued


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pdus", type=int, default=40_000)
    parser.add_argument("--communications", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    octets, plan = stream(args.pdus, args.communications)
    # The bare path appends in the batches the mediation path's chunks give.
    reader = X2X3Reader()
    batches = [len(reader.feed(octets[o:o + CHUNK])) for o in range(0, len(octets), CHUNK)]
    best_mediation = best_bare = float("inf")
    stats: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-mediation-") as tmp:
        for round_ in range(args.rounds):
            directory = Path(tmp) / f"m{round_}"
            seconds, queued, stats = run_mediation(octets, directory)
            if queued != args.pdus:
                print(f"mediation spooled {queued} of {args.pdus}", file=sys.stderr)
                return 1
            best_mediation = min(best_mediation, seconds)
            shutil.rmtree(directory)
            directory = Path(tmp) / f"b{round_}"
            seconds, queued = run_bare(plan, batches, directory)
            if queued != args.pdus:
                print(f"bare path spooled {queued} of {args.pdus}", file=sys.stderr)
                return 1
            best_bare = min(best_bare, seconds)
            shutil.rmtree(directory)
    mediation_rate = args.pdus / best_mediation
    bare_rate = args.pdus / best_bare
    result = {
        "benchmark": "mediation",
        "pdus": args.pdus,
        "packet_octets": 1400,
        "communications": args.communications,
        "rounds": args.rounds,
        "spool_fsync": SPOOL["fsync"],
        "mediation_pdus_per_s": round(mediation_rate),
        "bare_pdus_per_s": round(bare_rate),
        "ratio": round(mediation_rate / bare_rate, 3),
        "mediation_us_per_pdu": round(1e6 / mediation_rate, 2),
        "bare_us_per_pdu": round(1e6 / bare_rate, 2),
        "target_pdus_per_s": 100_000,
        "target_ratio": 0.5,
        "met": mediation_rate >= 100_000 and mediation_rate / bare_rate >= 0.5,
        "converter": {k: v for k, v in stats.items() if v},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
