"""The test LEMF: delivery, checks, storage, restarts, refusals (all on 127.0.0.1).

Every socket has a timeout, every wait is bounded, every thread is a daemon; listeners bind
port 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _lemf_support import (
    CLOCK,
    HOST,
    MF,
    PACKET,
    SPEC,
    TIMEOUT,
    ber_pdus,
    builder,
    cc_records,
    closed_by_peer,
    connect,
    jsonl,
    plain_lemf,
    send,
    wait_until,
)
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.certs import TestPKI
from lawful_intercept.correlation import (
    SessionIdentity,
)
from lawful_intercept.delivery import DeliveryClient, HandoverSession, Spool
from lawful_intercept.files import to_json
from lawful_intercept.integrity import IntegrityChecker, encrypt_pdu
from lawful_intercept.lemf import (
    LEMF,
    Collector,
    LEMFConfigError,
    LEMFThread,
    SequenceTracker,
)
from lawful_intercept.lemf._lines import value_json
from lawful_intercept.records import (
    IPAccessRecords,
    PacketCableRecords,
    PSPDUBuilder,
    ccc_packet,
    pc_call_id,
)
from lawful_intercept.stream import PDUReader
from lawful_intercept.testing import values


def session_factory(**options: Any) -> Callable[[], HandoverSession]:
    tri = PSPDUBuilder(SessionIdentity("LIID-TRI", MF, 0), spec=SPEC, clock=CLOCK)
    settings_: dict[str, Any] = {"acknowledgement": "negotiate", "ack_every": 5,
                                 "ack_delay": 0.05, "keep_alive_wait": 5.0}
    settings_.update(options)
    return lambda: HandoverSession(tri=tri, **settings_)


def client_for(port: int, spool: Spool, context: ssl.SSLContext | None,
               **options: Any) -> DeliveryClient:
    settings_: dict[str, Any] = {"reconnect_initial": 0.05, "reconnect_max": 0.2,
                                 "connect_timeout": 3.0, "write_timeout": 3.0,
                                 "poll_interval": 0.05}
    settings_.update(options)
    return DeliveryClient(HOST, port, spool, session_factory(), ssl_context=context,
                          insecure_plain_tcp=context is None, **settings_)


# -- delivery with the real client ----------------------------------------------------------------


def test_records_from_the_delivery_client_arrive(tmp_path: Path, pki: TestPKI,
                                                 spool: Spool) -> None:
    ip = IPAccessRecords(builder())
    records = [ip.ipiri("sessionStart", target_username="user@example.net", iri_type="iRI-Begin")]
    records += [ip.ipcc(PACKET[:-1] + bytes([i]), "toTarget") for i in range(40)]
    out = tmp_path / "out"
    with LEMFThread(out, ssl_context=pki.server_context()) as lemf:
        _, port = lemf.listen(name="hi3")
        with client_for(port, spool, pki.client_context()) as client:
            for record in records:
                client.send(record)
            assert wait_until(lambda: spool.stats().queued == 0)
            stats = client.stats()
        summary = lemf.summary()
    assert stats.acknowledged == len(records) and stats.last_error is None
    assert ber_pdus(out / "received.ber") == records
    lines = jsonl(out / "records.jsonl")
    assert len(lines) == len(records)
    data = (out / "received.ber").read_bytes()
    for line, record in zip(lines, records, strict=True):
        assert data[line["offset"]:line["offset"] + line["length"]] == record
        assert line["listener"] == "hi3" and line["pdu_type"] == "PS-PDU"
        assert line["liid"] == "LIID-42" and line["cin"] == 1234
        assert line["duplicate"] is False
        assert line["value"] == to_json(SPEC.decode("PS-PDU", record))
    assert [line["kind"] for line in lines] == ["IRI"] + ["CC"] * 40
    assert [line["sequence_number"] for line in lines] == [0, *range(40)]
    assert summary["received"] == summary["records"] == len(records)
    assert summary["duplicates"] == summary["sequence_gaps"] == summary["decode_errors"] == 0
    assert summary["by_kind"] == {"CC": 40, "IRI": 1}
    assert summary["streams"] == 2 and summary["uncorrelated_cc"] == 0
    assert summary["connections"] == 1 and summary["connections_closed_with_error"] == 0
    assert summary["acknowledgements"] >= len(records) // 5
    assert summary["closed"] is False
    written = json.loads((out / "summary.json").read_text("ascii"))
    assert written["records"] == len(records) and written["closed"] is True


def test_acknowledged_records_are_written_first(tmp_path: Path) -> None:
    """The answer to a pDUAcknowledgementRequest leaves only after the records before it are
    in received.ber (the summary interval is long, so nothing else writes them)."""
    records = cc_records(7)
    tri = builder("LIID-TRI", 0)
    request = tri.pdu_acknowledgement_request()
    out = tmp_path / "out"
    with plain_lemf(out, summary_interval=3600.0) as (lemf, port), \
            contextlib.closing(connect(port, None)) as sock:
        sock.sendall(b"".join(records) + request)
        reader = PDUReader(SPEC)
        answers: list[Any] = []
        while not answers:
            answers = reader.feed(sock.recv(65536))
        answer = answers[0].value
        assert answer["payload"] == ("tRIPayload", ("pDUAcknowledgementResponse", None))
        assert answer["pSHeader"]["sequenceNumber"] == SPEC.decode(
            "PS-PDU", request)["pSHeader"]["sequenceNumber"]
        assert ber_pdus(out / "received.ber") == records
        assert len(jsonl(out / "records.jsonl")) == len(records)
        assert lemf.summary()["acknowledgements"] == 1


def test_nothing_is_acknowledged_when_writing_fails(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(handle: Any, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    records = cc_records(3)
    request = builder("LIID-TRI", 0).pdu_acknowledgement_request()
    with plain_lemf(tmp_path / "out", summary_interval=3600.0) as (lemf, port):
        monkeypatch.setattr(lawful_intercept.lemf._store, "_write_all", full_disk)
        with contextlib.closing(connect(port, None)) as sock:
            sock.sendall(b"".join(records) + request)
            reader = PDUReader(SPEC)
            answers: list[Any] = []
            sock.settimeout(0.2)
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                answers += reader.feed(data)
        summary = lemf.summary()
    assert answers == []  # closed without an acknowledgement
    assert summary["acknowledgements"] == 0
    assert summary["connections_closed_with_error"] == 1
    assert "No space left" in summary["write_error"]


def test_keep_alives_are_answered_and_not_stored(tmp_path: Path) -> None:
    tri = builder("LIID-TRI", 0)
    keep_alive = tri.keep_alive()
    out = tmp_path / "out"
    with plain_lemf(out) as (lemf, port), contextlib.closing(connect(port, None)) as sock:
        sock.sendall(keep_alive)
        reader = PDUReader(SPEC)
        answers: list[Any] = []
        while not answers:
            answers = reader.feed(sock.recv(65536))
        assert answers[0].value["payload"] == ("tRIPayload", ("keep-aliveResponse", None))
        assert lemf.wait_for(lambda s: s["keep_alives"] == 1, TIMEOUT)
        assert lemf.summary()["received"] == 0


def test_acknowledgement_declined_when_asked(tmp_path: Path, pki: TestPKI,
                                             spool: Spool) -> None:
    records = cc_records(6)
    with LEMFThread(tmp_path / "out", ssl_context=pki.server_context(),
                    acknowledge=False) as lemf:
        _, port = lemf.listen()
        with client_for(port, spool, pki.client_context()) as client:
            for record in records:
                client.send(record)
            assert lemf.wait_for(lambda s: s["records"] == 6, TIMEOUT)
            # Declined: no PDU is acknowledged. The client may still count records proven
            # by an answered keep-alive (a slow run reaches one), never more than arrived.
            assert client.stats().acknowledged <= lemf.summary()["records"]
        assert lemf.summary()["acknowledgements"] == 0


# -- duplicates, gaps, cINReset ------------------------------------------------------------------


def test_duplicates_and_gaps_are_reported(tmp_path: Path) -> None:
    cc = cc_records(10)
    ip = IPAccessRecords(builder())
    iri = [ip.ipiri("sessionStart", target_username="u") for _ in range(3)]
    stream = [cc[i] for i in (0, 1, 2, 2, 4, 5, 5, 5, 7)] + [iri[0], iri[2], iri[2]]
    out = tmp_path / "out"
    with plain_lemf(out) as (lemf, port):
        send(port, None, b"".join(stream))
        assert lemf.wait_for(lambda s: s["received"] == len(stream), TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == 8 and summary["duplicates"] == 4
    assert summary["sequence_gaps"] == 3  # CC 3 and 6, IRI 1
    gaps = {(g["kind"], g["epoch"]): g["missing"] for g in summary["gaps"]}
    assert gaps == {("CC", 0): [[3, 3], [6, 6]], ("IRI", 0): [[1, 1]]}
    flags = [line["duplicate"] for line in jsonl(out / "records.jsonl")]
    assert flags == [False, False, False, True, False, False, True, True, False,
                     False, False, True]
    assert ber_pdus(out / "received.ber") == stream  # duplicates are stored as received


def test_cin_reset_starts_a_new_epoch(tmp_path: Path) -> None:
    first = cc_records(3)
    again = builder()  # a restarted sender: numbering from 0 again
    ip = IPAccessRecords(again)
    reset = again.cin_reset()
    second = [ip.ipcc(PACKET, "fromTarget") for _ in range(2)]
    stream = [*first, reset, *second, reset, second[1]]  # the reset and a record resent
    with plain_lemf(tmp_path / "out") as (lemf, port):
        send(port, None, b"".join(stream))
        assert lemf.wait_for(lambda s: s["received"] == len(stream), TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == 6 and summary["duplicates"] == 2
    assert summary["sequence_gaps"] == 0
    assert summary["by_kind"] == {"CC": 5, "TRI": 1}
    lines = jsonl(tmp_path / "out" / "records.jsonl")
    assert [line.get("epoch", 0) for line in lines] == [0, 0, 0, 1, 1, 1, 1, 1]
    assert lines[3]["cin_reset"] is True and lines[6]["duplicate"] is True


def test_uncorrelated_cc_is_counted_at_summary_time(tmp_path: Path) -> None:
    ip = IPAccessRecords(builder(cin=7))
    cc = [ip.ipcc(PACKET, "toTarget") for _ in range(3)]
    iri = ip.ipiri("sessionStart", target_username="u")
    other = cc_records(2, cin=8)
    with plain_lemf(tmp_path / "out") as (lemf, port):
        send(port, None, b"".join(cc + other))  # HI3 first
        assert lemf.wait_for(lambda s: s["uncorrelated_cc"] == 5, TIMEOUT)
        send(port, None, iri)  # then the IRI of CIN 7 on another connection
        assert lemf.wait_for(lambda s: s["records"] == 6, TIMEOUT)
        summary = lemf.summary()
    assert summary["uncorrelated_cc"] == 2
    assert summary["uncorrelated_communications"] == [{"liid": "LIID-42", "cin": 8, "cc": 2}]


# -- restarts -------------------------------------------------------------------------------------


def test_restart_rebuilds_the_state(tmp_path: Path) -> None:
    records = cc_records(12)
    out = tmp_path / "out"
    with plain_lemf(out) as (lemf, port):
        send(port, None, b"".join(records[:10]))
        assert lemf.wait_for(lambda s: s["records"] == 10, TIMEOUT)
    # A kill in the middle of writing: half a PDU and half a line at the ends of the files.
    with open(out / "received.ber", "ab") as f:
        f.write(records[10][:30])
    partial_line = b'{"file":"received.ber","offs'
    with open(out / "records.jsonl", "ab") as f:
        f.write(partial_line)
    size = len(b"".join(records[:10]))
    with plain_lemf(out) as (lemf, port):
        summary = lemf.summary()
        assert summary["records"] == 10 and summary["received"] == 10
        assert summary["recovered"]["pdus"] == 10
        assert summary["recovered"]["cut"] == {"received.ber": 30,
                                                "records.jsonl": len(partial_line)}
        assert (out / "received.ber").stat().st_size == size
        send(port, None, records[5] + records[10] + records[11])  # one already received
        assert lemf.wait_for(lambda s: s["received"] == 13, TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == 12 and summary["duplicates"] == 1
    assert summary["sequence_gaps"] == 0
    assert ber_pdus(out / "received.ber") == [*records[:10], records[5], *records[10:]]
    lines = jsonl(out / "records.jsonl")
    assert len(lines) == 13
    assert [line["connection"] for line in lines[10:]] == [2, 2, 2]  # numbers go on
    assert lines[10]["duplicate"] is True


def test_restart_rebuilds_missing_lines(tmp_path: Path) -> None:
    records = cc_records(5)
    out = tmp_path / "out"
    with plain_lemf(out) as (lemf, port):
        send(port, None, b"".join(records))
        assert lemf.wait_for(lambda s: s["records"] == 5, TIMEOUT)
    # Killed after writing the PDUs, before their lines: drop the last two lines.
    lines = (out / "records.jsonl").read_bytes().splitlines(keepends=True)
    (out / "records.jsonl").write_bytes(b"".join(lines[:3]))
    with plain_lemf(out) as (lemf, _):
        assert lemf.summary()["recovered"]["lines_rebuilt"] == 2
    rebuilt = jsonl(out / "records.jsonl")
    assert len(rebuilt) == 5
    assert [line.get("recovered", False) for line in rebuilt] == [False] * 3 + [True] * 2
    assert [line["sequence_number"] for line in rebuilt] == [0, 1, 2, 3, 4]
    assert rebuilt[4]["offset"] == len(b"".join(records[:4]))


def test_missing_lines_of_another_pdu_type_are_rebuilt_with_that_type(tmp_path: Path
                                                                       ) -> None:
    """ATIS PDUs whose lines were lost are decoded again as the type their listener had,
    not as PS-PDUs."""
    from lawful_intercept.correlation import generalized_time
    from lawful_intercept.records import LAESRecords

    laes = LAESRecords("CASE-7", "IAP-1", spec=SPEC, clock=CLOCK)
    seconds = [(1_767_225_600 + i) * 10**9 for i in range(4)]  # distinct PDUs
    records = [laes.message("connTest", {"timestamp": generalized_time(t)}) for t in seconds]
    out = tmp_path / "out"
    with LEMFThread(out, insecure_plain_tcp=True) as lemf:
        _, port = lemf.listen(pdu_type="LAESProtocol")
        send(port, None, b"".join(records))
        assert lemf.wait_for(lambda s: s["records"] == 4, TIMEOUT)
    lines = (out / "records.jsonl").read_bytes().splitlines(keepends=True)
    (out / "records.jsonl").write_bytes(b"".join(lines[:2]))
    with LEMFThread(out, insecure_plain_tcp=True) as lemf:
        summary = lemf.summary()
    assert summary["recovered"]["lines_rebuilt"] == 2
    assert summary["decode_errors"] == 0 and summary["records"] == 4
    rebuilt = jsonl(out / "records.jsonl")
    assert len({line["pdu_type"] for line in rebuilt}) == 1
    assert rebuilt[0]["pdu_type"].endswith("LAESProtocol")


def test_damaged_received_ber_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "received.ber").write_bytes(cc_records(1)[0] + b"\x00\x00garbage")
    with pytest.raises(lawful_intercept.lemf.StoreError, match=r"received\.ber"):
        LEMF(out, insecure_plain_tcp=True)


def test_a_killed_lemf_acknowledged_only_what_it_wrote(tmp_path: Path, pki: TestPKI,
                                                       spool: Spool) -> None:
    """SIGKILL a LEMF process while records flow and are acknowledged: every record the
    sender saw acknowledged is in received.ber; a LEMF restarted on the directory gets the
    rest and removes the copies resent."""
    files = pki.write(tmp_path / "pki")
    out = tmp_path / "out"
    ready = tmp_path / "ready"
    records = cc_records(1500)
    process = subprocess.Popen(
        [sys.executable, "-m", "lawful_intercept.lemf", "--out", str(out),
         "--listen", f"{HOST}:0", "--cert", str(files.server_cert), "--key",
         str(files.server_key), "--client-ca", str(files.ca), "--ready-file", str(ready),
         "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    try:
        assert wait_until(ready.exists, 30.0), "the LEMF did not start"
        port = int(ready.read_text().split()[1])
        with client_for(port, spool, pki.client_context()) as client:

            def feed() -> None:  # a steady flow until the kill, then the rest at once
                for record in records:
                    client.send(record)
                    if not stop.is_set():
                        time.sleep(0.001)

            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
            assert wait_until(lambda: client.stats().acknowledged >= 200)
            process.kill()
            process.wait(TIMEOUT)
            client.stop()
            acknowledged = client.stats().acknowledged
            stop.set()
            feeder.join(TIMEOUT)
    finally:
        stop.set()
        if process.poll() is None:
            process.kill()
        process.wait(TIMEOUT)
    assert 200 <= acknowledged < len(records)
    assert set(records[:acknowledged]) <= set(ber_pdus(out / "received.ber"))
    with LEMFThread(out, ssl_context=pki.server_context()) as lemf:
        _, port = lemf.listen()
        with client_for(port, spool, pki.client_context()):
            assert wait_until(lambda: spool.stats().queued == 0, 30.0)
        summary = lemf.summary()
    assert summary["records"] == len(records)
    assert summary["sequence_gaps"] == 0
    assert summary["received"] == summary["records"] + summary["duplicates"]


# -- garbage and refusals ---------------------------------------------------------------------


def test_garbage_closes_only_that_connection(tmp_path: Path, pki: TestPKI,
                                             spool: Spool) -> None:
    good = cc_records(60)
    before = cc_records(3, cin=99)
    out = tmp_path / "out"
    with LEMFThread(out, ssl_context=pki.server_context()) as lemf:
        _, port = lemf.listen()
        with client_for(port, spool, pki.client_context()) as client:
            for record in good[:30]:
                client.send(record)
            with contextlib.closing(connect(port, pki.client_context())) as bad:
                bad.sendall(b"".join(before) + b"\x04\x10" + os.urandom(200))
                assert closed_by_peer(bad)
            for record in good[30:]:
                client.send(record)
            assert wait_until(lambda: spool.stats().queued == 0)
            stats = client.stats()
        summary = lemf.summary()
    assert stats.last_error is None and stats.acknowledged == 60
    assert summary["records"] == 63  # the garbage connection's records before the fault
    assert summary["decode_errors"] == 1
    assert summary["connections_closed_with_error"] == 1
    assert "cannot frame" in summary["last_errors"][0]["reason"]
    assert set(ber_pdus(out / "received.ber")) == set(good) | set(before)


def test_undecodable_pdu_closes_the_connection(tmp_path: Path) -> None:
    with plain_lemf(tmp_path / "out") as (lemf, port), \
            contextlib.closing(connect(port, None)) as sock:
        # A SEQUENCE that frames but is no PS-PDU.
        sock.sendall(cc_records(1)[0] + b"\x30\x03\x02\x01\x00")
        assert closed_by_peer(sock)
        assert lemf.wait_for(lambda s: s["decode_errors"] == 1, TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == 1
    assert "does not decode" in summary["last_errors"][0]["reason"]


def _tls11_client_hello() -> bytes:
    """A TLS 1.1 ClientHello (RFC 4346 7.4.1.2) offering only TLS 1.1 and older."""
    ciphers = bytes.fromhex("c009c013002f0035")
    body = (b"\x03\x02" + os.urandom(32) + b"\x00" + struct.pack(">H", len(ciphers))
            + ciphers + b"\x01\x00")
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack(">H", len(handshake)) + handshake


def test_tls_refusals_are_counted(tmp_path: Path, pki: TestPKI) -> None:
    attempts: list[Callable[[int], None]] = []

    def no_certificate(port: int) -> None:
        with contextlib.suppress(OSError), \
                contextlib.closing(connect(port, pki.client_context(present_certificate=False))
                                   ) as sock:
            sock.sendall(cc_records(1)[0])
            closed_by_peer(sock)

    def untrusted(port: int) -> None:
        context = pki.client_context(identity=pki.issue_untrusted("client"))
        with contextlib.suppress(OSError), contextlib.closing(connect(port, context)) as sock:
            sock.sendall(cc_records(1)[0])
            closed_by_peer(sock)

    def tls11(port: int) -> None:
        with contextlib.closing(connect(port, None)) as sock:
            sock.sendall(_tls11_client_hello())
            answer = b""
            with contextlib.suppress(OSError):
                answer = sock.recv(100)
            assert not answer or answer[0] == 0x15  # nothing, or an alert (RFC 8446 6)

    def plain(port: int) -> None:
        with contextlib.closing(connect(port, None)) as sock:
            sock.sendall(cc_records(1)[0])
            assert closed_by_peer(sock)

    attempts += [no_certificate, untrusted, tls11, plain]
    with LEMFThread(tmp_path / "out", ssl_context=pki.server_context()) as lemf:
        _, port = lemf.listen()
        for number, attempt in enumerate(attempts, 1):
            attempt(port)
            assert lemf.wait_for(lambda s, n=number: s["tls_handshake_failures"] == n,
                                 TIMEOUT), attempt.__name__
        send(port, pki.client_context(), cc_records(2)[1])  # the server goes on
        assert lemf.wait_for(lambda s: s["records"] == 1, TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == 1 and summary["connections"] == 5
    assert all("TLS handshake" in e["reason"] for e in summary["last_errors"])


def test_tls_settings_are_checked(tmp_path: Path, pki: TestPKI) -> None:
    out = tmp_path / "out"
    with pytest.raises(LEMFConfigError, match="require client certificates"):
        LEMF(out, ssl_context=pki.server_context(require_client_certificate=False))
    with pytest.raises(LEMFConfigError, match="insecure_plain_tcp"):
        LEMF(out)
    with pytest.raises(LEMFConfigError, match="contradicts"):
        LEMF(out, ssl_context=pki.server_context(), insecure_plain_tcp=True)
    with pytest.raises(LEMFConfigError, match="client context"):
        LEMF(out, ssl_context=pki.client_context())
    context = pki.server_context()
    with contextlib.suppress(ValueError):
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    lemf = LEMF(out, ssl_context=context)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    asyncio.run(lemf.close())


def test_bad_options_are_named(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(LEMFConfigError, match="decrypt_key"):
        LEMF(out, insecure_plain_tcp=True, decrypt_key=b"short")
    with pytest.raises(LEMFConfigError, match="summary_interval"):
        LEMF(out, insecure_plain_tcp=True, summary_interval=0)
    with LEMFThread(out, insecure_plain_tcp=True) as lemf:
        with pytest.raises(LEMFConfigError, match=r"CCDeliveryHeaderModule\.CC-APDU"):
            lemf.listen(pdu_type="CC-APDU")
        with pytest.raises(LEMFConfigError, match="unknown type"):
            lemf.listen(pdu_type="NoSuchPDU")
        with pytest.raises(LEMFConfigError, match="layout"):
            lemf.listen_udp(layout="ESP-9")
        lemf.listen(name="hi2")
        with pytest.raises(LEMFConfigError, match="already"):
            lemf.listen(name="hi2")
        with pytest.raises(LEMFConfigError, match="already"):
            lemf.listen_udp(name="hi2")
        _, port = lemf.listen_udp()
        assert [li["name"] for li in lemf.summary()["listeners"]][1:] == [f"CCC:{port}"]


# -- integrity and encryption --------------------------------------------------------------------


def _checked_stream(checker: IntegrityChecker, n: int) -> tuple[list[bytes], list[bytes]]:
    """``n`` CC records and the stream with the checker's hash (and signature) PDUs."""
    build = builder()
    ip = IPAccessRecords(build)
    records: list[bytes] = []
    stream: list[bytes] = []
    for i in range(n):
        record = ip.ipcc(PACKET[:-1] + bytes([i]), "toTarget")
        records.append(record)
        stream.append(record)
        stream += checker.emit(build, checker.add(record))
    stream += checker.emit(build, checker.hash_now())
    stream += checker.emit(build, checker.sign_now())
    return records, stream


