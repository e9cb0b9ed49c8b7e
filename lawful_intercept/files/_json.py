"""Handover values as JSON: the mapping of ASN.1 values to JSON (following the JSON encoding
rules of ITU-T X.697, JER, where they fit) and back, and JSON Lines files of PDUs, one JSON
object per PDU.

See ``docs/values.md`` and ``docs/cli.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Final

from ..asn1c import Kind
from ..errors import EncodeError
from ..stream import PDU
from ._common import StrPath
from ._pcap_read import CapturedPDU

if TYPE_CHECKING:
    from ..asn1c import Specification, Type

__all__ = ["from_json", "pdu_to_json", "to_json", "write_jsonl"]


_REAL_SPECIALS: Final = {"INF": math.inf, "-INF": -math.inf, "NaN": math.nan, "-0": -0.0}


def to_json(value: Any) -> Any:
    """A JSON-able form of a value of any ASN.1 type (the value conventions of docs/values.md).

    The mapping follows the JSON encoding rules, ITU-T X.697 (JER), where they fit:

    ==========================  ==============================================================
    Python value (ASN.1 type)   JSON
    ==========================  ==============================================================
    ``dict`` (SEQUENCE, SET)    object, member name -> value (X.697 clause 25)
    ``(name, v)`` (CHOICE)      object with one member: ``{"name": v}`` (X.697 clause 28)
    ``list`` (SEQUENCE OF,      array (X.697 clauses 26, 27)
    SET OF)
    ``int`` (INTEGER)           number (X.697 clause 20)
    ``str`` (ENUMERATED,        string: the item's name, the characters, the dotted OID
    character strings, OBJECT   (X.697 clauses 21, 33, 30, 31)
    IDENTIFIER, RELATIVE-OID)
    ``bool``, ``None``          ``true``/``false``, ``null`` (X.697 clauses 19, 24)
    ``float`` (REAL)            number; ``"INF"``, ``"-INF"``, ``"NaN"`` and ``"-0"`` for the
                                special values (X.697 clause 22)
    ``bytes`` (OCTET STRING,    lowercase hexadecimal string (X.697 clause 23)
    open types)
    ``(data, n)`` (BIT STRING)  ``{"value": hex of data, "length": n}`` (X.697 clause 22's
                                form for BIT STRINGs without a fixed size; used for all here)
    ``datetime`` (UTCTime,      ISO 8601 text from :meth:`datetime.isoformat`: no offset for a
    GeneralizedTime)            naive (local) time, ``+00:00`` for UTC, else the offset
                                (X.697 writes the ASN.1 text instead)
    ==========================  ==============================================================

    The result does not name the types, so it is lossless *given the type*:
    ``from_json(to_json(v), spec, type_name) == v`` for every value ``v`` of the type (NaN
    aside, which is not equal to itself).
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        if value == 0.0 and math.copysign(1.0, value) < 0:
            return "-0"
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, tuple) and len(value) == 2:
        first, second = value
        if isinstance(first, str):
            return {first: to_json(second)}
        if isinstance(first, bytes | bytearray | memoryview) and isinstance(second, int):
            return {"value": bytes(first).hex(), "length": second}
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} {value!r} is not an ASN.1 value")


def from_json(obj: Any, spec: Specification, type_name: str) -> Any:
    """The value of ``type_name`` that :func:`to_json` maps to ``obj`` (parsed JSON).

    Driven by the type model (:meth:`Specification.get_type`): member and alternative names
    are checked against the type, hex strings become ``bytes``, ISO 8601 text becomes a
    ``datetime``, ``{"value", "length"}`` becomes a BIT STRING tuple, and the special REAL
    strings of X.697 clause 22 become floats.  Constraints (ranges, sizes, alphabets) are
    left to :meth:`Specification.encode`.  A JSON value of the wrong shape raises
    :class:`~lawful_intercept.EncodeError` naming the path, as ``encode`` does.
    """
    t = spec.get_type(type_name)
    try:
        return _from_json(obj, t)
    except EncodeError as exc:
        exc.prepend(type_name)
        raise
    except RecursionError:
        raise EncodeError("JSON value nested too deeply", type_name) from None


def _expect(obj: Any, kind: type | tuple[type, ...], what: str) -> None:
    if not isinstance(obj, kind) or (isinstance(obj, bool) and kind is int):
        raise EncodeError(f"expected {what} in JSON, got {type(obj).__name__} {obj!r:.60}")


def _hex(obj: Any, what: str) -> bytes:
    _expect(obj, str, f"a hexadecimal string for {what}")
    try:
        return bytes.fromhex(obj)
    except ValueError:
        raise EncodeError(f"{obj!r:.60} is not a hexadecimal string for {what}") from None


