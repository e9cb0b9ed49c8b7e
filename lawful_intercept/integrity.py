"""Integrity and confidentiality of PS-PDUs: hash and signature TRI PDUs, encryptionContainer.

ETSI TS 102 232-1 protects the handover in two ways its LI-PS-PDU module describes. The
standard's prose on them (its security clauses; the clause numbers were not available to
check) could not be consulted, so what is "the library's reading" below is marked as such:

* **Integrity** (TRIPayload ``integrityCheck`` [0], TS 102 232-1 clause 6.4): a *hash PDU*
  (``checkType`` hash) gives, for a run of PDUs of one LIID + CIN + kind (``dataType`` IRI or
  CC), their sequence numbers (``includedSequenceNumbers``) and a digest (``checkValue``,
  ``hashAlgorithm``). A *signature PDU* (``checkType`` signature) signs hash PDUs: its
  ``includedSequenceNumbers`` are the (TRI) sequence numbers of the hash PDUs it covers.
  :class:`IntegrityChecker` makes both on the sending side, :class:`IntegrityVerifier` checks
  them on the LEMF side.
* **Confidentiality** (Payload ``encryptionContainer`` [4]): the Payload is replaced by an
  ``EncryptionContainer`` whose ``encryptedPayload`` is the encryption of an
  ``EncryptedPayload ::= SEQUENCE { byteCounter [0], payload [1] Payload }``.
  :func:`encrypt_payload` / :func:`decrypt_container` (and :func:`encrypt_pdu` /
  :func:`decrypt_pdu` for whole PDUs).

What is hashed (the library's reading)
    A hash PDU's ``checkValue`` is the digest of the **complete encoded PS-PDUs** (every octet,
    from the outer SEQUENCE tag to the end) **concatenated in the order of
    includedSequenceNumbers**; the checker lists them in the order it was given the PDUs,
    which for the PDUs of one builder is sequence-number order. OpenLI does the same (one
    streaming digest over the encoded PDUs). With ``per_pdu_digests=True`` the checkValue is
    instead the concatenation of one digest per PDU, in the same order, so that a receiver can
    name the altered PDU; a receiver tells the two apart by the length (they coincide for a
    run of one PDU).

What is signed (the library's reading)
    A signature PDU's ``checkValue`` is the signature of the concatenated ``checkValue`` octets
    of the hash PDUs it names, in the order named: ECDSA (``signatureAlgorithm`` eCDSA) with
    SHA-256 on P-256, SHA-384 on P-384, SHA-512 on P-521 (the hash is named in
    ``hashAlgorithm``; the signature is the DER ``Ecdsa-Sig-Value`` of X9.62/RFC 3279), or
    EdDSA (``edDSA``: Ed25519 or Ed448, pure, no ``hashAlgorithm``). Versions of the module
    without ``signatureAlgorithm`` (LI-PS-PDU version 35) carry no algorithm: the verifier
    takes it from its public key. DSA and RSA are refused (the module has no RSA value; DSA
    is obsolete). OpenLI differs (uncertain): it digests the whole IntegrityCheck contents of
    each hash PDU and signs that digest, so its signatures do not verify under this reading.

Encryption (key, IV, padding; the library's reading, OpenLI compatibility uncertain)
    AES in CBC mode with the key as given (16, 24 or 32 octets, no derivation). The IV is the
    PDU's sequenceNumber as 4 octets, big-endian, repeated four times (OpenLI and libwandder
    do this; whether the standard says so is not confirmed). The plaintext is the BER
    encoding of the EncryptedPayload, padded with PKCS#7 (``padding="pkcs7"``, the default:
    a wrong key is then detected by the padding check) or with 0..15 zero octets
    (``padding="zero"``, which is what OpenLI sends and libwandder reads). ``byteCounter`` is
    the caller's (default 0); OpenLI writes a 4-octet start time followed by a 4-octet
    running octet count. Reusing (key, sequence number) with the same byteCounter gives the
    same first cipher block: keep the byteCounter increasing per key. The module's
    EncryptionType has aES-192-CBC and aES-256-CBC; AES-128-CBC is written as
    ``national-option`` and read back only when the receiver is told
    (``national_option="AES-128-CBC"``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .asn1c import Specification
from .ber import encode_integer, encode_length, read_tlv, read_tlv_full
from .errors import DecodeError, DecryptionError, EncodeError, Error

if TYPE_CHECKING:
    from .records.ps import PSPDUBuilder

__all__ = [
    "CheckResult",
    "CheckStatus",
    "DecryptedPayload",
    "DecryptionError",
    "EncryptionAlgorithm",
    "HashAlgorithmName",
    "IntegrityCheckPayload",
    "IntegrityChecker",
    "IntegrityVerifier",
    "Kind",
    "Padding",
    "SigningKey",
    "VerifyingKey",
    "decrypt_container",
    "decrypt_pdu",
    "encrypt_payload",
    "encrypt_pdu",
    "iv_for_sequence_number",
]

Kind = Literal["IRI", "CC", "ILHI"]
"""The kind of PDUs a hash covers: the module's DataType iRI, cC, iLHI (the last one only in
versions that have it)."""

HashAlgorithmName = Literal["sHA-1", "sHA-256", "sHA-384", "sHA-512"]
"""The module's HashAlgorithm items. ``"SHA-256"``, ``"sha256"`` and the like are accepted too."""

SigningKey: TypeAlias = (
    ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)
VerifyingKey: TypeAlias = (
    ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
    | x509.Certificate
)

CheckStatus = Literal["ok", "mismatch", "missing", "bad-signature", "unverifiable"]

