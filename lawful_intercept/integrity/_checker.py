"""The sending side of TS 102 232-1 integrity checking: the hash and signature PDUs
(TRIPayload ``integrityCheck``, clause 6.4) a mediation function emits for the IRI and CC
PDUs it sends.

See ``docs/integrity.md`` (what is hashed and what is signed: the library's reading).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519

from .._checks import require_choice, require_int, type_name
from ..asn1c import Specification
from ..catalog import PS_PDU, default_specification
from ._common import (
    COVERED_KIND,
    CRYPTO_HASHES,
    DATA_TYPE_OF_KIND,
    EC_CURVE_HASH,
    HASH_FACTORIES,
    KIND_OF_DATA_TYPE,
    PROFILES,
    Kind,
    ProfileName,
    SigningKey,
    StreamKey,
    decoded_header,
    liid_bytes,
    normalize_hash,
    peek_header,
    qualified,
)
from ._profiles import signed_octets
from ._sealing import SealedPDU

if TYPE_CHECKING:
    from ..records import PSPDUBuilder

__all__ = ["IntegrityCheckPayload", "IntegrityChecker"]


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


def _selected(key: StreamKey, liid: bytes | None, cin: int | None, kind: Kind | None) -> bool:
    """Whether the stream ``key`` is one of those the filters of :meth:`hash_now` and
    :meth:`sign_now` name (``None``: any)."""
    return ((liid is None or key[0] == liid) and (cin is None or key[1] == cin)
            and (kind is None or key[2] == kind))


class IntegrityChecker:
    """Makes the hash and signature PDUs of TS 102 232-1 integrity checking (clause 6.4,
    TRIPayload integrityCheck) for the PDUs it is given.

    Give it every encoded IRI and CC PS-PDU as it is sent (:meth:`add`); it may be fed the
    PDUs of many communications at once: it reads each PDU's LIID, CIN, sequence number and
    payload kind from the encoding and keeps one run per (LIID, CIN, kind). TRI PDUs are not
    covered (they are not IRI or CC). An ``encryptionContainer`` PDU does not show its kind:
    pass ``kind=``.

    ``profile`` is the reading of what is hashed and signed (:data:`ProfileName`):
    ``openli`` (the default, what deployed OpenLI-built collection systems accept: see
    ``docs/integrity.md``) or ``library``. They differ for encrypted PDUs (``openli`` hashes
    the PDU before encryption: give :meth:`add` the :class:`SealedPDU` of
    :func:`seal_pdu`) and in what a signature covers.

    Every ``pdus_per_hash`` PDUs of a stream (``None``: only on demand, :meth:`hash_now`) it
    returns an :class:`IntegrityCheckPayload` with a hash check over them (see the package
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
        profile: ProfileName = "openli",
    ) -> None:
        self.profile: ProfileName = require_choice(profile, PROFILES, "profile")
        self.hash_algorithm = normalize_hash(hash_algorithm, "hash_algorithm",
                                             ("sHA-256", "sHA-384", "sHA-512"))
        for name, limit in (("pdus_per_hash", pdus_per_hash),
                            ("hashes_per_signature", hashes_per_signature)):
            if limit is not None:
                require_int(limit, name, low=1)
        self.pdus_per_hash = pdus_per_hash
        self.hashes_per_signature = hashes_per_signature
        self.per_pdu_digests = bool(per_pdu_digests)
        self.spec = spec if spec is not None else default_specification()
        self._factory = HASH_FACTORIES[self.hash_algorithm]
        self._signature: tuple[str, str | None] | None = None
        if signing_key is not None:
            self._signature = _signature_scheme(signing_key)
        self.signing_key = signing_key
        check = self.spec.get_type(qualified(self.spec, "IntegrityCheck"))
        members = {c.name for c in check.body.components}
        self._has_signature_algorithm = "signatureAlgorithm" in members
        data_types = self.spec.get_type(qualified(self.spec, "DataType")).body.named_numbers
        self._kinds = frozenset(k for k, v in DATA_TYPE_OF_KIND.items() if v in data_types)
        self._pdu_type = qualified(self.spec, PS_PDU)
        self._runs: dict[StreamKey, _Run] = {}
        self._unsigned: dict[StreamKey, list[tuple[int, bytes]]] = {}

    # -- hash PDUs ------------------------------------------------------------------------

    def add(self, pdu: bytes | bytearray | memoryview | SealedPDU, *, kind: Kind | None = None,
            clear: bytes | None = None) -> list[IntegrityCheckPayload]:
        """Take one encoded PS-PDU as sent; return the hash check now due (or nothing).

        ``kind`` overrides the kind read from the payload (needed for encryptionContainer
        PDUs, unless ``pdu`` is the :class:`SealedPDU` :func:`seal_pdu` made, which knows it).
        Under the ``openli`` profile an encrypted PDU is hashed in its form before encryption:
        a :class:`SealedPDU` carries it, or pass it as ``clear``
        (:func:`~lawful_intercept.integrity.clear_form`). TRI PDUs (and HI4 payloads) are not
        covered and return nothing. Raises :class:`~lawful_intercept.DecodeError` if ``pdu``
        is not a PS-PDU, ``TypeError`` if it is not bytes, ``ValueError`` for a ``kind`` that
        is missing or not covered, or an encrypted PDU without its ``clear`` form under the
        ``openli`` profile."""
        if isinstance(pdu, SealedPDU):
            if kind is None:
                kind = pdu.kind
            clear = pdu.clear if clear is None else clear
            pdu = pdu.octets
        if type(pdu) is not bytes:  # inline: once per PDU
            if not isinstance(pdu, bytearray | memoryview):
                raise TypeError(f"pdu must be bytes, not {type_name(pdu)}")
            pdu = bytes(pdu)
        data = pdu
        header = peek_header(data)
        if header is None:
            header = decoded_header(self.spec, data)
        if kind is None:
            if header.encrypted:
                raise ValueError("kind must be given for an encryptionContainer PDU (it does "
                                 "not show whether it is IRI or CC): pass kind='IRI' or "
                                 "kind='CC'")
            found = COVERED_KIND.get(header.kind)
            if found is None or found not in self._kinds:
                return []  # TRI and HI4 payloads are not covered
            stream_kind: str = found
        else:
            stream_kind = require_choice(kind, sorted(self._kinds), "kind")
        if header.encrypted and self.profile == "openli":
            if clear is None:
                raise ValueError("clear must be given for an encryptionContainer PDU under the "
                                 "openli profile (it hashes the PDU before encryption): pass "
                                 "the SealedPDU of seal_pdu(), or clear=clear_form(...)")
            data = bytes(clear)
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

    def hash_now(self, *, liid: bytes | str | None = None, cin: int | None = None,
                 kind: Kind | None = None) -> list[IntegrityCheckPayload]:
        """Hash checks over every stream with PDUs not yet covered (only those of ``liid``,
        ``cin`` and ``kind`` where given): for a timer, the end of a communication, or a
        shutdown."""
        wanted = None if liid is None else liid_bytes(liid)
        return [self._hash_check(key) for key, run in list(self._runs.items())
                if run.sequence_numbers and _selected(key, wanted, cin, kind)]

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
            "dataType": DATA_TYPE_OF_KIND[key[2]],
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
        kind = KIND_OF_DATA_TYPE.get(str(check.get("dataType")))
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
        wanted = None if liid is None else liid_bytes(liid)
        return [self._signature_check(key) for key, hashes_sent in list(self._unsigned.items())
                if hashes_sent and _selected(key, wanted, cin, kind)]

    def _signature_check(self, key: StreamKey) -> IntegrityCheckPayload:
        assert self._signature is not None and self.signing_key is not None
        covered = self._unsigned.pop(key)
        numbers = tuple(seq for seq, _ in covered)
        algorithm, hash_name = self._signature
        check: dict[str, Any] = {
            "includedSequenceNumbers": list(numbers),
            "checkType": "signature",
            "dataType": DATA_TYPE_OF_KIND[key[2]],
            "checkValue": b"",
        }
        if self._has_signature_algorithm:
            check["signatureAlgorithm"] = algorithm
        message = signed_octets(self.spec, self.profile, check,
                                [value for _, value in covered])
        check["checkValue"] = _sign(self.signing_key, message, hash_name)
        if hash_name is not None and self.profile == "library":
            check["hashAlgorithm"] = hash_name
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
                raise ValueError(
                    f"builder must be that of the check's communication: the check is for "
                    f"LIID {check.liid!r} CIN {check.cin}, the builder's is LIID {liid!r} "
                    f"CIN {builder.identity.cin}")
            pdu = builder.tri(check.payload)
            out.append(pdu)
            queue.extend(self.sent(pdu))
        return out


def _signature_scheme(key: object) -> tuple[str, str | None]:
    """(SignatureAlgorithm item, HashAlgorithm item or None) for a signing key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        hash_name = EC_CURVE_HASH.get(key.curve.name)
        if hash_name is None:
            raise ValueError(f"signing_key: ECDSA on {key.curve.name} is not supported: use "
                             "P-256, P-384 or P-521")
        return "eCDSA", hash_name
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return "edDSA", None
    raise TypeError(
        f"signing_key must be an ECDSA (P-256, P-384, P-521), Ed25519 or Ed448 private key, "
        f"not {type_name(key)} (LI-PS-PDU SignatureAlgorithm has dSA, eCDSA, edDSA; "
        "the library does not sign with DSA)")


def _sign(key: SigningKey, message: bytes, hash_name: str | None) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        assert hash_name is not None
        return key.sign(message, ec.ECDSA(CRYPTO_HASHES[hash_name]()))
    return key.sign(message)
