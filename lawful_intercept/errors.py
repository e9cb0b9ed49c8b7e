"""Every error type of the library, in one place.

All derive from :class:`Error`. ``EncodeError`` means a value that breaks its ASN.1 type;
misuse of the API (a wrong type or an out-of-range argument) raises ``TypeError`` or
``ValueError`` (the library's own such errors derive from ``ValueError`` too). See
``docs/errors.md``.

Every error names the path to the field that broke a rule (``PS-PDU.pSHeader.sequenceNumber``)
and the rule itself, so that a mediation engineer can find the offending value at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the PDU types of FramingError and X2X3Error only
    from .stream import PDU
    from .x2x3 import X2X3PDU

__all__ = [
    "CLIError",
    "ClusterError",
    "CompileError",
    "ConversionError",
    "DecodeError",
    "DecryptionError",
    "DeliveryRefused",
    "EncodeError",
    "Error",
    "FramingError",
    "InsecureTransportError",
    "LEMFConfigError",
    "LeaseLost",
    "LocalProtocolError",
    "PinMismatch",
    "SpoolClosed",
    "SpoolCorrupt",
    "SpoolError",
    "SpoolFull",
    "SpoolLocked",
    "StoreError",
    "StreamError",
    "TLSConfigError",
    "UnproducibleTypeError",
    "WarrantBookError",
    "WarrantEndpointError",
    "WarrantFormatError",
    "WarrantSignatureError",
    "X1FormatError",
    "X1TransportError",
    "X2X3Error",
]


class Error(Exception):
    """Base class of every error this library raises on purpose."""

    def __init__(self, message: str, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(message)

    def prepend(self, segment: str) -> None:
        """Put ``segment`` (a type or member name, or ``[index]``) in front of the path."""
        if not self.path:
            self.path = segment
        elif self.path.startswith("["):
            self.path = segment + self.path
        else:
            self.path = f"{segment}.{self.path}"

    def __str__(self) -> str:
        return self._render()

    def _render(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class EncodeError(Error):
    """A value does not match its ASN.1 type (X.680) or cannot be encoded by BER (X.690).

    ``path`` is the dotted path from the top-level type to the offending field.
    """


class DecodeError(Error):
    """Bytes are not a valid BER encoding of the requested type (X.690).

    ``offset`` is the position in the input (from the start of the outermost PDU) where the
    problem was found.
    """

    def __init__(self, message: str, path: str = "", offset: int | None = None) -> None:
        self.offset = offset
        super().__init__(message, path)

    def _render(self) -> str:
        text = super()._render()
        return f"{text} (at offset {self.offset})" if self.offset is not None else text


class CompileError(Error):
    """An ASN.1 module cannot be compiled (X.680 syntax or reference rules).

    ``filename`` and ``line`` locate the construct; ``construct`` names it.
    """

    def __init__(
        self,
        message: str,
        filename: str | None = None,
        line: int | None = None,
        construct: str = "",
    ) -> None:
        self.filename = filename
        self.line = line
        self.construct = construct
        super().__init__(message)

    def _render(self) -> str:
        where = ""
        if self.filename is not None:
            line = f":{self.line}" if self.line is not None else ""
            where = f"{self.filename}{line}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        what = f"in {self.construct}: " if self.construct else ""
        return f"{where}{what}{self.message}"


# -- framing and decryption (X.690 framing of a stream; TS 102 232-1 EncryptionContainer) -----

class StreamError(DecodeError):
    """A byte stream that a sans-IO reader cannot cut into PDUs: :class:`FramingError` (BER,
    TS 102 232-1 clause 6) or :class:`X2X3Error` (TS 103 221-2 clause 5). ``offset`` is the
    position in the *stream* (counted from the first byte ever fed) of the octets at fault.

    ``pdus`` holds the PDUs that the failing ``feed`` call completed before the error, so that
    nothing received before the fault is lost.
    """

    def __init__(self, message: str, path: str = "", offset: int | None = None) -> None:
        super().__init__(message, path, offset)
        self.pdus: tuple[object, ...] = ()


class FramingError(StreamError):
    """The byte stream cannot be cut into BER PDUs (X.690 8.1.2, 8.1.3; TS 102 232-1 clause 6).

    Raised for invalid identifier or length octets at the start of a PDU or of a TLV nested in
    an indefinite-length PDU, a declared length (or a running indefinite-length PDU) above the
    reader's ``max_pdu_size``, an outermost tag that the expected type cannot start with, and by
    :meth:`lawful_intercept.stream.PDUReader.eof` for a stream that ends inside a PDU.
    ``pdus`` are :class:`lawful_intercept.stream.PDU` objects (see :class:`StreamError`).
    """

    pdus: tuple[PDU, ...]


class DecryptionError(DecodeError):
    """An encryptionContainer could not be decrypted: wrong key, wrong sequence number (IV),
    wrong padding scheme, corrupted ciphertext, or an unsupported encryptionType."""


# -- delivery: the durable spool -------------------------------------------------------------


class SpoolError(Error):
    """A spool operation failed: base class of the spool's errors."""