EncryptionAlgorithm = Literal["AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "none"]
Padding = Literal["pkcs7", "zero"]

StreamKey: TypeAlias = tuple[bytes, int | None, str]
"""(LIID, CIN or None, kind)."""

_MODULE = "LI-PS-PDU"
_SEQ_MAX: Final = 2**32 - 1
_BYTE_COUNTER_MAX: Final = 2**64 - 1

_HASH_FACTORIES: Final[dict[str, Callable[..., Any]]] = {
    "sHA-1": hashlib.sha1,
    "sHA-256": hashlib.sha256,
    "sHA-384": hashlib.sha384,
    "sHA-512": hashlib.sha512,
}
_DIGEST_SIZES: Final = {"sHA-1": 20, "sHA-256": 32, "sHA-384": 48, "sHA-512": 64}
_CRYPTO_HASHES: Final[dict[str, Callable[[], hashes.HashAlgorithm]]] = {
    "sHA-1": hashes.SHA1,
    "sHA-256": hashes.SHA256,
    "sHA-384": hashes.SHA384,
    "sHA-512": hashes.SHA512,
}
_EC_CURVE_HASH: Final = {"secp256r1": "sHA-256", "secp384r1": "sHA-384",
                         "secp521r1": "sHA-512"}

_DATA_TYPE_OF_KIND: Final = {"IRI": "iRI", "CC": "cC", "ILHI": "iLHI"}
_KIND_OF_DATA_TYPE: Final = {v: k for k, v in _DATA_TYPE_OF_KIND.items()}
# Payload alternatives (TS 102 232-1 Payload) and the kind whose numbering they take; the
# HI1 operations are numbered with the IRI, as PSPDUBuilder does.
_KIND_OF_PAYLOAD: Final = {
    "iRIPayloadSequence": "IRI",
    "cCPayloadSequence": "CC",
    "hI1-Operation": "IRI",
    "threeGPP-HI1-Operation": "IRI",
    "iLHIPayload": "ILHI",
}
_KIND_OF_PAYLOAD_TAG: Final = {0: "IRI", 1: "CC", 3: "IRI", 5: "IRI", 6: "ILHI"}
_TRI_TAG: Final = 2


def _normalize_hash(name: object, what: str, allowed: Iterable[str]) -> str:
    if isinstance(name, str):
        key = name.replace("-", "").replace("_", "").lower()
        for canonical in allowed:
            if canonical.replace("-", "").lower() == key:
                return canonical
    raise EncodeError(f"{what} must be one of {', '.join(allowed)}, got {name!r} "
                      "(LI-PS-PDU HashAlgorithm)", what)


def _qualified(spec: Specification, name: str) -> str:
    """``LI-PS-PDU.name`` if the specification has that module, else the plain name."""
    qualified = f"{_MODULE}.{name}"
    try:
        spec.get_type(qualified)
    except Error:
        return name
    return qualified


def _default_spec(spec: Specification | None) -> Specification:
    if spec is not None:
        return spec
    from .registry import bundled

    return bundled()


def _liid_bytes(liid: object) -> bytes:
    if isinstance(liid, (bytes, bytearray, memoryview)):
        return bytes(liid)
    if isinstance(liid, str):
        return liid.encode("utf-8")
    raise EncodeError(f"an LIID is bytes or str, got {type(liid).__name__}", "liid")


# -- reading the header of an encoded PS-PDU ------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    liid: bytes
    cin: int | None
    sequence_number: int
    payload_tag: int


class _Unusual(Exception):
    """An encoding :func:`_peek` leaves to the full decoder."""


def _tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(identifier octet, contents start, contents end) of a definite-length TLV with a
    low tag number at ``pos`` (X.690 8.1.2, 8.1.3); anything else raises."""
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise _Unusual
    first = data[pos + 1]
    if first < 0x80:
        start = pos + 2
        stop = start + first
    elif first == 0x80:
        raise _Unusual  # indefinite length
    else:
        start = pos + 2 + (first & 0x7F)
        stop = start + int.from_bytes(data[pos + 2:start], "big")
    if stop > end:
        raise _Unusual
    return tag, start, stop


def _peek(pdu: bytes) -> _Header | None:
    """The LIID, CIN, sequence number and Payload alternative of an encoded PS-PDU, read from
    its BER structure without decoding the rest (TS 102 232-1 clause 5.2: PSHeader [1] with
    lawfulInterceptionIdentifier [1], communicationIdentifier [3] holding the CIN [1],
    sequenceNumber [4]; then Payload [2]). None for an encoding of another shape (indefinite
    lengths, a constructed LIID, ...): the caller decodes it fully."""
    try:
        end = len(pdu)
        tag, start, stop = _tlv(pdu, 0, end)
        if tag != 0x30:
            return None
        tag, hstart, hstop = _tlv(pdu, start, stop)
        if tag != 0xA1:
            return None
        tag, pstart, pstop = _tlv(pdu, hstop, stop)
        if tag != 0xA2 or pstart >= pstop or pdu[pstart] & 0xC0 != 0x80:
            return None
        payload_tag = pdu[pstart] & 0x1F
        liid: bytes | None = None
        cin: int | None = None
        pos = hstart
        while pos < hstop:
            tag, cstart, cstop = _tlv(pdu, pos, hstop)
            if tag == 0x81:
                liid = pdu[cstart:cstop]
            elif tag == 0xA3:
                inner = cstart
                while inner < cstop:
                    itag, istart, istop = _tlv(pdu, inner, cstop)
                    if itag == 0x81:
                        cin = int.from_bytes(pdu[istart:istop], "big", signed=True)
                        break
                    inner = istop
            elif tag == 0x84:
                if liid is None or cstart == cstop:
                    return None
                seq = int.from_bytes(pdu[cstart:cstop], "big", signed=True)
                return _Header(liid, cin, seq, payload_tag)
            pos = cstop
    except (_Unusual, IndexError):
        return None
    return None


# -- the sending side -----------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrityCheckPayload:
    """An integrityCheck TRI payload to send, with what it covers.

    ``payload`` is the TRIPayload value ``("integrityCheck", {...})`` for
    :meth:`PSPDUBuilder.tri <lawful_intercept.records.PSPDUBuilder.tri>` of the builder of
    ``liid`` and ``cin`` (TS 102 232-1 clause 6.4); ``sequence_numbers`` are its
    includedSequenceNumbers (data PDUs for a hash, hash PDUs for a signature)."""

    payload: tuple[str, dict[str, Any]]
    liid: bytes
    cin: int | None
    kind: Kind
    check_type: Literal["hash", "signature"]
    sequence_numbers: tuple[int, ...]


class _Run:
    """The PDUs of one stream since its last hash PDU."""

    __slots__ = ("digests", "hasher", "sequence_numbers")

    def __init__(self, factory: Callable[..., Any], per_pdu: bool) -> None:
        self.hasher: Any = None if per_pdu else factory()
        self.digests: list[bytes] | None = [] if per_pdu else None
        self.sequence_numbers: list[int] = []


class IntegrityChecker:
    """Makes the hash and signature PDUs of TS 102 232-1 integrity checking (clause 6.4,
    TRIPayload integrityCheck) for the PDUs it is given.

    Give it every encoded IRI and CC PS-PDU as it is sent (:meth:`add`); it may be fed the
    PDUs of many communications at once: it reads each PDU's LIID, CIN, sequence number and
    payload kind from the encoding and keeps one run per (LIID, CIN, kind). TRI PDUs are not
    covered (they are not IRI or CC). An ``encryptionContainer`` PDU does not show its kind:
    pass ``kind=``.

    Every ``pdus_per_hash`` PDUs of a stream (``None``: only on demand, :meth:`hash_now`) it
    returns an :class:`IntegrityCheckPayload` with a hash check over them (see the module
    docstring for the exact octets; ``hash_algorithm`` sHA-256, sHA-384 or sHA-512).

    With a ``signing_key``, tell it about each hash PDU once encoded and sent (:meth:`sent`):
    every ``hashes_per_signature`` hash PDUs of a stream (``None``: on demand,
    :meth:`sign_now`) it returns a signature check over them. :meth:`emit` does the
    send-and-tell loop with a :class:`~lawful_intercept.records.PSPDUBuilder`.

    Not thread-safe: use one per thread, or a lock.
    """

    def __init__(
        self,
        *,
        hash_algorithm: str = "sHA-256",
        pdus_per_hash: int | None = 1000,
        per_pdu_digests: bool = False,
        signing_key: SigningKey | None = None,
        hashes_per_signature: int | None = 15,
        spec: Specification | None = None,
    ) -> None:
        self.hash_algorithm = _normalize_hash(hash_algorithm, "hash_algorithm",
                                              ("sHA-256", "sHA-384", "sHA-512"))
        for name, limit in (("pdus_per_hash", pdus_per_hash),
                            ("hashes_per_signature", hashes_per_signature)):
            if limit is not None and (type(limit) is not int or limit < 1):
                raise EncodeError(f"{name} must be a positive int or None, got {limit!r}", name)
        self.pdus_per_hash = pdus_per_hash
        self.hashes_per_signature = hashes_per_signature
        self.per_pdu_digests = bool(per_pdu_digests)
        self.spec = _default_spec(spec)
        self._factory = _HASH_FACTORIES[self.hash_algorithm]
        self._signature: tuple[str, str | None] | None = None
        if signing_key is not None:
            self._signature = _signature_scheme(signing_key)
        self.signing_key = signing_key
        check = self.spec.get_type(_qualified(self.spec, "IntegrityCheck"))
        members = {c.name for c in check.body.components}
        self._has_signature_algorithm = "signatureAlgorithm" in members
        data_types = self.spec.get_type(_qualified(self.spec, "DataType")).body.named_numbers
        self._kinds = frozenset(k for k, v in _DATA_TYPE_OF_KIND.items() if v in data_types)
        self._pdu_type = _qualified(self.spec, "PS-PDU")
        self._runs: dict[StreamKey, _Run] = {}
        self._unsigned: dict[StreamKey, list[tuple[int, bytes]]] = {}

    # -- hash PDUs ------------------------------------------------------------------------

    def add(self, pdu: bytes, *, kind: Kind | None = None) -> list[IntegrityCheckPayload]:
        """Take one encoded PS-PDU as sent; return the hash check now due (or nothing).

        ``kind`` overrides the kind read from the payload (needed for encryptionContainer
        PDUs). TRI PDUs (and HI4 payloads) are not covered and return nothing. Raises
        :class:`~lawful_intercept.DecodeError` if ``pdu`` is not a PS-PDU."""
        if not isinstance(pdu, (bytes, bytearray, memoryview)):
            raise EncodeError(f"pdu must be bytes, got {type(pdu).__name__}", "pdu")
        data = bytes(pdu)
        header = _peek(data)
        if header is None:
            header = self._decoded_header(data)
        if kind is None:
            if header.payload_tag == 4:
                raise EncodeError("an encryptionContainer PDU does not show whether it is IRI "
                                  "or CC: pass kind='IRI' or kind='CC'", "kind")
            found = _KIND_OF_PAYLOAD_TAG.get(header.payload_tag)
            if found is None or found not in self._kinds:
                return []  # TRI and HI4 payloads are not covered
            stream_kind: str = found
        elif kind in self._kinds:
            stream_kind = kind
        else:
            raise EncodeError(f"kind must be one of {', '.join(sorted(self._kinds))}, got "
                              f"{kind!r} (LI-PS-PDU DataType)", "kind")
        key: StreamKey = (header.liid, header.cin, stream_kind)
        run = self._runs.get(key)
        if run is None:
            run = self._runs[key] = _Run(self._factory, self.per_pdu_digests)
        if run.digests is not None:
            run.digests.append(self._factory(data).digest())
        else:
            run.hasher.update(data)
        run.sequence_numbers.append(header.sequence_number)
        if self.pdus_per_hash is not None and len(run.sequence_numbers) >= self.pdus_per_hash:
            return [self._hash_check(key)]
        return []

    def _decoded_header(self, data: bytes) -> _Header:
        value = self.spec.decode(self._pdu_type, data, strict=False)
        header = value["pSHeader"]
        alternative = value["payload"][0]
        tags = {"iRIPayloadSequence": 0, "cCPayloadSequence": 1, "tRIPayload": 2,
                "hI1-Operation": 3, "encryptionContainer": 4, "threeGPP-HI1-Operation": 5,
                "iLHIPayload": 6, "hI4Payload": 7}
        return _Header(bytes(header["lawfulInterceptionIdentifier"]),
                       header["communicationIdentifier"].get("communicationIdentityNumber"),
                       header["sequenceNumber"], tags.get(alternative, -1))

    def hash_now(self, *, liid: bytes | str | None = None, cin: int | None = None,
                 kind: Kind | None = None) -> list[IntegrityCheckPayload]:
        """Hash checks over every stream with PDUs not yet covered (only those of ``liid``,
        ``cin`` and ``kind`` where given): for a timer, the end of a communication, or a
        shutdown."""
        wanted = None if liid is None else _liid_bytes(liid)
        return [
            self._hash_check(key)
            for key, run in list(self._runs.items())
            if run.sequence_numbers and (wanted is None or key[0] == wanted)
            and (cin is None or key[1] == cin) and (kind is None or key[2] == kind)
        ]

    def pending(self) -> dict[StreamKey, int]:
        """(LIID, CIN, kind) -> number of PDUs not yet covered by a hash check."""
        return {key: len(run.sequence_numbers) for key, run in self._runs.items()
                if run.sequence_numbers}

    def _hash_check(self, key: StreamKey) -> IntegrityCheckPayload:
        run = self._runs.pop(key)
        value = b"".join(run.digests) if run.digests is not None else run.hasher.digest()
        numbers = tuple(run.sequence_numbers)
        check = {
            "includedSequenceNumbers": list(numbers),
            "checkType": "hash",
            "dataType": _DATA_TYPE_OF_KIND[key[2]],
            "checkValue": value,
            "hashAlgorithm": self.hash_algorithm,
        }
        return IntegrityCheckPayload(("integrityCheck", check), key[0], key[1],
                                     cast(Kind, key[2]), "hash", numbers)

    # -- signature PDUs -------------------------------------------------------------------

    def sent(self, pdu: bytes) -> list[IntegrityCheckPayload]:
        """Tell the checker that an encoded PDU was sent; if it is a hash PDU and a signing key
        is set, remember its sequence number and checkValue, and return the signature check
        now due (or nothing). Other PDUs are ignored."""
        if self._signature is None:
            return []
        value = self.spec.decode(self._pdu_type, bytes(pdu), strict=False)
        alternative, inner = value["payload"]
        if alternative != "tRIPayload" or inner[0] != "integrityCheck":
            return []
        check = inner[1]
        kind = _KIND_OF_DATA_TYPE.get(str(check.get("dataType")))
        if check.get("checkType") != "hash" or kind is None:
            return []
        header = value["pSHeader"]
        key: StreamKey = (bytes(header["lawfulInterceptionIdentifier"]),
                          header["communicationIdentifier"].get("communicationIdentityNumber"),
                          kind)
        unsigned = self._unsigned.setdefault(key, [])
        unsigned.append((header["sequenceNumber"], bytes(check["checkValue"])))
        if self.hashes_per_signature is not None and len(unsigned) >= self.hashes_per_signature:
            return [self._signature_check(key)]
        return []

    def sign_now(self, *, liid: bytes | str | None = None, cin: int | None = None,
                 kind: Kind | None = None) -> list[IntegrityCheckPayload]:
        """Signature checks over every stream's hash PDUs sent and not yet signed (filtered
        like :meth:`hash_now`). Nothing without a signing key."""
        wanted = None if liid is None else _liid_bytes(liid)
        return [
            self._signature_check(key)
            for key, hashes_sent in list(self._unsigned.items())
            if hashes_sent and (wanted is None or key[0] == wanted)
            and (cin is None or key[1] == cin) and (kind is None or key[2] == kind)
        ]

    def _signature_check(self, key: StreamKey) -> IntegrityCheckPayload:
        assert self._signature is not None and self.signing_key is not None
        covered = self._unsigned.pop(key)
        numbers = tuple(seq for seq, _ in covered)
        message = b"".join(value for _, value in covered)
        algorithm, hash_name = self._signature
        check: dict[str, Any] = {
            "includedSequenceNumbers": list(numbers),
            "checkType": "signature",
            "dataType": _DATA_TYPE_OF_KIND[key[2]],
            "checkValue": _sign(self.signing_key, message, hash_name),
        }
        if hash_name is not None:
            check["hashAlgorithm"] = hash_name
        if self._has_signature_algorithm:
            check["signatureAlgorithm"] = algorithm
        return IntegrityCheckPayload(("integrityCheck", check), key[0], key[1],
                                     cast(Kind, key[2]), "signature", numbers)

    def emit(self, builder: PSPDUBuilder,
             checks: Iterable[IntegrityCheckPayload]) -> list[bytes]:
        """Encode ``checks`` with ``builder`` (whose LIID and CIN they must have), tell the
        checker about each (:meth:`sent`) and encode the signature checks that fall due too.
        Returns the encoded TRI PDUs in sending order."""
        liid = builder.identity.ps_header_fields()["lawfulInterceptionIdentifier"]
        queue = list(checks)
        out: list[bytes] = []
        while queue:
            check = queue.pop(0)
            if check.liid != liid or check.cin != builder.identity.cin:
                raise EncodeError(
                    f"the check is for LIID {check.liid!r} CIN {check.cin}, the builder's "
                    f"communication is LIID {liid!r} CIN {builder.identity.cin}", "builder")
            pdu = builder.tri(check.payload)
            out.append(pdu)
            queue.extend(self.sent(pdu))
        return out


def _signature_scheme(key: object) -> tuple[str, str | None]:
    """(SignatureAlgorithm item, HashAlgorithm item or None) for a signing key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        hash_name = _EC_CURVE_HASH.get(key.curve.name)
        if hash_name is None:
            raise EncodeError(f"ECDSA on {key.curve.name} is not supported: use P-256, P-384 "
                              "or P-521", "signing_key")
        return "eCDSA", hash_name
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return "edDSA", None
    raise EncodeError(
        f"signing_key must be an ECDSA (P-256, P-384, P-521), Ed25519 or Ed448 private key, "
        f"got {type(key).__name__} (LI-PS-PDU SignatureAlgorithm has dSA, eCDSA, edDSA; "
        "the library does not sign with DSA)", "signing_key")


