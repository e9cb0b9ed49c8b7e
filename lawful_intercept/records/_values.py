"""Value checks shared by the PS service records (TS 102 232-2 e-mail, -5 IP multimedia,
-6 PSTN/ISDN): names of ENUMERATED items, octets, bounded integers, IP addresses and the IRI
PS-PDU with an optional payloadDirection (see docs/records.md)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..asn1c import Specification
from ..errors import EncodeError, Error
from ._ip_access import ip_address
from ._ps import IRI_TYPES, PAYLOAD_DIRECTIONS, PSPDUBuilder
from ._shapes import per_specification

__all__ = [
    "DIRECTIONS",
    "IP_ADDRESS_TYPES",
    "IRI_TYPE_NAMES",
    "ServiceRecords",
    "address",
    "as_str",
    "check_name",
    "copy_or_none",
    "enum_names",
    "header_lines",
    "integer",
    "iri_pdu",
    "network_signals",
    "object_identifiers",
    "octets",
    "relabel",
    "without_none",
]

IP_ADDRESS_TYPES = (str, ipaddress.IPv4Address, ipaddress.IPv6Address)
"""The types :func:`address` reads as an IP address."""

DIRECTIONS = tuple(sorted(PAYLOAD_DIRECTIONS))
"""The payloadDirection items, sorted (TS 102 232-1 PayloadDirection)."""
IRI_TYPE_NAMES = tuple(sorted(IRI_TYPES))
"""The IRIType items, sorted (TS 102 232-1 5.2.10)."""


def iri_pdu(builder: PSPDUBuilder, contents: tuple[str, Any], *, iri_type: object,
             direction: object = None, time: int | datetime | None) -> bytes:
    """An IRI PS-PDU, with the IRIPayload ``payloadDirection`` when ``direction`` is given
    (TS 102 232-1 IRIPayload)."""
    checked = (None if iri_type is None
               else check_name(iri_type, IRI_TYPE_NAMES, "iRIType", "TS 102 232-1 5.2.10"))
    if direction is None:
        return builder.iri(contents, iri_type=checked, time=time)
    check_name(direction, DIRECTIONS, "payloadDirection", "TS 102 232-1 PayloadDirection")
    return builder.iri(contents, iri_type=checked, direction=str(direction), time=time)


def enum_names(spec: Specification, type_name: str) -> tuple[str, ...]:
    """The item names of an ENUMERATED type of ``spec`` (root and extension items); one tuple
    per specification and type, shared by every records object."""
    return per_specification(spec, ("enum_names", type_name),
                             lambda: _enum_names(spec, type_name))


def _enum_names(spec: Specification, type_name: str) -> tuple[str, ...]:
    try:
        names = spec.get_type(type_name).body.named_numbers
    except Error as exc:  # the spec is not one with the service's module
        raise ValueError(f"spec: the specification has no type {type_name}: {exc}") from None
    if not names:
        raise ValueError(f"spec: {type_name} is not an ENUMERATED type of the specification")
    return tuple(names)


def check_name(value: object, names: Collection[str], field: str, rule: str) -> str:
    """``value`` if it is one of ``names``; an ``EncodeError`` naming ``field`` otherwise."""
    if isinstance(value, str) and value in names:
        return value
    raise EncodeError(f"{field} must be one of {', '.join(names)}, got {value!r} ({rule})",
                      field)


def octets(value: object, field: str, *, text: bool = False) -> bytes:
    """``value`` as bytes (``bytearray``/``memoryview`` copied; a ``str`` as UTF-8 when
    ``text``), or an ``EncodeError`` naming ``field``."""
    if type(value) is bytes:
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if text and isinstance(value, str):
        return value.encode("utf-8")
    kinds = "bytes or str" if text else "bytes"
    raise EncodeError(f"{field} must be {kinds}, got {type(value).__name__}", field)


def integer(value: object, field: str, low: int, high: int | None, rule: str) -> int:
    """``value`` if it is an int (not a bool) in ``low..high``; an ``EncodeError`` naming
    ``field`` otherwise."""
    if type(value) is not int:
        raise EncodeError(f"{field} must be an int, got {type(value).__name__} ({rule})", field)
    if value < low or (high is not None and value > high):
        upper = "" if high is None else str(high)
        raise EncodeError(f"{field} must be {low}..{upper}, got {value} ({rule})", field)
    return value


def address(value: object, field: str) -> dict[str, Any]:
    """An ``IPAddress`` value (TS 102 232-1) from text, an ``ipaddress`` object, or an
    ``IPAddress`` dict (taken as it is); errors name ``field``."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, IP_ADDRESS_TYPES):
        raise EncodeError(
            f"{field} must be an IP address (str, ipaddress object or IPAddress value), "
            f"got {type(value).__name__}",
            field,
        )
    try:
        return ip_address(value)
    except EncodeError as exc:
        exc.prepend(field)
        raise


