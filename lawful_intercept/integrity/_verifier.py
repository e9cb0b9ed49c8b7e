"""The receiving side of TS 102 232-1 integrity checking: the LEMF's verification of the
hash and signature PDUs (TRIPayload ``integrityCheck``, clause 6.4) against the IRI and CC
PDUs received.

See ``docs/integrity.md`` (what is hashed and what is signed: the library's reading).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, NamedTuple, TypeAlias, cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519

from .._checks import require_int, type_name
from ..asn1c import Specification
from ..catalog import KIND_OF_PAYLOAD, PS_PDU, default_specification
from ._common import (
    CRYPTO_HASHES,
    DIGEST_SIZES,
    EC_CURVE_HASH,
    HASH_FACTORIES,
    KIND_OF_DATA_TYPE,
    PROFILES,
    CheckStatus,
    Kind,
    ProfileName,
    StreamKey,
    VerifyingKey,
    covered_kind,
    qualified,
)
from ._profiles import check_profiles, signed_octets

__all__ = ["CheckResult", "IntegrityVerifier"]

# The integrity kind of each Payload alternative a hash can cover (HI1 operations: IRI).
_COVERED_KIND_OF_PAYLOAD: Final[Mapping[str, Kind]] = {
    alternative: covered
    for alternative, kind in KIND_OF_PAYLOAD.items()
    if (covered := covered_kind(kind)) is not None
}


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
    includedSequenceNumbers. ``profile``: the reading profile that matched (``ok``), or the
    one whose result is reported; ``undecrypted``: PDUs covered that were received but could
    not be decrypted (they are among ``altered``: an encrypted PDU is hashed as sent under
    the ``library`` profile, and before encryption under ``openli``, which cannot be rebuilt
    from a ciphertext that does not decrypt).
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
    profile: str = ""
    undecrypted: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the check passed (``status == "ok"``)."""
        return self.status == "ok"


class _Sealed(NamedTuple):
    """An encrypted PDU kept for its hash check: as sent, and before encryption (``None``:
    it could not be decrypted)."""

    raw: bytes
    clear: bytes | None


_Entry: TypeAlias = "bytes | _Sealed"