def _sign(key: SigningKey, message: bytes, hash_name: str | None) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        assert hash_name is not None
        return key.sign(message, ec.ECDSA(_CRYPTO_HASHES[hash_name]()))
    return key.sign(message)


# -- the receiving side ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one integrityCheck TRI PDU received (TS 102 232-1 clause 6.4).

    ``status``:

    * ``ok``: the digest (or signature) matches;
    * ``mismatch``: a hash check's digest differs: ``altered`` names the PDUs whose digest
      differs when the check has one digest per PDU (or covers one PDU); with one digest
      over a longer run, ``suspects`` are all the PDUs of the run (at least one of them was
      altered);
    * ``missing``: PDUs named by the check were not received (``missing``), so the run could
      not be checked (with per-PDU digests the others were, and ``altered`` is empty);
    * ``bad-signature``: the signature does not verify with the public key given;
    * ``unverifiable``: no public key, no or an unknown hash algorithm, a checkValue of the
      wrong length, or an unknown check type (``detail`` says which).

    ``sequence_number`` is that of the TRI PDU carrying the check; ``covered`` its
    includedSequenceNumbers.
    """

    status: CheckStatus
    check_type: str
    liid: bytes
    cin: int | None
    kind: Kind | None
    sequence_number: int
    covered: tuple[int, ...]
    missing: tuple[int, ...] = ()
    altered: tuple[int, ...] = ()
    suspects: tuple[int, ...] = ()
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class IntegrityVerifier:
    """Checks the integrity TRI PDUs of a received PS-PDU stream (LEMF side; TS 102 232-1
    clause 6.4).

    Feed it every PDU received, decoded (the value :meth:`Specification.decode` returns for
    ``PS-PDU``) together with its raw octets, with :meth:`feed` (or :meth:`feed_raw` to have
    it decoded). It keeps the raw IRI and CC PDUs per (LIID, CIN, kind) until a hash check
    covers them, then checks the digest and forgets them; it keeps each hash PDU's checkValue
    until a signature check covers it, then verifies the signature with ``public_key`` (a
    public key or a certificate). Each integrityCheck PDU gives one :class:`CheckResult`.

    An ``encryptionContainer`` PDU does not show its kind: pass ``kind=`` (known, for
    example, after decrypting it), or it is not kept and a hash naming it reports it missing.
    At most ``max_pending`` PDUs (and hash PDUs) are kept per stream; the oldest go first.
    """

    def __init__(self, public_key: VerifyingKey | None = None, *,
                 spec: Specification | None = None, max_pending: int = 100_000) -> None:
        if isinstance(public_key, x509.Certificate):
            public_key = public_key.public_key()  # type: ignore[assignment]
        if public_key is not None and not isinstance(
            public_key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey,
                         ed448.Ed448PublicKey)
        ):
            raise EncodeError(f"public_key must be an ECDSA, Ed25519 or Ed448 public key (or a "
                              f"certificate of one), got {type(public_key).__name__}",
                              "public_key")
        if type(max_pending) is not int or max_pending < 1:
            raise EncodeError(f"max_pending must be a positive int, got {max_pending!r}",
                              "max_pending")
        self.public_key = public_key
        self.spec = _default_spec(spec)
        self.max_pending = max_pending
        self._pdu_type = _qualified(self.spec, "PS-PDU")
        self._pdus: dict[StreamKey, dict[int, bytes]] = {}
        # Hash PDUs by (LIID, CIN, kind or None): OpenLI numbers the hash PDUs of IRI and CC
        # separately, so the TRI sequence number alone does not identify one.
        self._hashes: dict[tuple[bytes, int | None, str | None], dict[int, bytes]] = {}

    def feed_raw(self, raw: bytes, *, kind: Kind | None = None) -> list[CheckResult]:
        """Decode ``raw`` as a PS-PDU (leniently) and :meth:`feed` it. Raises
        :class:`~lawful_intercept.DecodeError` for octets that are no PS-PDU."""
        data = bytes(raw)
        return self.feed(self.spec.decode(self._pdu_type, data, strict=False), data, kind=kind)

    def feed(self, pdu: Mapping[str, Any], raw: bytes, *,
             kind: Kind | None = None) -> list[CheckResult]:
        """Take one received PDU: its decoded value and its raw octets. Returns the result of
        the integrity check it carries, if it is an integrityCheck TRI PDU, else nothing."""
        header = pdu["pSHeader"]
        liid = bytes(header["lawfulInterceptionIdentifier"])
        cin = header["communicationIdentifier"].get("communicationIdentityNumber")
        seq = header["sequenceNumber"]
        alternative, inner = pdu["payload"]
        if alternative == "tRIPayload":
            if isinstance(inner, tuple) and inner[0] == "integrityCheck":
                return [self._check(liid, cin, seq, inner[1])]
            return []
        if kind is None:
            kind = _KIND_OF_PAYLOAD.get(alternative)  # type: ignore[assignment]
            if kind is None:
                return []
        store = self._pdus.setdefault((liid, cin, kind), {})
        store.pop(seq, None)  # a repeated PDU replaces the earlier one, as the newest
        store[seq] = bytes(raw)
        if len(store) > self.max_pending:
            del store[next(iter(store))]
        return []

    def unchecked(self) -> dict[StreamKey, tuple[int, ...]]:
        """(LIID, CIN, kind) -> sequence numbers of PDUs received that no hash check covered
        yet (at the end of a delivery: PDUs whose hash PDU never came)."""
        return {key: tuple(store) for key, store in self._pdus.items() if store}

    # -- checks ---------------------------------------------------------------------------

    def _check(self, liid: bytes, cin: int | None, seq: int,
               check: Mapping[str, Any]) -> CheckResult:
        check_type = check.get("checkType")
        data_type = check.get("dataType")
        where = _Where(str(check_type), liid, cin,
                       cast(Kind | None, _KIND_OF_DATA_TYPE.get(str(data_type))), seq,
                       tuple(check.get("includedSequenceNumbers", ())))
        if check_type == "hash":
            return self._check_hash(where, check)
        if check_type == "signature":
            return self._check_signature(where, check)
        return where.result("unverifiable", f"unknown checkType {check_type!r}")

    def _check_hash(self, where: _Where, check: Mapping[str, Any]) -> CheckResult:
        value = bytes(check.get("checkValue", b""))
        hashes_seen = self._hashes.setdefault((where.liid, where.cin, where.kind), {})
        hashes_seen.pop(where.sequence_number, None)
        hashes_seen[where.sequence_number] = value
        if len(hashes_seen) > self.max_pending:
            del hashes_seen[next(iter(hashes_seen))]
        name = check.get("hashAlgorithm")
        if name not in _HASH_FACTORIES:
            return where.result("unverifiable", "the hash check names no hash algorithm"
                                if name is None else f"unknown hashAlgorithm {name!r}")
        assert isinstance(name, str)
        if where.kind is not None:
            candidates = [where]
        else:  # no dataType: try every stream of this LIID and CIN
            kinds = [k for (li, ci, k) in self._pdus if li == where.liid and ci == where.cin]
            candidates = [replace(where, kind=cast(Kind, k)) for k in kinds or ["IRI"]]
        results = [self._hash_result(w, value, name) for w in candidates]
        best = next((r for r in results if r.ok), None)
        if best is None:
            best = min(results, key=lambda r: len(r.missing))
        store = self._pdus.get((where.liid, where.cin, str(best.kind)))
        if store is not None:
            for number in where.covered:
                store.pop(number, None)
        return best

    def _hash_result(self, where: _Where, value: bytes, name: str) -> CheckResult:
        covered = where.covered
        store = self._pdus.get((where.liid, where.cin, str(where.kind)), {})
        missing = tuple(n for n in covered if n not in store)
        factory = _HASH_FACTORIES[name]
        size = _DIGEST_SIZES[name]
        if len(value) == size:  # one digest over the run
            if missing:
                return where.result("missing", (
                    f"{len(missing)} of the {len(covered)} PDUs covered were not received; a "
                    "digest over the whole run cannot check the others"), missing=missing)
            digest = factory()
            for number in covered:
                digest.update(store[number])
            if hmac.compare_digest(digest.digest(), value):
                return where.result("ok")
            if len(covered) == 1:
                return where.result("mismatch", f"the PDU differs from its {name} digest",
                                    altered=covered)
            return where.result("mismatch", (
                f"the {name} digest over the {len(covered)} PDUs differs: at least one of them "
                "was altered (a digest over the run does not say which)"), suspects=covered)
        if len(covered) > 1 and len(value) == size * len(covered):  # one digest per PDU
            altered = tuple(
                n for i, n in enumerate(covered)
                if n in store and not hmac.compare_digest(
                    factory(store[n]).digest(), value[i * size:(i + 1) * size])
            )
            if altered:
                return where.result("mismatch", (
                    f"{len(altered)} PDU(s) differ from their {name} digest"
                    + (f"; {len(missing)} not received" if missing else "")),
                    missing=missing, altered=altered)
            if missing:
                return where.result("missing", (
                    f"{len(missing)} of the {len(covered)} PDUs covered were not received; "
                    "the others match their digests"), missing=missing)
            return where.result("ok")
        return where.result("unverifiable", (
            f"checkValue has {len(value)} octets: neither one {name} digest ({size}) nor one "
            f"per PDU covered ({size} x {len(covered)})"))

    def _check_signature(self, where: _Where, check: Mapping[str, Any]) -> CheckResult:
        covered = where.covered
        if where.kind is not None:
            stores = [self._hashes.get((where.liid, where.cin, where.kind), {})]
        else:  # no dataType: the hash PDUs of any kind of this LIID and CIN
            stores = [store for (li, ci, _), store in self._hashes.items()
                      if li == where.liid and ci == where.cin]
        hashes_seen = max(stores, key=lambda st: sum(n in st for n in covered), default={})
        missing = tuple(n for n in covered if n not in hashes_seen)
        if missing:
            return where.result("missing", (
                f"{len(missing)} of the {len(covered)} hash PDUs signed were not received"),
                missing=missing)
        message = b"".join(hashes_seen[n] for n in covered)
        for number in covered:
            del hashes_seen[number]
        if self.public_key is None:
            return where.result("unverifiable", "no public key to verify signatures with")
        problem = _verify(self.public_key, message, bytes(check.get("checkValue", b"")),
                          check.get("signatureAlgorithm"), check.get("hashAlgorithm"))
        if problem is None:
            return where.result("ok")
        return where.result("bad-signature", problem)


@dataclass(frozen=True, slots=True)
class _Where:
    """The integrityCheck PDU a result is about."""

    check_type: str
    liid: bytes
    cin: int | None
    kind: Kind | None
    sequence_number: int
    covered: tuple[int, ...]

    def result(self, status: CheckStatus, detail: str = "", *, missing: tuple[int, ...] = (),
               altered: tuple[int, ...] = (), suspects: tuple[int, ...] = ()) -> CheckResult:
        return CheckResult(status, self.check_type, self.liid, self.cin, self.kind,
                           self.sequence_number, self.covered, missing, altered, suspects,
                           detail)


def _verify(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey,
            message: bytes, signature: bytes, algorithm: object,
            hash_name: object) -> str | None:
    """None if ``signature`` verifies, else why not."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        if algorithm not in (None, "eCDSA"):
            return f"signatureAlgorithm is {algorithm!r} but the public key is an ECDSA key"
        if hash_name is None:
            hash_name = _EC_CURVE_HASH.get(key.curve.name)
        if hash_name not in _CRYPTO_HASHES:
            return f"no usable hashAlgorithm for ECDSA on {key.curve.name}: {hash_name!r}"
        assert isinstance(hash_name, str)
        try:
            key.verify(signature, message, ec.ECDSA(_CRYPTO_HASHES[hash_name]()))
        except InvalidSignature:
            return f"the ECDSA ({key.curve.name}, {hash_name}) signature does not verify " \
                   "with the public key given"
        return None
    if algorithm not in (None, "edDSA"):
        return f"signatureAlgorithm is {algorithm!r} but the public key is an EdDSA key"
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return "the EdDSA signature does not verify with the public key given"
    return None


