"""The throwaway test PKI: chains, names, key usages, validity, files, and a real mutual-TLS
handshake on the loopback interface (bounded in time)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

from lawful_intercept.certs import CertifiedKey, TestPKI, make_test_pki

TIMEOUT = 5.0  # seconds; every socket operation of the handshake tests is bounded by it


def _store(pki: TestPKI) -> verification.Store:
    return verification.Store([pki.ca.certificate])


def _verify_server(pki: TestPKI, leaf: CertifiedKey, name: str) -> None:
    subject: verification.Subject
    try:
        subject = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        subject = x509.DNSName(name)
    verifier = (verification.PolicyBuilder().store(_store(pki)).time(datetime.now(UTC))
                .build_server_verifier(subject))
    chain = verifier.verify(leaf.certificate, [])
    assert chain[-1] == pki.ca.certificate


def _verify_client(pki: TestPKI, leaf: CertifiedKey) -> None:
    if not hasattr(verification.PolicyBuilder, "build_client_verifier"):
        pytest.skip("client certificate verification needs cryptography 43 or later")
    verifier = (verification.PolicyBuilder().store(_store(pki)).time(datetime.now(UTC))
                .build_client_verifier())
    verified = verifier.verify(leaf.certificate, [])
    assert verified.chain[-1] == pki.ca.certificate


# -- certificates --------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["ec", "rsa"])
def test_chains_verify(key_type: str) -> None:
    pki = make_test_pki(key_type=key_type)  # type: ignore[arg-type]
    _verify_server(pki, pki.server, "localhost")
    _verify_server(pki, pki.server, "127.0.0.1")
    _verify_client(pki, pki.client)
    expected = ec.EllipticCurvePrivateKey if key_type == "ec" else rsa.RSAPrivateKey
    assert isinstance(pki.server.key, expected)
    assert isinstance(pki.ca.key, expected)


def test_server_name_not_in_san_is_refused(pki: TestPKI) -> None:
    with pytest.raises(verification.VerificationError):
        _verify_server(pki, pki.server, "lemf.example")


def test_subject_alternative_names() -> None:
    pki = make_test_pki(hostnames=("lemf.example", "localhost", "127.0.0.1", "::1"))
    san = pki.server.certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["lemf.example", "localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1"),
                                                       ipaddress.ip_address("::1")]
    _verify_server(pki, pki.server, "lemf.example")
    _verify_server(pki, pki.server, "::1")
    client_san = pki.client.certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert client_san.get_values_for_type(x509.DNSName) == ["client.localhost"]


def test_extended_key_usages_and_basic_constraints(pki: TestPKI) -> None:
    def eku(cert: x509.Certificate) -> list[x509.ObjectIdentifier]:
        return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)

    assert eku(pki.server.certificate) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert eku(pki.client.certificate) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    ca_bc = pki.ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert ca_bc.ca is True
    for leaf in (pki.server, pki.client):
        bc = leaf.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        assert bc.ca is False
        assert leaf.certificate.issuer == pki.ca.certificate.subject
    # The client certificate is no server certificate, and the other way round.
    with pytest.raises(verification.VerificationError):
        _verify_server(pki, pki.client, "localhost")
    with pytest.raises(verification.VerificationError):
        _verify_client(pki, pki.server)


def test_validity(pki: TestPKI) -> None:
    now = datetime.now(UTC)
    for leaf in (pki.ca, pki.server, pki.client):
        cert = leaf.certificate
        assert cert.not_valid_before_utc <= now < cert.not_valid_after_utc
        assert (cert.not_valid_after_utc - now).days in (pki.days - 1, pki.days)


def test_expired_certificate_is_refused(pki: TestPKI) -> None:
    stale = pki.issue_expired("server")
    assert stale.certificate.not_valid_after_utc < datetime.now(UTC)
    assert stale.certificate.subject == pki.server.certificate.subject
    with pytest.raises(verification.VerificationError, match=r"expired|validity|not valid"):
        _verify_server(pki, stale, "localhost")
    with pytest.raises(verification.VerificationError):
        _verify_client(pki, pki.issue_expired("client"))


def test_certificate_from_another_ca_is_refused(pki: TestPKI) -> None:
    rogue = pki.issue_untrusted("server")
    assert rogue.certificate.issuer == pki.ca.certificate.subject  # same name, other key
    with pytest.raises(verification.VerificationError):
        _verify_server(pki, rogue, "localhost")
    with pytest.raises(verification.VerificationError):
        _verify_client(pki, pki.issue_untrusted("client"))


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="key_type"):
        make_test_pki(key_type="dsa")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="days"):
        make_test_pki(days=0)
    with pytest.raises(ValueError, match="hostnames"):
        make_test_pki(hostnames="localhost")
    with pytest.raises(ValueError, match="client_names"):
        make_test_pki(client_names=[""])


def test_write_files(tmp_path: Path, pki: TestPKI) -> None:
    files = pki.write(tmp_path / "pki")
    names = sorted(p.name for p in (tmp_path / "pki").iterdir())
    assert names == ["ca.pem", "client.key", "client.pem", "server.key", "server.pem"]
    assert files.ca.read_bytes() == pki.ca_pem
    assert files.server_cert.read_bytes() == pki.server.cert_pem
    assert files.server_key.read_bytes() == pki.server.key_pem
    assert files.client_cert.read_bytes() == pki.client.cert_pem
    assert files.client_key.read_bytes() == pki.client.key_pem
    for key in (files.server_key, files.client_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    # The files load into ssl like any others.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.server_cert, files.server_key)
    context.load_verify_locations(files.ca)


def test_make_test_pki_writes_to_directory(tmp_path: Path) -> None:
    pki = make_test_pki(tmp_path)
    assert (tmp_path / "ca.pem").read_bytes() == pki.ca_pem
    assert (tmp_path / "server.key").is_file()


# -- TLS on the loopback interface ---------------------------------------------------------


def _handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext,
               server_hostname: str) -> tuple[object, object]:
    """One TLS connection over 127.0.0.1: the client sends six octets, the server echoes them.

    Returns what each end got: for the client a dict (server certificate, TLS version, echo),
    for the server the client certificate; or, for either, the exception it raised."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TIMEOUT)
    port = listener.getsockname()[1]
    server_result: list[object] = []

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError as exc:
            server_result.append(exc)
            return
        conn.settimeout(TIMEOUT)
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                peer = tls.getpeercert()
                tls.sendall(tls.recv(16))
                server_result.append(peer)
        except OSError as exc:  # ssl.SSLError is an OSError
            server_result.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_result: object
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw, \
                client_ctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
            seen: dict[str, object] = {"peer": tls.getpeercert(), "version": tls.version()}
            tls.sendall(b"PS-PDU")
            seen["echo"] = tls.recv(16)
            client_result = seen
    except OSError as exc:
        client_result = exc
    finally:
        thread.join(TIMEOUT)
        listener.close()
    assert not thread.is_alive()
    return client_result, server_result[0] if server_result else None


