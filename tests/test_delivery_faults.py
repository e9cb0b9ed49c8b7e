"""Fault injection: delivery to the test LEMF survives the faults of real handover links.

Each test counts the records independently of the LEMF's own summary, by decoding what the
LEMF wrote to ``received.ber``:

(a) the LEMF process is killed with SIGKILL twice during a 20,000-record delivery and started
    again on the same directory: no record is lost, and the only duplicates are those the
    LEMF's de-duplication reports;
(b) the sending process is killed with SIGKILL while it accepts and delivers records, and is
    started again on its spool: no record that ``send()`` accepted is lost;
(c) the network silently stops answering (no FIN, no reset): the keep-alive finds it within
    interval + wait and the client reconnects.

Everything runs on 127.0.0.1 with throwaway certificates; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _network_support import HOST, LEMFProcess, free_port, wait_for

import lawful_intercept
from lawful_intercept.certs import PKIFiles, TestPKI, make_test_pki
from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import DeliveryClient, DeliveryNotice, HandoverSession, Spool
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder
from lawful_intercept.stream import iter_pdus

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SPEC = lawful_intercept.bundled()
CLOCK = Clock(lambda: 1_767_225_600_000_000_000)
MF = NetworkIdentifier(b"operator-1", b"mf-1")
LIID = "LIID-FAULT"


def received_keys(directory: Path) -> Counter[tuple[str, int, str, int]]:
    """(LIID, CIN, payload kind, sequenceNumber) of every record in ``received.ber``,
    decoded here, TRI PDUs left out."""
    keys: Counter[tuple[str, int, str, int]] = Counter()
    path = directory / "received.ber"
    if not path.exists():
        return keys
    with path.open("rb") as f:
        chunks = iter(lambda: f.read(1 << 20), b"")
        for pdu in iter_pdus(chunks, SPEC):
            assert pdu.error is None, pdu.error
            header = pdu.value["pSHeader"]
            kind = pdu.value["payload"][0]
            if kind == "tRIPayload":
                continue
            liid = header["lawfulInterceptionIdentifier"]
            keys[(liid.decode() if isinstance(liid, bytes) else liid,
                  header["communicationIdentifier"]["communicationIdentityNumber"],
                  kind, header["sequenceNumber"])] += 1
    return keys


def tri_factory(**options: Any) -> Callable[[], HandoverSession]:
    tri = PSPDUBuilder(SessionIdentity("LIID-TRI", MF, 0), spec=SPEC, clock=CLOCK)
    settings: dict[str, Any] = {"acknowledgement": "negotiate", "ack_every": 100,
                                "ack_delay": 0.05, "keep_alive_wait": 5.0}
    settings.update(options)
    return lambda: HandoverSession(tri=tri, **settings)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestPKI, PKIFiles]:
    directory = tmp_path_factory.mktemp("pki")
    made = make_test_pki(directory)
    return made, made.write(directory)


def ipcc_records(n: int, *, cin: int = 7, payload: int = 200) -> list[bytes]:
    ip = IPAccessRecords(PSPDUBuilder(SessionIdentity(LIID, MF, cin), spec=SPEC, clock=CLOCK))
    packet = b"\x45\x00" + bytes(payload - 2)
    return [ip.ipcc(packet, "toTarget") for _ in range(n)]


# -- (a) the LEMF killed twice --------------------------------------------------------------


def test_lemf_killed_twice_during_20000_records(tmp_path: Path,
                                                pki: tuple[TestPKI, PKIFiles]) -> None:
    made, files = pki
    total = 20_000
    records = ipcc_records(total)
    lemf = LEMFProcess(tmp_path / "lemf", files, [free_port()])
    lemf.start()
    spool = Spool(tmp_path / "spool", fsync="never")  # the sender is not the one killed
    for pdu in records:
        spool.append(pdu, kind="CC", key=LIID)
    client = DeliveryClient(HOST, lemf.ports[0], spool, tri_factory(),
                            ssl_context=made.client_context(), reconnect_initial=0.05,
                            reconnect_max=0.5, max_buffered_bytes=256 << 10)
    received = tmp_path / "lemf" / "received.ber"

    def size() -> int:
        return received.stat().st_size if received.exists() else 0

    expected = sum(map(len, records))
    try:
        client.start()
        for fraction in (0.25, 0.6):
            assert wait_for(lambda f=fraction: size() >= f * expected, 120), \
                (client.stats(), lemf.output())
            lemf.kill()
            time.sleep(0.3)  # the client sees the connection die and backs off
            lemf.start()
        assert wait_for(lambda: spool.stats().queued == 0, 180), (client.stats(),
                                                                   spool.stats())
    finally:
        client.close()
        status, printed = lemf.stop()
    assert status == 0, lemf.output()
    spool.close()

    keys = received_keys(tmp_path / "lemf")
    sent = {(LIID, 7, "cCPayloadSequence", n) for n in range(total)}
    assert set(keys) == sent  # every record arrived, nothing else did
    duplicates = sum(keys.values()) - len(keys)
    summary = json.loads(printed.splitlines()[-1])
    assert summary["duplicates"] == duplicates  # every duplicate is one the dedup reported
    assert summary["records"] == total
    assert summary["sequence_gaps"] == 0
    stats = client.stats()
    assert stats.acknowledged == total  # every record proven delivered, none counted twice
    assert stats.acknowledged <= sum(keys.values())  # never more than the LEMF wrote
    # Records were left after the first kill, so a later connection delivered them (how many
    # reconnections it took is the machine's timing, not an outcome).
    assert stats.connects >= 2


# -- (b) the sender killed --------------------------------------------------------------------

SENDER = textwrap.dedent('''
    """A sending mediation function: accepts records into its spool (default fsync policy)
    and delivers them; logs each accepted sequence number after send() returned."""
    import sys, time
    import lawful_intercept
    from lawful_intercept.certs import load_identity
    from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
    from lawful_intercept.delivery import DeliveryClient, HandoverSession, Spool, client_context
    from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

    mode, spool_dir, port, ca, cert, key, log = sys.argv[1:8]
    spec = lawful_intercept.bundled()
    clock = Clock(lambda: 1_767_225_600_000_000_000)
    mf = NetworkIdentifier(b"operator-1", b"mf-1")
    tri = PSPDUBuilder(SessionIdentity("LIID-TRI", mf, 0), spec=spec, clock=clock)
    spool = Spool(spool_dir)
    client = DeliveryClient(
        "127.0.0.1", int(port), spool,
        # While producing, acknowledgements are rare (the LEMF has records the spool still
        # holds when the process dies); the restarted process asks often.
        lambda: HandoverSession(tri=tri, acknowledgement="negotiate",
                                ack_every=5000 if mode == "produce" else 20,
                                ack_delay=60.0 if mode == "produce" else 0.05,
                                keep_alive_wait=5.0),
        ssl_context=client_context(ca=ca, cert=cert, key=key),
        reconnect_initial=0.05, reconnect_max=0.5)
    client.start()
    if mode == "produce":
        ip = IPAccessRecords(PSPDUBuilder(SessionIdentity("LIID-FAULT", mf, 9), spec=spec,
                                          clock=clock))
        with open(log, "a") as accepted:
            for number in range(1_000_000):
                client.send(ip.ipcc(b"\\x45\\x00" + bytes(98), "fromTarget"), kind="CC")
                accepted.write(f"{number}\\n")
                accepted.flush()
    else:
        deadline = time.monotonic() + 120
        while spool.stats().queued and time.monotonic() < deadline:
            time.sleep(0.05)
        client.close()
        sys.exit(0 if spool.stats().queued == 0 else 1)
''')


def test_sender_killed_and_restarted_on_its_spool(tmp_path: Path,
                                                  pki: tuple[TestPKI, PKIFiles]) -> None:
    made, files = pki
    script = tmp_path / "sender.py"
    script.write_text(SENDER)
    log = tmp_path / "accepted.log"
    with LEMFThread(tmp_path / "lemf", ssl_context=made.server_context()) as lemf:
        _, port = lemf.listen(HOST, 0)
        arguments = [str(tmp_path / "spool"), str(port), str(files.ca),
                     str(files.client_cert), str(files.client_key), str(log)]
        producer = subprocess.Popen([sys.executable, str(script), "produce", *arguments],
                                    stderr=subprocess.PIPE)
        try:
            def lines() -> int:
                return log.read_text().count("\n") if log.exists() else 0

            assert wait_for(lambda: lines() >= 400 and lemf.summary().get("records", 0) > 0,
                            120), producer.stderr.read() if producer.poll() is not None else ""
        finally:
            producer.send_signal(signal.SIGKILL)
            producer.wait(10)
        accepted = {int(n) for n in log.read_text().split()}
        with Spool(tmp_path / "spool") as spool:  # what the restarted process finds
            waiting = spool.stats().queued
        assert waiting >= len(accepted)  # nothing was acknowledged: all of it is resent
        drain = subprocess.run([sys.executable, str(script), "drain", *arguments],
                               capture_output=True, timeout=180)
        assert drain.returncode == 0, drain.stderr.decode(errors="replace")[-2000:]
        assert lemf.wait_for(lambda s: s.get("records", 0) >= len(accepted), 30)
    keys = received_keys(tmp_path / "lemf")
    arrived = {n for (liid, cin, _, n) in keys if (liid, cin) == (LIID, 9)}
    assert accepted <= arrived  # nothing that send() accepted was lost
    assert len(accepted) >= 400


# -- (c) a network that silently stops answering --------------------------------------------


class SilentProxy:
    """A TCP relay that can go silent: it keeps its sockets open but stops relaying in both
    directions (no FIN, no reset), as a broken middlebox or a cut line does."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.silenced = 0  # connections up to this number are silent
        self.stopping = threading.Event()
        self.connections = 0
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> SilentProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.listener.close()
        for sock in self.held:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(self.target, timeout=5)
            self.held += [client, upstream]
            generation = self.connections
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._relay, args=(a, b, generation),
                                 daemon=True).start()

    def _relay(self, source: socket.socket, sink: socket.socket, generation: int) -> None:
        source.settimeout(0.1)
        while not self.stopping.is_set():
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            if generation <= self.silenced:
                continue  # the line is dead: what enters it never comes out
            with contextlib.suppress(OSError):
                sink.sendall(data)

    def go_silent(self) -> None:
        """Every connection open now goes silent; new connections relay again."""
        self.silenced = self.connections