# -- confidentiality: encryptionContainer ----------------------------------------------------


@dataclass(frozen=True)
class DecryptedPayload:
    """What an encryptionContainer held (TS 102 232-1 EncryptedPayload).

    ``payload`` is the Payload value; ``encoded`` its encoding as received (what
    ``spec.encode("Payload", payload)`` gives for a DER-like sender); ``byte_counter`` the
    byteCounter; ``plaintext`` the decrypted EncryptedPayload encoding, padding removed."""

    payload: tuple[str, Any]
    byte_counter: int
    encoded: bytes
    plaintext: bytes


# algorithm -> (EncryptionType item, key length)
_ALGORITHMS: Final = {
    "AES-128-CBC": ("national-option", 16),
    "AES-192-CBC": ("aES-192-CBC", 24),
    "AES-256-CBC": ("aES-256-CBC", 32),
    "none": ("none", 0),
}
_KEY_LENGTHS_OF_TYPE: Final = {"aES-192-CBC": 24, "aES-256-CBC": 32}

# Payload contents alternatives -> EncryptedPayloadType (the part of TS 102 232 defining them).
_PART_OF_CONTENTS: Final = {
    **dict.fromkeys(("emailIRI", "emailCC", "messagingIRI", "messagingCC", "messagingMMCC"),
                    "part2"),
    **dict.fromkeys(("iPIRI", "iPCC", "iPIRIOnly", "iPIRIPacketReport"), "part3"),
    **dict.fromkeys(("l2IRI", "l2CC", "l2IRIOnly"), "part4"),
    **dict.fromkeys(("iPMMIRI", "iPMMCC"), "part5"),
    **dict.fromkeys(("pstnIsdnIRI", "pstnIsdnCC"), "part6"),
    **dict.fromkeys(("uMTSIRI", "uMTSCC", "ePSIRI", "ePSCC", "uMTSCC-CC-PDU", "ePSCC-CC-PDU",
                     "threeGPP33128DefinedIRI", "threeGPP33128DefinedCC"), "part7"),
}