def _from_json(obj: Any, t: Type) -> Any:
    kind = t.body.kind
    if kind is Kind.SEQUENCE or kind is Kind.SET:
        _expect(obj, dict, f"an object for {kind.value}")
        members = {c.name: c.type for c in t.body.components}
        out: dict[str, Any] = {}
        for name, item in obj.items():
            member = members.get(name)
            if member is None:
                raise EncodeError(f"unknown member {name!r} for {kind.value}")
            try:
                out[name] = _from_json(item, member)
            except EncodeError as exc:
                exc.prepend(name)
                raise
        return out
    if kind is Kind.CHOICE:
        _expect(obj, dict, "an object with one member for CHOICE")
        if len(obj) != 1:
            raise EncodeError(f"a CHOICE is an object with one member, got {len(obj)}")
        ((name, item),) = obj.items()
        for c in t.body.components:
            if c.name == name:
                try:
                    return (name, _from_json(item, c.type))
                except EncodeError as exc:
                    exc.prepend(name)
                    raise
        raise EncodeError(f"{name!r} is not an alternative of the CHOICE")
    if kind is Kind.SEQUENCE_OF or kind is Kind.SET_OF:
        _expect(obj, list, f"an array for {kind.value}")
        element = t.body.element
        assert element is not None
        items = []
        for i, item in enumerate(obj):
            try:
                items.append(_from_json(item, element))
            except EncodeError as exc:
                exc.prepend(f"[{i}]")
                raise
        return items
    if kind is Kind.INTEGER:
        _expect(obj, int, "a number for INTEGER")
        return obj
    if kind is Kind.BOOLEAN:
        _expect(obj, bool, "true or false for BOOLEAN")
        return obj
    if kind is Kind.NULL:
        if obj is not None:
            raise EncodeError(f"expected null for NULL in JSON, got {obj!r:.60}")
        return None
    if kind is Kind.REAL:
        if isinstance(obj, str) and obj in _REAL_SPECIALS:
            return _REAL_SPECIALS[obj]
        if isinstance(obj, bool) or not isinstance(obj, int | float):
            raise EncodeError(f"expected a number or one of {', '.join(_REAL_SPECIALS)} for "
                              f"REAL in JSON, got {obj!r:.60}")
        try:
            return float(obj)
        except OverflowError:
            raise EncodeError(f"{obj} is too large for REAL") from None
    if kind is Kind.OCTET_STRING or kind is Kind.OPEN:
        return _hex(obj, kind.value)
    if kind is Kind.BIT_STRING:
        _expect(obj, dict, 'an object {"value": hex, "length": n} for BIT STRING')
        if set(obj) != {"value", "length"}:
            raise EncodeError('a BIT STRING is an object {"value": hex, "length": n}')
        _expect(obj["length"], int, "a number for the BIT STRING length")
        return (_hex(obj["value"], "BIT STRING"), obj["length"])
    if kind is Kind.UTC_TIME or kind is Kind.GENERALIZED_TIME:
        _expect(obj, str, f"ISO 8601 text for {kind.value}")
        try:
            return datetime.fromisoformat(obj)
        except ValueError:
            raise EncodeError(f"{obj!r:.60} is not an ISO 8601 date and time") from None
    # ENUMERATED, character strings, OBJECT IDENTIFIER, RELATIVE-OID
    _expect(obj, str, f"a string for {kind.value}")
    return obj


def pdu_to_json(pdu: PDU, *, include_raw: bool = False) -> dict[str, Any]:
    """The JSON Lines record of one PDU, as :func:`write_jsonl` writes it.

    ``{"offset": n, "length": n, "value": to_json(value)}``, where ``value`` is ``null`` for
    a PDU read without a specification; for a PDU that did not decode, ``"error"`` (the
    message) instead of ``"value"``.  ``"raw"`` (hex of the octets) when there is no value or
    with ``include_raw``.  ``"flow"`` (``{"src", "sport", "dst", "dport"}``) and ``"time"``
    (seconds since the epoch) for a :class:`CapturedPDU`.
    """
    record: dict[str, Any] = {"offset": pdu.offset, "length": len(pdu.raw)}
    if isinstance(pdu, CapturedPDU):
        record["flow"] = pdu.flow._asdict()
        record["time"] = pdu.timestamp
    if pdu.error is not None:
        record["error"] = str(pdu.error)
    else:
        record["value"] = to_json(pdu.value)
    if include_raw or pdu.value is None:
        record["raw"] = pdu.raw.hex()
    return record


def write_jsonl(path: StrPath, pdus: Iterable[PDU], *, include_raw: bool = False) -> int:
    """Write one JSON object per PDU and per line (JSON Lines, RFC 8259 texts); return the
    number written.

    Each line is :func:`pdu_to_json` of the PDU, ASCII only (other characters escaped), so
    any JSON parser reads it; values map as :func:`to_json` documents, and
    :func:`from_json` turns a ``"value"`` back into the value, and
    :meth:`Specification.encode` into the BER again.
    """
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for pdu in pdus:
            _write_line(f, pdu_to_json(pdu, include_raw=include_raw))
            count += 1
    return count


def _write_line(f: IO[str], record: dict[str, Any]) -> None:
    f.write(json.dumps(record, ensure_ascii=True, allow_nan=False, separators=(",", ":")))
    f.write("\n")
