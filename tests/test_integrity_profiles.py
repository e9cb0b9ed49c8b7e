"""Issue 16: the reading profiles of TS 102 232-1 integrity checks (``openli``, ``library``),
interoperability with streams written the way OpenLI's current collector writes them (a
test-local re-implementation in ``_openli_profile``), tampering per profile, and the LEMF
collector that never lets an integrity PDU go unchecked in silence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _openli_profile import OpenLIWriter, interim_integrity_check, openli_verify
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.asn1c import Specification
from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.integrity import (
    PROFILES,
    CheckResult,
    IntegrityChecker,
    IntegrityVerifier,
    Padding,
    seal_pdu,
)
from lawful_intercept.lemf import Collector
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

T0 = 1_764_504_000_123_456_000
KEY_TEXT = "0123456789abcdefghijklmnopqrstuv"  # OpenLI cuts the configured key to 24
KEY = KEY_TEXT.encode()[:24]
SIGNERS: dict[str, Callable[[], Any]] = {
    "P-256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "Ed448": ed448.Ed448PrivateKey.generate,
    "Ed25519": ed25519.Ed25519PrivateKey.generate,
}


def _builder(spec: Specification) -> PSPDUBuilder:
    ticks = iter(range(T0, T0 + 10**15, 1_000_000))
    identity = SessionIdentity("LIID-16", NetworkIdentifier(b"operator-1", b"bras-07"), 4242,
                               authorization_country_code="DE", delivery_country_code="DE")
    return PSPDUBuilder(identity, spec=spec, clock=Clock(lambda: next(ticks)))


def _packet(i: int) -> bytes:
    return b"\x45\x00\x00\x28" + bytes(20) + b"PKT" + i.to_bytes(4, "big") + bytes(i % 17)


def _openli_stream(spec: Specification, count: int, *, signing_key: Any = None,
                   encrypted: bool = False) -> list[bytes]:
    writer = OpenLIWriter(spec, signing_key=signing_key,
                          encryption_key=KEY_TEXT if encrypted else None)
    ip = IPAccessRecords(_builder(spec))
    for i in range(count):
        writer.record(ip.ipcc(_packet(i), "toTarget"), "CC")
    return writer.finish()


def _library_stream(spec: Specification, count: int, *, profile: str = "openli",
                    signing_key: Any = None, encrypted: bool = False,
                    pdus_per_hash: int = 3) -> tuple[list[bytes], list[int]]:
    """A stream from the library's checker (and seal_pdu); with the indexes of the CC PDUs."""
    builder = _builder(spec)
    ip = IPAccessRecords(builder)
    checker = IntegrityChecker(pdus_per_hash=pdus_per_hash, hashes_per_signature=2,
                               signing_key=signing_key, spec=spec,
                               profile=profile)  # type: ignore[arg-type]
    stream: list[bytes] = []
    data: list[int] = []
    for i in range(count):
        pdu = ip.ipcc(_packet(i), "toTarget")
        item: Any = seal_pdu(pdu, KEY, spec=spec) if encrypted else pdu
        data.append(len(stream))
        stream.append(item.octets if encrypted else pdu)
        stream += checker.emit(builder, checker.add(item))
    stream += checker.emit(builder, checker.hash_now())
    stream += checker.emit(builder, checker.sign_now())
    return stream, data


def _verify(spec: Specification, stream: list[bytes], public_key: Any = None, *,
            decrypt: bool = False, profiles: Any = PROFILES) -> list[CheckResult]:
    """The library's verifier, fed as the LEMF feeds it (decrypting with the key)."""
    collector = Collector(spec, decrypt_key=KEY if decrypt else None, verify_key=public_key,
                          integrity_profiles=profiles)
    results: list[CheckResult] = []
    for raw in stream:
        results += collector.accept(raw, spec.decode("PS-PDU", raw, strict=False)).integrity
    return results


def _collect(spec: Specification, stream: list[bytes], public_key: Any = None,
             decrypt: bool = True) -> dict[str, Any]:
    collector = Collector(spec, decrypt_key=KEY if decrypt else None, verify_key=public_key)
    for raw in stream:
        collector.accept(raw, spec.decode("PS-PDU", raw, strict=False))
    return collector.summary()


# -- point 1 and 5: OpenLI's streams verify in the library, the library's in OpenLI's reading --


