"""Confidentiality of PS-PDUs: the ``encryptionContainer`` Payload of TS 102 232-1 (Payload
[4], ``EncryptionContainer``, ``EncryptedPayload``), with AES-CBC.

See ``docs/integrity.md`` (key, IV and padding: the library's reading, and what OpenLI does).

AES-CBC gives confidentiality only: it detects nothing. A flipped ciphertext bit garbles one
block and flips the same bit of the next; the result often still decodes, and is then returned
without error. Integrity comes from the hash checks (:class:`~lawful_intercept.integrity.
IntegrityChecker`), which cover encrypted PDUs too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypedDict, Unpack

from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .._checks import require_bytes, require_choice
from ..asn1c import Specification
from ..ber import encode_integer, encode_length, read_tlv, read_tlv_full
from ..catalog import PS_PDU, default_specification
from ..errors import DecodeError, DecryptionError, EncodeError
from ._common import SEQ_MAX, EncryptionAlgorithm, Padding, PaddingReading, qualified

__all__ = [
    "DecryptedPayload",
    "EncryptionOptions",
    "decrypt_container",
    "decrypt_pdu",
    "encrypt_payload",
    "encrypt_pdu",
    "initial_byte_counter",
    "iv_for_sequence_number",
]

_BYTE_COUNTER_MAX: Final = 2**64 - 1


def initial_byte_counter(unix_time: float | None = None) -> int:
    """The byteCounter of the first PDU of an encrypted stream (TS 102 232-1 EncryptedPayload:
    "initialized with the unixTime ... multiplied by 2^32 at first use"): ``unix_time`` (default
    now), in whole seconds, times 2^32. Later PDUs add the octets of the PDUs before
    (:class:`~lawful_intercept.integrity.ByteCounter`)."""
    seconds = time.time() if unix_time is None else unix_time
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) \
            or not 0 <= seconds < 2**32:
        raise ValueError(f"unix_time must be a number of seconds 0..2^32-1, not {seconds!r}")
    return int(seconds) << 32


@dataclass(frozen=True)
class DecryptedPayload:
    """What an encryptionContainer held (TS 102 232-1 EncryptedPayload).

    ``payload`` is the Payload value; ``encoded`` its encoding as received (what
    ``spec.encode("Payload", payload)`` gives for a DER-like sender); ``byte_counter`` the
    byteCounter; ``plaintext`` the decrypted EncryptedPayload encoding, padding removed;
    ``padded`` the decrypted octets with their padding (what the ``openli`` profile hashes in
    place of the ciphertext); ``padding`` the padding found (``zero``, ``pkcs7``, or ``none``
    for encryptionType none).

    A successful decryption proves nothing about integrity: AES-CBC detects no alteration
    (see :mod:`lawful_intercept.integrity`)."""

    payload: tuple[str, Any]
    byte_counter: int
    encoded: bytes
    plaintext: bytes
    padded: bytes = b""
    padding: str = ""


# algorithm -> (EncryptionType item, key length)
_ALGORITHMS: Final = {
    "AES-128-CBC": ("national-option", 16),
    "AES-192-CBC": ("aES-192-CBC", 24),
    "AES-256-CBC": ("aES-256-CBC", 32),
    "none": ("none", 0),
}
_PADDINGS: Final = ("zero", "pkcs7")
_READINGS: Final = ("any", "zero", "pkcs7")
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
    if type(sequence_number) is not int or not 0 <= sequence_number <= SEQ_MAX:
        raise EncodeError(f"sequence_number must be an int 0..{SEQ_MAX}, got "
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


def _check_key(key: object, length: int, algorithm: str) -> bytes:
    """``key`` as bytes: ``TypeError`` if it is not bytes, ``ValueError`` if it does not have
    the ``length`` octets of ``algorithm``."""
    data = require_bytes(key, "key")
    if len(data) != length:
        raise ValueError(f"key must have {length} octets for {algorithm}, not {len(data)}")
    return data


def encrypt_payload(
    payload: tuple[str, Any] | bytes,
    key: bytes,
    sequence_number: int,
    *,
    algorithm: EncryptionAlgorithm = "AES-192-CBC",
    byte_counter: int | None = None,
    payload_type: str | None = "auto",
    padding: Padding = "zero",
    spec: Specification | None = None,
) -> dict[str, Any]:
    """The EncryptionContainer value (TS 102 232-1 Payload [4] encryptionContainer) holding
    ``payload``, for the PDU numbered ``sequence_number``.

    ``payload`` is a Payload value (``("cCPayloadSequence", [...])``) or the encoding of one
    (checked by decoding it). The plaintext is ``EncryptedPayload {byteCounter, payload}``;
    see :mod:`lawful_intercept.integrity` for key, IV and padding. ``byte_counter``: ``None``
    (the default) is the text's value for a first use, the Unix time now times 2^32
    (:func:`initial_byte_counter`); for a stream of PDUs use a
    :class:`~lawful_intercept.integrity.ByteCounter` through :func:`seal_pdu` or pass the
    value. ``padding``: ``zero`` (the default: what OpenLI sends and libwandder accepts) or
    ``pkcs7``. CBC detects nothing; the hash checks give integrity. ``algorithm`` AES-192-CBC
    (encryptionType aES-192-CBC), AES-256-CBC (aES-256-CBC), AES-128-CBC (national-option:
    the module has no AES-128 item) or ``none`` (plaintext, encryptionType none).
    ``payload_type``: an EncryptedPayloadType item, ``None`` to leave it out, or ``"auto"``:
    the TS 102 232 part of the payload's IRI/CC contents (``part3`` for IPCC, ``part1`` for
    TRI and HI1 payloads, ``unknown`` otherwise). Raises
    :class:`~lawful_intercept.EncodeError` for a value that breaks its ASN.1 type
    (``byte_counter``, ``sequence_number``, ``payload_type``, the payload), ``TypeError`` or
    ``ValueError`` for a wrong ``key``, ``algorithm`` or ``padding``.
    """
    spec = spec if spec is not None else default_specification()
    require_choice(algorithm, _ALGORITHMS, "algorithm")
    require_choice(padding, _PADDINGS, "padding")
    encryption_type, key_length = _ALGORITHMS[algorithm]
    if key_length:
        key = _check_key(key, key_length, algorithm)
    iv = iv_for_sequence_number(sequence_number)
    if byte_counter is None:
        byte_counter = initial_byte_counter()
    if type(byte_counter) is not int or not 0 <= byte_counter <= _BYTE_COUNTER_MAX:
        raise EncodeError(f"byte_counter must be an int 0..{_BYTE_COUNTER_MAX}, got "
                          f"{byte_counter!r}", "byteCounter")
    payload_name = qualified(spec, "Payload")
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
        plaintext = spec.encode(qualified(spec, "EncryptedPayload"),
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
        items = spec.get_type(qualified(spec, "EncryptedPayloadType")).body.named_numbers
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
    padding: PaddingReading = "any",
    national_option: Literal["AES-128-CBC"] | None = None,
    spec: Specification | None = None,
) -> DecryptedPayload:
    """Decrypt an EncryptionContainer value (TS 102 232-1 Payload [4]) of the PDU numbered
    ``sequence_number`` and decode the EncryptedPayload inside.

    ``padding``: ``any`` (the default: zero padding, as OpenLI sends, else PKCS#7), or only
    ``zero`` or only ``pkcs7``. An encryptionType ``national-option`` is read as AES-128-CBC
    only with ``national_option="AES-128-CBC"``. Raises :class:`DecryptionError` when the
    octets cannot be what was encrypted: a wrong key, sequence number or padding scheme, a
    truncated ciphertext, an unsupported encryption type (the padding check or the decoding of
    the plaintext fails).

    AES-CBC detects nothing: an altered ciphertext often decrypts to a payload that decodes,
    and is returned without error. Integrity comes from the hash checks, which name the PDU
    (:class:`~lawful_intercept.integrity.IntegrityVerifier`, or the LEMF).
    """
    spec = spec if spec is not None else default_specification()
    require_choice(padding, _READINGS, "padding")
    require_choice(national_option, (None, "AES-128-CBC"), "national_option")
    encryption_type = container.get("encryptionType")
    data = bytes(container.get("encryptedPayload", b""))
    try:
        iv = iv_for_sequence_number(sequence_number)
    except EncodeError as exc:
        raise DecryptionError(exc.message, "sequenceNumber") from None
    if encryption_type == "none":
        return _decode_encrypted_payload(spec, data, data, "none")
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
    secret = require_bytes(key, "key")
    if len(secret) != length:
        raise DecryptionError(f"{algorithm} needs a key of {length} octets, got "
                              f"{len(secret)}", "key")
    if not data or len(data) % 16:
        raise DecryptionError(f"the encryptedPayload has {len(data)} octets, not a "
                              "positive multiple of the 16-octet AES block",
                              "encryptedPayload")
    decryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    problem = ""
    if padding in ("zero", "any"):
        try:
            return _decode_encrypted_payload(spec, padded, padded, "zero")
        except DecryptionError as exc:
            if padding == "zero":
                raise
            problem = exc.message
    unpadder = symmetric_padding.PKCS7(128).unpadder()
    try:
        plaintext = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptionError(
            f"{algorithm}: " + (f"with zero padding {problem}; " if problem else "")
            + "the PKCS#7 padding check failed: wrong key, wrong sequence number (IV), "
            "wrong padding scheme or corrupted ciphertext", "encryptedPayload") from None
    return _decode_encrypted_payload(spec, plaintext, padded, "pkcs7")


def _decode_encrypted_payload(spec: Specification, plaintext: bytes, padded: bytes,
                              padding: str) -> DecryptedPayload:
    """The EncryptedPayload in ``plaintext``, followed by nothing, or (``padding`` zero) by at
    most 15 zero octets."""
    hint = ("wrong key, wrong sequence number (IV), wrong padding scheme or corrupted "
            "ciphertext")
    try:
        value, used = spec.decode_prefix(qualified(spec, "EncryptedPayload"), plaintext,
                                         strict=False)
    except DecodeError as exc:
        raise DecryptionError(f"the plaintext is not an EncryptedPayload ({exc.message}): "
                              f"{hint}", "encryptedPayload") from None
    rest = plaintext[used:]
    if rest and (padding != "zero" or len(rest) >= 16 or any(rest)):
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
    return DecryptedPayload(value["payload"], value["byteCounter"], encoded, body, padded,
                            padding)


class EncryptionOptions(TypedDict, total=False):
    """The options of :func:`encrypt_payload` that :func:`encrypt_pdu` passes on (see there
    for their meaning and defaults)."""

    algorithm: EncryptionAlgorithm
    byte_counter: int | None
    payload_type: str | None
    padding: Padding


def encrypt_pdu(pdu: bytes, key: bytes, *, spec: Specification | None = None,
                **options: Unpack[EncryptionOptions]) -> bytes:
    """An encoded PS-PDU with its Payload replaced by an encryptionContainer
    (:func:`encrypt_payload` with the PDU's own sequenceNumber and ``options``; the PSHeader
    is kept; TS 102 232-1 Payload [4]). Raises :class:`~lawful_intercept.DecodeError` if
    ``pdu`` is not a PS-PDU, and what :func:`encrypt_payload` raises."""
    spec = spec if spec is not None else default_specification()
    pdu_type = qualified(spec, PS_PDU)
    value = spec.decode(pdu_type, require_bytes(pdu, "pdu"))
    container = encrypt_payload(value["payload"], key, value["pSHeader"]["sequenceNumber"],
                                spec=spec, **options)
    return spec.encode(pdu_type, {"pSHeader": value["pSHeader"],
                                  "payload": ("encryptionContainer", container)})


def decrypt_pdu(
    pdu: bytes | Mapping[str, Any],
    key: bytes,
    *,
    padding: PaddingReading = "any",
    national_option: Literal["AES-128-CBC"] | None = None,
    spec: Specification | None = None,
) -> DecryptedPayload:
    """Decrypt the encryptionContainer of a PS-PDU (encoded, or decoded as a value), with its
    own sequenceNumber as the IV (:func:`decrypt_container`). Raises :class:`DecryptionError`
    when the octets cannot be what was encrypted (also when the PDU has no
    encryptionContainer). CBC detects nothing: an altered ciphertext may decrypt without
    error; the hash checks are what detect it."""
    spec = spec if spec is not None else default_specification()
    value = (spec.decode(qualified(spec, PS_PDU), bytes(pdu), strict=False)
             if isinstance(pdu, (bytes, bytearray, memoryview)) else pdu)
    alternative, container = value["payload"]
    if alternative != "encryptionContainer":
        raise DecryptionError(f"the PDU's payload is {alternative}, not encryptionContainer",
                              "payload")
    return decrypt_container(container, key, value["pSHeader"]["sequenceNumber"],
                             padding=padding, national_option=national_option, spec=spec)
