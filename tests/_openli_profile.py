"""A test-local re-implementation of what OpenLI's current collector sends for TS 102 232-1
integrity checks and encryption, written from its documented and observed output (not from
its code), independently of the library's integrity package:

* records encrypted with AES-192-CBC, IV = the sequence number (4 octets, big-endian) four
  times, plaintext ``EncryptedPayload {byteCounter, payload}`` zero-padded to whole blocks,
  byteCounter = start time << 32 | octets sent before; the key is the configured string cut
  to 24 characters;
* each record is hashed before encryption: the PDU with encryptionType none and the padded
  plaintext in place, then encrypted in place (the same length); one SHA-256 digest over the
  run of a LIID + CIN + kind;
* hash and signature PDUs are TRI PDUs numbered from 1 on two separate counters;
* a signature signs the BER of its own interim IntegrityCheck: includedSequenceNumbers (the
  hash PDUs' TRI numbers), checkType signature, dataType, an empty checkValue and
  signatureAlgorithm; the signature PDU carries no hashAlgorithm.

The BER octets that are hashed and signed are built here by hand; only the outer PS-PDU of a
TRI PDU is encoded with the compiled specification (its layout is not what is tested).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from lawful_intercept.asn1c import Specification

DATA_TYPE = {"IRI": 1, "CC": 2}
CHECK_TYPE_SIGNATURE = 2
SIGNATURE_ALGORITHM = {"eCDSA": 2, "edDSA": 3}  # SignatureAlgorithm dSA(1), eCDSA(2), edDSA(3)


def tlv(tag: int, contents: bytes) -> bytes:
    """One BER TLV with a one-octet identifier and a definite length (X.690 8.1)."""
    n = len(contents)
    if n < 128:
        length = bytes([n])
    else:
        octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + length + contents


def integer(value: int) -> bytes:
    """The contents octets of an INTEGER (X.690 8.3), minimal, two's complement."""
    return value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True)


def interim_integrity_check(numbers: list[int], kind: str, algorithm: str) -> bytes:
    """What OpenLI signs: its IntegrityCheck with an empty checkValue, no hashAlgorithm."""
    sequence = b"".join(tlv(0x02, integer(n)) for n in numbers)
    return tlv(0x30, tlv(0xA0, sequence)
               + tlv(0x81, integer(CHECK_TYPE_SIGNATURE))
               + tlv(0x82, integer(DATA_TYPE[kind]))
               + tlv(0x83, b"")
               + tlv(0x85, integer(SIGNATURE_ALGORITHM[algorithm])))


def _read_tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(identifier, contents start, contents end) of the TLV at ``pos`` (short tags)."""
    tag, first = data[pos], data[pos + 1]
    if first < 0x80:
        return tag, pos + 2, pos + 2 + first
    n = first & 0x7F
    length = int.from_bytes(data[pos + 2:pos + 2 + n], "big")
    return tag, pos + 2 + n, pos + 2 + n + length


def _children(data: bytes, start: int, stop: int) -> list[tuple[int, int, int]]:
    out = []
    pos = start
    while pos < stop:
        tag, cstart, cstop = _read_tlv(data, pos)
        out.append((tag, cstart, cstop))
        pos = cstop
    return out


def payload_tlv(pdu: bytes) -> tuple[int, int]:
    """(start, end) of the PS-PDU's payload [2] TLV, header included."""
    _, start, stop = _read_tlv(pdu, 0)
    pos = start
    while pos < stop:
        tag, _, cstop = _read_tlv(pdu, pos)
        if tag == 0xA2:
            return pos, cstop
        pos = cstop
    raise AssertionError("no payload [2]")