@pytest.mark.parametrize("encrypted", [False, True])
@pytest.mark.parametrize("signer", list(SIGNERS))
def test_openli_streams_verify_in_the_library(spec: Specification, signer: str,
                                              encrypted: bool) -> None:
    key = SIGNERS[signer]()
    stream = _openli_stream(spec, 11, signing_key=key, encrypted=encrypted)
    results = _verify(spec, stream, key.public_key(), decrypt=encrypted)
    assert [(r.check_type, r.status) for r in results] == [
        ("hash", "ok"), ("hash", "ok"), ("signature", "ok"), ("hash", "ok"), ("hash", "ok"),
        ("signature", "ok")]
    assert {r.profile for r in results} == {"openli"}
    # The library's former reading alone rejects them: what the issue saw.
    results = _verify(spec, stream, key.public_key(), decrypt=encrypted, profiles=["library"])
    assert [r.status for r in results if r.check_type == "signature"] == ["bad-signature"] * 2
    if encrypted:
        assert {r.status for r in results if r.check_type == "hash"} == {"mismatch"}


@pytest.mark.parametrize("encrypted", [False, True])
@pytest.mark.parametrize("signer", list(SIGNERS))
def test_openli_streams_verify_in_the_lemf(spec: Specification, signer: str,
                                           encrypted: bool) -> None:
    """OpenLI numbers hash and signature PDUs from 1 on separate counters: both are TRI PDU
    #1, and neither is a duplicate of the other."""
    key = SIGNERS[signer]()
    stream = _openli_stream(spec, 11, signing_key=key, encrypted=encrypted)
    summary = _collect(spec, stream, key.public_key(), decrypt=encrypted)
    assert summary["integrity"] == {"checked": 6, "ok": 6, "failed": 0, "unverifiable": 0,
                                    "unchecked": 0, "profiles": {"openli": 6},
                                    "warnings": [], "details": []}
    assert summary["duplicates"] == 0 and summary["sequence_gaps"] == 0
    assert summary["decryption_errors"] == 0


@pytest.mark.parametrize("encrypted", [False, True])
@pytest.mark.parametrize("signer", list(SIGNERS))
def test_library_streams_verify_in_openli_reading(spec: Specification, signer: str,
                                                  encrypted: bool) -> None:
    key = SIGNERS[signer]()
    stream, _ = _library_stream(spec, 11, signing_key=key, encrypted=encrypted)
    assert openli_verify(spec, stream, key.public_key(),
                         KEY_TEXT if encrypted else None) == [
        ("hash", True), ("hash", True), ("signature", True), ("hash", True), ("hash", True),
        ("signature", True)]
    # The library profile is not OpenLI's: its signatures fail there, and so do its hashes
    # over encrypted PDUs (taken as sent, not before encryption).
    stream, _ = _library_stream(spec, 11, signing_key=key, encrypted=encrypted,
                                profile="library")
    results = openli_verify(spec, stream, key.public_key(), KEY_TEXT if encrypted else None)
    assert [ok for what, ok in results if what == "signature"] == [False, False]
    assert {ok for what, ok in results if what == "hash"} == {not encrypted}


def test_the_signed_octets_are_the_interim_integrity_check(spec: Specification) -> None:
    """The library's openli profile signs exactly the octets the re-implementation builds by
    hand."""
    from lawful_intercept.integrity._profiles import signed_octets

    check = {"includedSequenceNumbers": [1, 2, 300], "checkType": "signature",
             "dataType": "cC", "checkValue": b"x" * 64, "signatureAlgorithm": "edDSA",
             "hashAlgorithm": "sHA-256"}
    assert signed_octets(spec, "openli", check, []) == interim_integrity_check(
        [1, 2, 300], "CC", "edDSA")
    assert signed_octets(spec, "library", check, [b"ab", b"cd"]) == b"abcd"


def test_profiles_are_checked(spec: Specification) -> None:
    with pytest.raises(ValueError, match="profile"):
        IntegrityChecker(profile="openli-2025", spec=spec)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="profiles"):
        IntegrityVerifier(profiles=[], spec=spec)
    with pytest.raises(ValueError, match="profiles"):
        IntegrityVerifier(profiles=["openli", "openli"], spec=spec)
    with pytest.raises(TypeError, match="profiles"):
        IntegrityVerifier(profiles=3, spec=spec)  # type: ignore[arg-type]
    assert IntegrityChecker(spec=spec).profile == "openli"
    assert IntegrityVerifier(spec=spec).profiles == ("openli", "library")


