"""What a LEMF checks in the records it receives (sans-IO): duplicates, gaps, correlation,
integrity and decryption (ETSI TS 102 232-1 clauses 5.2 and 6.4).

:class:`Collector` takes each received PDU (its octets and decoded value) and returns a
:class:`Verdict`: which communication and stream it belongs to, whether it repeats one
received before, what its integrity check or encryption container gave. It keeps the
counters a LEMF reports (:meth:`Collector.summary`). It does no I/O and knows nothing of
connections or files, so the same object judges live traffic and the replay of a directory
written before a restart.

The rules:

* **Streams** (TS 102 232-1 5.2.5): PS-PDUs are numbered per LIID + CIN + kind from 0. IRI
  and the HI1 operations share the IRI numbering (as :class:`~lawful_intercept.records.PSPDUBuilder`
  numbers them), CC has its own, ILHI, HI4 and TRI PDUs theirs
  (:data:`~lawful_intercept.catalog.NUMBERING_OF_KIND`). A PDU whose (LIID, CIN, kind,
  sequenceNumber) was seen before is a duplicate (TS 102 232-1 5.2.5: a receiver removes
  copies by these fields). The numbers in ``[0, highest seen]`` of an IRI, CC or ILHI stream
  never seen are its gaps; TRI streams are not checked for gaps (the keep-alives and
  acknowledgement requests that take TRI numbers are not records).
* **cINReset** (TS 102 232-1 TRIPayload ``cINReset``, 6.4.8): the numbering of that LIID + CIN
  starts again, so its streams start a new *epoch*: gaps are counted per epoch, and numbers of
  the old epoch are not duplicates of the new one. A cINReset PDU received again octet for
  octet (a sender resending after a reconnection) is a duplicate and starts nothing.
* PDUs without a usable sequence number (an ``encryptionContainer`` that could not be
  decrypted, other PDU types such as PacketCable ``CdcPdu``, ATIS ``LAESProtocol``, CCC
  packets) are de-duplicated by the SHA-256 of their octets.
* **Correlation**: a CC whose LIID + CIN never had an IRI is *uncorrelated*; it is counted
  when the summary is made, not on arrival, since HI2 and HI3 arrive on separate
  connections in any order.
* **Integrity** (TS 102 232-1 6.4, TRIPayload ``integrityCheck``): every PS-PDU goes through an
  :class:`~lawful_intercept.integrity.IntegrityVerifier`; hash and signature checks are
  verified as they arrive (duplicates are not fed again).
* **Encryption** (TS 102 232-1 Payload ``encryptionContainer``): with a key, the container is
  decrypted with :func:`~lawful_intercept.integrity.decrypt_container`; the PDU then counts
  under the kind of the payload inside.

See ``docs/lemf.md``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from ..catalog import KIND_OF_PAYLOAD, KIND_OF_TYPE, NUMBERING_OF_KIND, PS_PDU
from ..errors import DecodeError
from ..integrity import (
    PROFILES,
    CheckResult,
    DecryptedPayload,
    DecryptionError,
    IntegrityVerifier,
    Kind,
    PaddingReading,
    ProfileName,
    VerifyingKey,
    clear_form,
    decrypt_container,
)
from ..records import CCC_LAYOUTS, CCCLayout, parse_ccc_packet
from ._sequences import SequenceTracker
from ._us_checks import ATIS_CC_TYPES, ATIS_IRI_TYPES, CDC_TYPES, USChecks, check_rows

if TYPE_CHECKING:
    from ..asn1c import Specification

__all__ = [
    "CCC",
    "MAX_DETAILS",
    "MAX_GAP_RANGES",
    "MAX_GAP_STREAMS",
    "Collector",
    "StreamKey",
    "Verdict",
]

CCC: Final = "CCC"

_GAP_CHECKED: Final = frozenset({"IRI", "CC", "ILHI"})
# The catalog's numbering table, looked up by the kinds reported here (plain strings).
_NUMBERING: Final = cast(Mapping[str, str], NUMBERING_OF_KIND)

MAX_DETAILS: Final = 50
"""At most this many integrity results that were not ``ok`` (and decryption failures) are
listed in the summary; the counters count them all."""
MAX_GAP_STREAMS: Final = 100
"""At most this many streams are listed in the summary's ``gaps``."""
MAX_GAP_RANGES: Final = 100
"""At most this many missing ranges are listed per stream."""