def test_integrity_checks_verify(tmp_path: Path, pki: TestPKI) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    checker = IntegrityChecker(pdus_per_hash=5, signing_key=key, hashes_per_signature=2,
                               spec=SPEC)
    _, stream = _checked_stream(checker, 12)  # hashes over 5, 5, 2; signatures over 2, 1
    out = tmp_path / "out"
    with LEMFThread(out, ssl_context=pki.server_context(),
                    verify_key=key.public_key()) as lemf:
        _, port = lemf.listen()
        send(port, pki.client_context(), b"".join(stream))
        assert lemf.wait_for(lambda s: s["received"] == len(stream), TIMEOUT)
        summary = lemf.summary()
    assert summary["integrity"] == {"checked": 5, "ok": 5, "failed": 0, "unverifiable": 0,
                                    "unchecked": 0, "profiles": {"openli": 5}, "warnings": [],
                                    "details": []}
    checks = [line["integrity"] for line in jsonl(out / "records.jsonl") if "integrity" in line]
    assert [c[0]["check_type"] for c in checks] == ["hash", "hash", "signature", "hash",
                                                    "signature"]
    assert summary["by_kind"] == {"CC": 12, "TRI": 5}


def test_a_pdu_altered_in_transit_is_reported(tmp_path: Path, pki: TestPKI) -> None:
    checker = IntegrityChecker(pdus_per_hash=4, spec=SPEC)
    records, stream = _checked_stream(checker, 4)
    altered = bytearray(records[2])
    altered[-1] ^= 0xFF  # the last octet of the IP packet
    stream[stream.index(records[2])] = bytes(altered)
    with LEMFThread(tmp_path / "out", ssl_context=pki.server_context()) as lemf:
        _, port = lemf.listen()
        send(port, pki.client_context(), b"".join(stream))
        assert lemf.wait_for(lambda s: s["received"] == len(stream), TIMEOUT)
        integrity = lemf.summary()["integrity"]
    assert integrity["checked"] == 1 and integrity["failed"] == 1
    detail = integrity["details"][0]
    assert detail["status"] == "mismatch" and detail["suspects"] == [0, 1, 2, 3]


