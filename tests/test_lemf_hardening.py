"""The test LEMF as a hardened server: TLS alerts on refused handshakes, the cap on
handshakes, the handshake and idle timeouts, the memory budget, rate-limited logging (all on
127.0.0.1; every wait bounded, outcomes asserted, never timings)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from _lemf_support import HOST, TIMEOUT, cc_records, closed_by_peer, connect, plain_lemf, send
from hypothesis import given
from hypothesis import strategies as st

from lawful_intercept.certs import TestPKI
from lawful_intercept.lemf import LEMF, LEMFConfigError, LEMFThread
from lawful_intercept.lemf._throttle import LogThrottle
from lawful_intercept.lemf._tls import READ_SIZE

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}

# What OpenSSL sends for each refusal (measured; RFC 8446 6.2 / RFC 5246 7.2.2 alerts):
# TLS 1.2 has no certificate_required alert and sends handshake_failure instead.
REFUSALS: dict[tuple[str, str], str] = {
    ("another CA", "1.2"): "TLSV1_ALERT_UNKNOWN_CA",
    ("another CA", "1.3"): "TLSV1_ALERT_UNKNOWN_CA",
    ("expired", "1.2"): "SSLV3_ALERT_CERTIFICATE_EXPIRED",
    ("expired", "1.3"): "SSLV3_ALERT_CERTIFICATE_EXPIRED",
    ("no certificate", "1.2"): "SSLV3_ALERT_HANDSHAKE_FAILURE",
    ("no certificate", "1.3"): "TLSV13_ALERT_CERTIFICATE_REQUIRED",
}
CAUSES = {"another CA": "unable to get local issuer certificate",
          "expired": "certificate has expired",
          "no certificate": "PEER_DID_NOT_RETURN_A_CERTIFICATE"}


def client_context(pki: TestPKI, case: str, version: str) -> ssl.SSLContext:
    if case == "another CA":
        context = pki.client_context(identity=pki.issue_untrusted("client"))
    elif case == "expired":
        context = pki.client_context(identity=pki.issue_expired("client"))
    else:
        context = pki.client_context(present_certificate=False)
    context.minimum_version = context.maximum_version = VERSIONS[version]
    return context


def refusal(port: int, context: ssl.SSLContext) -> ssl.SSLError:
    """Connect, send a record and read: the ssl error the client gets."""
    with contextlib.closing(socket.create_connection((HOST, port), timeout=TIMEOUT)) as raw:
        try:
            # TLS 1.2 fails in the handshake; TLS 1.3 completes it on the client's side, and
            # the LEMF's alert arrives on the first read.
            with context.wrap_socket(raw, server_hostname="localhost") as sock:
                sock.sendall(cc_records(1)[0])
                sock.recv(100)
        except ssl.SSLError as exc:
            return exc
    raise AssertionError("the LEMF accepted the connection")


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("case", ["another CA", "expired", "no certificate"])
def test_a_refused_handshake_ends_with_a_tls_alert(tmp_path: Path, pki: TestPKI, case: str,
                                                    version: str) -> None:
    with LEMFThread(tmp_path / "out", ssl_context=pki.server_context()) as lemf:
        _, port = lemf.listen()
        error = refusal(port, client_context(pki, case, version))
        assert lemf.wait_for(lambda s: s["tls_handshake_failures"] == 1, TIMEOUT)
        send(port, pki.client_context(), cc_records(1)[0])  # the LEMF goes on
        assert lemf.wait_for(lambda s: s["records"] == 1, TIMEOUT)
        summary = lemf.summary()
    assert error.reason == REFUSALS[(case, version)], error
    assert summary["connections_open"] == 0 and summary["connections_closed_with_error"] == 0
    reason = summary["last_errors"][0]["reason"]
    assert "TLS handshake" in reason and CAUSES[case] in reason


def test_an_accepted_connection_is_closed_with_close_notify(tmp_path: Path,
                                                            pki: TestPKI) -> None:
    """The LEMF answers the client's close_notify with its own (RFC 8446 6.1): the client's
    unwrap completes instead of seeing an EOF."""
    for version in VERSIONS.values():
        context = pki.client_context()
        context.minimum_version = context.maximum_version = version
        with LEMFThread(tmp_path / f"out-{version.name}",
                        ssl_context=pki.server_context()) as lemf:
            _, port = lemf.listen()
            sock = cast(ssl.SSLSocket, connect(port, context))
            sock.sendall(cc_records(1)[0])
            assert lemf.wait_for(lambda s: s["records"] == 1, TIMEOUT)
            raw = sock.unwrap()  # sends ours, waits for the LEMF's close_notify
            raw.close()
            assert lemf.wait_for(lambda s: s["connections_open"] == 0, TIMEOUT)
            assert lemf.summary()["connections_lost"] == 0


def test_connections_over_the_handshake_cap_are_closed(tmp_path: Path, pki: TestPKI) -> None:
    with LEMFThread(tmp_path / "out", ssl_context=pki.server_context(),
                    max_handshakes=2) as lemf:
        _, port = lemf.listen()
        silent = [socket.create_connection((HOST, port), timeout=TIMEOUT) for _ in range(2)]
        try:
            assert lemf.wait_for(lambda s: s["handshakes_in_progress"] == 2, TIMEOUT)
            with contextlib.closing(socket.create_connection((HOST, port),
                                                             timeout=TIMEOUT)) as third:
                assert closed_by_peer(third)
            assert lemf.wait_for(lambda s: s["handshakes_refused"] == 1, TIMEOUT)
        finally:
            for sock in silent:
                sock.close()
        assert lemf.wait_for(lambda s: s["handshakes_in_progress"] == 0, TIMEOUT)
        send(port, pki.client_context(), cc_records(1)[0])
        assert lemf.wait_for(lambda s: s["records"] == 1, TIMEOUT)
        summary = lemf.summary()
    assert any("max_handshakes" in e["reason"] for e in summary["last_errors"])


def test_a_handshake_that_does_not_complete_is_closed(tmp_path: Path, pki: TestPKI) -> None:
    with LEMFThread(tmp_path / "out", ssl_context=pki.server_context(),
                    handshake_timeout=0.3) as lemf:
        _, port = lemf.listen()
        with contextlib.closing(socket.create_connection((HOST, port), timeout=TIMEOUT)) as s:
            assert closed_by_peer(s)
        assert lemf.wait_for(lambda s: s["tls_handshake_failures"] == 1, TIMEOUT)
        summary = lemf.summary()
    assert summary["handshakes_in_progress"] == 0
    assert "handshake_timeout" in summary["last_errors"][0]["reason"]


def test_an_idle_authenticated_connection_is_closed(tmp_path: Path, pki: TestPKI) -> None:
    with LEMFThread(tmp_path / "out", ssl_context=pki.server_context(),
                    idle_timeout=0.3) as lemf:
        _, port = lemf.listen()
        with contextlib.closing(connect(port, pki.client_context())) as sock:
            sock.sendall(cc_records(1)[0])
            assert closed_by_peer(sock)
        assert lemf.wait_for(lambda s: s["idle_closed"] == 1, TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == 1 and summary["connections_open"] == 0
    assert "idle_timeout" in summary["last_errors"][-1]["reason"]


def _declared(length: int) -> bytes:
    """The header of a SEQUENCE (X.690 8.1.3.5) declaring ``length`` contents octets."""
    return b"\x30\x83" + length.to_bytes(3, "big")


def test_the_memory_budget_bounds_what_connections_hold(tmp_path: Path) -> None:
    budget, size = 1 << 20, 512 << 10
    part = 400 << 10
    with plain_lemf(tmp_path / "out", max_pdu_size=size, memory_budget=budget) as (lemf, port):
        socks = [connect(port, None) for _ in range(3)]
        try:
            for number, sock in enumerate(socks[:2], 1):
                sock.sendall(_declared(size - 10) + bytes(part))

                def holding(summary: dict[str, Any], n: int = number) -> bool:
                    return bool(summary["buffered_octets"] >= n * part)

                assert lemf.wait_for(holding, TIMEOUT)
            socks[2].sendall(_declared(size - 10) + bytes(part))
            assert closed_by_peer(socks[2])
            assert lemf.wait_for(lambda s: s["memory_refusals"] == 1, TIMEOUT)
            held = lemf.summary()
            # A declared length above max_pdu_size is refused at its length octets.
            with contextlib.closing(connect(port, None)) as big:
                big.sendall(_declared(size + 1))
                assert closed_by_peer(big)
        finally:
            for sock in socks:
                sock.close()
        assert lemf.wait_for(lambda s: s["connections_open"] == 0, TIMEOUT)
        summary = lemf.summary()
    assert held["buffered_octets"] <= budget
    assert summary["peak_buffered_octets"] <= budget + READ_SIZE
    assert summary["buffered_octets"] == 0  # everything accounted was given back
    reasons = [e["reason"] for e in summary["last_errors"]]
    assert any("memory_budget" in r for r in reasons)
    assert any("max_pdu_size" in r for r in reasons)


def test_limits_are_checked(tmp_path: Path) -> None:
    for options, name in (({"memory_budget": 10, "max_pdu_size": 100}, "memory_budget"),
                          ({"max_handshakes": 0}, "max_handshakes"),
                          ({"idle_timeout": -1}, "idle_timeout"),
                          ({"log_lines": True}, "log_lines")):
        with pytest.raises(LEMFConfigError, match=name):
            LEMFThread(tmp_path / "out", insecure_plain_tcp=True, **options)


# -- rate-limited logging --------------------------------------------------------------------


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@given(st.lists(st.floats(0, 5), max_size=200), st.integers(1, 5))
def test_the_throttle_writes_at_most_its_lines_then_a_count(gaps: list[float],
                                                            lines: int) -> None:
    now = [0.0]
    logger = logging.getLogger("test.throttle")
    logger.propagate = False
    handler = _Lines()
    logger.addHandler(handler)
    try:
        throttle = LogThrottle(logger, lines=lines, interval=1.0, clock=lambda: now[0])
        written: list[float] = []
        for gap in gaps:
            now[0] += gap
            if throttle.log("key", logging.WARNING, "event at %s", now[0]):
                written.append(now[0])
        throttle.flush()
    finally:
        logger.removeHandler(handler)
    events = [m for m in handler.lines if m.startswith("event")]
    counted = sum(int(m.split()[0]) for m in handler.lines if "not logged" in m)
    assert len(events) == len(written) and len(events) + counted == len(gaps)
    assert counted == throttle.suppressed
    # At most `lines` per window, so at most twice that in any span of one interval.
    for start in written:
        assert sum(1 for t in written if start <= t < start + 1.0) <= 2 * lines


def test_descriptor_exhaustion_is_logged_a_few_times(tmp_path: Path) -> None:
    """A LEMF limited to a few descriptors, flooded with connections: it counts the accepts
    that failed and logs a bounded number of lines, without tracebacks, then the count of
    the lines it held back."""
    ready = tmp_path / "ready"
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48)); "
            "from lawful_intercept.lemf import main; sys.exit(main(sys.argv[1:]))")
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--out", str(tmp_path / "out"), "--insecure-plain-tcp",
         "--listen", f"{HOST}:0", "--ready-file", str(ready), "--log-level", "WARNING"],
        stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()
    flood: list[socket.socket] = []
    try:
        assert _wait(lambda: ready.exists() or process.poll() is not None, 60)
        port = int(ready.read_text().split()[1])
        for _ in range(120):
            with contextlib.suppress(OSError):
                flood.append(socket.create_connection((HOST, port), timeout=TIMEOUT))
        assert _wait(lambda: any("system resource" in line for line in lines), 60)
    finally:
        for sock in flood:
            sock.close()
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(10)
    err = "".join(lines)
    held = [line for line in lines if "'out of system resource' messages were not logged" in line]
    logged = [line for line in lines if "cannot accept" in line]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "Traceback" not in err
    # At most log_lines (5) per 10-second window: two windows if the machine is slow.
    assert 1 <= len(logged) <= 10, err[-2000:]
    suppressed = sum(int(line.split("WARNING lawful_intercept.lemf: ")[1].split()[0])
                     for line in held)
    assert summary["resource_errors"] == len(logged) + suppressed
    assert len(lines) <= 40, err[-2000:]


_RETRY_AFTER_CLOSE = """
import asyncio, json, logging, resource, sys
from lawful_intercept.lemf import LEMF