class SpoolFull(SpoolError):
    """The spool holds ``max_bytes`` or ``max_records``: the record was not stored."""


class SpoolLocked(SpoolError):
    """Another process (or another ``Spool`` object) has the spool directory open."""


class SpoolClosed(SpoolError):
    """The spool was closed."""


class SpoolCorrupt(SpoolError):
    """A spool file is damaged in a way a crash cannot explain.

    ``filename`` is the path of the file and ``offset`` the byte position of the damaged
    record or entry in it.
    """

    def __init__(self, message: str, filename: str, offset: int) -> None:
        self.filename = filename
        self.offset = offset
        super().__init__(message)

    def _render(self) -> str:
        return f"{self.filename}: at offset {self.offset}: {self.message}"


# -- delivery: transport and session ---------------------------------------------------------


class InsecureTransportError(Error, ValueError):
    """The client was asked for a transport it refuses: plain TCP without
    ``insecure_plain_tcp=True``, or an SSL context that does not verify the server."""


class TLSConfigError(Error, ValueError):
    """A TLS setting is unusable: a pin that is not a SHA-256 fingerprint, or a certificate,
    key or CA file that is missing or does not load. ``path`` names the argument."""


class PinMismatch(Error, ConnectionError):
    """The server's certificate verified, but its SHA-256 fingerprint is none of the pins.

    A connection failure like a failed handshake (it is a ``ConnectionError``, so an
    ``OSError``): the delivery clients close the connection, record the reason and try again
    after the back-off. ``fingerprint`` is the server's (``None`` if it sent no certificate).
    """

    def __init__(self, message: str, fingerprint: bytes | None = None) -> None:
        super().__init__(message)
        self.fingerprint = fingerprint


class LocalProtocolError(Error, ValueError):
    """The caller used a handover session wrongly (a method in the wrong state, a record id
    that is still outstanding, a bad argument): a bug in the caller, never the peer's doing."""


# -- the test LEMF ---------------------------------------------------------------------------


class LEMFConfigError(Error, ValueError):
    """A LEMF option is unusable (``path`` names it): no TLS without ``insecure_plain_tcp``,
    a context that does not require client certificates, a PDU type the specification does
    not have, a listener name used twice, ..."""


class StoreError(Error):
    """A LEMF's output directory cannot be used: a file that cannot be read back (not a stream
    of BER PDUs, X.690 8.1) or written."""


# -- value generation and the command line ---------------------------------------------------


class UnproducibleTypeError(Error, ValueError):
    """No finite valid value of a type exists, or its constraints admit no value at all.

    ``path`` names the type concerned (``Module.Type``).
    """


class CLIError(Error):
    """An error the user can cause and fix (a missing file, a bad value): the command line
    reports it as one line ``lawful-intercept: error: <message>`` on stderr, exit status 1."""


# -- warrants (HI-1, ETSI TS 103 120) -----------------------------------------------------