def test_a_signature_with_the_wrong_key_is_reported(tmp_path: Path, pki: TestPKI) -> None:
    signer = ec.generate_private_key(ec.SECP256R1())
    checker = IntegrityChecker(pdus_per_hash=3, signing_key=signer, hashes_per_signature=1,
                               spec=SPEC)
    _, stream = _checked_stream(checker, 3)
    wrong = ec.generate_private_key(ec.SECP256R1()).public_key()
    with LEMFThread(tmp_path / "out", ssl_context=pki.server_context(),
                    verify_key=wrong) as lemf:
        _, port = lemf.listen()
        send(port, pki.client_context(), b"".join(stream))
        assert lemf.wait_for(lambda s: s["received"] == len(stream), TIMEOUT)
        integrity = lemf.summary()["integrity"]
    assert (integrity["checked"], integrity["ok"], integrity["failed"]) == (2, 1, 1)
    assert integrity["details"][0]["status"] == "bad-signature"


@pytest.mark.parametrize("right_key", [True, False])
def test_encryption_containers(tmp_path: Path, right_key: bool) -> None:
    key = bytes(range(24))
    plain = cc_records(3)
    encrypted = [encrypt_pdu(record, key, spec=SPEC) for record in plain]
    out = tmp_path / "out"
    lemf_key = key if right_key else bytes(24)
    with plain_lemf(out, decrypt_key=lemf_key) as (lemf, port):
        send(port, None, b"".join([*encrypted, encrypted[1]]) + cc_records(4)[3])
        assert lemf.wait_for(lambda s: s["received"] == 5, TIMEOUT)
        summary = lemf.summary()
    lines = jsonl(out / "records.jsonl")
    if right_key:
        assert summary["decrypted"] == 3 and summary["decryption_errors"] == 0
        assert summary["by_kind"] == {"CC": 4} and summary["duplicates"] == 1
        assert lines[0]["decryption"]["ok"] is True
        assert lines[0]["decryption"]["payload"] == to_json(
            SPEC.decode("PS-PDU", plain[0])["payload"])
    else:
        assert summary["decrypted"] == 0 and summary["decryption_errors"] == 3
        assert summary["by_kind"] == {"CC": 1, "encrypted": 3}
        assert lines[0]["decryption"]["ok"] is False
        assert "padding" in summary["decryption_failures"][0]["error"]
    assert summary["connections_closed_with_error"] == 0