class IntegrityVerifier:
    """Checks the integrity TRI PDUs of a received PS-PDU stream (LEMF side; TS 102 232-1
    clause 6.4).

    Feed it every PDU received, decoded (the value :meth:`Specification.decode` returns for
    ``PS-PDU``) together with its raw octets, with :meth:`feed` (or :meth:`feed_raw` to have
    it decoded). It keeps the raw IRI and CC PDUs per (LIID, CIN, kind) until a hash check
    covers them, then checks the digest and forgets them; it keeps each hash PDU's checkValue
    until a signature check covers it, then verifies the signature with ``public_key`` (a
    public key or a certificate). Each integrityCheck PDU gives one :class:`CheckResult`.

    ``profiles``: the reading profiles accepted (:data:`ProfileName`, default every one), in
    the order tried; each result says which one matched. An ``encryptionContainer`` PDU does
    not show its kind: pass ``kind=`` and its form before encryption ``clear=``
    (:func:`~lawful_intercept.integrity.clear_form` of the decrypted octets; needed by the
    ``openli`` profile) once decrypted. One that could not be decrypted is fed as it is: a hash
    that covers it reports it ``mismatch`` (in ``altered`` and ``undecrypted``), never
    ``missing``. At most ``max_pending`` PDUs (and hash PDUs) are kept per stream; the oldest
    go first.
    """

    def __init__(self, public_key: VerifyingKey | None = None, *,
                 spec: Specification | None = None, max_pending: int = 100_000,
                 profiles: Sequence[ProfileName] = PROFILES) -> None:
        if isinstance(public_key, x509.Certificate):
            public_key = public_key.public_key()  # type: ignore[assignment]
        if public_key is not None and not isinstance(
            public_key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey,
                         ed448.Ed448PublicKey)
        ):
            raise TypeError(f"public_key must be an ECDSA, Ed25519 or Ed448 public key (or a "
                            f"certificate of one), not {type_name(public_key)}")
        require_int(max_pending, "max_pending", low=1)
        self.profiles = check_profiles(profiles)
        self.public_key = public_key
        self.spec = spec if spec is not None else default_specification()
        self.max_pending = max_pending
        self._pdu_type = qualified(self.spec, PS_PDU)
        self._pdus: dict[StreamKey, dict[int, _Entry]] = {}
        # Encrypted PDUs that could not be decrypted, so of unknown kind, by (LIID, CIN).
        self._opaque: dict[tuple[bytes, int | None], dict[int, bytes]] = {}
        # Hash PDUs by (LIID, CIN, kind or None): OpenLI numbers the hash PDUs of IRI and CC
        # separately, so the TRI sequence number alone does not identify one.
        self._hashes: dict[tuple[bytes, int | None, str | None], dict[int, bytes]] = {}

    def feed_raw(self, raw: bytes, *, kind: Kind | None = None,
                 clear: bytes | None = None) -> list[CheckResult]:
        """Decode ``raw`` as a PS-PDU (leniently) and :meth:`feed` it. Raises
        :class:`~lawful_intercept.DecodeError` for octets that are no PS-PDU."""
        data = bytes(raw)
        return self.feed(self.spec.decode(self._pdu_type, data, strict=False), data, kind=kind,
                         clear=clear)

    def feed(self, pdu: Mapping[str, Any], raw: bytes, *, kind: Kind | None = None,
             clear: bytes | None = None) -> list[CheckResult]:
        """Take one received PDU: its decoded value and its raw octets (for an encrypted PDU,
        ``kind`` and ``clear`` once decrypted; see the class). Returns the result of the
        integrity check it carries, if it is an integrityCheck TRI PDU, else nothing."""
        header = pdu["pSHeader"]
        liid = bytes(header["lawfulInterceptionIdentifier"])
        cin = header["communicationIdentifier"].get("communicationIdentityNumber")
        seq = header["sequenceNumber"]
        alternative, inner = pdu["payload"]
        if alternative == "tRIPayload":
            if isinstance(inner, tuple) and inner[0] == "integrityCheck":
                return [self._check(liid, cin, seq, inner[1])]
            return []
        entry: _Entry = bytes(raw)
        if alternative == "encryptionContainer":
            entry = _Sealed(bytes(raw), None if clear is None else bytes(clear))
            if kind is None:
                _keep(self._opaque.setdefault((liid, cin), {}), seq, entry.raw,
                      self.max_pending)
                return []
        elif kind is None:
            kind = _COVERED_KIND_OF_PAYLOAD.get(alternative)
            if kind is None:
                return []
        _keep(self._pdus.setdefault((liid, cin, kind), {}), seq, entry, self.max_pending)
        return []

    def unchecked(self) -> dict[StreamKey, tuple[int, ...]]:
        """(LIID, CIN, kind) -> sequence numbers of PDUs received that no hash check covered
        yet (at the end of a delivery: PDUs whose hash PDU never came). Encrypted PDUs that
        could not be decrypted are listed under the kind ``encrypted``."""
        out = {key: tuple(store) for key, store in self._pdus.items() if store}
        out.update({(liid, cin, "encrypted"): tuple(store)
                    for (liid, cin), store in self._opaque.items() if store})
        return out

    # -- checks ---------------------------------------------------------------------------

    def _check(self, liid: bytes, cin: int | None, seq: int,
               check: Mapping[str, Any]) -> CheckResult:
        check_type = check.get("checkType")
        data_type = check.get("dataType")
        where = CheckResult("unverifiable", str(check_type), liid, cin,
                            cast(Kind | None, KIND_OF_DATA_TYPE.get(str(data_type))), seq,
                            tuple(check.get("includedSequenceNumbers", ())))
        if check_type == "hash":
            return self._check_hash(where, check)
        if check_type == "signature":
            return self._check_signature(where, check)
        return _judged(where, "unverifiable", f"unknown checkType {check_type!r}")

    def _check_hash(self, where: CheckResult, check: Mapping[str, Any]) -> CheckResult:
        value = bytes(check.get("checkValue", b""))
        _keep(self._hashes.setdefault((where.liid, where.cin, where.kind), {}),
              where.sequence_number, value, self.max_pending)
        name = check.get("hashAlgorithm")
        if name not in HASH_FACTORIES:
            return _judged(where, "unverifiable", "the hash check names no hash algorithm"
                                if name is None else f"unknown hashAlgorithm {name!r}")
        assert isinstance(name, str)
        if where.kind is not None:
            candidates = [where]
        else:  # no dataType: try every stream of this LIID and CIN
            kinds = [k for (li, ci, k) in self._pdus if li == where.liid and ci == where.cin]
            candidates = [replace(where, kind=cast(Kind, k)) for k in kinds or ["IRI"]]
        results = [self._hash_result(w, value, name, profile)
                   for w in candidates for profile in self._profiles_for(w)]
        best = next((r for r in results if r.ok), None)
        if best is None:
            best = min(results, key=lambda r: (len(r.missing), not r.altered))
        store = self._pdus.get((where.liid, where.cin, str(best.kind)))
        opaque = self._opaque.get((where.liid, where.cin))
        for number in where.covered:
            if store is not None:
                store.pop(number, None)
            if opaque is not None and number not in best.missing:
                opaque.pop(number, None)
        return best

    def _profiles_for(self, where: CheckResult) -> tuple[ProfileName, ...]:
        """The profiles worth trying for a hash check: for PDUs none of which is encrypted
        every profile hashes the same octets, so the first one stands for all."""
        store = self._pdus.get((where.liid, where.cin, str(where.kind)), {})
        opaque = self._opaque.get((where.liid, where.cin), {})
        if any(type(store.get(n)) is _Sealed or n in opaque for n in where.covered):
            return self.profiles
        return self.profiles[:1]

    def _octets(self, where: CheckResult,
                profile: ProfileName) -> tuple[dict[int, bytes | None], tuple[int, ...]]:
        """(sequence number -> the octets ``profile`` hashes, ``None`` if they cannot be had;
        the numbers covered that were received but could not be decrypted)."""
        store = self._pdus.get((where.liid, where.cin, str(where.kind)), {})
        opaque = self._opaque.get((where.liid, where.cin), {})
        out: dict[int, bytes | None] = {}
        undecrypted: list[int] = []
        for number in where.covered:
            entry = store.get(number)
            if entry is None and number in opaque:
                entry = _Sealed(opaque[number], None)
                undecrypted.append(number)
            if entry is None:
                continue
            if type(entry) is _Sealed:
                out[number] = entry.raw if profile == "library" else entry.clear
            else:
                out[number] = cast(bytes, entry)
        return out, tuple(undecrypted)

    def _hash_result(self, where: CheckResult, value: bytes, name: str,
                     profile: ProfileName) -> CheckResult:
        where = replace(where, profile=profile)
        covered = where.covered
        octets, undecrypted = self._octets(where, profile)
        where = replace(where, undecrypted=undecrypted)
        missing = tuple(n for n in covered if n not in octets)
        unreadable = tuple(n for n in covered if n in octets and octets[n] is None)
        factory = HASH_FACTORIES[name]
        size = DIGEST_SIZES[name]
        opened = (f"; PDU(s) {', '.join(map(str, undecrypted))} could not be decrypted"
                  if undecrypted else "")
        if len(value) == size:  # one digest over the run
            if missing:
                return _judged(where, "missing", (
                    f"{len(missing)} of the {len(covered)} PDUs covered were not received; a "
                    "digest over the whole run cannot check the others"), missing=missing)
            if unreadable:
                return _judged(where, "mismatch", (
                    f"{profile} profile: the PDU(s) cannot be rebuilt as they were before "
                    f"encryption, so they are not what was hashed{opened}"),
                    altered=unreadable)
            digest = factory()
            for number in covered:
                digest.update(cast(bytes, octets[number]))
            if hmac.compare_digest(digest.digest(), value):
                return _judged(where, "ok")
            if len(covered) == 1 or undecrypted:
                return _judged(where, "mismatch", (
                    f"{profile} profile: the PDU differs from its {name} digest{opened}"),
                    altered=undecrypted or covered)
            return _judged(where, "mismatch", (
                f"{profile} profile: the {name} digest over the {len(covered)} PDUs differs: "
                "at least one of them was altered (a digest over the run does not say "
                "which)"), suspects=covered)
        if len(covered) > 1 and len(value) == size * len(covered):  # one digest per PDU
            altered = tuple(
                n for i, n in enumerate(covered)
                if n in octets and (octets[n] is None or not hmac.compare_digest(
                    factory(cast(bytes, octets[n])).digest(), value[i * size:(i + 1) * size]))
            )
            if altered:
                return _judged(where, "mismatch", (
                    f"{profile} profile: {len(altered)} PDU(s) differ from their {name} "
                    "digest" + (f"; {len(missing)} not received" if missing else "")
                    + opened), missing=missing, altered=altered)
            if missing:
                return _judged(where, "missing", (
                    f"{len(missing)} of the {len(covered)} PDUs covered were not received; "
                    "the others match their digests"), missing=missing)
            return _judged(where, "ok")
        return _judged(where, "unverifiable", (
            f"checkValue has {len(value)} octets: neither one {name} digest ({size}) nor one "
            f"per PDU covered ({size} x {len(covered)})"))

    def _check_signature(self, where: CheckResult, check: Mapping[str, Any]) -> CheckResult:
        covered = where.covered
        if where.kind is not None:
            stores = [self._hashes.get((where.liid, where.cin, where.kind), {})]
        else:  # no dataType: the hash PDUs of any kind of this LIID and CIN
            stores = [store for (li, ci, _), store in self._hashes.items()
                      if li == where.liid and ci == where.cin]
        hashes_seen = max(stores, key=lambda st: sum(n in st for n in covered), default={})
        missing = tuple(n for n in covered if n not in hashes_seen)
        if missing:
            return _judged(where, "missing", (
                f"{len(missing)} of the {len(covered)} hash PDUs signed were not received"),
                missing=missing)
        values = [hashes_seen.pop(n) for n in covered]
        if self.public_key is None:
            return _judged(where, "unverifiable", "no public key to verify signatures with")
        problems: list[str] = []
        signature = bytes(check.get("checkValue", b""))
        for profile in self.profiles:
            problem = _verify(self.public_key,
                              signed_octets(self.spec, profile, check, values), signature,
                              check.get("signatureAlgorithm"), check.get("hashAlgorithm"))
            if problem is None:
                return _judged(replace(where, profile=profile), "ok")
            problems.append(f"{profile} profile: {problem}")
        return _judged(replace(where, profile=self.profiles[0]), "bad-signature",
                       "; ".join(problems))


