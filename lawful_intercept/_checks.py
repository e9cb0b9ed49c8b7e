"""Argument checks shared by the whole library: misuse of the API is a ``TypeError`` (wrong
type) or a ``ValueError`` (a value out of its range), each naming the argument and the rule.

``EncodeError`` is kept for values that break their ASN.1 type (see ``docs/errors.md``)."""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import Any, TypeVar

__all__ = [
    "require_bytes",
    "require_choice",
    "require_instance",
    "require_int",
    "require_number",
    "tls12_at_least",
    "type_name",
]

_T = TypeVar("_T")


def type_name(value: object) -> str:
    """The name of ``value``'s type, as error messages show it."""
    return type(value).__name__


def require_instance(value: Any, types: type[_T] | tuple[type[_T], ...], name: str) -> _T:
    """``value`` if it is an instance of ``types``, else ``TypeError`` naming ``name``."""
    if not isinstance(value, types):
        if isinstance(types, tuple):
            wanted = " or ".join(t.__name__ for t in types)
        else:
            wanted = types.__name__
        raise TypeError(f"{name} must be {wanted}, not {type_name(value)}")
    return value


def require_bytes(value: object, name: str) -> bytes:
    """``value`` as ``bytes`` if it is ``bytes``, ``bytearray`` or ``memoryview``, else
    ``TypeError`` naming ``name``."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"{name} must be bytes, not {type_name(value)}")
    return bytes(value)


def require_choice(value: _T, allowed: Iterable[object], name: str) -> _T:
    """``value`` if it is one of ``allowed`` (compared with ``==``), else ``ValueError``
    naming ``name`` and the choices."""
    choices = tuple(allowed)
    if value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{name} must be one of {listed}, not {value!r}")
    return value


def require_int(value: object, name: str, *, low: int | None = None,
                high: int | None = None) -> int:
    """``value`` if it is an ``int`` (not a ``bool``) within ``low``..``high`` (inclusive),
    else ``TypeError`` or ``ValueError`` naming ``name`` and the range."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type_name(value)}")
    _check_range(value, name, low, high)
    return value


def require_number(value: object, name: str, *, low: float | None = None,
                   high: float | None = None, low_open: bool = False) -> float:
    """``value`` as a ``float`` if it is a real number (not a ``bool``) within ``low``..``high``
    (``low`` excluded with ``low_open``), else ``TypeError`` or ``ValueError`` naming
    ``name``. NaN is refused."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, not {type_name(value)}")
    number = float(value)
    if number != number:
        raise ValueError(f"{name} must be a number, not NaN")
    if low_open and low is not None and number <= low:
        raise ValueError(f"{name} must be greater than {low}, not {value}")
    _check_range(number, name, None if low_open else low, high)
    return number


def _check_range(value: float, name: str, low: float | None, high: float | None) -> None:
    if low is not None and value < low:
        if high is None:
            raise ValueError(f"{name} must be at least {low}, not {value}")
        raise ValueError(f"{name} must be in {low}..{high}, not {value}")
    if high is not None and value > high:
        if low is None:
            raise ValueError(f"{name} must be at most {high}, not {value}")
        raise ValueError(f"{name} must be in {low}..{high}, not {value}")


def tls12_at_least(context: ssl.SSLContext) -> None:
    """Raise ``context.minimum_version`` to TLS 1.2 if it allows anything older. A new
    context's floor depends on how Python was built (``MINIMUM_SUPPORTED`` on some, TLS 1.2
    on others), so the library sets the floor it needs instead of refusing the context."""
    minimum = context.minimum_version
    if (minimum == ssl.TLSVersion.MINIMUM_SUPPORTED
            or (minimum != ssl.TLSVersion.MAXIMUM_SUPPORTED
                and minimum < ssl.TLSVersion.TLSv1_2)):
        context.minimum_version = ssl.TLSVersion.TLSv1_2