def encrypt_in_place(pdu: bytes, key: bytes, seq: int, counter: int) -> tuple[bytes, bytes]:
    """(the PDU OpenLI hashes, the PDU it sends): the payload put in an encryptionContainer
    of type none with the zero-padded plaintext, then that plaintext encrypted in place."""
    start, stop = payload_tlv(pdu)
    _, cstart, _ = _read_tlv(pdu, start)
    payload_choice = pdu[cstart:stop]  # the Payload CHOICE alternative's TLV
    plain = tlv(0x30, tlv(0x80, counter.to_bytes(8, "big")) + tlv(0xA1, payload_choice))
    plain += bytes(-len(plain) % 16)
    def container(kind: int, body: bytes) -> bytes:
        return tlv(0xA2, tlv(0xA4, tlv(0x80, bytes([kind])) + tlv(0x81, body)
                             + tlv(0x82, bytes([3]))))  # encryptedPayloadType part3
    before = pdu[:start] + container(1, plain) + pdu[stop:]
    before = _resized(pdu, before)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(seq.to_bytes(4, "big") * 4)).encryptor()
    secret = encryptor.update(plain) + encryptor.finalize()
    at = before.index(plain)
    sent = bytearray(before)
    sent[at:at + len(plain)] = secret
    sent[at - len(tlv(0x81, plain)) + len(plain) - 1] = 3  # encryptionType aES-192-CBC
    return before, bytes(sent)


def _resized(original: bytes, body_changed: bytes) -> bytes:
    """``body_changed`` (the original PDU's octets with its payload replaced) with the outer
    SEQUENCE length made right."""
    _, start, _ = _read_tlv(original, 0)
    return tlv(0x30, body_changed[start:])


def decrypt_in_place(pdu: bytes, key: bytes, seq: int) -> bytes | None:
    """The form OpenLI hashed, rebuilt from a PDU it sent (``None`` if it is not one)."""
    start, _ = payload_tlv(pdu)
    _, cstart, _ = _read_tlv(pdu, start)
    tag, istart, istop = _read_tlv(pdu, cstart)
    if tag != 0xA4:
        return None
    out = bytearray(pdu)
    for child, ccstart, ccstop in _children(pdu, istart, istop):
        if child == 0x80:
            out[ccstart] = 1
        elif child == 0x81:
            decryptor = Cipher(algorithms.AES(key),
                               modes.CBC(seq.to_bytes(4, "big") * 4)).decryptor()
            out[ccstart:ccstop] = decryptor.update(pdu[ccstart:ccstop]) + decryptor.finalize()
    return bytes(out)