def test_silent_network_is_found_by_the_keep_alive(tmp_path: Path,
                                                    pki: tuple[TestPKI, PKIFiles]) -> None:
    made, _ = pki
    interval, wait = 1.0, 0.5
    records = ipcc_records(50, cin=11)
    notices: list[DeliveryNotice] = []
    with LEMFThread(tmp_path / "lemf", ssl_context=made.server_context()) as lemf:
        address = lemf.listen(HOST, 0)
        with SilentProxy(address) as proxy, \
                Spool(tmp_path / "spool", fsync="never") as spool:
            client = DeliveryClient(
                HOST, proxy.port, spool,
                tri_factory(keep_alive_interval=interval, keep_alive_wait=wait),
                ssl_context=made.client_context(), server_hostname="localhost",
                reconnect_initial=0.05, reconnect_max=0.2, on_event=notices.append)
            with client:
                for pdu in records[:25]:
                    client.send(pdu)
                assert wait_for(lambda: spool.stats().queued == 0, 20), client.stats()
                proxy.go_silent()
                silenced = time.monotonic()  # the link is idle: the next write is a keep-alive
                assert wait_for(lambda: client.stats().keep_alive_failures >= 1, 10)
                found = time.monotonic() - silenced
                for pdu in records[25:]:
                    client.send(pdu)
                assert wait_for(lambda: spool.stats().queued == 0, 20), client.stats()
                stats = client.stats()
    # The keep-alive goes out at most `interval` after the last write and its answer is due
    # `wait` later; 10 s of slack covers the client's polling and a loaded machine (the bound
    # says the silence is found by the keep-alive, not by TCP minutes later).
    assert interval <= found + 0.1 and found <= interval + wait + 10.0, found
    assert stats.reconnects >= 1 and proxy.connections >= 2
    # The failure is named, with the request left unanswered, and the client reconnected.
    [failed, *_] = [n for n in notices if n.kind == "keep-alive-failed"]
    assert "no answer to keep-alive" in failed.message
    assert [n.kind for n in notices].count("connected") >= 2
    keys = received_keys(tmp_path / "lemf")
    assert {n for (_, cin, _, n) in keys if cin == 11} == set(range(50))
