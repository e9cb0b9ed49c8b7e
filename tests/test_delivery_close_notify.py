"""A completed TLS shutdown is proof only when the peer's close_notify completed it.

OpenSSL's SSL_shutdown also completes on the peer's fatal alert, and Python's ``unwrap``
then returns normally. Under TLS 1.3 the client's side of the handshake completes before
the server checks the client's certificate, so a LEMF that refuses the certificate sends
its alert while the client is already closing: if the alert is waiting when ``unwrap``
reads, the refusal looked like an answered close and the records sent counted as delivered.
Here both ends are TLS objects over memory BIOs, so the order of events is exact.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from lawful_intercept.certs import make_test_pki
from lawful_intercept.delivery._tls import close_notify_received

Pair = tuple[ssl.SSLObject, ssl.MemoryBIO, ssl.MemoryBIO,
             ssl.SSLObject, ssl.MemoryBIO, ssl.MemoryBIO]


def _pair(tmp_path: Path, version: ssl.TLSVersion, *, stranger: bool) -> Pair:
    pki = make_test_pki(hostnames=("localhost",))
    files = pki.write(tmp_path / "pki")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(files.server_cert, files.server_key)
    server.load_verify_locations(files.ca)
    server.verify_mode = ssl.CERT_REQUIRED
    server.minimum_version = server.maximum_version = version
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(files.ca)
    own = make_test_pki().write(tmp_path / "other") if stranger else files
    client.load_cert_chain(own.client_cert, own.client_key)
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    return (client.wrap_bio(c_in, c_out, server_hostname="localhost"), c_in, c_out,
            server.wrap_bio(s_in, s_out, server_side=True), s_in, s_out)


def _move(source: ssl.MemoryBIO, sink: ssl.MemoryBIO) -> None:
    if data := source.read():
        sink.write(data)


def _handshake(pair: Pair) -> ssl.SSLError | None:
    """Run both handshakes; the server's refusal, if it refused."""
    client, c_in, c_out, server, s_in, s_out = pair
    client_done = server_done = False
    refusal: ssl.SSLError | None = None
    for _ in range(10):
        if not client_done:
            try:
                client.do_handshake()
                client_done = True
            except ssl.SSLWantReadError:
                pass
        _move(c_out, s_in)
        if not server_done and refusal is None:
            try:
                server.do_handshake()
                server_done = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as exc:
                refusal = exc
        _move(s_out, c_in)
        if client_done and (server_done or refusal is not None):
            return refusal
    raise AssertionError("the handshake did not end")


def test_a_fatal_alert_completes_unwrap_but_is_not_a_close_notify(tmp_path: Path) -> None:
    pair = _pair(tmp_path, ssl.TLSVersion.TLSv1_3, stranger=True)
    client = pair[0]
    refusal = _handshake(pair)
    assert refusal is not None  # the server refused; the client's side completed first
    client.write(b"a record the LEMF never reads")
    client.unwrap()  # completes: the alert was waiting (what made the refusal look proven)
    with pytest.raises(ssl.SSLError) as raised:
        close_notify_received(client)
    assert raised.value.reason == "TLSV1_ALERT_UNKNOWN_CA"


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_the_peers_close_notify_is_proof(tmp_path: Path, version: ssl.TLSVersion) -> None:
    pair = _pair(tmp_path, version, stranger=False)
    client, c_in, c_out, server, s_in, s_out = pair
    assert _handshake(pair) is None
    client.write(b"record")
    with pytest.raises(ssl.SSLWantReadError):
        client.unwrap()  # our close_notify goes out; the answer has not come yet
    _move(c_out, s_in)
    assert server.read(6) == b"record"
    assert server.read(1) == b""  # the server reads our close_notify ...
    server.unwrap()  # ... and answers it
    _move(s_out, c_in)
    client.unwrap()
    assert close_notify_received(client) is None


def test_an_unfinished_shutdown_or_an_unknown_object_proves_nothing(tmp_path: Path) -> None:
    pair = _pair(tmp_path, ssl.TLSVersion.TLSv1_3, stranger=False)
    client = pair[0]
    assert _handshake(pair) is None
    with pytest.raises(ssl.SSLWantReadError):
        client.unwrap()
    assert close_notify_received(client) is not None  # nothing from the peer yet
    assert close_notify_received(None) is not None
    assert close_notify_received(object()) is not None


def test_aborting_a_connection_already_let_go_is_quiet() -> None:
    """Python 3.11's early patch releases raise AttributeError from abort() on a TLS
    transport whose protocol already let it go (seen on 3.11.2: the asyncio client's loop
    died on a refused certificate); the client's abort treats it as nothing left to abort."""
    from lawful_intercept.delivery._aio import _abort

    class Gone:
        aborted = 0

        def abort(self) -> None:
            self.aborted += 1
            raise AttributeError("'NoneType' object has no attribute '_abort'")

    class Writer:
        transport = Gone()

    writer = Writer()
    _abort(writer)  # type: ignore[arg-type]
    assert writer.transport.aborted == 1