@dataclass
class OpenLIWriter:
    """Writes a stream as OpenLI's collector does, for the records of one LIID + CIN."""

    spec: Specification
    signing_key: Any = None
    encryption_key: str | None = None
    start_time: int = 1_764_504_000
    pdus_per_hash: int = 3
    hashes_per_signature: int = 2
    stream: list[bytes] = field(default_factory=list)
    _header: dict[str, Any] | None = None
    _run: dict[str, tuple[Any, list[int]]] = field(default_factory=dict)
    _hash_seq: int = 0
    _signature_seq: int = 0
    _unsigned: dict[str, list[int]] = field(default_factory=dict)
    _octets: int = 0

    def record(self, pdu: bytes, kind: str) -> None:
        """Send one IRI or CC record (already encoded, as OpenLI's encoder would)."""
        value = self.spec.decode("PS-PDU", pdu)
        self._header = dict(value["pSHeader"])
        seq = value["pSHeader"]["sequenceNumber"]
        hashed = sent = pdu
        if self.encryption_key is not None:
            key = self.encryption_key.encode()[:24]
            counter = (self.start_time << 32) | self._octets
            hashed, sent = encrypt_in_place(pdu, key, seq, counter)
            self._octets += len(sent)
        digest, numbers = self._run.setdefault(kind, (hashlib.sha256(), []))
        digest.update(hashed)
        numbers.append(seq)
        self.stream.append(sent)
        if len(numbers) >= self.pdus_per_hash:
            self.hash(kind)

    def hash(self, kind: str) -> None:
        """Send the hash PDU of the run of ``kind`` (and a signature when one falls due)."""
        digest, numbers = self._run.pop(kind)
        self._hash_seq += 1
        self._tri(self._hash_seq, {"includedSequenceNumbers": numbers, "checkType": "hash",
                                   "dataType": {"IRI": "iRI", "CC": "cC"}[kind],
                                   "checkValue": digest.digest(), "hashAlgorithm": "sHA-256"})
        if self.signing_key is not None:
            unsigned = self._unsigned.setdefault(kind, [])
            unsigned.append(self._hash_seq)
            if len(unsigned) >= self.hashes_per_signature:
                self.sign(kind)

    def sign(self, kind: str) -> None:
        """Send the signature PDU over the hash PDUs of ``kind`` not yet signed."""
        numbers = self._unsigned.pop(kind)
        algorithm = "eCDSA" if isinstance(self.signing_key, ec.EllipticCurvePrivateKey) \
            else "edDSA"
        message = interim_integrity_check(numbers, kind, algorithm)
        if algorithm == "eCDSA":
            signature = self.signing_key.sign(message, ec.ECDSA(hashes.SHA256()))
        else:
            signature = self.signing_key.sign(message)
        self._signature_seq += 1
        self._tri(self._signature_seq, {
            "includedSequenceNumbers": numbers, "checkType": "signature",
            "dataType": {"IRI": "iRI", "CC": "cC"}[kind], "checkValue": signature,
            "signatureAlgorithm": algorithm})

    def finish(self) -> list[bytes]:
        """Hash what is left, sign what is unsigned; the whole stream."""
        for kind in list(self._run):
            self.hash(kind)
        for kind in list(self._unsigned):
            self.sign(kind)
        return self.stream

    def _tri(self, seq: int, check: dict[str, Any]) -> None:
        assert self._header is not None
        header = dict(self._header, sequenceNumber=seq)
        self.stream.append(self.spec.encode("PS-PDU", {
            "pSHeader": header, "payload": ("tRIPayload", ("integrityCheck", check))}))


def openli_verify(spec: Specification, stream: list[bytes], public_key: Any = None,
                  encryption_key: str | None = None) -> list[tuple[str, bool]]:
    """Check a stream as a collection system reading OpenLI's way: (checkType, ok) per check.
    Hash: SHA-256 over the PDUs named (encrypted ones as before encryption); signature: over
    the interim IntegrityCheck, ECDSA with SHA-256 or EdDSA."""
    records: dict[tuple[str, int], bytes] = {}
    out: list[tuple[str, bool]] = []
    for raw in stream:
        value = spec.decode("PS-PDU", raw)
        seq = value["pSHeader"]["sequenceNumber"]
        alternative, inner = value["payload"]
        if alternative == "tRIPayload" and inner[0] == "integrityCheck":
            check = inner[1]
            kind = {"iRI": "IRI", "cC": "CC"}[check["dataType"]]
            if check["checkType"] == "hash":
                assert check["hashAlgorithm"] == "sHA-256"
                digest = hashlib.sha256()
                try:
                    for n in check["includedSequenceNumbers"]:
                        digest.update(records.pop((kind, n)))
                except KeyError:
                    out.append(("hash", False))
                    continue
                out.append(("hash", digest.digest() == check["checkValue"]))
            else:
                message = interim_integrity_check(list(check["includedSequenceNumbers"]), kind,
                                                  check["signatureAlgorithm"])
                out.append(("signature", _verifies(public_key, check["checkValue"], message)))
            continue
        if alternative == "encryptionContainer":
            assert encryption_key is not None
            clear = decrypt_in_place(raw, encryption_key.encode()[:24], seq)
            assert clear is not None
            inner_value = spec.decode("PS-PDU", clear)["payload"][1]["encryptedPayload"]
            plain = spec.decode_prefix("EncryptedPayload", inner_value, strict=False)[0]
            alternative = plain["payload"][0]
            raw = clear
        kind = "IRI" if alternative == "iRIPayloadSequence" else "CC"
        records[(kind, seq)] = raw
    return out


def _verifies(key: Any, signature: bytes, message: bytes) -> bool:
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, message)
        else:
            return False
    except InvalidSignature:
        return False
    return True
