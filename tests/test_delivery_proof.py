"""Delivered means proven (issue 11, points 1, 2 and 7), over real TLS on 127.0.0.1.

A stream without TRI PDUs (ATIS LAESProtocol here) has no answer of its own: its records stay
pending until the LEMF answers our orderly close (TLS close_notify for close_notify). The LEMF
below is a blocking TLS server thread, so that a refused handshake reaches the client as a TLS
alert (OpenSSL writes it before the socket closes). Each case runs on TLS 1.2 and 1.3, with
the blocking and the asyncio client; in every case the count reported delivered is at most
what the LEMF read, and what was not proven stays in the spool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import pytest
from _network_support import wait_for
from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.certs import TestPKI, make_test_pki
from lawful_intercept.correlation import Clock, generalized_time
from lawful_intercept.delivery import (
    AsyncDeliveryClient,
    DeliveryClient,
    DeliveryNotice,
    HandoverSession,
    ProtocolViolation,
    ReceiverSession,
    RecordReceived,
    Spool,
)
from lawful_intercept.errors import DeliveryRefused
from lawful_intercept.records import LAESRecords

SPEC = lawful_intercept.bundled()
HOST = "127.0.0.1"
T0_NS = 1_767_225_600_000_000_000
TYPE = "LAESProtocol"
VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def laes_records(n: int) -> list[bytes]:
    laes = LAESRecords("CASE-7", "IAP-1", spec=SPEC, clock=Clock(lambda: T0_NS))
    return [laes.message("connTest", {"timestamp": generalized_time(T0_NS + i)})
            for i in range(n)]


RECORDS = laes_records(30)


def factory(**options: Any) -> Callable[[], HandoverSession]:
    settings = {"resend_window": 0, "resend_window_seconds": 0, **options}
    return lambda: HandoverSession(SPEC, tri=None, pdu_type=TYPE, **settings)


class ServerThread:
    """A LEMF thread on 127.0.0.1 taking one connection after the other (:meth:`handle`);
    ``records`` are the LAESProtocol records it read."""

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(0.2)
        self.port: int = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self.listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self.listener.accept()
            except TimeoutError:
                continue
            raw.settimeout(10)
            self.handle(raw)

    def handle(self, raw: socket.socket) -> None:
        raise NotImplementedError


class TLSLEMF(ServerThread):
    """A blocking TLS LEMF thread: reads LAESProtocol records until the client closes, then
    answers the close (``answer_close``) or just drops the connection. With ``close_after``
    it closes the TCP connection, without a close_notify, once it has read that many
    records on it (``closed_early`` counts those closes)."""

    def __init__(self, context: ssl.SSLContext, *, answer_close: bool = True,
                 close_after: int | None = None) -> None:
        super().__init__()
        self.context = context
        self.answer_close = answer_close
        self.close_after = close_after
        self.closed_early = 0
        self.answered = 0
        """Records read on connections whose close it answered."""
        self.handshake_failures = 0

    def handle(self, raw: socket.socket) -> None:
        try:
            conn = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshake_failures += 1
            raw.close()
            return
        with contextlib.closing(conn):
            self._read(conn)

    def _read(self, conn: ssl.SSLSocket) -> None:
        receiver = ReceiverSession(SPEC, pdu_type=TYPE, options=())
        read = 0
        try:
            while data := conn.recv(65536):
                receiver.receive_data(data)
                events = receiver.events()
                records = [e.pdu.raw for e in events if isinstance(e, RecordReceived)]
                self.records += records
                read += len(records)
                if any(isinstance(e, ProtocolViolation) for e in events):
                    return  # a listener that cannot take a record closes on it
                if self.close_after is not None and read >= self.close_after:
                    self.closed_early += 1
                    return
            if self.answer_close:
                conn.unwrap()  # our close_notify in answer to the client's
                self.answered += read
        except (ssl.SSLError, OSError):
            return


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return make_test_pki()


def server_context(pki: TestPKI, version: str) -> ssl.SSLContext:
    context = pki.server_context()
    context.minimum_version = context.maximum_version = VERSIONS[version]
    return context


def blocking_client(port: int, spool: Spool, context: ssl.SSLContext,
                    **options: Any) -> DeliveryClient:
    return DeliveryClient(HOST, port, spool, options.pop("session_factory", factory()),
                          ssl_context=context, server_hostname="localhost",
                          reconnect_initial=0.05, reconnect_max=0.2, connect_timeout=5,
                          poll_interval=0.05, **options)


def async_client(port: int, spool: Spool, context: ssl.SSLContext,
                 **options: Any) -> AsyncDeliveryClient:
    return AsyncDeliveryClient(HOST, port, spool, options.pop("session_factory", factory()),
                               ssl_context=context, server_hostname="localhost",
                               reconnect_initial=0.05, reconnect_max=0.2, connect_timeout=5,
                               poll_interval=0.05, **options)


def deliver(kind: str, port: int, spool: Spool, context: ssl.SSLContext, *, idle: float,
            until: Callable[[], bool] | None = None, **options: Any) -> tuple[bool, Any]:
    """Send RECORDS with the ``kind`` client; (wait_idle's result, the client's stats).
    ``until``: first wait (30 s at most) until it holds, e.g. until the LEMF read them all."""
    if kind == "blocking":
        with blocking_client(port, spool, context, **options) as client:
            client.send_many(RECORDS)
            if until is not None:
                assert wait_for(until, 30)
            idle_now = client.wait_idle(idle)
            return idle_now, client.stats()

    async def scenario() -> tuple[bool, Any]:
        async with async_client(port, spool, context, **options) as client:
            await client.send_many(RECORDS)
            if until is not None:
                async with asyncio.timeout(30):
                    while not until():
                        await asyncio.sleep(0.02)
            idle_now = await client.wait_idle(idle)
            return idle_now, client.stats()

    return asyncio.run(asyncio.wait_for(scenario(), 60))


@pytest.mark.parametrize("kind", ["blocking", "asyncio"])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_records_without_tri_are_delivered_once_the_close_is_answered(
        pki: TestPKI, tmp_path: Path, version: str, kind: str) -> None:
    with TLSLEMF(server_context(pki, version)) as lemf, Spool(tmp_path / "s") as spool:
        idle, stats = deliver(kind, lemf.port, spool, pki.client_context(), idle=30)
        assert idle, stats
        assert stats.acknowledged == len(RECORDS)
        assert stats.acknowledged <= len(lemf.records)
        assert set(lemf.records) == set(RECORDS)  # nothing missing (duplicates allowed)
        assert spool.stats().queued == 0


@pytest.mark.parametrize("kind", ["blocking", "asyncio"])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_a_lemf_that_drops_instead_of_answering_the_close_proves_nothing(
        pki: TestPKI, tmp_path: Path, version: str, kind: str) -> None:
    with TLSLEMF(server_context(pki, version), answer_close=False) as lemf, \
            Spool(tmp_path / "s") as spool:
        idle, stats = deliver(kind, lemf.port, spool, pki.client_context(), idle=0.5,
                              until=lambda: set(lemf.records) == set(RECORDS))
        assert not idle
        assert stats.acknowledged == 0
        assert spool.stats().queued == len(RECORDS)  # kept, to be sent again
        assert set(lemf.records) == set(RECORDS)  # it read them, but never said so


@pytest.mark.parametrize("kind", ["blocking", "asyncio"])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_a_tcp_close_is_no_close_notify_even_when_the_context_ignores_unexpected_eof(
        pki: TestPKI, tmp_path: Path, version: str, kind: str) -> None:
    """With ``OP_IGNORE_UNEXPECTED_EOF`` (Debian's Python sets it on every context) OpenSSL
    reports a TCP close as the peer's close_notify: a LEMF that read every record and then
    closed without answering would prove them all. The clients clear the option."""
    context = pki.client_context()
    context.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    notices: list[DeliveryNotice] = []

    def outcomes() -> list[DeliveryNotice]:
        return [n for n in notices if n.kind in ("delivered", "resend")]

    with TLSLEMF(server_context(pki, version), close_after=len(RECORDS)) as lemf, \
            Spool(tmp_path / "s") as spool:
        _, stats = deliver(kind, lemf.port, spool, context, idle=0.5, on_event=notices.append,
                           until=lambda: bool(outcomes()))
        assert lemf.closed_early >= 1
        first = outcomes()[0]  # the end of the connection the LEMF closed
        assert first.kind == "resend" and len(first.record_ids) == len(RECORDS), first
        assert stats.acknowledged <= lemf.answered  # later probes may be answered
    assert not context.options & ssl.OP_IGNORE_UNEXPECTED_EOF


@pytest.mark.parametrize("kind", ["blocking", "asyncio"])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_issue_case_1_a_refused_certificate_delivers_nothing(
        pki: TestPKI, tmp_path: Path, version: str, kind: str) -> None:
    """ATIS, resend window 0, a client certificate of another CA: under TLS 1.3 our side
    of the handshake completes and the first writes succeed; nothing may count as
    delivered, the refusal is named, cannot heal, and ends the client after max_refusals."""
    stranger = make_test_pki().issue("client")
    context = pki.client_context(identity=stranger)
    with TLSLEMF(server_context(pki, version)) as lemf, Spool(tmp_path / "s") as spool:
        with pytest.raises(DeliveryRefused, match="refused our certificate") as raised:
            deliver(kind, lemf.port, spool, context, idle=30, max_refusals=3)
        assert "3 times in a row" in str(raised.value)
        assert lemf.records == []
        assert spool.stats().queued == len(RECORDS)
        # the LEMF thread counts a refusal after its alert is out: wait for the third
        assert wait_for(lambda: lemf.handshake_failures >= 3, 30), lemf.handshake_failures


def test_refusal_is_reported_and_no_connection_counted(pki: TestPKI, tmp_path: Path) -> None:
    stranger = make_test_pki().issue("client")
    notices: list[DeliveryNotice] = []
    with TLSLEMF(server_context(pki, "1.3")) as lemf, Spool(tmp_path / "s") as spool:
        client = blocking_client(lemf.port, spool, pki.client_context(identity=stranger),
                                 on_event=notices.append)
        with client:
            client.send_many(RECORDS[:3])
            assert wait_for(lambda: client.stats().refused >= 2, 30)
            stats = client.stats()
        # A refusal read from its alert counts no connection (an alert lost to a reset
        # cannot be read: that connection ends as an ordinary failure).
        assert stats.connects <= stats.attempts - stats.refused and stats.acknowledged == 0
        assert stats.refusal is not None and "refused our certificate (alert" in stats.refusal
        assert any(n.kind == "refused" for n in notices)
        assert all(n.destination == f"{HOST}:{lemf.port}" for n in notices)


@pytest.mark.parametrize("kind", ["blocking", "asyncio"])
def test_untrusted_lemf_certificate_is_a_refusal_that_cannot_heal(
        pki: TestPKI, tmp_path: Path, kind: str) -> None:
    other = make_test_pki()
    with TLSLEMF(server_context(other, "1.3")) as lemf, Spool(tmp_path / "s") as spool:
        with pytest.raises(DeliveryRefused, match="not trusted"):
            deliver(kind, lemf.port, spool, pki.client_context(), idle=30, max_refusals=2)
        assert lemf.records == []


# -- observability: notices, logging, a dying worker, checks at once -------------------------


def test_notices_and_log_lines_name_what_happened(pki: TestPKI, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    notices: list[DeliveryNotice] = []
    caplog.set_level(logging.INFO, logger="lawful_intercept.delivery")
    with TLSLEMF(server_context(pki, "1.3")) as lemf, Spool(tmp_path / "s") as spool, \
            blocking_client(lemf.port, spool, pki.client_context(),
                            on_event=notices.append) as client:
        client.send_many(RECORDS)
        assert client.wait_idle(30)
    kinds = [n.kind for n in notices]
    assert "connected" in kinds and "delivered" in kinds and "disconnected" in kinds
    delivered = [i for n in notices if n.kind == "delivered" for i in n.record_ids]
    assert sorted(delivered) == list(range(1, len(RECORDS) + 1))
    assert any("connected" in r.getMessage() for r in caplog.records)


def test_a_callback_that_raises_does_not_stop_the_delivery(pki: TestPKI,
                                                           tmp_path: Path) -> None:
    def broken(_: DeliveryNotice) -> None:
        raise RuntimeError("observer bug")

    with TLSLEMF(server_context(pki, "1.2")) as lemf, Spool(tmp_path / "s") as spool, \
            blocking_client(lemf.port, spool, pki.client_context(), on_event=broken) as c:
        c.send_many(RECORDS)
        assert c.wait_idle(30)


@pytest.mark.parametrize("kind", ["blocking", "asyncio"])
def test_a_worker_that_dies_says_why(pki: TestPKI, tmp_path: Path, kind: str) -> None:
    session = factory()()  # a session where a factory is expected: not callable
    with pytest.raises(TypeError, match="session_factory must be callable"):
        blocking_client(1, Spool(tmp_path / "a"), pki.client_context(),
                        session_factory=session)

    def wrong() -> Any:
        return session_factory_result

    session_factory_result = "not a session"
    with TLSLEMF(server_context(pki, "1.3")) as lemf, Spool(tmp_path / "s") as spool, \
            pytest.raises(TypeError, match="must return a HandoverSession"):
        deliver(kind, lemf.port, spool, pki.client_context(), idle=30, session_factory=wrong)


def test_constructor_arguments_are_checked_at_once(pki: TestPKI, tmp_path: Path) -> None:
    with Spool(tmp_path / "s") as spool:
        context = pki.client_context()
        for kwargs, error in (({"port": 0}, ValueError), ({"port": "443"}, TypeError),
                              ({"host": ""}, ValueError), ({"max_refusals": 0}, ValueError),
                              ({"on_event": 3}, TypeError), ({"clock": 1}, TypeError)):
            arguments: dict[str, Any] = {"host": HOST, "port": 1, **kwargs}
            host, port = arguments.pop("host"), arguments.pop("port")
            with pytest.raises(error):
                DeliveryClient(host, port, spool, factory(), ssl_context=context, **arguments)


# -- poison records (point 6) ----------------------------------------------------------------

POISON = b"\x04\x03abc"  # an OCTET STRING: no LAESProtocol; the listener closes on it


@pytest.mark.parametrize("kind", ["blocking", "asyncio"])
def test_a_poison_record_goes_to_the_dead_letters_and_the_rest_flows(
        pki: TestPKI, tmp_path: Path, kind: str) -> None:
    records = [*RECORDS[:8], POISON, *RECORDS[8:20]]
    notices: list[DeliveryNotice] = []
    with TLSLEMF(server_context(pki, "1.3")) as lemf, Spool(tmp_path / "s") as spool:
        ids = spool.append_many(records, kinds="IRI", keys="CASE-7")
        poison_id = ids[8]

        async def run_async() -> tuple[bool, Any]:
            async with async_client(lemf.port, spool, pki.client_context(),
                                    on_event=notices.append) as client:
                return await client.wait_idle(60), client.stats()

        if kind == "blocking":
            with blocking_client(lemf.port, spool, pki.client_context(),
                                 on_event=notices.append) as client:
                idle, stats = client.wait_idle(60), client.stats()
        else:
            idle, stats = asyncio.run(asyncio.wait_for(run_async(), 90))
        assert idle, stats
        letters = spool.dead_letters()
        assert [letter.record_id for letter in letters] == [poison_id]
        assert letters[0].payload == POISON and "3 times in a row" in letters[0].reason
        assert letters[0].peer_said
    assert set(RECORDS[:20]) <= set(lemf.records)  # the rest flowed on
    assert stats.acknowledged == 20 and stats.acknowledged <= len(lemf.records)
    [dead] = [n for n in notices if n.kind == "dead-letter"]
    assert dead.record_ids == (poison_id,) and dead.liid == "CASE-7"
    assert dead.record_kind == "IRI" and dead.offset is not None


def test_the_poison_search_halves_the_suspects() -> None:
    from lawful_intercept.delivery._poison import PoisonWatch

    watch = PoisonWatch(2)
    assert watch.peer_closed([1, 2, 3, 4, 5, 6, 7, 8]) is None and watch.probe == 4
    watch.proven([1, 2, 3, 4])
    assert watch.peer_closed([5, 6, 7, 8]) is None and watch.probe == 2
    assert watch.peer_closed([5, 6]) is None and watch.probe == 1
    assert watch.peer_closed([5]) is None
    assert watch.peer_closed([5]) == 5  # twice in a row, alone
    assert watch.probe is None  # full batches again


# -- the command line: send stops on a refusal that cannot heal (point 2, issue case 1) ------


@pytest.mark.parametrize("stream_format", ["atis", "etsi"])
def test_send_ends_with_exit_1_when_the_lemf_refuses_our_certificate(
        tmp_path: Path, stream_format: str, capsys: pytest.CaptureFixture[str]) -> None:
    from lawful_intercept.cli import main
    from lawful_intercept.lemf import LEMFThread
    from lawful_intercept.lemf import server_context as lemf_context

    files = make_test_pki().write(tmp_path / "pki")
    stranger = make_test_pki().write(tmp_path / "stranger")  # a client of another CA
    stream = tmp_path / "stream.ber"
    assert main(["generate", "--format", stream_format, "--records", "50",
                 "--out", str(stream)]) == 0
    context = lemf_context(files.server_cert, files.server_key, files.ca)
    with LEMFThread(tmp_path / "lemf", ssl_context=context) as lemf:
        if stream_format == "atis":
            types = ("LAESProtocol", "CCDeliveryHeaderModule.CC-APDU",
                     "IAS-LAES-CmII-Abstract-Syntax-Module.IasProtocol")
            to = [option for t in types for option in (
                "--to", f"{HOST}:{lemf.listen(HOST, 0, pdu_type=t)[1]}/{t.rpartition('.')[2]}")]
        else:
            to = ["--to", f"{HOST}:{lemf.listen(HOST, 0)[1]}"]
        capsys.readouterr()
        code = main(["send", str(stream), *to, "--cert", str(stranger.client_cert),
                     "--key", str(stranger.client_key), "--ca", str(files.ca),
                     "--server-name", "localhost", "--timeout", "600"])
        err = capsys.readouterr().err
        summary = lemf.summary()
    assert code == 1, err
    assert "refused our certificate (alert" in err and "3 times in a row" in err, err
    assert "Traceback" not in err
    assert summary["records"] == 0


# -- plain TCP (lab set-ups): our FIN answered by the peer's FIN -----------------------------


class PlainLEMF(ServerThread):
    """A plain TCP LEMF thread reading LAESProtocol records to the end of the stream, then
    closing (``reset=False``: a FIN after reading everything) or resetting (``reset=True``:
    an RST, as a peer that fails does)."""

    def __init__(self, *, reset: bool) -> None:
        super().__init__()
        self.reset = reset

    def handle(self, raw: socket.socket) -> None:
        receiver = ReceiverSession(SPEC, pdu_type=TYPE, options=())
        with contextlib.closing(raw):
            try:
                while data := raw.recv(65536):
                    receiver.receive_data(data)
                    self.records += [e.pdu.raw for e in receiver.events()
                                     if isinstance(e, RecordReceived)]
            except OSError:
                return
            if self.reset:  # SO_LINGER 0: the close sends an RST
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                               (1).to_bytes(4, "little") + (0).to_bytes(4, "little"))


@pytest.mark.parametrize("kind", ["blocking", "asyncio"])
@pytest.mark.parametrize("reset", [False, True])
def test_plain_tcp_proof_is_the_peers_fin(tmp_path: Path, kind: str, reset: bool) -> None:
    with PlainLEMF(reset=reset) as lemf, Spool(tmp_path / "s") as spool:
        options: dict[str, Any] = {"insecure_plain_tcp": True}
        if kind == "blocking":
            with DeliveryClient(HOST, lemf.port, spool, factory(), ssl_context=None,
                                reconnect_initial=0.05, reconnect_max=0.2, poll_interval=0.05,
                                **options) as client:
                client.send_many(RECORDS)
                assert wait_for(lambda: set(lemf.records) == set(RECORDS), 30)
                idle, stats = client.wait_idle(0.5 if reset else 30), client.stats()
        else:
            async def scenario() -> tuple[bool, Any]:
                async with AsyncDeliveryClient(HOST, lemf.port, spool, factory(),
                                               ssl_context=None, reconnect_initial=0.05,
                                               reconnect_max=0.2, poll_interval=0.05,
                                               **options) as client:
                    await client.send_many(RECORDS)
                    async with asyncio.timeout(30):
                        while set(lemf.records) != set(RECORDS):
                            await asyncio.sleep(0.02)
                    return await client.wait_idle(0.5 if reset else 30), client.stats()

            idle, stats = asyncio.run(asyncio.wait_for(scenario(), 60))
        assert stats.acknowledged <= len(lemf.records)
        if reset:  # an RST answers nothing: everything stays pending
            assert not idle and stats.acknowledged == 0
            assert spool.stats().queued == len(RECORDS)
        else:
            assert idle and stats.acknowledged == len(RECORDS)
        assert set(lemf.records) == set(RECORDS)


# -- which failures are refusals that cannot heal ---------------------------------------------


def _ssl_error(kind: type[ssl.SSLError], reason: str, **attributes: object) -> ssl.SSLError:
    error = kind(1, f"[SSL: {reason}] {reason.lower()}")
    error.reason = reason
    for name, value in attributes.items():
        setattr(error, name, value)
    return error


@pytest.mark.parametrize(("error", "meaning"), [
    (_ssl_error(ssl.SSLError, "TLSV13_ALERT_CERTIFICATE_REQUIRED"),
     "the LEMF refused our certificate (alert certificate_required)"),
    (_ssl_error(ssl.SSLError, "TLSV1_ALERT_UNKNOWN_CA"),
     "the LEMF refused our certificate (alert unknown_ca)"),
    (_ssl_error(ssl.SSLError, "SSLV3_ALERT_CERTIFICATE_EXPIRED"),
     "the LEMF refused our certificate (alert certificate_expired)"),
    (_ssl_error(ssl.SSLError, "TLSV1_ALERT_PROTOCOL_VERSION"),
     "the LEMF refused the handshake (alert protocol_version)"),
    (_ssl_error(ssl.SSLCertVerificationError, "CERTIFICATE_VERIFY_FAILED", verify_code=10,
                verify_message="certificate has expired"),
     "the LEMF's certificate has expired (certificate has expired)"),
    (_ssl_error(ssl.SSLCertVerificationError, "CERTIFICATE_VERIFY_FAILED", verify_code=62,
                verify_message="Hostname mismatch"),
     "the LEMF's certificate is not trusted (Hostname mismatch)"),
    (_ssl_error(ssl.SSLError, "TLSV1_ALERT_INTERNAL_ERROR"), None),
    (_ssl_error(ssl.SSLEOFError, "UNEXPECTED_EOF_WHILE_READING"), None),
    (ConnectionResetError(104, "reset"), None),
    (TimeoutError("timed out"), None),
])
def test_refusals_that_cannot_heal(error: BaseException, meaning: str | None) -> None:
    from lawful_intercept.delivery._pump_transport import refusal_of

    assert refusal_of(error) == meaning


def test_a_pin_mismatch_cannot_heal(pki: TestPKI, tmp_path: Path) -> None:
    with TLSLEMF(server_context(pki, "1.3")) as lemf, Spool(tmp_path / "s") as spool, \
            pytest.raises(DeliveryRefused, match="not the pinned one"):
        deliver("blocking", lemf.port, spool, pki.client_context(), idle=30, max_refusals=2,
                pinned_sha256=bytes(32))
    assert lemf.records == []


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 300), poison=st.integers(0, 299), strikes=st.integers(1, 4),
       batch=st.integers(1, 400))
def test_the_poison_search_blames_only_the_poison_record(n: int, poison: int, strikes: int,
                                                         batch: int) -> None:
    """A peer that closes the connection on one record and proves everything else (by the
    close of a stream without TRI PDUs): the search blames that record and no other, and
    every other record is proven; a poison record that comes first of all is never blamed
    (nothing was ever proven), and nothing else either."""
    from lawful_intercept.delivery._poison import PoisonWatch

    poison = poison % n + 1
    watch = PoisonWatch(strikes)
    pending = list(range(1, n + 1))
    proven: list[int] = []
    blamed: list[int] = []
    for _ in range(20 * n + 200):
        if not pending:
            break
        limit = batch if watch.probe is None else min(batch, watch.probe)
        carried = pending[:limit]
        if poison in carried:  # the peer reads up to it and closes: nothing proven
            found = watch.peer_closed(carried, blame=bool(proven))
            if found is not None:
                blamed.append(found)
                pending.remove(found)
        else:
            watch.proven(carried)
            proven += carried
            del pending[:len(carried)]
    if poison == 1:
        assert blamed == [] and proven == []
    else:
        assert blamed == [poison]
        assert sorted(proven) == [i for i in range(1, n + 1) if i != poison]
