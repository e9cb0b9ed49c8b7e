"""The saved state of the stateful counters (:class:`~lawful_intercept.correlation.CINAllocator`,
:class:`~lawful_intercept.correlation.SequenceCounters`, :class:`~lawful_intercept.records.
ContentSequenceNumbers`): a JSON-able dict with a format name and a version, checked field by
field on restore (see docs/correlation.md, "Saving and restoring").

A state that is not what ``save_state`` wrote is a bad argument of ``from_state``: a member of
the wrong type raises ``TypeError``, any other fault ``ValueError`` (also a value in it that
breaks its ASN.1 type, e.g. a CIN out of range), each message starting with the path to the
member (``state.communications[0].next.CC: ...``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .._checks import type_name
from ..errors import EncodeError

__all__ = ["check_state_format", "restoring_state", "state_field", "state_fingerprint",
           "state_hex", "state_mapping"]


@contextmanager
def restoring_state() -> Iterator[None]:
    """Around the restore of a saved state: an ``EncodeError`` raised by a check of one of its
    values becomes the ``ValueError`` of the ``state`` argument, its message starting with
    the path to the value."""
    try:
        yield
    except EncodeError as error:
        text = str(error)
        raise ValueError(text if error.path.startswith("state") else f"state: {text}") from None


def check_state_format(state: object, format_name: str | None, version: int = 1
                       ) -> Mapping[str, Any]:
    """``state`` as a mapping if it is a saved state of ``format_name`` (its ``"format"``;
    ``None``: a state without one) and ``version``, else ``TypeError`` (not a dict) or
    ``ValueError`` naming ``state``."""
    mapping = state_mapping(state, "state")
    if format_name is None:
        if mapping.get("version") != version:
            raise ValueError(f"state must be a version-{version} saved state (version "
                             f"{mapping.get('version')!r})")
    elif mapping.get("format") != format_name or mapping.get("version") != version:
        raise ValueError(
            f"state must be a version-{version} {format_name} state (format "
            f"{mapping.get('format')!r}, version {mapping.get('version')!r})"
        )
    return mapping


def state_mapping(value: object, path: str) -> Mapping[str, Any]:
    """A dict with str keys, else ``TypeError`` naming ``path``."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"{path} must be a dict with str keys, not {type_name(value)}")
    return value


def state_field(mapping: Mapping[str, Any], name: str, path: str) -> Any:
    """The member ``name`` of ``mapping``, which must have it (``ValueError`` naming
    ``path``)."""
    if name not in mapping:
        raise ValueError(f"{path}: {name} is missing")
    return mapping[name]


def state_hex(text: object, path: str) -> bytes:
    """The octets of hexadecimal ``text`` (``TypeError`` if not a str, ``ValueError`` if not
    hexadecimal, naming ``path``)."""
    if not isinstance(text, str):
        raise TypeError(f"{path} must be a hex str, not {type_name(text)}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"{path}: {text!r} is not hexadecimal") from None


def state_fingerprint(value: object, path: str) -> bytes:
    """A 16-octet session hash written in hexadecimal."""
    data = state_hex(value, path)
    if len(data) != 16:
        raise ValueError(f"{path}: session hash must be 16 octets, not {len(data)}")
    return data