async def main(out):
    loop = asyncio.get_running_loop()
    errors = []
    handler = logging.Handler()
    handler.emit = lambda record: errors.append(record.getMessage())
    logging.getLogger("asyncio").addHandler(handler)
    lemf = LEMF(out, insecure_plain_tcp=True)
    host, port = await lemf.listen()
    resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))
    print(port, flush=True)
    end = loop.time() + 60
    while not lemf.resource_errors and loop.time() < end:  # the test floods the listener
        await asyncio.sleep(0.01)
    failed_at = loop.time()
    await lemf.close()
    # asyncio's accept retry comes a second after the failed accept: keep the loop running
    # past it, as a program that goes on after closing its LEMF does.
    await asyncio.sleep(max(0.0, failed_at + 1.5 - loop.time()))
    print(json.dumps({"resource_errors": lemf.resource_errors, "errors": errors}))

asyncio.run(main(sys.argv[1]))
"""


def test_an_accept_retry_due_after_close_is_not_a_traceback(tmp_path: Path) -> None:
    """Out of descriptors, asyncio retries the accept a second later, also on a listener
    closed since, where the retry fails: a LEMF closed within that second takes the retry
    while its handler is installed, so nothing reaches the loop's default handler."""
    process = subprocess.Popen(
        [sys.executable, "-c", _RETRY_AFTER_CLOSE, str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    flood: list[socket.socket] = []
    try:
        port = int(process.stdout.readline())
        for _ in range(120):  # from this process: only the LEMF runs out of descriptors
            with contextlib.suppress(OSError):
                flood.append(socket.create_connection((HOST, port), timeout=TIMEOUT))
        out, err = process.communicate(timeout=120)
    finally:
        for sock in flood:
            sock.close()
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err[-2000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["resource_errors"] >= 1  # the scenario happened: an accept failed
    assert result["errors"] == [], result["errors"]
    assert "Traceback" not in err, err[-2000:]


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_the_budget_is_not_below_a_pdu(tmp_path: Path) -> None:
    with pytest.raises(LEMFConfigError, match="at least max_pdu_size"):
        LEMFThread(tmp_path / "out", insecure_plain_tcp=True, max_pdu_size=1 << 20,
                   memory_budget=1 << 19)
    assert not os.path.exists(tmp_path / "out" / "received.ber")


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_an_asyncio_sender_sees_the_alert_too(tmp_path: Path, pki: TestPKI,
                                              version: str) -> None:
    """The LEMF in the caller's event loop, an asyncio sender with a certificate of another
    CA: the alert reaches asyncio's TLS transport as well."""

    async def attempt() -> tuple[BaseException, dict[str, Any]]:
        lemf = LEMF(tmp_path / "out", ssl_context=pki.server_context())
        try:
            host, port = await lemf.listen()
            context = client_context(pki, "another CA", version)
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port, ssl=context,
                                            server_hostname="localhost"), TIMEOUT)
                writer.write(cc_records(1)[0])
                await asyncio.wait_for(reader.read(100), TIMEOUT)
                writer.close()
            except (ssl.SSLError, ConnectionError) as exc:
                return exc, lemf.summary()
            raise AssertionError("the LEMF accepted the connection")
        finally:
            await lemf.close()

    error, summary = asyncio.run(attempt())
    assert isinstance(error, ssl.SSLError) and error.reason == "TLSV1_ALERT_UNKNOWN_CA", error
    assert summary["tls_handshake_failures"] == 1


def test_a_stream_ending_inside_a_pdu_is_one_error(tmp_path: Path, pki: TestPKI) -> None:
    """close_notify then the TCP FIN after part of a PDU: one protocol error, counted once."""
    with LEMFThread(tmp_path / "out", ssl_context=pki.server_context()) as lemf:
        _, port = lemf.listen()
        sock = cast(ssl.SSLSocket, connect(port, pki.client_context()))
        record = cc_records(2)
        sock.sendall(record[0] + record[1][:30])
        with contextlib.suppress(OSError):
            sock.unwrap().close()
        assert lemf.wait_for(lambda s: s["connections_open"] == 0 and s["records"] == 1,
                             TIMEOUT)
        summary = lemf.summary()
    assert summary["decode_errors"] == 1 and summary["connections_closed_with_error"] == 1
    assert "stream ended inside a PDU" in summary["last_errors"][-1]["reason"]