def iv_for_sequence_number(sequence_number: int) -> bytes:
    """The 16-octet CBC IV of a PDU: its sequenceNumber (TS 102 232-1 5.2.5) as 4 octets,
    big-endian, four times over (OpenLI's construction; not confirmed as normative)."""
    if type(sequence_number) is not int or not 0 <= sequence_number <= _SEQ_MAX:
        raise EncodeError(f"sequence_number must be an int 0..{_SEQ_MAX}, got "
                          f"{sequence_number!r}", "sequenceNumber")
    return sequence_number.to_bytes(4, "big") * 4


def _payload_type(payload: tuple[str, Any]) -> str:
    alternative, inner = payload
    if alternative in ("tRIPayload", "hI1-Operation"):
        return "part1"
    if alternative in ("iRIPayloadSequence", "cCPayloadSequence") and isinstance(inner, list):
        member = "iRIContents" if alternative == "iRIPayloadSequence" else "cCContents"
        parts = {
            _PART_OF_CONTENTS.get(item.get(member, ("",))[0], "unknown")
            for item in inner if isinstance(item, Mapping)
        }
        if len(parts) == 1:
            return parts.pop()
    return "unknown"


def _check_key(key: object, length: int, algorithm: str, error: type[Error]) -> bytes:
    if not isinstance(key, (bytes, bytearray, memoryview)):
        raise error(f"the key must be bytes, got {type(key).__name__}", "key")
    data = bytes(key)
    if len(data) != length:
        raise error(f"{algorithm} needs a key of {length} octets, got {len(data)}", "key")
    return data