def _keep(store: dict[int, Any], number: int, entry: Any, limit: int) -> None:
    """Keep ``entry`` under ``number`` as the newest (a repeat replaces the earlier one); the
    oldest goes when there are more than ``limit``."""
    store.pop(number, None)
    store[number] = entry
    if len(store) > limit:
        del store[next(iter(store))]


def _judged(where: CheckResult, status: CheckStatus, detail: str = "", *,
            missing: tuple[int, ...] = (), altered: tuple[int, ...] = (),
            suspects: tuple[int, ...] = ()) -> CheckResult:
    """The result of the check ``where`` (a :class:`CheckResult` naming the integrityCheck PDU
    and what it covers, not judged yet): ``status`` and what goes with it."""
    return replace(where, status=status, detail=detail, missing=missing, altered=altered,
                   suspects=suspects)


def _verify(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey,
            message: bytes, signature: bytes, algorithm: object,
            hash_name: object) -> str | None:
    """None if ``signature`` verifies, else why not."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        if algorithm not in (None, "eCDSA"):
            return f"signatureAlgorithm is {algorithm!r} but the public key is an ECDSA key"
        if hash_name is None:
            hash_name = EC_CURVE_HASH.get(key.curve.name)
        if hash_name not in CRYPTO_HASHES:
            return f"no usable hashAlgorithm for ECDSA on {key.curve.name}: {hash_name!r}"
        assert isinstance(hash_name, str)
        try:
            key.verify(signature, message, ec.ECDSA(CRYPTO_HASHES[hash_name]()))
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
