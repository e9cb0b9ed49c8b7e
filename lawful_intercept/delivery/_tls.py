"""TLS settings of the delivery clients: client contexts from PEM files and certificate pins.

A handover connection to a law-enforcement monitoring facility (LEMF) runs over TLS 1.2 or
later with the server's certificate verified against a CA and its host name, and usually a
client certificate for mutual TLS (TS 102 232-1 delivers over TCP; the standard's security
clauses were not available to cite exactly, see :mod:`lawful_intercept.certs`).

Some agencies also give the SHA-256 fingerprint of their server certificate. A *pin* is that
fingerprint: the SHA-256 digest of the DER encoding of the leaf certificate (as
``openssl x509 -noout -fingerprint -sha256`` prints it). Pins are checked **in addition to**
the CA and host-name verification, never instead of it: a connection whose leaf certificate
matches no pin is closed right after the handshake, before any record is written.

* :func:`client_context` builds a verifying client ``ssl.SSLContext`` from PEM files;
* :func:`normalize_pins` parses fingerprints given as 32 bytes or as hex text;
* :func:`check_pin` checks a certificate against the pins (:class:`PinMismatch`);
* :func:`check_client_context` is the delivery clients' refusal of an insecure set-up.

See docs/delivery.md, "TLS and certificate pinning".
"""

from __future__ import annotations

import hashlib
import os
import ssl
import string
from collections.abc import Iterable
from typing import Final, TypeAlias

from .._checks import tls12_at_least
from ..errors import InsecureTransportError, PinMismatch, TLSConfigError

__all__ = [
    "PinMismatch",
    "Pins",
    "TLSConfigError",
    "check_client_context",
    "check_pin",
    "client_context",
    "close_notify_received",
    "fingerprint",
    "normalize_pins",
]

Pins: TypeAlias = Iterable[bytes | str] | bytes | str | None
"""What ``pinned_sha256`` accepts: ``None`` (no pinning), one fingerprint, or several."""

_DIGEST_SIZE: Final = hashlib.sha256().digest_size
_PIN_ARGUMENT: Final = "pinned_sha256"
_HEX_DIGITS: Final = frozenset(string.hexdigits)
_IGNORE_UNEXPECTED_EOF: Final = getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", ssl.Options(0))


def fingerprint(der: bytes) -> bytes:
    """The SHA-256 fingerprint (32 bytes) of a DER-encoded certificate."""
    return hashlib.sha256(der).digest()


def _parse_pin(pin: object, where: str) -> bytes:
    if isinstance(pin, bytes | bytearray | memoryview):
        raw = bytes(pin)
        if len(raw) != _DIGEST_SIZE:
            raise TLSConfigError(
                f"a SHA-256 fingerprint is {_DIGEST_SIZE} bytes, got {len(raw)} (give bytes "
                "of the digest or its hex text)", where)
        return raw
    if isinstance(pin, str):
        text = "".join(pin.split()).replace(":", "")
        if text[:7].lower() == "sha256/":
            raise TLSConfigError(
                "a base64 public-key pin (sha256/...) is not a certificate fingerprint: give "
                "the SHA-256 of the certificate in hex", where)
        if not text or not set(text) <= _HEX_DIGITS:
            raise TLSConfigError(f"{pin!r} is not hex text (0-9, a-f, optional colons)",
                                 where)
        if len(text) != 2 * _DIGEST_SIZE:
            raise TLSConfigError(
                f"a SHA-256 fingerprint is {2 * _DIGEST_SIZE} hex digits, got {len(text)}",
                where)
        return bytes.fromhex(text)
    raise TLSConfigError(f"a fingerprint must be bytes or hex text, got {type(pin).__name__}",
                         where)


def normalize_pins(pins: Pins, *, argument: str = _PIN_ARGUMENT) -> frozenset[bytes]:
    """Parse certificate pins: ``None`` gives an empty set (no pinning); otherwise one
    fingerprint or an iterable of them, each the 32 bytes of a SHA-256 digest or its hex
    text with or without colons (any case, white space ignored). The error names
    ``argument`` and the position of the bad pin. An empty iterable is refused: it would pin
    nothing."""
    if pins is None:
        return frozenset()
    if isinstance(pins, bytes | bytearray | memoryview | str):
        return frozenset({_parse_pin(pins, argument)})
    try:
        items = list(pins)
    except TypeError:
        raise TLSConfigError(
            f"expected a fingerprint or an iterable of them, got {type(pins).__name__}",
            argument) from None
    if not items:
        raise TLSConfigError("no fingerprint given: pass None for no pinning", argument)
    return frozenset(_parse_pin(pin, f"{argument}[{index}]") for index, pin in enumerate(items))


def check_pin(der: bytes | None, pins: frozenset[bytes]) -> None:
    """Check the server's leaf certificate (DER, as ``getpeercert(binary_form=True)`` gives
    it) against ``pins`` (from :func:`normalize_pins`); raise :class:`PinMismatch` if its
    SHA-256 fingerprint is none of them. No pins: nothing is checked."""
    if not pins:
        return
    if not der:
        raise PinMismatch("certificate pin mismatch: the server presented no certificate")
    digest = fingerprint(der)
    if digest not in pins:
        raise PinMismatch(
            f"certificate pin mismatch: the server's certificate has SHA-256 fingerprint "
            f"{digest.hex(':').upper()}, which is none of the {len(pins)} pinned",
            digest)


