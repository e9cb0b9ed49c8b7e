"""What the integrity checker, the verifier and the encryption share: the type aliases of the
public interface, the hash algorithms of the LI-PS-PDU module, the DataType items, and the
reading of a PS-PDU's header fields from its BER octets (ETSI TS 102 232-1 clauses 5.2, 6.4).

See ``docs/integrity.md``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519

from ..asn1c import Specification
from ..ber import decode_integer, decode_tag, read_tlv_full
from ..catalog import (
    KIND_OF_PAYLOAD,
    KIND_OF_PAYLOAD_TAG,
    NUMBERING_OF_KIND,
    PS_PDU,
    PayloadKind,
)
from ..errors import DecodeError, EncodeError

__all__ = [
    "CRYPTO_HASHES",
    "DATA_TYPE_OF_KIND",
    "DIGEST_SIZES",
    "EC_CURVE_HASH",
    "HASH_FACTORIES",
    "KIND_OF_DATA_TYPE",
    "MODULE",
    "SEQ_MAX",
    "CheckStatus",
    "EncryptionAlgorithm",
    "HashAlgorithmName",
    "Kind",
    "PDUHeader",
    "Padding",
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
"""The padding of an encrypted payload: PKCS#7, or zero octets (OpenLI)."""

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

_CONTEXT: Final = 2  # tag class context-specific (X.690 8.1.2.2)
_UNIVERSAL: Final = 0
_SEQUENCE: Final = 16
_ENCRYPTION_CONTAINER: Final = 4  # Payload.encryptionContainer [4]


def covered_kind(kind: str) -> Kind | None:
    """The integrity kind (DataType) of the PDUs of a catalog kind: the numbering it takes
    (TS 102 232-1 5.2.5, HI1 operations with the IRI), if a hash can cover it; ``None`` for
    TRI, HI4 and other PDUs."""
    numbering = NUMBERING_OF_KIND.get(cast(PayloadKind, kind))
    return _KIND_OF_NUMBERING.get(numbering) if numbering is not None else None


def normalize_hash(name: object, what: str, allowed: Iterable[str]) -> str:
    """The HashAlgorithm item ``name`` stands for (``"SHA-256"``, ``"sha256"`` ... accepted),
    among ``allowed``; else :class:`~lawful_intercept.EncodeError` naming ``what``."""
    if isinstance(name, str):
        key = name.replace("-", "").replace("_", "").lower()
        for canonical in allowed:
            if canonical.replace("-", "").lower() == key:
                return canonical
    raise EncodeError(f"{what} must be one of {', '.join(allowed)}, got {name!r} "
                      "(LI-PS-PDU HashAlgorithm)", what)


def qualified(spec: Specification, name: str) -> str:
    """``LI-PS-PDU.name`` if the specification has that module, else the plain name."""
    return f"{MODULE}.{name}" if MODULE in spec.modules else name


def liid_bytes(liid: object) -> bytes:
    """An LIID (TS 102 232-1 5.2.3, an OCTET STRING) given as bytes or text, as bytes."""
    if isinstance(liid, (bytes, bytearray, memoryview)):
        return bytes(liid)
    if isinstance(liid, str):
        return liid.encode("utf-8")
    raise EncodeError(f"an LIID is bytes or str, got {type(liid).__name__}", "liid")


# -- the header fields of an encoded PS-PDU ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class PDUHeader:
    """The PSHeader fields a hash needs (TS 102 232-1 5.2) and what the Payload is: ``kind``
    as :data:`lawful_intercept.catalog.KIND_OF_PAYLOAD` gives it, ``encrypted`` for an
    ``encryptionContainer``."""

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
    constructed LIID, octets that are no PS-PDU, ...): the caller decodes it fully."""
    try:
        cls, constructed, number, start, stop, _ = read_tlv_full(pdu, 0)
        if cls != _UNIVERSAL or not constructed or number != _SEQUENCE:
            return None
        cls, constructed, number, hstart, hstop, hend = read_tlv_full(pdu, start, end=stop)
        if cls != _CONTEXT or not constructed or number != 1:
            return None
        cls, constructed, number, pstart, pstop, _ = read_tlv_full(pdu, hend, end=stop)
        if cls != _CONTEXT or not constructed or number != 2 or pstart >= pstop:
            return None
        cls, _, alternative, _ = decode_tag(pdu, pstart, pstop)
        if cls != _CONTEXT:
            return None
        liid: bytes | None = None
        cin: int | None = None
        pos = hstart
        while pos < hstop:
            cls, constructed, number, cstart, cstop, pos = read_tlv_full(pdu, pos, end=hstop)
            if cls != _CONTEXT:
                continue
            if number == 1 and not constructed:
                liid = pdu[cstart:cstop]
            elif number == 3 and constructed:
                cin = _cin(pdu, cstart, cstop)
            elif number == 4 and not constructed:
                if liid is None or cstart == cstop:
                    return None
                return PDUHeader(liid, cin, decode_integer(pdu[cstart:cstop]),
                                 KIND_OF_PAYLOAD_TAG.get(alternative, "OTHER"),
                                 alternative == _ENCRYPTION_CONTAINER)
    except DecodeError:
        return None
    return None


def _cin(pdu: bytes, start: int, stop: int) -> int | None:
    """The communicationIdentityNumber [1] of a CommunicationIdentifier's contents."""
    pos = start
    while pos < stop:
        cls, constructed, number, cstart, cstop, pos = read_tlv_full(pdu, pos, end=stop)
        if cls == _CONTEXT and number == 1 and not constructed:
            return decode_integer(pdu[cstart:cstop])
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
