"""What the integrity checker, the verifier and the encryption share: the type aliases of the
public interface, the hash algorithms of the LI-PS-PDU module, the DataType items, and the
reading of a PS-PDU's header fields from its BER octets (ETSI TS 102 232-1 clauses 5.2, 6.4).

See ``docs/integrity.md``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Literal, NamedTuple, TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519

from .._checks import require_instance, type_name
from ..asn1c import Specification
from ..ber import read_short_tlv
from ..catalog import (
    KIND_OF_PAYLOAD,
    KIND_OF_PAYLOAD_TAG,
    NUMBERING_OF_KIND,
    PS_PDU,
    PayloadKind,
)
from ..errors import DecodeError

__all__ = [
    "COVERED_KIND",
    "CRYPTO_HASHES",
    "DATA_TYPE_OF_KIND",
    "DIGEST_SIZES",
    "EC_CURVE_HASH",
    "HASH_FACTORIES",
    "KIND_OF_DATA_TYPE",
    "MODULE",
    "PROFILES",
    "SEQ_MAX",
    "CheckStatus",
    "EncryptionAlgorithm",
    "HashAlgorithmName",
    "Kind",
    "PDUHeader",
    "Padding",
    "PaddingReading",
    "ProfileName",
    "SigningKey",
    "StreamKey",
    "VerifyingKey",
    "covered_kind",
    "decoded_header",
    "liid_bytes",
    "normalize_hash",
    "peek_header",
    "qualified",
]

Kind = Literal["IRI", "CC", "ILHI"]
"""The kind of PDUs a hash covers: the module's DataType iRI, cC, iLHI (the last one only in
versions that have it)."""

HashAlgorithmName = Literal["sHA-1", "sHA-256", "sHA-384", "sHA-512"]
"""The module's HashAlgorithm items. ``"SHA-256"``, ``"sha256"`` and the like are accepted too."""

SigningKey: TypeAlias = (
    ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)
"""A private key that signs integrity checks (TS 102 232-1 SignatureAlgorithm eCDSA, edDSA)."""

VerifyingKey: TypeAlias = (
    ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
    | x509.Certificate
)
"""A public key (or a certificate of one) that verifies signed integrity checks."""

CheckStatus = Literal["ok", "mismatch", "missing", "bad-signature", "unverifiable"]
"""The outcome of one integrity check (see :class:`~lawful_intercept.integrity.CheckResult`)."""