class WarrantFormatError(Error, ValueError):
    """An HI-1 message (ETSI TS 103 120) that cannot be read: not well-formed XML, hostile
    (a DTD, an entity, an external reference), larger than the limit, or missing or breaking
    a field the model needs. ``path`` names the element concerned."""


class WarrantSignatureError(Error):
    """An HI-1 message or approval cannot be signed (no such authorisation, a key that does not
    match its certificate, ...). Verification failures are not raised: they are results."""


# -- delivery ---------------------------------------------------------------------------------


class DeliveryRefused(Error, ConnectionError):
    """The LEMF keeps refusing the connection in a way retrying cannot heal (our certificate
    refused by a TLS alert, its certificate untrusted or expired, a pin mismatch): raised by
    a delivery client's ``wait_idle()`` once ``max_refusals`` such refusals came in a row.
    The records stay in the spool."""


# -- X2/X3 (ETSI TS 103 221-2) --------------------------------------------------------------


class X2X3Error(StreamError):
    """Octets that are not a valid X2/X3 PDU stream (ETSI TS 103 221-2 clause 5): an unknown
    PDU type, a header length below 40 or past the PDU, a PDU above the reader's
    ``max_pdu_size``, an attribute that overruns the header or breaks its type's rule, a stream
    that ends inside a PDU. ``path`` names the field (``header_length``,
    ``attributes[2].value``), ``offset`` is the stream position of the octets at fault;
    ``pdus`` are :class:`lawful_intercept.x2x3.X2X3PDU` objects (see :class:`StreamError`).
    """

    pdus: tuple[X2X3PDU, ...]


# -- X1 (ETSI TS 103 221-1) -----------------------------------------------------------------


class X1FormatError(Error, ValueError):
    """An X1 message (ETSI TS 103 221-1) that cannot be read or written: not well-formed XML,
    hostile (a DTD, an entity, an external reference), larger than the limit, or an element
    missing, out of order or breaking its XSD type's rule. ``path`` names the element
    (``X1Request/x1RequestMessage[0]/taskDetails/xId``)."""


class X1TransportError(Error, ConnectionError):
    """An X1 exchange over HTTPS failed (ETSI TS 103 221-1 clause 7): the peer answered with
    an HTTP status other than 200, closed the connection, or sent no X1 response."""


# -- the warrant book and the HI-1 endpoint (ETSI TS 103 120) -------------------------------


class WarrantBookError(Error):
    """The warrant book cannot be used: a file that is not a warrant book, an audit log whose
    hash chain is broken (rewritten outside the library), or a request the book refuses
    (an unknown object). ``path`` names the object or table concerned."""


class WarrantEndpointError(Error, ConnectionError):
    """The HI-1 endpoint answered an HTTP POST with an HTTP error (not an HI-1 response):
    the request was too large, not a POST, or had no Content-Length."""


# -- the mediation function (X2/X3 to HI2/HI3) ----------------------------------------------


class ConversionError(Error):
    """An X2/X3 PDU (ETSI TS 103 221-2) the mediation function could not turn into a handover
    record: a payload that is not what its payload format says (an IPv4 packet too short, a
    TS 33.128 xIRI that does not decode, a TS 102 232-1 PDU that is not a PS-PDU). ``path``
    names the field (``payload``, ``payload_format``). The converter counts and logs it; the
    PDU is reported, never passed on half-converted."""


# -- the mediation cluster (NATS JetStream) -------------------------------------------------


class ClusterError(Error):
    """The mediation cluster cannot do what was asked: the JetStream servers cannot be
    reached, a publish was not acknowledged by the stream in time (the X2/X3 PDU is then not
    received), a key-value entry that is not what the cluster wrote, or a record that is no
    TS 102 232-1 PS-PDU."""


class LeaseLost(ClusterError):
    """A handover node no longer owns an LIID: its lease expired or another node took it
    (the compare-and-set on the lease or on the numbering state failed). The node stops
    sending that LIID's records; the new owner sends what was not acknowledged."""