def encrypt_payload(
    payload: tuple[str, Any] | bytes,
    key: bytes,
    sequence_number: int,
    *,
    algorithm: EncryptionAlgorithm = "AES-192-CBC",
    byte_counter: int = 0,
    payload_type: str | None = "auto",
    padding: Padding = "pkcs7",
    spec: Specification | None = None,
) -> dict[str, Any]:
    """The EncryptionContainer value (TS 102 232-1 Payload [4] encryptionContainer) holding
    ``payload``, for the PDU numbered ``sequence_number``.

    ``payload`` is a Payload value (``("cCPayloadSequence", [...])``) or the encoding of one
    (checked by decoding it). The plaintext is ``EncryptedPayload {byteCounter, payload}``;
    see the module docstring for key, IV and padding. ``algorithm`` AES-192-CBC
    (encryptionType aES-192-CBC), AES-256-CBC (aES-256-CBC), AES-128-CBC (national-option:
    the module has no AES-128 item) or ``none`` (plaintext, encryptionType none).
    ``payload_type``: an EncryptedPayloadType item, ``None`` to leave it out, or ``"auto"``:
    the TS 102 232 part of the payload's IRI/CC contents (``part3`` for IPCC, ``part1`` for
    TRI and HI1 payloads, ``unknown`` otherwise). Raises
    :class:`~lawful_intercept.EncodeError`.
    """
    spec = _default_spec(spec)
    if algorithm not in _ALGORITHMS:
        raise EncodeError(f"algorithm must be one of {', '.join(_ALGORITHMS)}, got "
                          f"{algorithm!r}", "encryptionType")
    if padding not in ("pkcs7", "zero"):
        raise EncodeError(f"padding must be 'pkcs7' or 'zero', got {padding!r}", "padding")
    encryption_type, key_length = _ALGORITHMS[algorithm]
    if key_length:
        key = _check_key(key, key_length, algorithm, EncodeError)
    iv = iv_for_sequence_number(sequence_number)
    if type(byte_counter) is not int or not 0 <= byte_counter <= _BYTE_COUNTER_MAX:
        raise EncodeError(f"byte_counter must be an int 0..{_BYTE_COUNTER_MAX}, got "
                          f"{byte_counter!r}", "byteCounter")
    payload_name = _qualified(spec, "Payload")
    if isinstance(payload, (bytes, bytearray, memoryview)):
        encoded = bytes(payload)
        try:
            value = spec.decode(payload_name, encoded)
        except DecodeError as exc:
            raise EncodeError(f"the payload octets are not a Payload encoding: {exc}",
                              "encryptedPayload.payload") from None
        counter = encode_integer(byte_counter)
        body = (b"\x80" + encode_length(len(counter)) + counter
                + b"\xa1" + encode_length(len(encoded)) + encoded)
        plaintext = b"\x30" + encode_length(len(body)) + body
    else:
        value = payload
        plaintext = spec.encode(_qualified(spec, "EncryptedPayload"),
                                {"byteCounter": byte_counter, "payload": payload})
    container: dict[str, Any] = {"encryptionType": encryption_type}
    if key_length:
        if padding == "pkcs7":
            padder = symmetric_padding.PKCS7(128).padder()
            padded = padder.update(plaintext) + padder.finalize()
        else:
            padded = plaintext + bytes(-len(plaintext) % 16)
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        container["encryptedPayload"] = encryptor.update(padded) + encryptor.finalize()
    else:
        container["encryptedPayload"] = plaintext
    if payload_type is not None:
        items = spec.get_type(_qualified(spec, "EncryptedPayloadType")).body.named_numbers
        auto = payload_type == "auto"
        if auto:
            payload_type = _payload_type(value)
        if payload_type not in items:
            if not auto:
                raise EncodeError(f"payload_type must be an EncryptedPayloadType item "
                                  f"({', '.join(items)}), 'auto' or None, got "
                                  f"{payload_type!r}", "encryptedPayloadType")
            payload_type = "unknown"
        container["encryptedPayloadType"] = payload_type
    return container


