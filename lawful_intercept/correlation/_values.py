"""Checks shared by the correlation identifiers: printable-text octet strings, VisibleStrings
and bounded integers, each failing with an ``EncodeError`` whose path names the PSHeader field
(see docs/correlation.md)."""

from __future__ import annotations

from typing import Final

from .._checks import type_name
from ..errors import EncodeError

__all__ = ["PATH_CIN", "PATH_LIID", "PATH_NETWORK", "PATH_SEQ", "text_octets", "uint",
           "visible_string"]

PATH_LIID: Final = "lawfulInterceptionIdentifier"
"""Error path of the LIID (TS 102 232-1 5.2.2)."""
PATH_NETWORK: Final = "communicationIdentifier.networkIdentifier"
"""Error path of the NetworkIdentifier (TS 102 232-1 5.2.4)."""
PATH_CIN: Final = "communicationIdentifier.communicationIdentityNumber"
"""Error path of the CIN (TS 102 232-1 5.2.4)."""
PATH_SEQ: Final = "sequenceNumber"
"""Error path of the sequenceNumber (TS 102 232-1 5.2.5)."""


def text_octets(value: object, path: str, what: str, max_octets: int, rule: str) -> bytes:
    """Octets of an OCTET STRING identifier given as printable ASCII text or as bytes."""
    if isinstance(value, str):
        for char in value:
            if not " " <= char <= "~":
                raise EncodeError(
                    f"{what} given as text must be printable ASCII (0x20..0x7E), got "
                    f"{char!r} in {value!r}; pass bytes for a binary value",
                    path,
                )
        data = value.encode("ascii")
    elif isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
    else:
        raise EncodeError(f"{what} must be str or bytes, got {type_name(value)}", path)
    if not 1 <= len(data) <= max_octets:
        raise EncodeError(f"{what} must be 1..{max_octets} octets ({rule}), got {len(data)}", path)
    return data


def visible_string(value: object, path: str, what: str, low: int, high: int, rule: str) -> str:
    """A VisibleString (X.680 41: characters 0x20..0x7E) of ``low..high`` characters."""
    if not isinstance(value, str):
        raise EncodeError(f"{what} must be str, got {type_name(value)}", path)
    if not low <= len(value) <= high:
        raise EncodeError(
            f"{what} must be {low}..{high} characters ({rule}), got {len(value)}", path
        )
    for char in value:
        if not " " <= char <= "~":
            raise EncodeError(
                f"{what} must be a VisibleString (characters 0x20..0x7E), got {char!r}", path
            )
    return value


def uint(value: object, path: str, what: str, high: int, rule: str) -> int:
    """An int (not a bool) in ``0..high``; ``rule`` names the ASN.1 constraint."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodeError(f"{what} must be int, got {type_name(value)}", path)
    if not 0 <= value <= high:
        raise EncodeError(f"{what} must be 0..{high} ({rule}), got {value}", path)
    return value
