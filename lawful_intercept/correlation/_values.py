"""Checks shared by the correlation identifiers: printable-text octet strings, VisibleStrings
and bounded integers, each failing with an ``EncodeError`` whose path names the PSHeader field
(see docs/correlation.md)."""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Protocol, TypeVar, overload

from .._checks import type_name
from ..errors import EncodeError

__all__ = [
    "PATH_CIN",
    "PATH_LIID",
    "PATH_NETWORK",
    "PATH_SEQ",
    "ReadOnly",
    "read_only",
    "text_octets",
    "uint",
    "visible_string",
]

#: The error paths of the LIID (TS 102 232-1 5.2.2), the NetworkIdentifier and the CIN (5.2.4)
#: and the sequenceNumber (5.2.5).
PATH_LIID = "lawfulInterceptionIdentifier"
PATH_NETWORK = "communicationIdentifier.networkIdentifier"
PATH_CIN = "communicationIdentifier.communicationIdentityNumber"
PATH_SEQ = "sequenceNumber"


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


_T_co = TypeVar("_T_co", covariant=True)


class ReadOnly(Protocol[_T_co]):
    """The type of a :func:`read_only` attribute: read on an instance, it gives a ``_T_co``."""

    @overload
    def __get__(self, instance: None, owner: type[Any], /) -> ReadOnly[_T_co]: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None, /) -> _T_co: ...


def read_only(attribute: str, doc: str) -> Any:
    """A read-only attribute that reads ``attribute`` of the instance, documented by ``doc``:
    a ``property`` whose getter is ``operator.attrgetter`` (as fast as a plain attribute
    read). Annotate it with :class:`ReadOnly`, e.g.
    ``cin: ReadOnly[int | None] = read_only("_cin", "The CIN (TS 102 232-1 5.2.4).")``."""
    return property(attrgetter(attribute), doc=doc)
