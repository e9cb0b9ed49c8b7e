"""Encrypting a stream of PS-PDUs for the handover (TS 102 232-1 Payload [4]
``encryptionContainer``): the byteCounter of each PDU, and the form of an encrypted PDU that
the ``openli`` profile hashes (the PDU before encryption).

See ``docs/integrity.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

from .._checks import require_bytes, require_int
from ..asn1c import Specification
from ..ber import read_tlv_full
from ..catalog import KIND_OF_PAYLOAD, default_specification
from ..errors import DecodeError
from ._common import EncryptionAlgorithm, Kind, Padding, covered_kind
from ._encryption import (
    decrypt_pdu,
    encrypt_pdu,
    initial_byte_counter,
)

__all__ = ["ByteCounter", "SealedPDU", "clear_form", "seal_pdu"]

_BYTE_COUNTER_MAX = 2**64 - 1
_ENCRYPTION_TYPE_NONE = 1  # EncryptionType none(1)


class ByteCounter:
    """The byteCounter of one stream of encrypted PDUs, as TS 102 232-1 EncryptedPayload says:
    "the sum of the sizes of all PDUs before this PDU ... initialized with the unixTime ...
    multiplied by 2^32 at first use".

    ``start``: the value at first use (default: the Unix time of the first :attr:`value`
    read, in whole seconds, times 2^32, read from ``clock``). :attr:`value` is the byteCounter
    of the next PDU; :meth:`advance` adds the size of the PDU just sent (:func:`seal_pdu`
    does both). The same layout as OpenLI's (4 octets of start time, 4 of octet count)."""

    def __init__(self, start: int | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        if start is not None:
            require_int(start, "start", low=0, high=_BYTE_COUNTER_MAX)
        self._value = start
        self._clock = clock

    @property
    def value(self) -> int:
        """The byteCounter of the next PDU (fixed at first use, then advanced)."""
        if self._value is None:
            self._value = initial_byte_counter(self._clock())
        return self._value

    def advance(self, octets: int) -> None:
        """Count a PDU of ``octets`` octets as sent (the counter wraps at 2^64)."""
        require_int(octets, "octets", low=0)
        self._value = (self.value + octets) & _BYTE_COUNTER_MAX


class SealedPDU(NamedTuple):
    """A PS-PDU encrypted by :func:`seal_pdu`: ``octets`` to send; ``clear`` the same PDU
    before encryption (encryptionType none, the padded plaintext in place of the ciphertext:
    what the ``openli`` profile hashes); ``kind`` the integrity kind of the payload inside
    (``None`` for TRI and other PDUs no hash covers); ``byte_counter`` the one written."""

    octets: bytes
    clear: bytes
    kind: Kind | None
    byte_counter: int


def seal_pdu(pdu: bytes, key: bytes, *, byte_counter: int | ByteCounter | None = None,
             algorithm: EncryptionAlgorithm = "AES-192-CBC", payload_type: str | None = "auto",
             padding: Padding = "zero", spec: Specification | None = None) -> SealedPDU:
    """Encrypt an encoded PS-PDU's Payload into an encryptionContainer (as
    :func:`~lawful_intercept.integrity.encrypt_pdu`, TS 102 232-1 Payload [4]) and give the
    form the ``openli`` profile hashes with it.

    ``byte_counter``: a :class:`ByteCounter` (read, then advanced by the size of the
    encrypted PDU), a value, or ``None`` for a first use (the Unix time now times 2^32).
    ``algorithm``, ``payload_type``, ``padding`` as for
    :func:`~lawful_intercept.integrity.encrypt_payload`. Hand the result to
    :meth:`IntegrityChecker.add <lawful_intercept.integrity.IntegrityChecker.add>`."""
    spec = spec if spec is not None else default_specification()
    data = require_bytes(pdu, "pdu")
    counter = byte_counter.value if isinstance(byte_counter, ByteCounter) else byte_counter
    octets = encrypt_pdu(data, key, spec=spec, byte_counter=counter, algorithm=algorithm,
                         payload_type=payload_type, padding=padding)
    opened = decrypt_pdu(octets, key, padding=padding, national_option="AES-128-CBC",
                         spec=spec)
    if isinstance(byte_counter, ByteCounter):
        byte_counter.advance(len(octets))
    kind = covered_kind(KIND_OF_PAYLOAD.get(opened.payload[0], "OTHER"))
    return SealedPDU(octets, clear_form(octets, opened.padded), kind, opened.byte_counter)


def clear_form(pdu: bytes, padded: bytes) -> bytes:
    """The encoded PS-PDU ``pdu`` (whose Payload is an encryptionContainer) as it was before
    encryption: encryptionType none and ``padded`` (the decrypted octets, padding included:
    :attr:`DecryptedPayload.padded <lawful_intercept.integrity.DecryptedPayload.padded>`) in
    place of the encryptedPayload, every other octet as sent. What OpenLI hashes: it hashes a
    record so made, then encrypts it in place (TS 102 232-1 6.4 read with its documented
    output; see ``docs/integrity.md``). Raises :class:`~lawful_intercept.DecodeError` if
    ``pdu`` is no PS-PDU with an encryptionContainer, ``ValueError`` if ``padded`` is not as
    long as its encryptedPayload."""
    data = require_bytes(pdu, "pdu")
    clear = require_bytes(padded, "padded")
    _, _, _, start, stop, _ = read_tlv_full(data, 0)
    container: tuple[int, int] | None = None
    pos = start
    while pos < stop:
        cls, _, number, cstart, cstop, pos = read_tlv_full(data, pos, end=stop)
        if cls == 2 and number == 2:  # payload [2]
            cls, _, number, istart, istop, _ = read_tlv_full(data, cstart, end=cstop)
            if cls == 2 and number == 4:  # encryptionContainer [4]
                container = (istart, istop)
    if container is None:
        raise DecodeError("the PDU's payload is not an encryptionContainer [4] "
                          "(TS 102 232-1 Payload)")
    out = bytearray(data)
    pos, stop = container
    while pos < stop:
        cls, _, number, cstart, cstop, pos = read_tlv_full(data, pos, end=stop)
        if cls == 2 and number == 0:  # encryptionType [0]
            if cstop - cstart != 1:
                raise DecodeError("encryptionType is not one octet long", offset=cstart)
            out[cstart] = _ENCRYPTION_TYPE_NONE
        elif cls == 2 and number == 1:  # encryptedPayload [1]
            if cstop - cstart != len(clear):
                raise ValueError(f"padded must have the {cstop - cstart} octets of the "
                                 f"encryptedPayload, not {len(clear)}")
            out[cstart:cstop] = clear
    return bytes(out)