EncryptionAlgorithm = Literal["AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "none"]
"""The ciphers of an encryptionContainer (TS 102 232-1 EncryptionType)."""

Padding = Literal["pkcs7", "zero"]
"""The padding of an encrypted payload: ``zero`` (0 to 15 zero octets to a whole AES block, none
when the plaintext is already one: what OpenLI sends and libwandder reads) or ``pkcs7``
(RFC 5652 6.3: 1 to 16 octets; libwandder rejects it when the plaintext fills whole blocks)."""

PaddingReading = Literal["pkcs7", "zero", "any"]
"""The padding a receiver accepts: one of :data:`Padding`, or ``any`` (zero padding tried
first, then PKCS#7; the padding found is reported)."""

ProfileName = Literal["openli", "library"]
"""A reading of what TS 102 232-1 6.4 integrity checks hash and sign (the ASN.1 text does not
say; see ``docs/integrity.md``):

* ``openli``: OpenLI's current collector. A hash covers the encoded PS-PDUs, an encrypted one
  in its form before encryption (encryptionType none, the padded plaintext in place of the
  ciphertext); a signature covers the signature PDU's own IntegrityCheck encoded with an empty
  checkValue (the hash PDUs' TRI sequence numbers, checkType, dataType, signatureAlgorithm),
  and a signature PDU carries no hashAlgorithm.
* ``library``: this library's earlier reading. A hash covers the PS-PDUs as sent (encrypted
  or not); a signature covers the concatenated checkValues of the hash PDUs it names."""

PROFILES: Final[tuple[ProfileName, ...]] = ("openli", "library")
"""Every reading profile, the default first: what the verifier and the LEMF accept."""

StreamKey: TypeAlias = tuple[bytes, int | None, str]
"""(LIID, CIN or None, kind)."""

MODULE: Final = "LI-PS-PDU"
SEQ_MAX: Final = 2**32 - 1

HASH_FACTORIES: Final[dict[str, Callable[..., Any]]] = {
    "sHA-1": hashlib.sha1,
    "sHA-256": hashlib.sha256,
    "sHA-384": hashlib.sha384,
    "sHA-512": hashlib.sha512,
}
"""The hashlib constructor of each HashAlgorithm item."""
DIGEST_SIZES: Final = {"sHA-1": 20, "sHA-256": 32, "sHA-384": 48, "sHA-512": 64}
"""The digest size of each HashAlgorithm item, in octets."""
CRYPTO_HASHES: Final[dict[str, Callable[[], hashes.HashAlgorithm]]] = {
    "sHA-1": hashes.SHA1,
    "sHA-256": hashes.SHA256,
    "sHA-384": hashes.SHA384,
    "sHA-512": hashes.SHA512,
}
"""The ``cryptography`` hash of each HashAlgorithm item (for ECDSA)."""
EC_CURVE_HASH: Final = {"secp256r1": "sHA-256", "secp384r1": "sHA-384",
                        "secp521r1": "sHA-512"}
"""The hash ECDSA uses on each curve."""

DATA_TYPE_OF_KIND: Final = {"IRI": "iRI", "CC": "cC", "ILHI": "iLHI"}
"""The DataType item of each kind of PDU a hash covers."""
KIND_OF_DATA_TYPE: Final = {v: k for k, v in DATA_TYPE_OF_KIND.items()}
"""The kind of each DataType item."""

_KIND_OF_NUMBERING: Final[Mapping[str, Kind]] = {"IRI": "IRI", "CC": "CC", "ILHI": "ILHI"}

# Identifier octets of the PS-PDU structure (X.690 8.1.2: class, constructed bit, number)
_SEQUENCE_TAG: Final = 0x30  # universal constructed 16
_PS_HEADER_TAG: Final = 0xA1  # PS-PDU.pSHeader [1]
_PAYLOAD_TAG: Final = 0xA2  # PS-PDU.payload [2]
_LIID_TAG: Final = 0x81  # PSHeader.lawfulInterceptionIdentifier [1] (and CIN [1])
_COMMUNICATION_IDENTIFIER_TAG: Final = 0xA3  # PSHeader.communicationIdentifier [3]
_SEQUENCE_NUMBER_TAG: Final = 0x84  # PSHeader.sequenceNumber [4]
_CONTEXT_CLASS: Final = 0x80  # the class bits of a context-specific tag
_ENCRYPTION_CONTAINER: Final = 4  # Payload.encryptionContainer [4]


COVERED_KIND: Final[Mapping[str, Kind]] = {
    kind: _KIND_OF_NUMBERING[numbering] for kind, numbering in NUMBERING_OF_KIND.items()
    if numbering in _KIND_OF_NUMBERING
}
"""The integrity kind (DataType) of the PDUs of each catalog kind a hash can cover: the
numbering it takes (TS 102 232-1 5.2.5, HI1 operations with the IRI). TRI, HI4 and other
PDUs are not listed."""


def covered_kind(kind: str) -> Kind | None:
    """:data:`COVERED_KIND` of ``kind``: ``None`` for TRI, HI4 and other PDUs."""
    return COVERED_KIND.get(kind)


def normalize_hash(name: object, what: str, allowed: Iterable[str]) -> str:
    """The HashAlgorithm item ``name`` stands for (``"SHA-256"``, ``"sha256"`` ... accepted),
    among ``allowed``; else ``TypeError`` (not a str) or ``ValueError`` naming ``what``."""
    key = require_instance(name, str, what).replace("-", "").replace("_", "").lower()
    for canonical in allowed:
        if canonical.replace("-", "").lower() == key:
            return canonical
    raise ValueError(f"{what} must be one of {', '.join(allowed)}, not {name!r} "
                     "(LI-PS-PDU HashAlgorithm)")


def qualified(spec: Specification, name: str) -> str:
    """``LI-PS-PDU.name`` if the specification has that module, else the plain name."""
    return f"{MODULE}.{name}" if MODULE in spec.modules else name


def liid_bytes(liid: object) -> bytes:
    """An LIID (TS 102 232-1 5.2.3, an OCTET STRING) given as bytes or text, as bytes (the
    ``liid`` filter of the checker's methods); ``TypeError`` for anything else."""
    if isinstance(liid, str):
        return liid.encode("utf-8")
    if isinstance(liid, bytes | bytearray | memoryview):
        return bytes(liid)
    raise TypeError(f"liid must be bytes or str, not {type_name(liid)}")


# -- the header fields of an encoded PS-PDU ---------------------------------------------------


class PDUHeader(NamedTuple):
    """The PSHeader fields a hash needs (TS 102 232-1 5.2) and what the Payload is: ``kind``
    as :data:`lawful_intercept.catalog.KIND_OF_PAYLOAD` gives it, ``encrypted`` for an
    ``encryptionContainer``. A named tuple: made once per PDU, it is cheaper than a frozen
    dataclass."""

    liid: bytes
    cin: int | None
    sequence_number: int
    kind: PayloadKind
    encrypted: bool


def peek_header(pdu: bytes) -> PDUHeader | None:
    """The LIID, CIN, sequence number and Payload kind of an encoded PS-PDU, read from its BER
    structure without decoding the rest (TS 102 232-1 clause 5.2: PSHeader [1] with
    lawfulInterceptionIdentifier [1], communicationIdentifier [3] holding the CIN [1],
    sequenceNumber [4]; then Payload [2]). ``None`` for an encoding of another shape (a
    constructed LIID, indefinite lengths, octets that are no PS-PDU, ...): the caller decodes
    it fully.

    Once per PDU sent or received: each TLV is read by its identifier octet with
    :func:`~lawful_intercept.ber.read_short_tlv` (``0x30`` SEQUENCE, ``0xA1`` a constructed
    ``[1]``, ``0x81`` a primitive ``[1]``, ...)."""
    try:
        end = len(pdu)
        tag, start, stop = read_short_tlv(pdu, 0, end)
        if tag != _SEQUENCE_TAG:
            return None
        tag, hstart, hstop = read_short_tlv(pdu, start, stop)
        if tag != _PS_HEADER_TAG:
            return None
        tag, pstart, pstop = read_short_tlv(pdu, hstop, stop)
        if tag != _PAYLOAD_TAG or pstart >= pstop or pdu[pstart] & 0xC0 != _CONTEXT_CLASS:
            return None
        alternative = pdu[pstart] & 0x1F
        liid: bytes | None = None
        cin: int | None = None
        pos = hstart
        while pos < hstop:
            tag, cstart, pos = read_short_tlv(pdu, pos, hstop)
            if tag == _LIID_TAG:
                liid = pdu[cstart:pos]
            elif tag == _COMMUNICATION_IDENTIFIER_TAG:
                cin = _cin(pdu, cstart, pos)
            elif tag == _SEQUENCE_NUMBER_TAG:
                if liid is None or cstart == pos:
                    return None
                return PDUHeader(liid, cin, int.from_bytes(pdu[cstart:pos], "big", signed=True),
                                 KIND_OF_PAYLOAD_TAG.get(alternative, "OTHER"),
                                 alternative == _ENCRYPTION_CONTAINER)
    except DecodeError:
        return None
    return None


def _cin(pdu: bytes, start: int, stop: int) -> int | None:
    """The communicationIdentityNumber [1] of a CommunicationIdentifier's contents."""
    pos = start
    while pos < stop:
        tag, cstart, pos = read_short_tlv(pdu, pos, stop)
        if tag == _LIID_TAG:  # communicationIdentityNumber [1], primitive
            if cstart == pos:
                raise DecodeError("INTEGER contents are empty (X.690 8.3.1)", offset=cstart)
            return int.from_bytes(pdu[cstart:pos], "big", signed=True)
    return None


def decoded_header(spec: Specification, data: bytes) -> PDUHeader:
    """:func:`peek_header` for any encoding: the PDU decoded (leniently) as a PS-PDU. Raises
    :class:`~lawful_intercept.DecodeError` for octets that are no PS-PDU."""
    value = spec.decode(qualified(spec, PS_PDU), data, strict=False)
    header = value["pSHeader"]
    alternative = value["payload"][0]
    return PDUHeader(bytes(header["lawfulInterceptionIdentifier"]),
                     header["communicationIdentifier"].get("communicationIdentityNumber"),
                     header["sequenceNumber"], KIND_OF_PAYLOAD.get(alternative, "OTHER"),
                     alternative == "encryptionContainer")
