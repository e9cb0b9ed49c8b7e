"""Encrypted, hashed and signed CC the way OpenLI-built collection systems read it (TS 102 232-1
6.4 integrity checks, Payload encryptionContainer), judged by the library's LEMF checks.

The checker's default profile, ``openli``, hashes each PDU before encryption and signs the
interim IntegrityCheck; seal_pdu zero-pads (what libwandder accepts) and keeps the byteCounter
as the standard says (time of first use x 2^32 plus the octets before). One ciphertext bit is
then flipped: CBC detects nothing, the hash check names the PDU. See docs/integrity.md.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

import lawful_intercept
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.integrity import ByteCounter, IntegrityChecker, seal_pdu
from lawful_intercept.lemf import Collector
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

spec = lawful_intercept.bundled()
key = b"0123456789abcdefghijklmn"  # AES-192: OpenLI's configured key string, 24 characters
signing_key = ec.generate_private_key(ec.SECP256R1())

builder = PSPDUBuilder(SessionIdentity("LIID-OPENLI", NetworkIdentifier(b"op", b"bras-1"), 99))
ip = IPAccessRecords(builder)
checker = IntegrityChecker(pdus_per_hash=4, signing_key=signing_key, hashes_per_signature=2)
counter = ByteCounter()
stream: list[bytes] = []
for n in range(8):
    sealed = seal_pdu(ip.ipcc(b"\x45\x00\x00\x30" + bytes(20) + b"packet %d" % n, "toTarget"),
                      key, byte_counter=counter)
    stream.append(sealed.octets)
    stream += checker.emit(builder, checker.add(sealed))
stream += checker.emit(builder, checker.sign_now())


def judge(pdus: list[bytes]) -> dict[str, object]:
    collector = Collector(spec, decrypt_key=key, verify_key=signing_key.public_key())
    for raw in pdus:
        collector.accept(raw, spec.decode("PS-PDU", raw, strict=False))
    return collector.summary()


summary = judge(stream)
integrity = summary["integrity"]
assert isinstance(integrity, dict)
print(f"{len(stream)} PDUs: integrity checked={integrity['checked']} ok={integrity['ok']} "
      f"profiles={integrity['profiles']} warnings={integrity['warnings']}")
assert integrity["checked"] == integrity["ok"] == 3 and integrity["profiles"] == {"openli": 3}

# One bit of the third CC PDU's ciphertext flipped in transit.
victim = stream[2]
secret = spec.decode("PS-PDU", victim)["payload"][1]["encryptedPayload"]
at = victim.index(secret) + len(secret) - 1
stream[2] = victim[:at] + bytes([victim[at] ^ 0x01]) + victim[at + 1:]
summary = judge(stream)
integrity = summary["integrity"]
assert isinstance(integrity, dict)
(detail,) = integrity["details"]
print(f"flipped bit: {detail['status']} of hash PDU {detail['sequence_number']}, altered PDU "
      f"{detail.get('altered') or detail.get('suspects')}, sequence gaps "
      f"{summary['sequence_gaps']}")
assert detail["status"] == "mismatch" and summary["sequence_gaps"] == 0
