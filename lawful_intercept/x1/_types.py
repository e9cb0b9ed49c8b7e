"""The simple XSD types of X1 (TS 103 221-1 Annex C, with TS 103 280 common types): how each
is read from element text and written back, with its rule; and the target identifier kinds
of TargetIdentifier (clause 6.2.1.2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ..warrants import format_time

__all__ = [
    "BOOLEAN",
    "HEX",
    "INTEGER",
    "LIID",
    "TEXT",
    "TIME",
    "TOKEN",
    "UUID_TYPE",
    "VERSION",
    "SimpleType",
    "enumeration",
    "integer",
    "pattern",
]


@dataclass(frozen=True)
class SimpleType:
    """A simple XSD type: ``parse`` reads element text (raising ``ValueError`` with the rule
    broken), ``format`` writes a model value (raising ``ValueError`` likewise)."""

    name: str
    parse: Callable[[str], Any]
    format: Callable[[Any], str]


def _collapse(text: str) -> str:
    return " ".join(text.split())


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str, name: str) -> str:
    bad = _NOT_XML.search(text)
    if bad:
        raise ValueError(f"{name} holds the character U+{ord(bad.group()):04X}, which XML "
                         "cannot carry")
    return text


def pattern(regex: str, name: str, *, token: bool = True,
            max_length: int | None = None) -> SimpleType:
    """A string type restricted by an XSD pattern (``token``: whitespace collapsed first)."""
    compiled = re.compile(regex)

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text ({name})")
        text = _collapse(value) if token else value
        if not compiled.fullmatch(text, 0):
            raise ValueError(f"{text!r} does not match the pattern of {name}")
        if max_length is not None and len(text) > max_length:
            raise ValueError(f"{name} is at most {max_length} characters")
        return _xml_text(text, name)

    return SimpleType(name, check, check)


def enumeration(name: str, *values: str) -> SimpleType:
    """A string type restricted to ``values``."""

    def check(value: object) -> str:
        text = _collapse(value) if isinstance(value, str) else value
        if text not in values:
            raise ValueError(f"{value!r} is not one of {name}: {', '.join(values)}")
        return str(text)

    return SimpleType(name, check, check)


_INTEGER = re.compile(r"[+-]?[0-9]+")


def integer(name: str, low: int | None = None, high: int | None = None) -> SimpleType:
    """An integer type within ``low``..``high`` (inclusive, ``None`` unbounded)."""

    def check(value: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} is not an integer ({name})")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"{value} is outside {name} ({low} to {high})")
        return value

    def parse(text: str) -> int:
        text = text.strip()
        if not _INTEGER.fullmatch(text):
            raise ValueError(f"{text!r} is not an integer ({name})")
        return check(int(text))

    return SimpleType(name, parse, lambda value: str(check(value)))


def _parse_bool(text: str) -> bool:
    text = text.strip()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(f"{text!r} is not an xs:boolean (true, false, 1 or 0)")


def _format_bool(value: object) -> str:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not a bool (xs:boolean)")
    return "true" if value else "false"


_UUID = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}")


def _parse_uuid(text: str) -> UUID:
    text = text.strip()
    if not _UUID.fullmatch(text):
        raise ValueError(f"{text!r} is not a UUID in TS 103 280 form (lower-case hexadecimal "
                         "8-4-4-4-12)")
    return UUID(text)


def _format_uuid(value: object) -> str:
    if not isinstance(value, UUID):
        raise ValueError(f"{value!r} is not a uuid.UUID")
    return str(value)


_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}"
                   r"(Z|[+-][0-9]{2}:[0-9]{2})")


def _parse_time(text: str) -> datetime:
    text = text.strip()
    if not _TIME.fullmatch(text):
        raise ValueError(f"{text!r} is not a QualifiedMicrosecondDateTime "
                         "(YYYY-MM-DDThh:mm:ss.ssssss with Z or an offset, TS 103 280)")
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date and time") from None


def _format_time(value: object) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{value!r} is not a timezone-aware datetime "
                         "(QualifiedMicrosecondDateTime)")
    return format_time(value, microseconds=True)


_HEX = re.compile(r"([0-9a-fA-F]{2})*")


def _parse_hex(text: str) -> bytes:
    text = text.strip()
    if not _HEX.fullmatch(text):
        raise ValueError(f"{text[:40]!r} is not xs:hexBinary (pairs of hexadecimal digits)")
    return bytes.fromhex(text)


def _format_hex(value: object) -> str:
    if not isinstance(value, bytes):
        raise ValueError(f"{value!r} is not bytes (xs:hexBinary)")
    return value.hex().upper()


def _format_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return _xml_text(value, "xs:string")


TEXT = SimpleType("xs:string", lambda text: text, _format_text)
TOKEN = pattern(r"[^\s](.*[^\s])?|", "xs:token")
INTEGER = integer("xs:integer")
BOOLEAN = SimpleType("xs:boolean", _parse_bool, _format_bool)
UUID_TYPE = SimpleType("UUID (TS 103 280)", _parse_uuid, _format_uuid)
TIME = SimpleType("QualifiedMicrosecondDateTime", _parse_time, _format_time)
HEX = SimpleType("xs:hexBinary", _parse_hex, _format_hex)
VERSION = pattern(r"v1\.\d+\.\d+", "Version (v1.x.y)", token=False)
LIID = pattern(r"([!-~]{1,25})|([0-9a-f]{26,50})", "LIID (TS 103 280: 1 to 25 printable "
               "characters, or 26 to 50 lower-case hexadecimal digits)")
