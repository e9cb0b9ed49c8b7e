"""The line of records.jsonl that describes one received PDU (JSON Lines, RFC 8259 texts).

Each line is one JSON object, ASCII only, with these members in this order:

``file``, ``offset``, ``length``
    where the octets as received are: ``received.ber`` (PDUs) or ``received-ccc.bin``
    (CCC packets; the offset is that of the datagram, after its length octets).
``crc32``
    the CRC-32 (ISO 3309, as ``zlib.crc32``) of those octets: a restart compares it with the
    octets in the file, so damage inside received.ber is noticed.
``pdu_type``
    the ASN.1 type the PDU was decoded as (``"PS-PDU"``, ``"CdcPdu"``, ...), ``"CCC"`` for a
    PacketCable CCC packet.
``listener``, ``connection``
    the name of the listener and the number of the connection it arrived on (``null`` for
    a line rebuilt after a restart, and ``connection`` for UDP).
``kind``, ``liid``, ``cin``, ``sequence_number``
    from the PSHeader (ETSI TS 102 232-1 5.2); ``null`` where the PDU has none.
``duplicate``
    whether it repeats a PDU received before.
``epoch``, ``cin_reset``
    (only when set) the cINReset epoch of its communication; whether it is a cINReset.
``integrity``
    (integrityCheck PDUs) the results of its checks.
``decryption``
    (encryptionContainer PDUs, with a key) ``{"ok": true, "byte_counter": n, "payload": ...}``
    or ``{"ok": false, "error": "..."}``.
``recovered``
    (only when set) the line was rebuilt from received.ber after a restart.
``value``
    the decoded value as :func:`lawful_intercept.files.to_json` gives it.

See ``docs/lemf.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from ..files import to_json
from ._collector import Verdict, check_json, liid_text

__all__ = ["record_line", "value_json"]

_ENCODER: Final = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))
_STRING: Final[Callable[[str], str]] = json.encoder.encode_basestring_ascii


def record_line(verdict: Verdict, *, file: str, offset: int, length: int, crc32: int,
                listener: str | None, connection: int | None,
                recovered: bool = False) -> str:
    """The records.jsonl line (without its newline) of a received PDU (see the module
    docstring)."""
    liid = liid_text(verdict.liid)
    line = (f'{{"file":{_STRING(file)},"offset":{offset:d},"length":{length:d},'
            f'"crc32":{crc32:d},'
            f'"pdu_type":{_STRING(verdict.pdu_type)},'
            f'"listener":{"null" if listener is None else _STRING(listener)},'
            f'"connection":{_number(connection)},"kind":{_STRING(verdict.kind)},'
            f'"liid":{"null" if liid is None else _STRING(liid)},'
            f'"cin":{_number(verdict.cin)},"sequence_number":{_number(verdict.sequence_number)},'
            f'"duplicate":{"true" if verdict.duplicate else "false"}')
    extra: dict[str, Any] = {}
    if verdict.epoch:
        extra["epoch"] = verdict.epoch
    if verdict.cin_reset:
        extra["cin_reset"] = True
    if verdict.integrity:
        extra["integrity"] = [check_json(r) for r in verdict.integrity]
    if verdict.decrypted is not None:
        extra["decryption"] = {"ok": True, "byte_counter": verdict.decrypted.byte_counter,
                               "payload": to_json(verdict.decrypted.payload)}
    elif verdict.decryption_error is not None:
        extra["decryption"] = {"ok": False, "error": verdict.decryption_error}
    if verdict.error is not None:
        extra["error"] = verdict.error
    if recovered:
        extra["recovered"] = True
    if extra:
        line += "," + _ENCODER.encode(extra)[1:-1]
    return f'{line},"value":{value_json(verdict.value)}}}'


def _number(value: int | None) -> str:
    return "null" if value is None else int.__repr__(int(value))


def value_json(value: Any) -> str:
    """The JSON text of a decoded value: exactly
    ``json.dumps(files.to_json(value), ensure_ascii=True, separators=(",", ":"))``, made in
    one pass.

    A LEMF writes one such text per record, and for a CC record with a full-size packet the
    general path (a JSON-able copy of the value, then the encoder scanning a long hexadecimal
    string for characters to escape) costs more than decoding the PDU did; OCTET STRINGs are
    written here as their hexadecimal digits directly, which need no escaping.
    """
    parts: list[str] = []
    _write(value, parts.append)
    return "".join(parts)


def _write(value: Any, out: Callable[[str], None]) -> None:
    kind = type(value)
    if kind is dict:
        out("{")
        first = True
        for key, item in value.items():
            out(_STRING(str(key)) + ":" if first else "," + _STRING(str(key)) + ":")
            first = False
            _write(item, out)
        out("}")
    elif kind is bytes:
        out(f'"{value.hex()}"')
    elif kind is str:
        out(_STRING(value))
    elif kind is int:
        out(int.__repr__(value))
    elif kind is tuple and len(value) == 2 and type(value[0]) is str:
        out("{" + _STRING(value[0]) + ":")
        _write(value[1], out)
        out("}")
    elif kind is list:
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _write(item, out)
        out("]")
    elif value is None:
        out("null")
    elif kind is bool:
        out("true" if value else "false")
    elif kind is float and math.isfinite(value) and value != 0.0:
        out(float.__repr__(value))
    elif isinstance(value, datetime | float | bytearray | memoryview | tuple | dict | list
                    | str | int):
        # The less common shapes (special floats, subclasses, BIT STRINGs): the general path.
        out(_ENCODER.encode(to_json(value)))
    else:
        raise TypeError(f"{type(value).__name__} {value!r} is not an ASN.1 value")