def header_lines(lines: object) -> list[tuple[str, bytes]]:
    """SIP header lines as ``AdditionalSignalling`` (TS 102 232-5)."""
    if isinstance(lines, (str, bytes, bytearray, memoryview)) or not isinstance(lines, Sequence):
        raise EncodeError(
            "additionalSignalling must be a list of SIP header lines "
            "(TS 102 232-5 AdditionalSignalling)",
            "additionalSignalling",
        )
    return [("sipHeaderLine", octets(line, f"additionalSignalling[{i}].sipHeaderLine",
                                      text=True))
            for i, line in enumerate(lines)]


def as_str(value: object) -> str:
    """``value``, known to be a ``str`` (a value of the specification)."""
    assert isinstance(value, str)
    return value


def object_identifiers(spec: Specification, iri_name: str, cc_name: str, module: str
                       ) -> tuple[str, str]:
    """The IRI and CC object identifiers of a service module (e.g. ``iPMMIRIObjId`` and
    ``iPMMCCObjId`` of IPMultimediaPDU, TS 102 232-5), or ``ValueError`` when ``spec`` lacks
    them."""
    try:
        return as_str(spec.values[iri_name]), as_str(spec.values[cc_name])
    except KeyError as exc:
        raise ValueError(f"spec: the specification has no {module} value {exc}") from None


def relabel(exc: EncodeError, old: str, new: str) -> EncodeError:
    """``exc`` with the path prefix ``old`` replaced by ``new`` (errors of a helper reported
    at the field of the message that called it)."""
    path = exc.path
    if path == old or path.startswith((old + ".", old + "[")):
        exc.path = new + path[len(old):]
    return exc


class ServiceRecords:
    """What the records objects of the PS services share (TS 102 232-2 e-mail, -5 IP
    multimedia, -6 PSTN/ISDN): the :class:`PSPDUBuilder` of the communication, the IRI and CC
    object identifiers of the service's module, and the CC encoders kept per key."""

    # Slots: a PDU of one of thousands of sessions touches as little memory as it can.
    __slots__ = ("__weakref__", "_cc", "builder", "cc_obj_id", "iri_obj_id")

    def __init__(self, builder: PSPDUBuilder, module: str, iri_name: str, cc_name: str) -> None:
        self.builder = builder
        self.iri_obj_id, self.cc_obj_id = object_identifiers(builder.spec, iri_name, cc_name,
                                                             module)
        self._cc: dict[tuple[Any, ...], Callable[..., bytes]] = {}


def without_none(members: Mapping[str, Any]) -> dict[str, Any]:
    """``members`` without those that are ``None``: the OPTIONAL members of a SEQUENCE that
    were not given (the codec encodes members in the order of the type, whatever the order
    of the dict)."""
    return {name: value for name, value in members.items() if value is not None}


def copy_or_none(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A ``dict`` copy of a SEQUENCE value given as a mapping, or ``None`` (left out)."""
    return None if value is None else dict(value)


def network_signals(alerting_signal: str | None, audible_signal: str | None,
                    terminal_display_info: Mapping[str, str] | None,
                    other: str | None) -> dict[str, Any]:
    """The signals of a ``NetworkSignal`` (PacketCable PCESP, ATIS-1000678: the same
    members): ``alertingSignal``, ``subjectAudibleSignal``, ``terminalDisplayInfo`` and
    ``other``, those given."""
    return without_none({
        "alertingSignal": alerting_signal, "subjectAudibleSignal": audible_signal,
        "terminalDisplayInfo": copy_or_none(terminal_display_info), "other": other,
    })