def close_notify_received(tls_object: object) -> str | None:
    """After a TLS shutdown (``unwrap``) that completed, whether the peer's close_notify
    completed it (RFC 8446 6.1, RFC 5246 7.2.1): ``None`` if so; the peer's fatal alert is
    raised as the :class:`ssl.SSLError` it is; any other outcome is returned as the reason
    the close is not proven.

    OpenSSL's ``SSL_shutdown`` reports a completed shutdown when it reads the peer's *fatal
    alert* as well as its close_notify (both end the peer's sending), and Python's
    ``unwrap`` then returns normally: a LEMF that refused our certificate after a TLS 1.3
    handshake (the client's side completes first) would otherwise look like one that read
    everything and answered our close. A read on the shut-down TLS object tells them apart:
    ``SSLZeroReturnError`` after a close_notify, the alert's ``SSLError`` after an alert.
    ``tls_object`` is an :class:`ssl.SSLObject`, or the TLS object behind an
    :class:`ssl.SSLSocket` taken before ``unwrap`` (which drops it); without a ``read``
    (another Python implementation), nothing is presumed."""
    read = getattr(tls_object, "read", None)
    if read is None:
        return "the TLS shutdown completed, but not visibly by the peer's close_notify"
    try:
        read(1)
    except ssl.SSLZeroReturnError:
        return None
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
        return "the TLS shutdown completed without the peer's close_notify"
    return "the peer sent data after our close_notify"


def check_client_context(ssl_context: ssl.SSLContext | None, *, insecure_plain_tcp: bool,
                         pinned_sha256: Pins) -> frozenset[bytes]:
    """The delivery clients' refusals (:class:`InsecureTransportError`): plain TCP unless
    asked for, an SSL context that does not verify the server (certificate and host name),
    pins without TLS. Raises the context's ``minimum_version`` to TLS 1.2 if it is lower and
    clears ``ssl.OP_IGNORE_UNEXPECTED_EOF``; returns the parsed pins (:func:`normalize_pins`).

    With ``OP_IGNORE_UNEXPECTED_EOF`` OpenSSL reports the peer's TCP close as its
    close_notify (``SSLZeroReturnError``, a completed ``unwrap``), so a LEMF that closed
    without reading what we sent would look like one that answered our close: the proof of
    delivery for streams without acknowledgement (RFC 8446 6.1). Some Python builds
    (Debian's among them) set the option on every new context."""
    if ssl_context is None:
        if not insecure_plain_tcp:
            raise InsecureTransportError(
                "no ssl_context: refusing to deliver over plain TCP (pass "
                "insecure_plain_tcp=True to allow it, for tests only)")
    else:
        if insecure_plain_tcp:
            raise InsecureTransportError(
                "insecure_plain_tcp=True contradicts the ssl_context given")
        if ssl_context.verify_mode != ssl.CERT_REQUIRED or not ssl_context.check_hostname:
            raise InsecureTransportError(
                "ssl_context must verify the server's certificate and host name "
                "(verify_mode=CERT_REQUIRED, check_hostname=True)")
        tls12_at_least(ssl_context)
        ssl_context.options &= ~_IGNORE_UNEXPECTED_EOF
    pins = normalize_pins(pinned_sha256)
    if pins and ssl_context is None:
        raise InsecureTransportError(
            "pinned_sha256 needs TLS: a certificate pin cannot be checked over plain TCP")
    return pins


def _readable_file(path: str | os.PathLike[str], argument: str) -> str:
    name = os.fspath(path)
    if not isinstance(name, str):
        raise TLSConfigError(f"expected a file name, got {type(name).__name__}", argument)
    if not os.path.exists(name):
        raise TLSConfigError(f"{name}: no such file", argument)
    if not os.path.isfile(name):
        raise TLSConfigError(f"{name}: not a regular file", argument)
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise TLSConfigError(f"{name}: cannot read it: {exc.strerror or exc}",
                             argument) from None
    if b"-----BEGIN " not in data:
        raise TLSConfigError(f"{name}: not a PEM file (no -----BEGIN line)", argument)
    return name


def client_context(
    *,
    ca: str | os.PathLike[str] | None = None,
    cert: str | os.PathLike[str] | None = None,
    key: str | os.PathLike[str] | None = None,
) -> ssl.SSLContext:
    """A client ``ssl.SSLContext`` for a handover connection: TLS 1.2 or later, the server's
    certificate verified (``CERT_REQUIRED``) against the CA certificates in the PEM file
    ``ca`` (``None``: the system's trust store) and its host name checked.

    ``cert`` (PEM certificate chain, leaf first) and ``key`` (PEM private key, unencrypted;
    ``None``: the key is in ``cert``) are the client's identity for mutual TLS. A missing,
    unreadable or malformed file raises :class:`TLSConfigError` naming the file.
    """
    if key is not None and cert is None:
        raise TLSConfigError("a private key was given without its certificate (cert)", "key")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca is None:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    else:
        ca_file = _readable_file(ca, "ca")
        try:
            context.load_verify_locations(cafile=ca_file)
        except ssl.SSLError as exc:
            raise TLSConfigError(f"{ca_file}: no usable CA certificate in it: "
                                 f"{exc.reason or exc}", "ca") from None
    if cert is not None:
        cert_file = _readable_file(cert, "cert")
        key_file = _readable_file(key, "key") if key is not None else None
        try:
            context.load_cert_chain(cert_file, key_file)
        except ssl.SSLError as exc:
            files = cert_file if key_file is None else f"{cert_file} with {key_file}"
            raise TLSConfigError(
                f"cannot load the client certificate {files}: {exc.reason or exc} (is it a "
                "PEM certificate, and does the key belong to it?)", "cert") from None
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    context.options &= ~_IGNORE_UNEXPECTED_EOF  # see check_client_context
    return context
