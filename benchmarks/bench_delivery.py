"""Delivery throughput: CC PS-PDUs over TLS on loopback, against plain ``ssl``. One JSON line.

Every sender sends the same pre-encoded PS-PDUs (IPCC, TS 102 232-3, with a 1,400-byte
packet, from :class:`~lawful_intercept.records.IPAccessRecords`) over mutual TLS to the same
receiver, which runs in a separate process and reports back once it has read every byte:

* ``plain_ssl`` (the headline ``ratio``): an ``ssl`` socket writes all the PDUs, joined
  beforehand, with one ``sendall``: the ceiling of the link, the receiver and the CPUs;
* ``plain_ssl_per_pdu`` (``ratio_vs_per_pdu``): the same socket writes the PDUs one by one,
  one ``sendall`` each, as a sender without a queue writes what it has;
* ``library``: the PDUs are accepted into a :class:`~lawful_intercept.delivery.Spool`
  with its default fsync policy (``"always"``: durable before the call returns) through
  ``DeliveryClient.send_batch`` in runs of ``--batch`` (one spool record and one fsync per
  run), and delivered by the :class:`~lawful_intercept.delivery.DeliveryClient`
  thread; ``send_many`` is the same with one spool record per PDU (one fsync per batch).

Both durable paths must write every octet to stable storage before accepting it, so they
cannot be faster than the file system: ``durable_disk_pdus_per_s`` measures it in the same
run (the PDUs written in runs of ``--batch``, each run fsynced, nothing else), and
``durable_ceiling`` is the best ``ratio`` any durable spool could reach on this
machine's file system if writing cost no CPU (``--dir`` chooses it: a RAM disk such as
/dev/shm lifts it and leaves the CPUs as the bound).

Writing does cost CPU (the copy into the page cache; on a RAM disk that is all of it), and
so does a checksum, on the same cores that encrypt and, on loopback, decrypt. The
``durable_sender`` rows measure the least a durable sender can do on this machine, with no
spool, no records and no session: each run of ``--batch`` PDUs joined, written to a file
and fsynced, then written to a plain ``ssl`` socket by a second thread while the next run
is stored (``durable_sender_crc``: with the CRC-32 of each run computed before it is
written, as any store that detects damage must; the spool's format has one per record).
``durable_sender_crc_ratio`` (``durable_sender_crc`` against ``plain_ssl``) tells what a
durable, checksummed sender of this simple design reaches on this machine (not a bound: a
sender can store and send in another order), and ``ratio_vs_durable_sender`` (the library
against ``durable_sender_crc``) what the spool, the session and the pump cost beyond it.
When the CPUs are the bound (loopback, a RAM disk: both cores busy), moving the checksum
to the sending thread did not raise ``durable_sender_crc`` in our runs: a cycle costs the
same on either core.

``durable_one_copy`` is the floor of that cost: each PDU copied once into a memory-mapped
file allocated and faulted in beforehand, each run flushed with ``msync`` and sent from the
mapping by a second thread, with no join, no ``write`` and no checksum.
``durable_one_copy_ratio`` (against ``plain_ssl``) bounds what any durable sender reaches on
this machine: one copy of every octet into stable storage is the least durability costs.

Time runs from the first write (plain) or the first accept (library) until the receiver
has all the bytes; the connection and the TLS handshake come before. The headline mode has
PDU acknowledgement off and a keep-alive interval longer than the run, so the receiver reads
and discards and answers nothing. ``ack_negotiate`` repeats the comparison with
``acknowledgement="negotiate"`` against a receiver that decodes every PDU through
:class:`~lawful_intercept.delivery.ReceiverSession` and answers it (there the receiver's
decoding is the bound, for every sender). ``single_send_per_s`` is the figure for a producer
that calls ``DeliveryClient.send`` one record at a time with the default policy: one fsync
per record. ``disk_fsync_per_s`` probes the spool's file system (write of one PDU, then
fsync). Ratios are measured in the same run, best of ``--rounds`` for each sender.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import mmap
import multiprocessing
import os
import queue
import select
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import lawful_intercept
from lawful_intercept.certs import make_test_pki
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import (
    AcknowledgementMode,
    DeliveryClient,
    HandoverSession,
    ReceiverSession,
    RecordReceived,
    Spool,
)
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

HOST = "127.0.0.1"
WAIT = 60.0  # bound on every wait for the receiver
MF = NetworkIdentifier(b"operator-1", b"mf-1")
SPOOL_DEFAULTS = {name: parameter.default
                  for name, parameter in inspect.signature(Spool).parameters.items()}


# -- the receiver (its own process) ---------------------------------------------------------


def _receiver(control: Connection, pki_dir: str) -> None:
    """Serve one connection per ``("run", mode, expected)`` message from ``control``; report
    ``("done", octets)`` once ``expected`` record octets arrived (``("expect", n)`` sets or
    changes the target while a connection runs)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(os.path.join(pki_dir, "server.pem"),
                            os.path.join(pki_dir, "server.key"))
    context.load_verify_locations(os.path.join(pki_dir, "ca.pem"))
    context.verify_mode = ssl.CERT_REQUIRED
    spec = lawful_intercept.bundled()
    listener = socket.create_server((HOST, 0))
    listener.settimeout(WAIT)
    control.send(("port", listener.getsockname()[1]))
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    while True:
        message = control.recv()
        if message[0] == "quit":
            return
        _, mode, target = message
        raw, _ = listener.accept()
        raw.settimeout(WAIT)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock = context.wrap_socket(raw, server_side=True)
        session = ReceiverSession(spec) if mode == "answer" else None
        count = 0
        reported = False
        closing = False
        with contextlib.closing(sock):
            while not closing:
                if target is not None and count >= target and not reported:
                    control.send(("done", count))
                    reported = True
                if not sock.pending():
                    readable, _, _ = select.select([sock.fileno(), control.fileno()], [], [],
                                                   WAIT)
                    if not readable:
                        break
                    if control.fileno() in readable:
                        message = control.recv()
                        if message[0] == "expect":
                            target = message[1]
                            continue
                        closing = True  # "close"
                        break
                    if sock.fileno() not in readable:
                        continue
                try:
                    n = sock.recv_into(buffer)
                except (ssl.SSLError, OSError):
                    break
                if not n:
                    break
                if session is None:
                    count += n
                    continue
                session.receive_data(bytes(view[:n]))  # the buffer is reused
                for event in session.events():
                    if isinstance(event, RecordReceived):
                        count += len(event.pdu.raw)
                answer = session.data_to_send()
                if answer:
                    sock.sendall(answer)
        while not closing:  # the sender closed first: wait for the end of the run
            closing = control.recv()[0] == "close"
        control.send(("closed", count))


