"""The saved state of the stateful counters (:class:`~lawful_intercept.correlation.CINAllocator`,
:class:`~lawful_intercept.correlation.SequenceCounters`, :class:`~lawful_intercept.records.
ContentSequenceNumbers`): a JSON-able dict with a format name and a version, checked field by
field on restore, every fault an ``EncodeError`` whose path starts with ``state`` (see
docs/correlation.md, "Saving and restoring")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._checks import type_name
from ..errors import EncodeError

__all__ = ["check_state_format", "state_field", "state_fingerprint",
           "state_hex", "state_mapping"]


def check_state_format(state: object, format_name: str | None, version: int = 1
                       ) -> Mapping[str, Any]:
    """``state`` as a mapping if it is a saved state of ``format_name`` (its ``"format"``;
    ``None``: a state without one) and ``version``, else ``EncodeError`` with path ``state``."""
    mapping = state_mapping(state, "state")
    if format_name is None:
        if mapping.get("version") != version:
            raise EncodeError(f"not a version-{version} saved state (version "
                              f"{mapping.get('version')!r})", "state")
    elif mapping.get("format") != format_name or mapping.get("version") != version:
        raise EncodeError(
            f"not a version-{version} {format_name} state (format "
            f"{mapping.get('format')!r}, version {mapping.get('version')!r})",
            "state",
        )
    return mapping


def state_mapping(value: object, path: str) -> Mapping[str, Any]:
    """A dict with str keys, else ``EncodeError`` at ``path``."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise EncodeError(f"must be a dict with str keys, got {type_name(value)}", path)
    return value


def state_field(mapping: Mapping[str, Any], name: str, path: str) -> Any:
    """The member ``name`` of ``mapping``, which must have it."""
    if name not in mapping:
        raise EncodeError(f"{name} is missing", path)
    return mapping[name]


def state_hex(text: str, path: str) -> bytes:
    """The octets of hexadecimal ``text``."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise EncodeError(f"{text!r} is not hexadecimal", path) from None


def state_fingerprint(value: object, path: str) -> bytes:
    """A 16-octet session hash written in hexadecimal."""
    if not isinstance(value, str):
        raise EncodeError("session hash must be a hex str", path)
    data = state_hex(value, path)
    if len(data) != 16:
        raise EncodeError(f"session hash must be 16 octets, got {len(data)}", path)
    return data
