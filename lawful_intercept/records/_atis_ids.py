"""ATIS correlation: the caseId, IAPSystemIdentity and ContentIdentifier that tie the IRI and
the CC of an ATIS-1000678 (VoP) or ATIS-1000013 (internet access) intercept together, and the
``sequenceNumber`` of the CC delivery header (see docs/records.md, "ATIS").

**Sequence numbers.** The ``sequenceNumber`` of the CC delivery header is numbered per
(caseId, contentIdentifier) from 0 by :class:`ContentSequenceNumbers`, without gaps: a
CC-APDU is encoded before its number is taken. :class:`~lawful_intercept.records.
SequenceCounters` does not fit: it is keyed by an ETSI LIID and an integer CIN, while ATIS
correlates by an octet string or a call identity. The module gives the INTEGER no range, so
numbers do not wrap.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .._checks import require_instance, require_int, type_name
from ..correlation._state import (
    check_state_format,
    restoring_state,
    state_hex,
    state_mapping,
)
from ..correlation._values import visible_string
from ..errors import EncodeError
from ._values import relabel

__all__ = [
    "ContentIdentifier",
    "ContentIdentifierLike",
    "ContentSequenceNumbers",
    "atis_call_identity",
    "atis_case_identity",
    "atis_correlation_id",
    "atis_correlation_info",
    "atis_iap_system_identity",
    "checked_content_identifier",
]

ContentIdentifier = tuple[str, bytes] | tuple[str, dict[str, str]]


def atis_case_identity(value: object) -> str:
    """Check an ATIS CaseIdentity (ATIS-1000678 / ATIS-1000013 ``CaseIdentity``).

    ``VisibleString (SIZE (1..25))``: 1 to 25 characters 0x20..0x7E.
    """
    return visible_string(
        value, "caseId", "CaseIdentity", 1, 25, "ATIS-1000678 VisibleString (SIZE (1..25))"
    )


def atis_iap_system_identity(value: object) -> str:
    """Check an ATIS IAPSystemIdentity (ATIS-1000678 / ATIS-1000013 ``IAPSystemIdentity``).

    ``VisibleString (SIZE (1..15))``: 1 to 15 characters 0x20..0x7E.
    """
    return visible_string(
        value, "iapId", "IAPSystemIdentity", 1, 15, "ATIS-1000678 VisibleString (SIZE (1..15))"
    )


def atis_correlation_id(value: object) -> ContentIdentifier:
    """A ContentIdentifier of the ``correlationID`` alternative (ATIS-1000678/1000013).

    ``ContentIdentifier ::= CHOICE { correlationID [0] OCTET STRING, callID [1] ... }``.
    Returns ``("correlationID", octets)``. The octets must not be empty (a library rule: an
    empty identifier correlates nothing).
    """
    path = "contentIdentifier.correlationID"
    if not isinstance(value, bytes | bytearray | memoryview):
        raise EncodeError(f"correlationID must be bytes, got {type_name(value)}", path)
    data = bytes(value)
    if not data:
        raise EncodeError("correlationID must not be empty (ATIS CorrelationIdentifier)", path)
    return ("correlationID", data)


def atis_call_identity(main: object, leg: object = None) -> ContentIdentifier:
    """A ContentIdentifier of the ``callID`` alternative (ATIS-1000678/1000013 CallIdentity).

    ``CallIdentity ::= SEQUENCE { main [0] UTF8String, leg [1] UTF8String OPTIONAL }``.
    Returns ``("callID", {"main": main})`` or with ``"leg"``. Neither may be empty (a library
    rule) and both must be encodable in UTF-8.
    """
    value: dict[str, str] = {"main": _utf8(main, "contentIdentifier.callID.main", "main")}
    if leg is not None:
        value["leg"] = _utf8(leg, "contentIdentifier.callID.leg", "leg")
    return ("callID", value)


def _utf8(value: object, path: str, what: str) -> str:
    if not isinstance(value, str):
        raise EncodeError(f"{what} must be str, got {type_name(value)}", path)
    if not value:
        raise EncodeError(f"{what} must not be empty (ATIS CallIdentity)", path)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise EncodeError(
            f"{what} is not encodable as UTF8String (a lone surrogate)", path
        ) from None
    return value


def atis_correlation_info(
    content_identifier: ContentIdentifier,
    *,
    case_id: str | None = None,
    iap_id: str | None = None,
) -> dict[str, Any]:
    """The ``correlationInfo`` of an ATIS CCDeliveryHeader (ATIS-1000678/1000013 CC-APDU).

    ``SEQUENCE { caseId [0] CaseIdentity OPTIONAL, iapId [1] IAPSystemIdentity OPTIONAL,
    contentIdentifier [2] ContentIdentifier }``. ``content_identifier`` comes from
    :func:`atis_correlation_id` or :func:`atis_call_identity`.
    """
    value: dict[str, Any] = {}
    if case_id is not None:
        value["caseId"] = atis_case_identity(case_id)
    if iap_id is not None:
        value["iapId"] = atis_iap_system_identity(iap_id)
    if not isinstance(content_identifier, tuple) or len(content_identifier) != 2:
        raise EncodeError(
            "contentIdentifier must be a (name, value) CHOICE tuple", "contentIdentifier"
        )
    name, inner = content_identifier
    if name == "correlationID":
        value["contentIdentifier"] = atis_correlation_id(inner)
    elif name == "callID" and isinstance(inner, dict) and set(inner) <= {"main", "leg"}:
        value["contentIdentifier"] = atis_call_identity(inner.get("main"), inner.get("leg"))
    else:
        raise EncodeError(
            f"{name!r} is not an alternative of ContentIdentifier (correlationID, callID) "
            "or its value is malformed",
            "contentIdentifier",
        )
    return value


ContentIdentifierLike = ContentIdentifier | bytes | bytearray | memoryview
"""A ``ContentIdentifier``: a value of :func:`~lawful_intercept.records.
atis_correlation_id` or :func:`~lawful_intercept.records.atis_call_identity`, or the
octets of a ``correlationID``."""


def content_key(content: ContentIdentifier) -> tuple[str, bytes | str, str | None]:
    """A hashable key of a checked ContentIdentifier."""
    name, inner = content
    if name == "correlationID":
        assert isinstance(inner, bytes)
        return ("correlationID", inner, None)
    assert isinstance(inner, dict)
    return ("callID", inner["main"], inner.get("leg"))


def checked_content_identifier(value: object, path: str = "contentIdentifier") -> ContentIdentifier:
    """A checked ContentIdentifier (ATIS-1000678 / ATIS-1000013) from a
    :data:`ContentIdentifierLike`; bare octets are a ``correlationID``."""
    if isinstance(value, bytes | bytearray | memoryview):
        value = ("correlationID", bytes(value))
    try:
        checked = atis_correlation_info(value)  # type: ignore[arg-type]  # it checks the type
    except EncodeError as exc:
        raise relabel(exc, "contentIdentifier", path) from None
    result: ContentIdentifier = checked["contentIdentifier"]
    return result


class ContentSequenceNumbers:
    """``sequenceNumber`` of the CC delivery header per (caseId, contentIdentifier)
    (ATIS-1000678 / ATIS-1000013 ``CCDeliveryHeader.sequenceNumber [3] INTEGER OPTIONAL``).

    Numbers start at 0 and go up by one for each CC-APDU of a content stream. The state is a
    JSON-able dict (:meth:`save_state`, :meth:`from_state`); ``advance`` on restore skips
    numbers that may have been handed out after the last save. Thread-safe.
    """

    def __init__(self) -> None:
        self._next: dict[tuple[str, tuple[str, bytes | str, str | None]], int] = {}
        self._lock = threading.Lock()

    def _key(self, case_id: str, content: ContentIdentifierLike
             ) -> tuple[str, tuple[str, bytes | str, str | None]]:
        return (atis_case_identity(case_id), content_key(checked_content_identifier(content)))

    def peek(self, case_id: str, content: ContentIdentifierLike) -> int:
        """The number the next CC-APDU of this content stream gets (nothing is taken)."""
        key = self._key(case_id, content)
        with self._lock:
            return self._next.get(key, 0)

    def next(self, case_id: str, content: ContentIdentifierLike) -> int:
        """Take the next number of this content stream."""
        key = self._key(case_id, content)
        with self._lock:
            number = self._next.get(key, 0)
            self._next[key] = number + 1
            return number

    def take_if(self, case_id: str, content: ContentIdentifierLike, expected: int) -> bool:
        """Take ``expected`` if it is still the next number (for encode-then-take callers)."""
        key = self._key(case_id, content)
        with self._lock:
            if self._next.get(key, 0) != expected:
                return False
            self._next[key] = expected + 1
            return True

    def forget(self, case_id: str, content: ContentIdentifierLike) -> None:
        """Drop a content stream (after its ccClose / session end, once its CC is out)."""
        key = self._key(case_id, content)
        with self._lock:
            self._next.pop(key, None)

    def save_state(self) -> dict[str, Any]:
        """The counters as a JSON-able dict."""
        with self._lock:
            items = sorted(self._next.items(), key=repr)
        streams = []
        for (case_id, (kind, main, leg)), number in items:
            entry: dict[str, Any] = {"caseId": case_id, "next": number}
            if kind == "correlationID":
                assert isinstance(main, bytes)
                entry["correlationID"] = main.hex()
            else:
                entry["callID"] = {"main": main} if leg is None else {"main": main, "leg": leg}
            streams.append(entry)
        return {"version": 1, "streams": streams}

    @classmethod
    @restoring_state()
    def from_state(cls, state: Mapping[str, Any], *, advance: int = 0
                   ) -> ContentSequenceNumbers:
        """Counters restored from :meth:`save_state`, each moved on by ``advance``. A malformed
        state raises ``TypeError`` or ``ValueError`` naming the member
        (``state.streams[0].next``)."""
        require_int(advance, "advance", low=0)
        mapping = check_state_format(state, None)
        streams = require_instance(mapping.get("streams"), list, "state.streams")
        restored = cls()
        for i, stream in enumerate(streams):
            path = f"state.streams[{i}]"
            entry = state_mapping(stream, path)
            number = require_int(entry.get("next"), f"{path}.next", low=0)
            content: ContentIdentifierLike
            try:
                if "correlationID" in entry:
                    content = ("correlationID", state_hex(entry["correlationID"], path))
                else:
                    call = entry.get("callID")
                    if not isinstance(call, Mapping):
                        raise ValueError("needs correlationID or callID")
                    content = atis_call_identity(call.get("main"), call.get("leg"))
                key = restored._key(entry.get("caseId"), content)  # type: ignore[arg-type]
            except (EncodeError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}: malformed stream: {exc}") from None
            restored._next[key] = number + advance
        return restored