def decrypt_container(
    container: Mapping[str, Any],
    key: bytes,
    sequence_number: int,
    *,
    padding: Padding = "pkcs7",
    national_option: Literal["AES-128-CBC"] | None = None,
    spec: Specification | None = None,
) -> DecryptedPayload:
    """Decrypt an EncryptionContainer value (TS 102 232-1 Payload [4]) of the PDU numbered
    ``sequence_number`` and decode the EncryptedPayload inside.

    ``padding`` must be the sender's (``"zero"`` for OpenLI). An encryptionType
    ``national-option`` is read as AES-128-CBC only with ``national_option="AES-128-CBC"``.
    Raises :class:`DecryptionError` for a wrong key, sequence number or padding scheme (the
    padding check or the decoding of the plaintext fails: never garbage), corrupted or
    truncated ciphertext, and unsupported encryption types.
    """
    spec = _default_spec(spec)
    if padding not in ("pkcs7", "zero"):
        raise DecryptionError(f"padding must be 'pkcs7' or 'zero', got {padding!r}", "padding")
    encryption_type = container.get("encryptionType")
    data = bytes(container.get("encryptedPayload", b""))
    try:
        iv = iv_for_sequence_number(sequence_number)
    except EncodeError as exc:
        raise DecryptionError(exc.message, "sequenceNumber") from None
    if encryption_type == "none":
        plaintext = data
        padded = False
    else:
        if encryption_type in _KEY_LENGTHS_OF_TYPE:
            length = _KEY_LENGTHS_OF_TYPE[encryption_type]
            algorithm = f"AES-{length * 8}-CBC"
        elif encryption_type == "national-option" and national_option == "AES-128-CBC":
            length, algorithm = 16, "AES-128-CBC"
        elif encryption_type == "national-option":
            raise DecryptionError("encryptionType national-option: the sender's national "
                                  "option is not known; pass national_option='AES-128-CBC' "
                                  "for this library's", "encryptionType")
        else:
            raise DecryptionError(f"encryptionType {encryption_type!r} is not supported "
                                  "(aES-192-CBC, aES-256-CBC, national-option as AES-128-CBC, "
                                  "none)", "encryptionType")
        secret = _check_key(key, length, algorithm, DecryptionError)
        if not data or len(data) % 16:
            raise DecryptionError(f"the encryptedPayload has {len(data)} octets, not a "
                                  "positive multiple of the 16-octet AES block",
                                  "encryptedPayload")
        decryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).decryptor()
        plaintext = decryptor.update(data) + decryptor.finalize()
        padded = True
        if padding == "pkcs7":
            unpadder = symmetric_padding.PKCS7(128).unpadder()
            try:
                plaintext = unpadder.update(plaintext) + unpadder.finalize()
            except ValueError:
                raise DecryptionError(
                    f"{algorithm}: the PKCS#7 padding check failed: wrong key, wrong sequence "
                    "number (IV), a sender not using PKCS#7 (OpenLI pads with zeros: "
                    "padding='zero'), or corrupted ciphertext", "encryptedPayload") from None
    return _decode_encrypted_payload(spec, plaintext, zero_padded=padded and padding == "zero")