# -- other PDU types and UDP --------------------------------------------------------------------


def test_packetcable_cdc_over_tcp_and_ccc_over_udp(tmp_path: Path) -> None:
    pc = PacketCableRecords("case-1", "df-1", spec=SPEC)
    cdc = [pc.release(pc_call_id(str(n), "sys-1")) for n in range(3)]
    packets = [ccc_packet(7, PACKET[:-1] + bytes([n])) for n in range(3)]
    out = tmp_path / "out"
    with LEMFThread(out, insecure_plain_tcp=True) as lemf:
        _, port = lemf.listen(pdu_type="CdcPdu", name="cdc")
        _, udp_port = lemf.listen_udp(name="ccc")
        send(port, None, b"".join([*cdc, cdc[1]]))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            for packet in [*packets, packets[0], b"\x00\x01"]:
                udp.sendto(packet, (HOST, udp_port))
        assert lemf.wait_for(lambda s: s["received"] == 8 and s["decode_errors"] == 1, TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == 6 and summary["duplicates"] == 2
    assert summary["by_kind"] == {"CC": 3, "IRI": 3}
    frames = (out / "received-ccc.bin").read_bytes()
    lines = jsonl(out / "records.jsonl")
    ccc_lines = [line for line in lines if line["file"] == "received-ccc.bin"]
    assert [frames[x["offset"]:x["offset"] + x["length"]] for x in ccc_lines] == \
        [*packets, packets[0]]
    assert ccc_lines[0]["value"]["cccId"] == 7 and ccc_lines[3]["duplicate"] is True
    assert {line["pdu_type"] for line in lines} == {"CdcPdu", "CCC"}
    with LEMFThread(out, insecure_plain_tcp=True) as lemf:  # restart: both files replayed
        summary = lemf.summary()
    assert summary["records"] == 6 and summary["duplicates"] == 2
    assert summary["recovered"]["ccc_packets"] == 4


# -- the sans-IO parts -------------------------------------------------------------------------

STREAM = cc_records(20, cin=5)
DECODED = [SPEC.decode("PS-PDU", raw) for raw in STREAM]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_collector_counts_any_order_and_copies(data: st.DataObject) -> None:
    kept = data.draw(st.sets(st.integers(0, len(STREAM) - 1), min_size=1), label="kept")
    copies = {n: data.draw(st.integers(0, 3), label=f"copies of {n}") for n in sorted(kept)}
    order = data.draw(st.permutations([n for n in sorted(kept) for _ in range(1 + copies[n])]),
                      label="order")
    collector = Collector(SPEC)
    verdicts = [collector.accept(STREAM[n], DECODED[n]) for n in order]
    summary = collector.summary()
    assert summary["records"] == len(kept)
    assert summary["duplicates"] == sum(copies.values()) == sum(v.duplicate for v in verdicts)
    assert summary["sequence_gaps"] == max(kept) + 1 - len(kept)
    missing = {n for gap in (summary["gaps"][0]["missing"] if summary["gaps"] else [])
               for n in range(gap[0], gap[1] + 1)}
    assert missing == set(range(max(kept) + 1)) - kept


@given(st.lists(st.integers(0, 200), max_size=300))
def test_sequence_tracker_matches_a_set(numbers: list[int]) -> None:
    tracker = SequenceTracker()
    seen: set[int] = set()
    for number in numbers:
        assert tracker.add(number) == (number not in seen)
        seen.add(number)
    assert tracker.seen == len(seen)
    expected_missing = set(range(max(seen) + 1)) - seen if seen else set()
    assert tracker.missing_count == len(expected_missing)
    ranges = tracker.missing_ranges()
    assert {n for a, b in ranges for n in range(a, b + 1)} == expected_missing
    assert all(b + 1 < c for (_, b), (c, _) in itertools.pairwise(ranges))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(values(SPEC, "PS-PDU"))
def test_value_json_is_to_json_dumped(value: Any) -> None:
    expected = json.dumps(to_json(value), ensure_ascii=True, separators=(",", ":"))
    assert value_json(value) == expected


# -- the command --------------------------------------------------------------------------------


def test_the_module_entry_point(tmp_path: Path, pki: TestPKI, spool: Spool) -> None:
    files = pki.write(tmp_path / "pki")
    out = tmp_path / "out"
    ready = tmp_path / "ready"
    records = cc_records(20)
    process = subprocess.Popen(
        [sys.executable, "-m", "lawful_intercept.lemf", "--out", str(out),
         "--listen", f"{HOST}:0", "--cert", str(files.server_cert), "--key",
         str(files.server_key), "--client-ca", str(files.ca), "--ready-file", str(ready),
         "--summary-interval", "0.2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_until(ready.exists, 30.0), "the LEMF did not start"
        host, port = ready.read_text().split()
        assert host == HOST
        with client_for(int(port), spool, pki.client_context()) as client:
            for record in records:
                client.send(record)
            assert wait_until(lambda: spool.stats().queued == 0)
        process.send_signal(signal.SIGTERM)
        assert process.wait(TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(TIMEOUT)
        assert process.stderr is not None
        log = process.stderr.read().decode("utf-8", "replace")
        process.stderr.close()
    summary = json.loads((out / "summary.json").read_text("ascii"))
    assert summary["records"] == 20 and summary["closed"] is True, log
    assert ber_pdus(out / "received.ber") == records


def test_the_entry_point_refuses_bad_arguments(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lawful_intercept.lemf", "--out", str(tmp_path / "out"),
         "--listen", f"{HOST}:0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--insecure-plain-tcp" in result.stderr
