"""Issue 16, points 3 and 4: padding conventions that OpenLI and libwandder accept, the form of
an encrypted PDU the openli profile hashes, and the byteCounter as TS 102 232-1 says."""

from __future__ import annotations

import time

import pytest
from _misuse import raises_misuse
from _openli_profile import encrypt_in_place
from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept import DecodeError
from lawful_intercept.asn1c import Specification
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.integrity import (
    ByteCounter,
    DecryptionError,
    IntegrityChecker,
    IntegrityVerifier,
    clear_form,
    decrypt_container,
    decrypt_pdu,
    encrypt_payload,
    initial_byte_counter,
    seal_pdu,
)
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

KEY = b"0123456789abcdefghijklmn"


def _ip(spec: Specification) -> IPAccessRecords:
    identity = SessionIdentity("LIID-16", NetworkIdentifier(b"op", b"ne"), 77)
    return IPAccessRecords(PSPDUBuilder(identity, spec=spec))


def _payload(packet: bytes) -> tuple[str, list[dict[str, object]]]:
    return ("cCPayloadSequence", [{"payloadDirection": "toTarget", "cCContents": (
        "iPCC", {"iPCCObjId": "5.3.18.2", "iPCCContents": ("iPPackets", packet)})}])


# -- point 3: padding ---------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(packet=st.binary(max_size=200))
def test_default_padding_passes_libwandder_length_check(packet: bytes) -> None:
    """Zero padding by default: the ciphertext is the plaintext rounded up to whole blocks,
    never a block more (libwandder decrypts without padding and checks that length)."""
    spec = lawful_intercept.bundled()
    container = encrypt_payload(_payload(packet), KEY, 9, byte_counter=1, spec=spec)
    opened = decrypt_container(container, KEY, 9, spec=spec)
    assert len(container["encryptedPayload"]) == -(-len(opened.plaintext) // 16) * 16
    assert opened.padding == "zero" and opened.payload == _payload(packet)
    assert opened.padded[len(opened.plaintext):] == bytes(len(opened.padded)
                                                            - len(opened.plaintext))


def test_pkcs7_is_an_option_and_any_reads_both(spec: Specification) -> None:
    for size in range(0, 48):
        payload = _payload(bytes(size))
        zero = encrypt_payload(payload, KEY, 5, byte_counter=0, spec=spec)
        pkcs7 = encrypt_payload(payload, KEY, 5, byte_counter=0, padding="pkcs7", spec=spec)
        plain = decrypt_container(zero, KEY, 5, spec=spec).plaintext
        if len(plain) % 16 == 0:  # what libwandder's length check refuses
            assert len(pkcs7["encryptedPayload"]) == len(zero["encryptedPayload"]) + 16
        assert decrypt_container(pkcs7, KEY, 5, spec=spec).padding == "pkcs7"
        assert decrypt_container(zero, KEY, 5, padding="zero", spec=spec).payload == payload
        assert decrypt_container(pkcs7, KEY, 5, padding="pkcs7", spec=spec).payload == payload
    with pytest.raises(DecryptionError, match="octets after the EncryptedPayload"):
        decrypt_container(pkcs7, KEY, 5, padding="zero", spec=spec)
    zero = encrypt_payload(_payload(b"x" * 5), KEY, 5, byte_counter=0, spec=spec)
    with pytest.raises(DecryptionError, match="PKCS#7"):
        decrypt_container(zero, KEY, 5, padding="pkcs7", spec=spec)
    with raises_misuse(ValueError, "padding", "'any'"):
        decrypt_container(zero, KEY, 5, padding="iso", spec=spec)  # type: ignore[arg-type]


def test_cbc_detects_nothing_and_says_so(spec: Specification) -> None:
    """A flipped ciphertext bit in a middle block often decrypts without error: the
    docstrings say so, and the hash checks are what catch it (test_integrity_profiles)."""
    for function in (decrypt_container, decrypt_pdu):
        assert "detects nothing" in " ".join((function.__doc__ or "").split())
    sealed = seal_pdu(_ip(spec).ipcc(bytes(100), "toTarget"), KEY, byte_counter=0, spec=spec)
    secret = spec.decode("PS-PDU", sealed.octets)["payload"][1]["encryptedPayload"]
    at = sealed.octets.index(secret) + 40  # inside the IP packet's zero octets
    flipped = sealed.octets[:at] + bytes([sealed.octets[at] ^ 1]) + sealed.octets[at + 1:]
    altered = decrypt_pdu(flipped, KEY, spec=spec)  # no error: CBC detects nothing
    assert altered.payload != decrypt_pdu(sealed.octets, KEY, spec=spec).payload


# -- the form the openli profile hashes ---------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(packet=st.binary(max_size=300), seq_counter=st.integers(0, 2**32 - 1))
def test_sealed_pdus_are_what_openli_sends_and_hashes(packet: bytes, seq_counter: int) -> None:
    """seal_pdu gives, octet for octet, what the re-implementation of OpenLI sends and what
    it hashes (the PDU before encryption)."""
    spec = lawful_intercept.bundled()
    pdu = _ip(spec).ipcc(packet, "toTarget")
    counter = (1_764_504_000 << 32) | seq_counter
    sealed = seal_pdu(pdu, KEY, byte_counter=counter, spec=spec)
    before, sent = encrypt_in_place(pdu, KEY, 0, counter)
    assert (sealed.octets, sealed.clear) == (sent, before)
    assert sealed.kind == "CC" and sealed.byte_counter == counter
    opened = decrypt_pdu(sealed.octets, KEY, spec=spec)
    assert clear_form(sealed.octets, opened.padded) == before


def test_clear_form_errors(spec: Specification) -> None:
    pdu = _ip(spec).ipcc(b"abc", "toTarget")
    with pytest.raises(DecodeError, match="encryptionContainer"):
        clear_form(pdu, bytes(16))
    sealed = seal_pdu(pdu, KEY, byte_counter=0, spec=spec)
    with raises_misuse(ValueError, "padded", "octets"):
        clear_form(sealed.octets, bytes(3))


def test_checker_hashes_the_clear_form_under_openli(spec: Specification) -> None:
    ip = _ip(spec)
    pdu = ip.ipcc(b"packet", "toTarget")
    sealed = seal_pdu(pdu, KEY, byte_counter=0, spec=spec)
    by_sealed = IntegrityChecker(pdus_per_hash=1, spec=spec).add(sealed)
    by_clear = IntegrityChecker(pdus_per_hash=1, spec=spec).add(
        sealed.octets, kind="CC", clear=sealed.clear)
    assert by_sealed == by_clear
    library = IntegrityChecker(pdus_per_hash=1, spec=spec, profile="library").add(sealed)
    assert library[0].payload[1]["checkValue"] != by_sealed[0].payload[1]["checkValue"]
    # The verifier, given the clear form, accepts both, each under its profile.
    for checks, profile in ((by_sealed, "openli"), (library, "library")):
        tri = ip.builder.tri(checks[0].payload)
        verifier = IntegrityVerifier(spec=spec)
        verifier.feed_raw(sealed.octets, kind="CC", clear=sealed.clear)
        assert [(r.status, r.profile) for r in verifier.feed_raw(tri)] == [("ok", profile)]


# -- point 4: byteCounter ---------------------------------------------------------------


def test_byte_counter_is_time_of_first_use_times_2_32_plus_octets_before(
        spec: Specification) -> None:
    clock_reads: list[float] = []

    def clock() -> float:
        clock_reads.append(1_764_504_000.75)
        return 1_764_504_000.75

    counter = ByteCounter(clock=clock)
    assert clock_reads == []  # fixed at first use, not at creation
    ip = _ip(spec)
    first = seal_pdu(ip.ipcc(b"one", "toTarget"), KEY, byte_counter=counter, spec=spec)
    second = seal_pdu(ip.ipcc(b"two" * 30, "toTarget"), KEY, byte_counter=counter, spec=spec)
    third = seal_pdu(ip.ipcc(b"three", "toTarget"), KEY, byte_counter=counter, spec=spec)
    assert first.byte_counter == 1_764_504_000 << 32
    assert second.byte_counter == first.byte_counter + len(first.octets)
    assert third.byte_counter == second.byte_counter + len(second.octets)
    assert counter.value == third.byte_counter + len(third.octets)
    assert len(clock_reads) == 1
    assert decrypt_pdu(third.octets, KEY, spec=spec).byte_counter == third.byte_counter


def test_byte_counter_defaults_and_overrides(spec: Specification) -> None:
    before = int(time.time()) << 32
    container = encrypt_payload(_payload(b"x"), KEY, 1, spec=spec)
    after = int(time.time()) << 32
    assert before <= decrypt_container(container, KEY, 1, spec=spec).byte_counter <= after
    assert ByteCounter(start=5).value == 5
    counter = ByteCounter(start=2**64 - 2)
    counter.advance(3)
    assert counter.value == 1  # wraps at 2^64, the INTEGER's range
    sealed = seal_pdu(_ip(spec).ipcc(b"x", "toTarget"), KEY, byte_counter=4711, spec=spec)
    assert sealed.byte_counter == 4711
    assert initial_byte_counter(1.9) == 1 << 32
    with raises_misuse(ValueError, "unix_time", "seconds"):
        initial_byte_counter(-1)
    with raises_misuse(ValueError, "start", "0"):
        ByteCounter(start=-1)
    with raises_misuse(TypeError, "octets", "str"):
        ByteCounter(start=0).advance("3")  # type: ignore[arg-type]