# -- point 5: every tamper case, per profile ----------------------------------------------


def _tamper(spec: Specification, stream: list[bytes], data: list[int],
            case: str) -> list[bytes]:
    out = list(stream)
    if case == "flip":  # a bit of the IP packet, or of the ciphertext's middle
        raw = out[data[1]]
        alternative, inner = spec.decode("PS-PDU", raw)["payload"]
        at = (raw.index(inner["encryptedPayload"]) + 20 if alternative == "encryptionContainer"
              else raw.index(b"PKT") + 5)
        out[data[1]] = raw[:at] + bytes([raw[at] ^ 0x10]) + raw[at + 1:]
    elif case == "drop":
        del out[data[1]]
    elif case == "reorder":
        out[data[0]], out[data[1]] = out[data[1]], out[data[0]]
    return out


@pytest.mark.parametrize("encrypted", [False, True])
@pytest.mark.parametrize("profile", ["openli", "library"])
@pytest.mark.parametrize("case", ["flip", "drop", "reorder"])
def test_data_tampering_is_reported(spec: Specification, profile: str, encrypted: bool,
                                    case: str) -> None:
    stream, data = _library_stream(spec, 3, profile=profile, encrypted=encrypted,
                                   pdus_per_hash=3)
    results = _verify(spec, _tamper(spec, stream, data, case), decrypt=encrypted)
    (result,) = results
    seq = spec.decode("PS-PDU", stream[data[1]])["pSHeader"]["sequenceNumber"]
    if case == "drop":
        assert (result.status, result.missing) == ("missing", (seq,))
    elif case == "flip":
        # CBC detects nothing; the hash does. A PDU that no longer decrypts is named for
        # certain; one that decrypts to something else is among the run's suspects.
        assert result.status == "mismatch"
        assert result.altered == result.undecrypted == (seq,) if result.undecrypted \
            else seq in result.suspects
    else:  # a reordered stream still holds the same PDUs under the same numbers
        assert result.status == "ok"


@pytest.mark.parametrize("profile", ["openli", "library"])
@pytest.mark.parametrize("what", ["checkValue", "signature", "hash-pdu-dropped"])
def test_check_tampering_is_reported(spec: Specification, profile: str, what: str) -> None:
    key = ed448.Ed448PrivateKey.generate()
    stream, data = _library_stream(spec, 6, profile=profile, signing_key=key)
    checks = [i for i in range(len(stream)) if i not in data]  # hash, hash, signature
    if what == "checkValue":
        value = spec.decode("PS-PDU", stream[checks[0]])["payload"][1][1]["checkValue"]
        stream[checks[0]] = stream[checks[0]].replace(value, bytes([value[0] ^ 1]) + value[1:])
    elif what == "signature":
        signature = spec.decode("PS-PDU", stream[checks[2]])["payload"][1][1]["checkValue"]
        stream[checks[2]] = stream[checks[2]].replace(signature,
                                                      signature[:-1] + bytes([signature[-1] ^ 1]))
    else:
        del stream[checks[0]]
    statuses = [(r.check_type, r.status) for r in _verify(spec, stream, key.public_key())]
    if what == "checkValue":
        # Under openli the signature covers the hash PDUs' numbers, not their values: the
        # altered value is caught by its own hash check.
        assert statuses == [("hash", "mismatch"), ("hash", "ok"),
                            ("signature", "ok" if profile == "openli" else "bad-signature")]
    elif what == "signature":
        assert statuses == [("hash", "ok"), ("hash", "ok"), ("signature", "bad-signature")]
    else:
        assert statuses == [("hash", "ok"), ("signature", "missing")]


# -- point 2: the LEMF never lets an integrity PDU go unchecked in silence ------------------