class Receiver:
    """The receiver process and its control pipe."""

    def __init__(self, pki_dir: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.control, child = context.Pipe()
        self.process = context.Process(target=_receiver, args=(child, pki_dir), daemon=True)
        self.process.start()
        self.port = int(self.expect("port"))

    def expect(self, what: str) -> Any:
        if not self.control.poll(WAIT):
            raise TimeoutError(f"the receiver did not answer {what!r} in {WAIT} s")
        tag, value = self.control.recv()
        if tag != what:
            raise RuntimeError(f"receiver said {tag!r}, expected {what!r}")
        return value

    def end_run(self) -> None:
        """Close the receiver's side of the connection and wait until it did."""
        self.control.send(("close",))
        self.expect("closed")

    def close(self) -> None:
        self.control.send(("quit",))
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


# -- the senders ----------------------------------------------------------------------------


def start_run(receiver: Receiver, mode: str, total: int) -> socket.socket:
    """Tell the receiver a run of ``total`` octets begins; a TCP connection to it (no delay),
    for a sender of plain ``ssl`` to wrap."""
    receiver.control.send(("run", mode, total))
    raw = socket.create_connection((HOST, receiver.port), timeout=WAIT)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return raw


def plain_ssl(receiver: Receiver, context: ssl.SSLContext, writes: list[bytes], mode: str
              ) -> float:
    """Seconds from the first write until the receiver has every octet: one ``sendall`` per
    item of ``writes`` (the PDUs one by one, or all of them joined)."""
    raw = start_run(receiver, mode, sum(map(len, writes)))
    with context.wrap_socket(raw, server_hostname=HOST) as sock:
        sendall = sock.sendall
        started = time.perf_counter()
        for data in writes:
            sendall(data)
        receiver.expect("done")
        elapsed = time.perf_counter() - started
    receiver.end_run()
    return elapsed


def durable_sender(receiver: Receiver, context: ssl.SSLContext, pdus: list[bytes],
                   batch: int, mode: str, work: Path, checksum: bool) -> float:
    """Seconds from the first write until the receiver has every octet, for the least a
    durable sender does: each run of ``batch`` PDUs joined (with ``checksum``, its CRC-32
    computed), written to a file and fsynced, then handed to a second thread that writes it
    to a plain ``ssl`` socket while the next run is stored."""
    runs = [pdus[i:i + batch] for i in range(0, len(pdus), batch)]
    raw = start_run(receiver, mode, sum(map(len, pdus)))
    path = work / "durable-sender"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    stored: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    try:
        with context.wrap_socket(raw, server_hostname=HOST) as sock:
            def send() -> None:
                while (data := stored.get()) is not None:
                    sock.sendall(data)
            sender = threading.Thread(target=send, daemon=True)
            sender.start()
            try:
                started = time.perf_counter()
                for run in runs:
                    data = b"".join(run)
                    if checksum:
                        zlib.crc32(data)
                    os.write(fd, data)
                    os.fsync(fd)
                    stored.put(data)
                receiver.expect("done")
                elapsed = time.perf_counter() - started
            finally:
                stored.put(None)
                sender.join(WAIT)
    finally:
        os.close(fd)
        path.unlink()
    receiver.end_run()
    return elapsed


def one_copy_sender(receiver: Receiver, context: ssl.SSLContext, pdus: list[bytes],
                    batch: int, mode: str, work: Path) -> float:
    """Seconds from the first copy until the receiver has every octet, for the least CPU any
    durable sender can spend: each PDU copied once into a file mapped in memory (allocated
    and faulted in beforehand, as a recycled segment would be), each run of ``batch`` PDUs
    flushed (``msync``) and then written to a plain ``ssl`` socket from the mapping by a
    second thread. One copy of every octet, no join, no checksum, no ``write``."""
    runs = [pdus[i:i + batch] for i in range(0, len(pdus), batch)]
    largest = max(sum(map(len, run)) for run in runs)
    size = max(64 << 20, 4 * largest)
    raw = start_run(receiver, mode, sum(map(len, pdus)))
    path = work / "one-copy-sender"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    stored: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
    # Runs stored and not yet sent: with the gap a wrap leaves at the end (less than a run),
    # the ring always has a free run ahead of the newest.
    room = threading.Semaphore(size // largest - 2)
    try:
        os.posix_fallocate(fd, 0, size)
        with mmap.mmap(fd, size) as mapping, context.wrap_socket(
                raw, server_hostname=HOST) as sock:
            view = memoryview(mapping)
            for offset in range(0, size, mmap.PAGESIZE):
                view[offset] = 0

            def send() -> None:
                while (span := stored.get()) is not None:
                    sock.sendall(view[span[0]:span[1]])
                    room.release()
            sender = threading.Thread(target=send, daemon=True)
            sender.start()
            try:
                started = time.perf_counter()
                position = 0
                for run in runs:
                    if not room.acquire(timeout=WAIT):
                        raise TimeoutError("the sending thread did not keep up")
                    if position + largest > size:
                        position = 0  # a ring: the runs here were sent (room was free)
                    start = position
                    for pdu in run:
                        end = position + len(pdu)
                        view[position:end] = pdu
                        position = end
                    page = start - start % mmap.PAGESIZE
                    mapping.flush(page, position - page)
                    stored.put((start, position))
                receiver.expect("done")
                elapsed = time.perf_counter() - started
            finally:
                stored.put(None)
                sender.join(WAIT)
                view.release()
    finally:
        os.close(fd)
        path.unlink()
    receiver.end_run()
    return elapsed


def session_factory(acknowledgement: AcknowledgementMode) -> Callable[[], HandoverSession]:
    tri = PSPDUBuilder(SessionIdentity("LIID-TRI", MF, 0))
    return lambda: HandoverSession(tri=tri, acknowledgement=acknowledgement,
                                   keep_alive_interval=3600.0)


def start_client(receiver: Receiver, context: ssl.SSLContext, spool: Spool,
                 acknowledgement: AcknowledgementMode) -> DeliveryClient:
    client = DeliveryClient(HOST, receiver.port, spool, session_factory(acknowledgement),
                            ssl_context=context, connect_timeout=WAIT, write_timeout=WAIT)
    client.start()
    deadline = time.monotonic() + WAIT
    while not client.stats().connected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the client did not connect: {client.stats().last_error}")
        time.sleep(0.005)
    return client


def library(receiver: Receiver, context: ssl.SSLContext, pdus: list[bytes], batch: int,
            mode: str, acknowledgement: AcknowledgementMode, work: Path,
            method: str = "send_batch") -> float:
    """Seconds from the first accept until the receiver has every PDU."""
    total = sum(map(len, pdus))
    receiver.control.send(("run", mode, total))
    directory = Path(tempfile.mkdtemp(prefix="spool-", dir=work))
    try:
        with Spool(directory) as spool:
            client = start_client(receiver, context, spool, acknowledgement)
            try:
                batches = [pdus[i:i + batch] for i in range(0, len(pdus), batch)]
                started = time.perf_counter()
                accept = getattr(client, method)
                for part in batches:
                    accept(part, kind="CC", key=b"LIID-42")
                receiver.expect("done")
                return time.perf_counter() - started
            finally:
                client.close()
                receiver.end_run()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def single_sends(receiver: Receiver, context: ssl.SSLContext, pdus: list[bytes],
                 seconds: float, work: Path) -> tuple[int, float]:
    """Records sent with one :meth:`DeliveryClient.send` each for about ``seconds``; the
    count and the seconds until the receiver had them all."""
    receiver.control.send(("run", "discard", None))
    directory = Path(tempfile.mkdtemp(prefix="spool-", dir=work))
    try:
        with Spool(directory) as spool:
            client = start_client(receiver, context, spool, "off")
            try:
                sent = 0
                started = time.perf_counter()
                for pdu in pdus:
                    client.send(pdu, kind="CC", key=b"LIID-42")
                    sent += 1
                    if time.perf_counter() - started >= seconds:
                        break
                receiver.control.send(("expect", sum(map(len, pdus[:sent]))))
                receiver.expect("done")
                return sent, time.perf_counter() - started
            finally:
                client.close()
                receiver.end_run()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def durable_write_rate(work: Path, pdus: list[bytes], batch: int) -> float:
    """PDUs per second that this file system takes durably: the PDUs written in runs of
    ``batch`` to one file, each run followed by fsync (what any durable spool must do at
    least; no checksums, no headers)."""
    path = work / "disk-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        runs = [b"".join(pdus[i:i + batch]) for i in range(0, len(pdus), batch)]
        started = time.perf_counter()
        for run in runs:
            os.write(fd, run)
            os.fsync(fd)
        return len(pdus) / (time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()


def fsync_rate(work: Path, record: bytes, seconds: float = 0.5) -> float:
    """Appends of one record followed by fsync, per second, in ``work``."""
    path = work / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        count = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            os.write(fd, record)
            os.fsync(fd)
            count += 1
        return count / (time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pdus", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--single-seconds", type=float, default=2.0)
    ap.add_argument("--dir", type=Path, default=None,
                    help="where the spools go (default: the system's temporary directory)")
    ap.add_argument("--no-ack-mode", action="store_true",
                    help="skip the acknowledgement='negotiate' comparison")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.pdus, args.rounds, args.single_seconds = 20_000, 1, 0.5

    packet = bytes(range(256)) * 5 + bytes(120)  # 1,400 bytes
    ip = IPAccessRecords(PSPDUBuilder(SessionIdentity("LIID-42", MF, 1234)))
    pdus = [ip.ipcc(packet, "toTarget") for _ in range(args.pdus)]
    joined = [b"".join(pdus)]
    work = Path(tempfile.mkdtemp(prefix="bench-delivery-", dir=args.dir))
    pki = make_test_pki(hostnames=("localhost", HOST))
    pki.write(work / "pki")
    context = pki.client_context()
    receiver = Receiver(str(work / "pki"))

    def compare(mode: str, acknowledgement: AcknowledgementMode, rounds: int
                ) -> dict[str, Any]:
        each = joined_s = ours = many = durable = durable_crc = one_copy = float("inf")
        for _ in range(rounds):
            each = min(each, plain_ssl(receiver, context, pdus, mode))
            joined_s = min(joined_s, plain_ssl(receiver, context, joined, mode))
            durable = min(durable, durable_sender(receiver, context, pdus, args.batch, mode,
                                                  work, checksum=False))
            durable_crc = min(durable_crc, durable_sender(receiver, context, pdus, args.batch,
                                                          mode, work, checksum=True))
            one_copy = min(one_copy, one_copy_sender(receiver, context, pdus, args.batch,
                                                     mode, work))
            ours = min(ours, library(receiver, context, pdus, args.batch, mode,
                                     acknowledgement, work))
            many = min(many, library(receiver, context, pdus, args.batch, mode,
                                     acknowledgement, work, "send_many"))
        return {
            "plain_ssl_pdus_per_s": round(args.pdus / joined_s),
            "library_pdus_per_s": round(args.pdus / ours),
            "ratio": round(joined_s / ours, 3),
            "plain_ssl_per_pdu_pdus_per_s": round(args.pdus / each),
            "ratio_vs_per_pdu": round(each / ours, 3),
            "send_many_pdus_per_s": round(args.pdus / many),
            "send_many_ratio": round(joined_s / many, 3),
            "durable_sender_pdus_per_s": round(args.pdus / durable),
            "durable_sender_crc_pdus_per_s": round(args.pdus / durable_crc),
            "durable_sender_crc_ratio": round(joined_s / durable_crc, 3),
            "ratio_vs_durable_sender": round(durable_crc / ours, 3),
            "durable_one_copy_pdus_per_s": round(args.pdus / one_copy),
            "durable_one_copy_ratio": round(joined_s / one_copy, 3),
        }

    try:
        result: dict[str, Any] = {
            "benchmark": "delivery",
            "pdus": args.pdus,
            "pdu_bytes": len(pdus[0]),
            "mode": "acknowledgement off, keep-alive beyond the run; receiver discards",
            "plain_ssl": "all the PDUs joined, one sendall (per_pdu: one sendall per PDU)",
            "library": "Spool (default policy) + DeliveryClient.send_batch per batch "
                       "(send_many: one spool record per PDU)",
        }
        result.update(compare("discard", "off", args.rounds))
        result.update({"fsync": SPOOL_DEFAULTS["fsync"], "batch": args.batch,
                       "cache_bytes": SPOOL_DEFAULTS["cache_bytes"]})
        if not args.no_ack_mode:
            result["ack_negotiate"] = {
                "receiver": "ReceiverSession decodes every PDU and answers",
                **compare("answer", "negotiate", max(1, args.rounds - 1)),
            }
        sent, seconds = single_sends(receiver, context, pdus, args.single_seconds, work)
        result["single_send_per_s"] = round(sent / seconds)
        result["disk_fsync_per_s"] = round(fsync_rate(work, pdus[0]))
        disk = durable_write_rate(work, pdus, args.batch)
        result["durable_disk_pdus_per_s"] = round(disk)
        result["durable_ceiling"] = round(
            min(1.0, disk / result["plain_ssl_pdus_per_s"]), 3)
        result["cpus"] = os.cpu_count()
        result["target"] = {"ratio_at_least": 0.8, "met": result["ratio"] >= 0.8,
                            "durable_ceiling": result["durable_ceiling"],
                            "durable_sender_crc_ratio": result["durable_sender_crc_ratio"],
                            "durable_one_copy_ratio": result["durable_one_copy_ratio"]}
        print(json.dumps(result))
    finally:
        receiver.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