StreamKey = tuple[bytes, int | None, str, int]
"""(LIID, CIN, numbering kind, epoch) of a sequence-numbered stream."""


def liid_text(liid: bytes | None) -> str | None:
    """An LIID (TS 102 232-1 5.2.3, an OCTET STRING) as text for reports: UTF-8, with
    ``\\xNN`` escapes for octets that are not."""
    return None if liid is None else liid.decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the :class:`Collector` made of one received PDU.

    ``kind``: IRI, CC, HI1, TRI, ILHI, HI4, ``encrypted`` (an encryptionContainer not
    decrypted) or ``other``. ``liid``, ``cin``, ``sequence_number``: from the PSHeader
    (TS 102 232-1 5.2), ``None`` for other PDU types. ``epoch``: how many cINResets of the
    communication came before. ``duplicate``: the PDU repeats one received before.
    ``error``: why the PDU could not be judged (it did not decode); it is then not a record.
    ``integrity``: the results of the integrityCheck it carries. ``decrypted`` /
    ``decryption_error``: the outcome of decrypting its encryptionContainer. ``value``: the
    decoded value (for a CCC packet, a dict of its fields).
    """

    pdu_type: str
    kind: str
    value: Any
    liid: bytes | None = None
    cin: int | None = None
    sequence_number: int | None = None
    epoch: int = 0
    duplicate: bool = False
    error: str | None = None
    cin_reset: bool = False
    integrity: tuple[CheckResult, ...] = ()
    decrypted: DecryptedPayload | None = None
    decryption_error: str | None = None


_INTEGRITY_COUNTS: Final = ("checked", "ok", "failed", "unverifiable", "unchecked")
"""The counters of the summary's ``integrity`` entry, in its order: checks made, and what
they came to (``unchecked``: check PDUs not checked, see ``Collector._check_repeat``)."""


@dataclass
class _Integrity:
    counts: Counter[str] = field(default_factory=Counter)  # by _INTEGRITY_COUNTS
    profiles: Counter[str] = field(default_factory=Counter)
    details: list[dict[str, Any]] = field(default_factory=list)


class Collector:
    """Judges received PDUs and keeps a LEMF's counters: duplicates and gaps per LIID + CIN +
    kind (TS 102 232-1 5.2.5), cINReset epochs, IRI/CC correlation, integrity checks and
    decryption (6.4); see docs/lemf.md.

    ``spec`` decodes what needs decoding (the encryptionContainer's plaintext); the PDUs
    themselves come decoded. ``decrypt_key`` (16, 24 or 32 octets) decrypts
    encryptionContainers (``decrypt_padding`` the sender's padding, ``"zero"`` for OpenLI;
    a 16-octet key reads the ``national-option`` type as AES-128-CBC, as this library writes
    it). ``verify_key`` (public key or certificate) verifies signed integrity checks.
    ``integrity_window``: at most this many PDUs per stream are kept waiting for their hash
    check. ``integrity_profiles``: the readings of what is hashed and signed accepted
    (:data:`~lawful_intercept.integrity.ProfileName`, default every one); the summary counts
    which one matched.

    Counters: ``received`` (PDUs judged, duplicates included, undecodable ones not),
    ``records`` (unique records), ``duplicates`` (PDUs that repeated one received before),
    ``decode_errors`` (PDUs or CCC packets that could not be decoded), ``decrypted``
    (encryptionContainers decrypted), ``decryption_errors`` (encryptionContainers that could
    not be decrypted with the key given).
    """

    received = records = duplicates = decode_errors = decrypted = decryption_errors = 0

    def __init__(
        self,
        spec: Specification,
        *,
        decrypt_key: bytes | None = None,
        verify_key: VerifyingKey | None = None,
        decrypt_padding: PaddingReading = "any",
        integrity_window: int = 10_000,
        integrity_profiles: Sequence[ProfileName] = PROFILES,
    ) -> None:
        if decrypt_key is not None:
            if not isinstance(decrypt_key, bytes | bytearray | memoryview):
                raise TypeError(f"decrypt_key must be bytes, got {type(decrypt_key).__name__}")
            decrypt_key = bytes(decrypt_key)
            if len(decrypt_key) not in (16, 24, 32):
                raise ValueError("decrypt_key must be an AES key of 16, 24 or 32 octets (TS 102 "
                                 f"232-1 EncryptionType), got {len(decrypt_key)} octets")
        if decrypt_padding not in ("any", "pkcs7", "zero"):
            raise ValueError("decrypt_padding must be 'any', 'pkcs7' or 'zero', got "
                             f"{decrypt_padding!r}")
        if type(integrity_window) is not int or integrity_window < 1:
            raise ValueError("integrity_window must be a positive number of PDUs, got "
                             f"{integrity_window!r}")
        self.spec = spec
        self.decrypt_key = decrypt_key
        self.decrypt_padding: PaddingReading = decrypt_padding
        self._national: Literal["AES-128-CBC"] | None = (
            "AES-128-CBC" if decrypt_key is not None and len(decrypt_key) == 16 else None)
        self._verifier = IntegrityVerifier(verify_key, spec=spec, max_pending=integrity_window,
                                           profiles=integrity_profiles)
        self._streams: dict[StreamKey, SequenceTracker] = {}
        self._epochs: dict[tuple[bytes, int | None], int] = {}
        self._resets: set[bytes] = set()
        self._digests: set[bytes] = set()
        self._iri: set[tuple[bytes, int | None]] = set()
        self._cc: Counter[tuple[bytes, int | None]] = Counter()
        self._by_kind: Counter[str] = Counter()
        self._integrity = _Integrity()
        self._decryption_failures: list[dict[str, Any]] = []
        # The digest of each integrity check PDU by its stream and number, to tell a resend
        # (checked when first received) from another check under a number already used.
        self._check_digests: dict[tuple[StreamKey, int], bytes] = {}
        self.us = USChecks()
        """The checks of the US formats (ATIS sequence numbers and correlation, PacketCable
        CCC correlation)."""

    # -- judging ------------------------------------------------------------------------------

    def accept(self, raw: bytes, value: Any, *, pdu_type: str = PS_PDU,
               error: str | None = None) -> Verdict:
        """Judge one received PDU: ``raw`` its octets as received, ``value`` its decoded value
        (``None`` with ``error`` when it did not decode) as the ASN.1 type ``pdu_type``."""
        if value is None:
            self.decode_errors += 1
            return Verdict(pdu_type, "other", None, error=error or "the PDU was not decoded")
        if pdu_type != PS_PDU:
            return self._us_record(pdu_type, value, raw)
        try:
            header = value["pSHeader"]
            liid = bytes(header["lawfulInterceptionIdentifier"])
            cin = header["communicationIdentifier"].get("communicationIdentityNumber")
            seq = int(header["sequenceNumber"])
            alternative, inner = value["payload"]
        except (KeyError, TypeError, ValueError) as exc:
            self.decode_errors += 1
            return Verdict(pdu_type, "other", value, error=f"not a PS-PDU value: {exc!r}")
        decrypted: DecryptedPayload | None = None
        failure: str | None = None
        if alternative == "encryptionContainer":
            kind = "encrypted"
            if self.decrypt_key is not None:
                try:
                    decrypted = decrypt_container(inner, self.decrypt_key, seq,
                                                  padding=self.decrypt_padding,
                                                  national_option=self._national, spec=self.spec)
                except DecryptionError as exc:
                    failure = str(exc)
                else:
                    kind = KIND_OF_PAYLOAD.get(decrypted.payload[0], "other")
        else:
            kind = KIND_OF_PAYLOAD.get(alternative, "other")
        if decrypted is not None:
            inner = decrypted.payload[1]
        reset = kind == "TRI" and isinstance(inner, tuple) and inner[0] == "cINReset"
        if reset and not self._reset(liid, cin, raw):
            # The same cINReset again: a resend, not a new numbering.
            verdict = Verdict(pdu_type, kind, value, liid, cin, seq,
                              self._epochs.get((liid, cin), 0), duplicate=True, cin_reset=True)
            return self._count(verdict)
        epoch = self._epochs.get((liid, cin), 0)
        numbering = _NUMBERING.get(kind)
        if numbering == "TRI":
            numbering = tri_numbering(inner)
        if numbering is not None:
            key: StreamKey = (liid, cin, numbering, epoch)
            tracker = self._streams.get(key)
            if tracker is None:
                tracker = self._streams[key] = SequenceTracker()
            duplicate = not tracker.add(seq)
            if numbering.startswith(INTEGRITY_NUMBERING):
                self._check_repeat(key, seq, raw, duplicate)
        else:
            duplicate = self._seen_digest(raw)
        results: tuple[CheckResult, ...] = ()
        if not duplicate:
            results = self._verify(value, raw, kind, decrypted)
            self._undecrypted_received(liid, cin, epoch, results)
            if decrypted is not None:
                self.decrypted += 1
            elif failure is not None:
                self.decryption_errors += 1
                self._detail(self._decryption_failures, {
                    "liid": liid_text(liid), "cin": cin, "sequence_number": seq,
                    "error": failure})
            if kind == "IRI":
                self._iri.add((liid, cin))
            elif kind == "CC":
                self._cc[(liid, cin)] += 1
        verdict = Verdict(pdu_type, kind, value, liid, cin, seq, epoch, duplicate,
                          cin_reset=reset, integrity=results, decrypted=decrypted,
                          decryption_error=failure)
        return self._count(verdict)

    def accept_ccc(self, datagram: bytes, layout: CCCLayout = "ESP-I01") -> Verdict:
        """Judge one PacketCable CCC packet received over UDP (PKT-SP-ESP-I01 clause 4,
        PKT-SP-ESP1.5 clause 5, PKT-SP-ES-DCI-C01 clause 7: the header ``layout``). A packet
        shorter than its header gives a verdict with ``error`` (counted in decode_errors)."""
        if layout not in CCC_LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(CCC_LAYOUTS)}, got {layout!r}")
        try:
            packet = parse_ccc_packet(datagram, layout)
        except DecodeError as exc:
            self.decode_errors += 1
            return Verdict(CCC, "CC", None, error=str(exc))
        value: dict[str, Any] = {"layout": layout, "cccId": packet.ccc_id}
        if packet.timestamp is not None:
            value["timestamp"] = {"seconds": packet.timestamp.seconds,
                                  "fraction": packet.timestamp.fraction}
        if packet.case_id is not None:
            value["caseId"] = packet.case_id
        value["payload"] = packet.payload
        verdict = self._by_digest(Verdict(CCC, "CC", value), datagram)
        if not verdict.duplicate:
            self.us.ccc(packet.ccc_id)
        return verdict

    # -- reporting ----------------------------------------------------------------------------

    @property
    def sequence_gaps(self) -> int:
        """Missing sequence numbers over every IRI, CC and ILHI stream."""
        return sum(t.missing_count for (_, _, kind, _), t in self._streams.items()
                   if kind in _GAP_CHECKED)

    @property
    def uncorrelated_cc(self) -> int:
        """Unique CC records of a LIID + CIN that had no IRI (so far)."""
        return sum(n for pair, n in self._cc.items() if pair not in self._iri)

    def summary(self) -> dict[str, Any]:
        """The collector's part of the LEMF summary: ``received``, ``records``,
        ``duplicates``, ``sequence_gaps``, ``gaps``, ``decode_errors``, ``integrity``,
        ``decrypted``, ``decryption_errors``, ``uncorrelated_cc`` (ETSI and US), ``streams``,
        ``by_kind``, ``us`` (:meth:`USChecks.summary`) and ``checks`` (each check, whether
        it ran, and its problems)."""
        gaps: list[dict[str, Any]] = []
        missing_total = 0
        streams = 0
        for (liid, cin, kind, epoch), tracker in self._streams.items():
            if kind not in _GAP_CHECKED:
                continue
            streams += 1
            missing = tracker.missing_count
            if not missing:
                continue
            missing_total += missing
            if len(gaps) < MAX_GAP_STREAMS:
                gaps.append({"liid": liid_text(liid), "cin": cin, "kind": kind, "epoch": epoch,
                             "missing_count": missing,
                             "missing": [list(r) for r in tracker.missing_ranges(MAX_GAP_RANGES)]})
        uncorrelated = [(liid, cin) for (liid, cin) in self._cc if (liid, cin) not in self._iri]
        integrity = self._integrity
        us_uncorrelated, us_streams = self.us.uncorrelated()
        us_gaps = self.us.atis_sequence_gaps
        etsi_uncorrelated = sum(self._cc[pair] for pair in uncorrelated)
        return {
            "received": self.received,
            "records": self.records,
            "duplicates": self.duplicates,
            "sequence_gaps": missing_total + us_gaps,
            "gaps": gaps + self.us.gaps()[:max(0, MAX_GAP_STREAMS - len(gaps))],
            "decode_errors": self.decode_errors,
            "integrity": {**{name: integrity.counts[name] for name in _INTEGRITY_COUNTS},
                          "profiles": dict(sorted(integrity.profiles.items())),
                          "warnings": self._integrity_warnings(),
                          "details": list(integrity.details)},
            "decrypted": self.decrypted,
            "decryption_errors": self.decryption_errors,
            "decryption_failures": list(self._decryption_failures),
            "uncorrelated_cc": etsi_uncorrelated + us_uncorrelated,
            "uncorrelated_communications": [
                {"liid": liid_text(liid), "cin": cin, "cc": self._cc[(liid, cin)]}
                for liid, cin in uncorrelated[:MAX_GAP_STREAMS]] + us_streams,
            "us": self.us.summary(),
            "checks": self._checks(streams, missing_total, etsi_uncorrelated) + self.us.checks(),
            "streams": streams,
            "by_kind": dict(sorted(self._by_kind.items())),
        }

    def _checks(self, streams: int, missing: int, uncorrelated: int) -> list[dict[str, Any]]:
        """The checks of every format and of ETSI, as :meth:`USChecks.checks` lists them."""
        counts = self._integrity.counts
        numbered = sum(t.seen for (_, _, kind, _), t in self._streams.items()
                       if kind in _GAP_CHECKED)
        rows = [
            ("decoding", "all", self.received + self.decode_errors, self.decode_errors),
            ("etsi_sequence", "etsi", numbered if streams else 0, missing),
            ("etsi_correlation", "etsi", sum(self._cc.values()), uncorrelated),
            ("etsi_integrity", "etsi", counts["checked"] + counts["unchecked"],
             counts["failed"] + counts["unverifiable"] + counts["unchecked"]),
            ("etsi_decryption", "etsi", self.decrypted + self.decryption_errors,
             self.decryption_errors),
        ]
        return check_rows(rows)

    # -- internals ----------------------------------------------------------------------------

    def _count(self, verdict: Verdict) -> Verdict:
        self.received += 1
        if verdict.duplicate:
            self.duplicates += 1
        else:
            self.records += 1
            self._by_kind[verdict.kind] += 1
        return verdict

    def _us_record(self, pdu_type: str, value: Any, raw: bytes) -> Verdict:
        """An ATIS or PacketCable PDU (or another type): de-duplicated by its octets, then
        by its ATIS sequence number; its facts go to the US checks."""
        name = pdu_type.rpartition(".")[2]
        kind = KIND_OF_TYPE.get(name, "other")
        duplicate = self._seen_digest(raw)
        if not duplicate:
            if name in ATIS_CC_TYPES:
                duplicate = not self.us.atis_cc(value)
            elif name in ATIS_IRI_TYPES:
                self.us.atis_iri(value)
            elif name in CDC_TYPES:
                self.us.cdc(value)
        return self._count(Verdict(pdu_type, kind, value, duplicate=duplicate))

    def _by_digest(self, verdict: Verdict, raw: bytes) -> Verdict:
        if self._seen_digest(raw):
            verdict = Verdict(verdict.pdu_type, verdict.kind, verdict.value, duplicate=True)
        return self._count(verdict)

    def _seen_digest(self, raw: bytes) -> bool:
        digest = hashlib.sha256(raw).digest()[:16]
        if digest in self._digests:
            return True
        self._digests.add(digest)
        return False

    def _reset(self, liid: bytes, cin: int | None, raw: bytes) -> bool:
        """A new epoch for (LIID, CIN) unless this very cINReset was received before."""
        digest = hashlib.sha256(raw).digest()
        if digest in self._resets:
            return False
        self._resets.add(digest)
        self._epochs[(liid, cin)] = self._epochs.get((liid, cin), 0) + 1
        return True

    def _verify(self, value: Any, raw: bytes, kind: str,
                decrypted: DecryptedPayload | None) -> tuple[CheckResult, ...]:
        """Feed the integrity verifier; the results of the check the PDU carries. A PDU
        whose container did not decrypt is fed as it is: a hash covering it names it."""
        if kind == "TRI":
            if decrypted is not None:  # an integrity check may travel encrypted too
                value = {"pSHeader": value["pSHeader"], "payload": decrypted.payload}
            results = self._verifier.feed(value, raw)
        elif kind == "encrypted":
            results = self._verifier.feed(value, raw)
        else:
            numbering = _NUMBERING.get(kind)
            if numbering not in _GAP_CHECKED:
                return ()
            # The verifier reads the kind from the payload, except behind a container.
            clear: bytes | None = None
            if decrypted is not None:
                try:
                    clear = clear_form(raw, decrypted.padded)
                except (DecodeError, ValueError):
                    clear = None  # the openli profile's form cannot be rebuilt: a mismatch
            results = self._verifier.feed(
                value, raw, kind=cast(Kind, numbering) if decrypted else None, clear=clear)
        for result in results:
            self._tally(result)
        return tuple(results)

    def _undecrypted_received(self, liid: bytes, cin: int | None, epoch: int,
                              results: tuple[CheckResult, ...]) -> None:
        """PDUs a hash check found received but not decryptable (their kind unknown until
        then) are no gap of their stream: they arrived, altered."""
        for result in results:
            if result.undecrypted and result.kind is not None:
                tracker = self._streams.setdefault((liid, cin, result.kind, epoch),
                                                   SequenceTracker())
                for number in result.undecrypted:
                    tracker.add(number)

    def _check_repeat(self, key: StreamKey, seq: int, raw: bytes, duplicate: bool) -> None:
        """An integrity check PDU numbered like an earlier one of its kind: a resend (the
        same octets) was checked when first received; other octets are a check the LEMF
        does not check, counted ``unchecked`` and warned about (TS 102 232-1 6.4)."""
        digest = hashlib.sha256(raw).digest()[:16]
        if not duplicate:
            self._check_digests[(key, seq)] = digest
            return
        if self._check_digests.get((key, seq), digest) == digest:
            return
        self._integrity.counts["unchecked"] += 1
        self._detail(self._integrity.details, {
            "status": "unchecked", "check_type": key[2].rpartition(" ")[2],
            "liid": liid_text(key[0]), "cin": key[1], "sequence_number": seq,
            "detail": "an integrity check PDU numbered like an earlier one of its kind, with "
                      "other octets: not checked (a sender reusing numbers)"})

    def _integrity_warnings(self) -> list[str]:
        """The warnings of the integrity summary: every check that was not made."""
        counts = self._integrity.counts
        warnings = []
        if counts["unchecked"]:
            warnings.append(f"{counts['unchecked']} integrity check PDU(s) were not checked: "
                            "numbered like an earlier check of their kind, with other octets")
        if counts["unverifiable"]:
            warnings.append(f"{counts['unverifiable']} integrity check(s) could not be "
                            "verified (no key, unknown algorithm or check type)")
        return warnings

    def _tally(self, result: CheckResult) -> None:
        integrity = self._integrity
        integrity.counts["checked"] += 1
        if result.ok:
            integrity.counts["ok"] += 1
            integrity.profiles[result.profile] += 1
            return
        integrity.counts["unverifiable" if result.status == "unverifiable" else "failed"] += 1
        self._detail(integrity.details, check_json(result))

    @staticmethod
    def _detail(details: list[dict[str, Any]], entry: dict[str, Any]) -> None:
        if len(details) < MAX_DETAILS:
            details.append(entry)


INTEGRITY_NUMBERING: Final = "TRI integrityCheck"
"""The numbering of integrity check PDUs: one per check type (``TRI integrityCheck hash``,
``TRI integrityCheck signature``), since a sender may number them apart (OpenLI does)."""


def tri_numbering(inner: Any) -> str:
    """The numbering a TRI PDU is judged in for duplicates (TS 102 232-1 5.2.5): one per kind
    of TRI payload, and per check type for integrity checks; ``TRI`` for anything else."""
    if isinstance(inner, tuple) and inner and isinstance(inner[0], str):
        if inner[0] == "integrityCheck" and isinstance(inner[1], Mapping):
            return f"{INTEGRITY_NUMBERING} {inner[1].get('checkType')}"
        return f"TRI {inner[0]}"
    return "TRI"


def check_json(result: CheckResult, *, limit: int = 20) -> dict[str, Any]:
    """A JSON-able account of an integrity :class:`~lawful_intercept.integrity.CheckResult`
    (lists of sequence numbers cut to ``limit`` entries)."""
    out: dict[str, Any] = {
        "status": result.status, "check_type": result.check_type,
        "liid": liid_text(result.liid), "cin": result.cin, "kind": result.kind,
        "sequence_number": result.sequence_number, "covered": len(result.covered),
    }
    if result.profile:
        out["profile"] = result.profile
    for name in ("missing", "altered", "suspects", "undecrypted"):
        numbers: tuple[int, ...] = getattr(result, name)
        if numbers:
            out[name] = list(numbers[:limit])
    if result.detail:
        out["detail"] = result.detail
    return out