def test_a_check_reusing_a_number_is_unchecked_and_warned(spec: Specification) -> None:
    stream = _openli_stream(spec, 3)  # records 0..2, hash PDU #1
    hash_pdu = stream[-1]
    value = spec.decode("PS-PDU", hash_pdu)
    value["payload"][1][1]["checkValue"] = bytes(32)
    other = spec.encode("PS-PDU", value)
    summary = _collect(spec, [*stream, hash_pdu, other], decrypt=False)
    integrity = summary["integrity"]
    assert (integrity["checked"], integrity["ok"], integrity["unchecked"]) == (1, 1, 1)
    assert summary["duplicates"] == 2  # the resend (checked before) and the other one
    assert integrity["warnings"] == [
        "1 integrity check PDU(s) were not checked: numbered like an earlier check of their "
        "kind, with other octets"]
    assert integrity["details"][0]["status"] == "unchecked"
    assert integrity["details"][0]["check_type"] == "hash"
    etsi = next(c for c in summary["checks"] if c["check"] == "etsi_integrity")
    assert etsi["problems"] == 1


def test_unverifiable_checks_are_warned(spec: Specification) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    stream = _openli_stream(spec, 6, signing_key=key)
    summary = _collect(spec, stream, None, decrypt=False)  # no key to verify with
    assert summary["integrity"]["unverifiable"] == 1
    assert any("could not be verified" in w for w in summary["integrity"]["warnings"])


def test_encrypted_integrity_checks_are_checked(spec: Specification) -> None:
    """A hash PDU that travels encrypted is decrypted and checked, not left aside."""
    stream = _openli_stream(spec, 3)
    stream[-1] = seal_pdu(stream[-1], KEY, spec=spec).octets
    summary = _collect(spec, stream)
    assert (summary["integrity"]["checked"], summary["integrity"]["ok"]) == (1, 1)


# -- point 3: a flipped ciphertext bit is a hash mismatch naming the PDU -------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bit=st.integers(0, 10_000), victim=st.integers(0, 3),
       profile=st.sampled_from(["openli", "library"]))
def test_any_flipped_ciphertext_bit_is_a_mismatch(bit: int, victim: int, profile: str) -> None:
    spec = lawful_intercept.bundled()
    stream, data = _library_stream(spec, 4, profile=profile, encrypted=True, pdus_per_hash=4)
    raw = stream[data[victim]]
    container = spec.decode("PS-PDU", raw)["payload"][1]
    secret = container["encryptedPayload"]
    at = raw.index(secret) + (bit // 8) % len(secret)
    stream[data[victim]] = raw[:at] + bytes([raw[at] ^ (1 << bit % 8)]) + raw[at + 1:]
    seq = spec.decode("PS-PDU", raw)["pSHeader"]["sequenceNumber"]
    collector = Collector(spec, decrypt_key=KEY)
    results = [r for pdu in stream
               for r in collector.accept(pdu, spec.decode("PS-PDU", pdu)).integrity]
    (result,) = results
    assert result.status == "mismatch"
    if result.undecrypted:  # it did not decrypt: named for certain
        assert result.altered == result.undecrypted == (seq,)
    else:  # it decrypted to something else: one digest over the run names the run
        assert seq in result.suspects
    summary = collector.summary()
    assert summary["sequence_gaps"] == 0  # received, altered: not lost
    assert summary["integrity"]["failed"] == 1


def test_the_lemf_reads_either_padding_by_default(spec: Specification) -> None:
    ip = IPAccessRecords(_builder(spec))
    paddings: tuple[Padding, ...] = ("zero", "pkcs7")
    pdus = [seal_pdu(ip.ipcc(_packet(i), "toTarget"), KEY, padding=padding, spec=spec).octets
            for i, padding in enumerate(paddings)]
    summary = _collect(spec, pdus)
    assert (summary["decrypted"], summary["decryption_errors"]) == (2, 0)
    with pytest.raises(ValueError, match="decrypt_padding"):
        Collector(spec, decrypt_key=KEY, decrypt_padding="iso")  # type: ignore[arg-type]


def test_undecrypted_pdus_wait_for_their_hash(spec: Specification) -> None:
    """An encrypted PDU that could not be decrypted is kept (kind unknown) until a hash names
    it, and listed by unchecked() meanwhile."""
    sealed = seal_pdu(IPAccessRecords(_builder(spec)).ipcc(_packet(1), "toTarget"), KEY,
                      spec=spec)
    verifier = IntegrityVerifier(spec=spec)
    assert verifier.feed_raw(sealed.octets) == []
    assert verifier.unchecked() == {(b"LIID-16", 4242, "encrypted"): (0,)}