def _decode_encrypted_payload(spec: Specification, plaintext: bytes, *,
                              zero_padded: bool) -> DecryptedPayload:
    hint = ("wrong key, wrong sequence number (IV), wrong padding scheme or corrupted "
            "ciphertext")
    try:
        value, used = spec.decode_prefix(_qualified(spec, "EncryptedPayload"), plaintext,
                                         strict=False)
    except DecodeError as exc:
        raise DecryptionError(f"the plaintext is not an EncryptedPayload ({exc.message}): "
                              f"{hint}", "encryptedPayload") from None
    rest = plaintext[used:]
    if rest and (not zero_padded or len(rest) >= 16 or any(rest)):
        raise DecryptionError(f"{len(rest)} octets after the EncryptedPayload: {hint}",
                              "encryptedPayload")
    body = plaintext[:used]
    encoded = b""
    try:
        _, _, _, start, stop = read_tlv(body, 0)
        pos = start
        while pos < stop:
            cls, _, number, cstart, cstop, end = read_tlv_full(body, pos, end=stop)
            if cls == 2 and number == 1:
                encoded = body[cstart:cstop]
            pos = end
    except DecodeError:  # pragma: no cover - decode_prefix accepted the same octets
        encoded = b""
    return DecryptedPayload(value["payload"], value["byteCounter"], encoded, body)


def encrypt_pdu(
    pdu: bytes,
    key: bytes,
    *,
    algorithm: EncryptionAlgorithm = "AES-192-CBC",
    byte_counter: int = 0,
    payload_type: str | None = "auto",
    padding: Padding = "pkcs7",
    spec: Specification | None = None,
) -> bytes:
    """An encoded PS-PDU with its Payload replaced by an encryptionContainer
    (:func:`encrypt_payload` with the PDU's own sequenceNumber; the PSHeader is kept)."""
    spec = _default_spec(spec)
    pdu_type = _qualified(spec, "PS-PDU")
    try:
        value = spec.decode(pdu_type, bytes(pdu))
    except DecodeError as exc:
        raise EncodeError(f"pdu is not a PS-PDU: {exc}", "pdu") from None
    container = encrypt_payload(value["payload"], key, value["pSHeader"]["sequenceNumber"],
                                algorithm=algorithm, byte_counter=byte_counter,
                                payload_type=payload_type, padding=padding, spec=spec)
    return spec.encode(pdu_type, {"pSHeader": value["pSHeader"],
                                  "payload": ("encryptionContainer", container)})


def decrypt_pdu(
    pdu: bytes | Mapping[str, Any],
    key: bytes,
    *,
    padding: Padding = "pkcs7",
    national_option: Literal["AES-128-CBC"] | None = None,
    spec: Specification | None = None,
) -> DecryptedPayload:
    """Decrypt the encryptionContainer of a PS-PDU (encoded, or decoded as a value), with its
    own sequenceNumber as the IV. Raises :class:`DecryptionError` (also when the PDU has no
    encryptionContainer)."""
    spec = _default_spec(spec)
    value = (spec.decode(_qualified(spec, "PS-PDU"), bytes(pdu), strict=False)
             if isinstance(pdu, (bytes, bytearray, memoryview)) else pdu)
    alternative, container = value["payload"]
    if alternative != "encryptionContainer":
        raise DecryptionError(f"the PDU's payload is {alternative}, not encryptionContainer",
                              "payload")
    return decrypt_container(container, key, value["pSHeader"]["sequenceNumber"],
                             padding=padding, national_option=national_option, spec=spec)