def _common_name(cert: object) -> str:
    assert isinstance(cert, dict)
    for rdn in cert["subject"]:
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    raise AssertionError("no commonName")


@pytest.mark.parametrize("server_hostname", ["localhost", "127.0.0.1"])
def test_mutual_tls_handshake(pki: TestPKI, server_hostname: str) -> None:
    seen, server_saw = _handshake(pki.server_context(), pki.client_context(), server_hostname)
    assert isinstance(seen, dict), seen
    assert seen["echo"] == b"PS-PDU"
    assert seen["version"] in ("TLSv1.2", "TLSv1.3")
    assert _common_name(seen["peer"]) == "lawful-intercept test server"
    assert _common_name(server_saw) == "lawful-intercept test client"


def test_mutual_tls_handshake_rsa() -> None:
    pki = make_test_pki(key_type="rsa")
    seen, server_saw = _handshake(pki.server_context(), pki.client_context(), "localhost")
    assert isinstance(seen, dict), seen
    assert seen["echo"] == b"PS-PDU"
    assert _common_name(server_saw) == "lawful-intercept test client"


def test_tls_client_refuses_expired_server(pki: TestPKI) -> None:
    server_ctx = pki.server_context(identity=pki.issue_expired("server"))
    seen, _ = _handshake(server_ctx, pki.client_context(), "localhost")
    assert isinstance(seen, ssl.SSLCertVerificationError)
    assert "expired" in str(seen)


def test_tls_client_refuses_wrong_host_name(pki: TestPKI) -> None:
    seen, _ = _handshake(pki.server_context(), pki.client_context(), "lemf.example")
    assert isinstance(seen, ssl.SSLCertVerificationError)


def test_tls_server_refuses_untrusted_client(pki: TestPKI) -> None:
    client_ctx = pki.client_context(identity=pki.issue_untrusted("client"))
    seen, server_saw = _handshake(pki.server_context(), client_ctx, "localhost")
    assert isinstance(server_saw, ssl.SSLError)
    assert "certificate verify failed" in str(server_saw)
    # The client learns of it as an alert (TLS 1.3: on its first read).
    assert isinstance(seen, OSError)


def test_tls_server_refuses_client_without_certificate(pki: TestPKI) -> None:
    client_ctx = pki.client_context(present_certificate=False)
    seen, server_saw = _handshake(pki.server_context(), client_ctx, "localhost")
    assert isinstance(server_saw, ssl.SSLError)
    assert isinstance(seen, OSError)
