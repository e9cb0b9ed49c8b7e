"""Correlation identifiers shared by every record of an interception.

The bottom layer of the record builders: it checks and produces the identifiers that tie the
IRI and CC records of one communication together, for every handover format the library
speaks, and keeps the per-communication state (CIN allocation, sequence numbers) that a
mediation process has to carry across restarts.

ETSI (TS 102 232-1 PS-PDU header, clause 5.2; TS 103 280 common parameters):

* :class:`LIID`: the lawful interception identifier, ``OCTET STRING (SIZE (1..25))``.
* :class:`NetworkIdentifier`: operator and network element identifiers, 1..16 octets each.
* :func:`country_code`, :data:`ISO_3166_ALPHA2`: authorization/delivery country codes.
* :func:`interception_point_id`: ``PrintableString (SIZE (1..8))``.
* :class:`CINAllocator`: communicationIdentityNumber per session, deterministic from a
  session key, collision-free, with a hold before reuse and a JSON-able state.
* :class:`SequenceCounters`: sequenceNumber per (LIID, CIN, kind), gapless, with a JSON-able
  state and the cINReset rule for a restarted process.
* :class:`SessionIdentity`: LIID, network identifier, country codes and CIN in one value, so
  that the IRI and CC of one session share their correlation identifiers by construction.
* :class:`Clock`, :func:`generalized_time`, :func:`micro_second_timestamp`: timeStamp,
  microSecondTimeStamp and timeStampQualifier values.

US (ATIS-1000678 / ATIS-1000013 CC delivery header, PacketCable PCESP):

* :func:`atis_case_identity`, :func:`atis_iap_system_identity`, :func:`atis_correlation_id`,
  :func:`atis_call_identity`, :func:`atis_correlation_info`.
* :func:`pc_case_id`, :func:`pc_call_id`, :class:`BillingCorrelationId`,
  :func:`pc_call_id_from_bcid`, :func:`ccc_id_text`, :func:`pc_ccc_id`,
  :func:`pc_ccc_id_pair`.

Every value returned follows the library's value convention (``bytes`` for OCTET STRING,
``str`` for character strings, ``dict`` for SEQUENCE, ``(name, value)`` for CHOICE,
``datetime`` for GeneralizedTime). Every rule broken raises
:class:`~lawful_intercept.errors.EncodeError` whose ``path`` names the field (relative to the
PSHeader for the ETSI identifiers, e.g. ``communicationIdentifier.deliveryCountryCode``) and
whose message names the rule. A call that raises changes no state.

Clause numbers of TS 102 232-1 are those the published LI-PS-PDU module cites in its comments
(5.2.3 authorizationCountryCode, 5.2.4 communicationIdentifier, 5.2.6 timeStamp, 5.2.11
interceptionPointID); 5.2.2 (LIID) and 5.2.5 (sequence number) are inferred from their
position between those.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal, TypedDict

from .errors import EncodeError

__all__ = [
    "CIN_MAX",
    "CIN_MAX_INTEROP",
    "ISO_3166_ALPHA2",
    "LIID",
    "LIID_MAX_OCTETS",
    "NETWORK_IDENTIFIER_MAX_OCTETS",
    "SEQUENCE_KINDS",
    "SEQUENCE_NUMBER_MAX",
    "TIME_STAMP_QUALIFIERS",
    "BillingCorrelationId",
    "CINAllocator",
    "Clock",
    "ContentIdentifier",
    "MicroSecondTimeStamp",
    "NetworkIdentifier",
    "Numbering",
    "Precision",
    "SequenceCounters",
    "SessionIdentity",
    "SessionKey",
    "atis_call_identity",
    "atis_case_identity",
    "atis_correlation_id",
    "atis_correlation_info",
    "atis_iap_system_identity",
    "ccc_id_text",
    "communication_identity_number",
    "country_code",
    "datetime_from_micro_second_timestamp",
    "generalized_time",
    "interception_point_id",
    "micro_second_timestamp",
    "pc_call_id",
    "pc_call_id_from_bcid",
    "pc_case_id",
    "pc_ccc_id",
    "pc_ccc_id_pair",
    "time_stamp_qualifier",
]

#: Largest LIID, in octets (TS 103 280 ``LIID ::= OCTET STRING (SIZE (1..25))``).
LIID_MAX_OCTETS: Final = 25
#: Largest operatorIdentifier / networkElementIdentifier, in octets (TS 102 232-1 5.2.4).
NETWORK_IDENTIFIER_MAX_OCTETS: Final = 16
#: Largest communicationIdentityNumber (TS 102 232-1 5.2.4, ``INTEGER (0..4294967295)``).
CIN_MAX: Final = 4294967295
#: Largest CIN a :class:`CINAllocator` hands out by default: 2**31 - 1, as OpenLI does, so that
#: a receiver that reads the CIN as a signed 32-bit number never sees a negative one.
CIN_MAX_INTEROP: Final = 2**31 - 1
#: Largest sequenceNumber (TS 102 232-1 5.2.5, ``INTEGER (0..4294967295)``).
SEQUENCE_NUMBER_MAX: Final = 4294967295
#: The kinds of PS-PDU that are numbered separately: IRI, CC and TRI (TS 102 232-1 5.2.5).
SEQUENCE_KINDS: Final = ("IRI", "CC", "TRI")
#: The TimeStampQualifier names (TS 102 232-1 ASN.1; ``timeOfAggregation`` is an extension
#: addition, present in LI-PS-PDU version 35 and 43).
TIME_STAMP_QUALIFIERS: Final = (
    "unknown",
    "timeOfInterception",
    "timeOfMediation",
    "timeOfAggregation",
)

#: The officially assigned ISO 3166-1 alpha-2 country codes (249). Reserved and user-assigned
#: codes (``EU``, ``UK``, ``XK``, ...) are not in it.
ISO_3166_ALPHA2: Final[frozenset[str]] = frozenset(
    {
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
        "AZ",
        "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR",
        "BS", "BT", "BV", "BW", "BY", "BZ",
        "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV",
        "CW", "CX", "CY", "CZ",
        "DE", "DJ", "DK", "DM", "DO", "DZ",
        "EC", "EE", "EG", "EH", "ER", "ES", "ET",
        "FI", "FJ", "FK", "FM", "FO", "FR",
        "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
        "GT", "GU", "GW", "GY",
        "HK", "HM", "HN", "HR", "HT", "HU",
        "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT",
        "JE", "JM", "JO", "JP",
        "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ",
        "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY",
        "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR",
        "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ",
        "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
        "OM",
        "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY",
        "QA",
        "RE", "RO", "RS", "RU", "RW",
        "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR",
        "SS", "ST", "SV", "SX", "SY", "SZ",
        "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
        "TZ",
        "UA", "UG", "UM", "US", "UY", "UZ",
        "VA", "VC", "VE", "VG", "VI", "VN", "VU",
        "WF", "WS",
        "YE", "YT",
        "ZA", "ZM", "ZW",
    }
)

_PRINTABLE_STRING: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)

_P_LIID: Final = "lawfulInterceptionIdentifier"
_P_NETWORK: Final = "communicationIdentifier.networkIdentifier"
_P_CIN: Final = "communicationIdentifier.communicationIdentityNumber"
_P_SEQ: Final = "sequenceNumber"


# ---------------------------------------------------------------------------------------------
# Small checks
# ---------------------------------------------------------------------------------------------


def _type_name(value: object) -> str:
    return type(value).__name__


def _text_octets(value: object, path: str, what: str, max_octets: int, rule: str) -> bytes:
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
        raise EncodeError(f"{what} must be str or bytes, got {_type_name(value)}", path)
    if not 1 <= len(data) <= max_octets:
        raise EncodeError(f"{what} must be 1..{max_octets} octets ({rule}), got {len(data)}", path)
    return data


def _visible_string(value: object, path: str, what: str, low: int, high: int, rule: str) -> str:
    """A VisibleString (X.680 41: characters 0x20..0x7E) of ``low..high`` characters."""
    if not isinstance(value, str):
        raise EncodeError(f"{what} must be str, got {_type_name(value)}", path)
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


def _uint(value: object, path: str, what: str, high: int, rule: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodeError(f"{what} must be int, got {_type_name(value)}", path)
    if not 0 <= value <= high:
        raise EncodeError(f"{what} must be 0..{high} ({rule}), got {value}", path)
    return value


def communication_identity_number(value: object) -> int:
    """Check a communicationIdentityNumber (CIN): an int in 0..4294967295.

    TS 102 232-1 clause 5.2.4: ``communicationIdentityNumber [1] INTEGER (0..4294967295)``.
    """
    return _uint(value, _P_CIN, "CIN", CIN_MAX, "TS 102 232-1 5.2.4 INTEGER (0..4294967295)")


def _liid_bytes(value: object) -> bytes:
    if isinstance(value, LIID):
        return value.value
    return LIID(value).value  # type: ignore[arg-type]  # LIID() reports a wrong type


def _kind_index(kind: object) -> int:
    if kind == "IRI":
        return 0
    if kind == "CC":
        return 1
    if kind == "TRI":
        return 2
    raise EncodeError(
        f"kind must be one of 'IRI', 'CC', 'TRI' (TS 102 232-1 5.2.5 numbers each kind "
        f"separately), got {kind!r}",
        _P_SEQ,
    )


# ---------------------------------------------------------------------------------------------
# LIID, network identifier, country codes, interception point
# ---------------------------------------------------------------------------------------------


class LIID:
    """A lawful interception identifier (TS 102 232-1 clause 5.2.2, TS 103 280 clause 6 LIID).

    On the wire it is ``OCTET STRING (SIZE (1..25))``: 1 to 25 octets. By ETSI convention it
    is printable text (TS 101 671 recommends ``a-z A-Z 0-9 - _ .``): a ``str`` must be
    printable ASCII, 0x20..0x7E, one octet per character. Since the type is an OCTET STRING,
    ``bytes`` may hold any octets. ``LIID(LIID(x))`` is ``LIID(x)``. Immutable and hashable;
    two LIIDs are equal when their octets are.
    """

    __slots__ = ("_value",)
    _value: bytes

    def __init__(self, value: LIID | str | bytes | bytearray | memoryview) -> None:
        if isinstance(value, LIID):
            data = value._value
        else:
            data = _text_octets(
                value, _P_LIID, "LIID", LIID_MAX_OCTETS, "ETSI TS 103 280 LIID, SIZE (1..25)"
            )
        object.__setattr__(self, "_value", data)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("LIID is immutable")

    def __reduce__(self) -> tuple[type[LIID], tuple[bytes]]:
        return (LIID, (self._value,))

    @property
    def value(self) -> bytes:
        """The octets of the LIID (TS 102 232-1 5.2.2 ``lawfulInterceptionIdentifier``)."""
        return self._value

    @property
    def text(self) -> str | None:
        """The LIID as text when it is printable ASCII (TS 103 280 LIID), else ``None``."""
        if all(0x20 <= octet <= 0x7E for octet in self._value):
            return self._value.decode("ascii")
        return None

    def to_value(self) -> bytes:
        """The value of ``lawfulInterceptionIdentifier`` (TS 102 232-1 5.2.2): the octets."""
        return self._value

    def __bytes__(self) -> bytes:
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LIID) and other._value == self._value

    def __hash__(self) -> int:
        return hash((LIID, self._value))

    def __repr__(self) -> str:
        text = self.text
        return f"LIID({text!r})" if text is not None else f"LIID({self._value!r})"


class NetworkIdentifier:
    """The NetworkIdentifier of a PS-PDU (TS 102 232-1 clause 5.2.4, NetworkIdentifier).

    ``operatorIdentifier [0] OCTET STRING (SIZE (1..16))`` and the optional
    ``networkElementIdentifier [1] OCTET STRING (SIZE (1..16))``. Each may be given as
    ``bytes`` (any octets) or as printable ASCII ``str``. Immutable and hashable.
    """

    __slots__ = ("_element", "_operator")
    _operator: bytes
    _element: bytes | None

    def __init__(
        self,
        operator_identifier: str | bytes | bytearray | memoryview,
        network_element_identifier: str | bytes | bytearray | memoryview | None = None,
    ) -> None:
        rule = "TS 102 232-1 5.2.4 OCTET STRING (SIZE (1..16))"
        operator = _text_octets(
            operator_identifier,
            f"{_P_NETWORK}.operatorIdentifier",
            "operatorIdentifier",
            NETWORK_IDENTIFIER_MAX_OCTETS,
            rule,
        )
        element = None
        if network_element_identifier is not None:
            element = _text_octets(
                network_element_identifier,
                f"{_P_NETWORK}.networkElementIdentifier",
                "networkElementIdentifier",
                NETWORK_IDENTIFIER_MAX_OCTETS,
                rule,
            )
        object.__setattr__(self, "_operator", operator)
        object.__setattr__(self, "_element", element)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("NetworkIdentifier is immutable")

    def __reduce__(self) -> tuple[type[NetworkIdentifier], tuple[bytes, bytes | None]]:
        return (NetworkIdentifier, (self._operator, self._element))

    @property
    def operator_identifier(self) -> bytes:
        """``operatorIdentifier`` (TS 102 232-1 5.2.4), 1..16 octets."""
        return self._operator

    @property
    def network_element_identifier(self) -> bytes | None:
        """``networkElementIdentifier`` (TS 102 232-1 5.2.4), 1..16 octets, or ``None``."""
        return self._element

    def to_value(self) -> dict[str, bytes]:
        """The NetworkIdentifier value (TS 102 232-1 5.2.4): a dict as the codec takes it."""
        value = {"operatorIdentifier": self._operator}
        if self._element is not None:
            value["networkElementIdentifier"] = self._element
        return value

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, NetworkIdentifier)
            and other._operator == self._operator
            and other._element == self._element
        )

    def __hash__(self) -> int:
        return hash((NetworkIdentifier, self._operator, self._element))

    def __repr__(self) -> str:
        return f"NetworkIdentifier({self._operator!r}, {self._element!r})"


CountryCodeField = Literal["authorizationCountryCode", "deliveryCountryCode"]


def country_code(value: object, field: CountryCodeField = "authorizationCountryCode") -> str:
    """Check an authorizationCountryCode or deliveryCountryCode.

    TS 102 232-1 clause 5.2.3 (authorizationCountryCode) and 5.2.4 (deliveryCountryCode):
    ``PrintableString (SIZE (2))`` holding an ISO 3166-1 alpha-2 code. Only the officially
    assigned codes of :data:`ISO_3166_ALPHA2` are accepted, in capitals as ISO 3166-1 writes
    them. ``field`` names the field in the error.
    """
    if field == "authorizationCountryCode":
        path, clause = "authorizationCountryCode", "5.2.3"
    else:
        path, clause = "communicationIdentifier.deliveryCountryCode", "5.2.4"
    if not isinstance(value, str):
        raise EncodeError(
            f"{field} must be str (TS 102 232-1 {clause} PrintableString), got "
            f"{_type_name(value)}",
            path,
        )
    if value in ISO_3166_ALPHA2:
        return value
    if len(value) != 2:
        raise EncodeError(
            f"{field} must be 2 letters (TS 102 232-1 {clause} PrintableString (SIZE (2)), "
            f"ISO 3166-1 alpha-2), got {value!r}",
            path,
        )
    if value.upper() in ISO_3166_ALPHA2:
        raise EncodeError(
            f"{field} must be an ISO 3166-1 alpha-2 code in capitals (TS 102 232-1 {clause}), "
            f"got {value!r}; did you mean {value.upper()!r}?",
            path,
        )
    raise EncodeError(
        f"{field} {value!r} is not an officially assigned ISO 3166-1 alpha-2 code "
        f"(TS 102 232-1 {clause})",
        path,
    )


def interception_point_id(value: object) -> str:
    """Check an interceptionPointID (TS 102 232-1 clause 5.2.11).

    ``PrintableString (SIZE (1..8))``: 1 to 8 characters from ``A-Z a-z 0-9`` and
    ``space ' ( ) + , - . / : = ?``.
    """
    path = "interceptionPointID"
    if not isinstance(value, str):
        raise EncodeError(f"interceptionPointID must be str, got {_type_name(value)}", path)
    if not 1 <= len(value) <= 8:
        raise EncodeError(
            "interceptionPointID must be 1..8 characters (TS 102 232-1 5.2.11 "
            f"PrintableString (SIZE (1..8))), got {len(value)}",
            path,
        )
    for char in value:
        if char not in _PRINTABLE_STRING:
            raise EncodeError(
                f"interceptionPointID must be a PrintableString (TS 102 232-1 5.2.11), "
                f"{char!r} is not in its alphabet",
                path,
            )
    return value


# ---------------------------------------------------------------------------------------------
# SessionIdentity
# ---------------------------------------------------------------------------------------------


class SessionIdentity:
    """The correlation identifiers of one intercepted communication (TS 102 232-1 5.2.2-5.2.4).

    Bundles the LIID, the NetworkIdentifier, the optional authorization and delivery country
    codes, the optional interceptionPointID and the CIN. Record builders take this object, so
    the IRI and the CC of one session carry the same identifiers by construction. Without a
    CIN it describes the intercept at one network element; :meth:`with_cin` (or
    :meth:`CINAllocator.open_session`) gives the identity of one communication. Immutable and
    hashable.
    """

    __slots__ = ("_authorization", "_cin", "_delivery", "_ipid", "_liid", "_network")
    _liid: LIID
    _network: NetworkIdentifier
    _cin: int | None
    _authorization: str | None
    _delivery: str | None
    _ipid: str | None

    def __init__(
        self,
        liid: LIID | str | bytes,
        network: NetworkIdentifier,
        cin: int | None = None,
        *,
        authorization_country_code: str | None = None,
        delivery_country_code: str | None = None,
        interception_point_id: str | None = None,
    ) -> None:
        checked_liid = LIID(liid)
        if not isinstance(network, NetworkIdentifier):
            raise EncodeError(
                f"network must be a NetworkIdentifier, got {_type_name(network)}", _P_NETWORK
            )
        values = {
            "_liid": checked_liid,
            "_network": network,
            "_cin": None if cin is None else communication_identity_number(cin),
            "_authorization": None
            if authorization_country_code is None
            else country_code(authorization_country_code, "authorizationCountryCode"),
            "_delivery": None
            if delivery_country_code is None
            else country_code(delivery_country_code, "deliveryCountryCode"),
            "_ipid": None
            if interception_point_id is None
            else _interception_point_id(interception_point_id),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("SessionIdentity is immutable")

    def __reduce__(self) -> tuple[Callable[..., SessionIdentity], tuple[object, ...]]:
        return (_rebuild_session_identity, self._key())

    @property
    def liid(self) -> LIID:
        """The LIID (TS 102 232-1 5.2.2)."""
        return self._liid

    @property
    def network(self) -> NetworkIdentifier:
        """The NetworkIdentifier (TS 102 232-1 5.2.4)."""
        return self._network

    @property
    def cin(self) -> int | None:
        """The communicationIdentityNumber (TS 102 232-1 5.2.4), or ``None``."""
        return self._cin

    @property
    def authorization_country_code(self) -> str | None:
        """The authorizationCountryCode (TS 102 232-1 5.2.3), or ``None``."""
        return self._authorization

    @property
    def delivery_country_code(self) -> str | None:
        """The deliveryCountryCode (TS 102 232-1 5.2.4), or ``None``."""
        return self._delivery

    @property
    def interception_point_id(self) -> str | None:
        """The interceptionPointID (TS 102 232-1 5.2.11), or ``None``."""
        return self._ipid

    def with_cin(self, cin: int) -> SessionIdentity:
        """The same identity with communicationIdentityNumber ``cin`` (TS 102 232-1 5.2.4)."""
        return SessionIdentity(
            self._liid,
            self._network,
            cin,
            authorization_country_code=self._authorization,
            delivery_country_code=self._delivery,
            interception_point_id=self._ipid,
        )

    def communication_identifier(self) -> dict[str, Any]:
        """The CommunicationIdentifier value (TS 102 232-1 5.2.4) as the codec takes it."""
        value: dict[str, Any] = {"networkIdentifier": self._network.to_value()}
        if self._cin is not None:
            value["communicationIdentityNumber"] = self._cin
        if self._delivery is not None:
            value["deliveryCountryCode"] = self._delivery
        return value

    def ps_header_fields(self) -> dict[str, Any]:
        """The correlation members of a PSHeader (TS 102 232-1 5.2.2-5.2.4 and 5.2.11).

        ``lawfulInterceptionIdentifier``, ``authorizationCountryCode`` (if set),
        ``communicationIdentifier`` and ``interceptionPointID`` (if set). The record builder
        adds ``li-psDomainId``, ``sequenceNumber`` and the time stamps.
        """
        value: dict[str, Any] = {"lawfulInterceptionIdentifier": self._liid.value}
        if self._authorization is not None:
            value["authorizationCountryCode"] = self._authorization
        value["communicationIdentifier"] = self.communication_identifier()
        if self._ipid is not None:
            value["interceptionPointID"] = self._ipid
        return value

    def _key(self) -> tuple[object, ...]:
        return (
            self._liid,
            self._network,
            self._cin,
            self._authorization,
            self._delivery,
            self._ipid,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SessionIdentity) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((SessionIdentity, *self._key()))

    def __repr__(self) -> str:
        return (
            f"SessionIdentity({self._liid!r}, {self._network!r}, {self._cin!r}, "
            f"authorization_country_code={self._authorization!r}, "
            f"delivery_country_code={self._delivery!r}, "
            f"interception_point_id={self._ipid!r})"
        )


_interception_point_id = interception_point_id  # the parameter of __init__ shadows the name


def _rebuild_session_identity(
    liid: LIID,
    network: NetworkIdentifier,
    cin: int | None,
    authorization: str | None,
    delivery: str | None,
    ipid: str | None,
) -> SessionIdentity:
    """Unpickle a SessionIdentity (its constructor takes the country codes by keyword)."""
    return SessionIdentity(
        liid,
        network,
        cin,
        authorization_country_code=authorization,
        delivery_country_code=delivery,
        interception_point_id=ipid,
    )


# ---------------------------------------------------------------------------------------------
# CIN allocation
# ---------------------------------------------------------------------------------------------

#: A session key: RADIUS Acct-Session-Id, DHCP lease id, SIP Call-ID, GTP TEID, ...
SessionKey = str | bytes | bytearray | memoryview | int
_ALLOCATOR_FORMAT: Final = "lawful-intercept/cin-allocator"
_COUNTERS_FORMAT: Final = "lawful-intercept/sequence-counters"


def _session_key_octets(key: object) -> bytes:
    """The canonical octets of a session key: str and bytes of the same octets are one key."""
    path = _P_CIN
    if isinstance(key, bool):
        raise EncodeError("session key must be str, bytes or int, got bool", path)
    if isinstance(key, int):
        return b"i" + str(key).encode("ascii")
    if isinstance(key, str):
        data = key.encode("utf-8", "surrogatepass")
    elif isinstance(key, bytes | bytearray | memoryview):
        data = bytes(key)
    else:
        raise EncodeError(f"session key must be str, bytes or int, got {_type_name(key)}", path)
    if not data:
        raise EncodeError(
            "session key must not be empty: an empty Acct-Session-Id, Call-ID or lease id "
            "would put every session in one communication (TS 102 232-1 5.2.4)",
            path,
        )
    return b"b" + data


@dataclass(slots=True)
class _Slot:
    fingerprint: bytes
    released_at: float | None  # None: live


@dataclass(slots=True)
class _LiidCins:
    by_cin: dict[int, _Slot] = field(default_factory=dict)
    live: dict[bytes, int] = field(default_factory=dict)  # fingerprint -> CIN


def _secret_check(secret: bytes) -> str:
    return hashlib.blake2b(b"check", digest_size=8, key=secret, person=b"li-cin-secret").hexdigest()


class CINAllocator:
    """Allocates communicationIdentityNumbers (TS 102 232-1 clause 5.2.4) per session.

    A session is named by a *session key* (RADIUS Acct-Session-Id, DHCP lease id, SIP Call-ID,
    GTP TEID: ``str``, ``bytes`` or ``int``; a ``str`` and its UTF-8 ``bytes`` are one key).
    The CIN is derived from a keyed BLAKE2b hash of (LIID, NetworkIdentifier, session key):

    * **Deterministic.** The home CIN of a key is ``min_cin + H mod (max_cin - min_cin + 1)``
      where ``H`` is the first 8 octets (big-endian) of the 16-octet hash. Two allocators
      with the same ``secret`` give the same key the same home CIN, and a key that is live
      keeps its CIN for every later :meth:`allocate` call.
    * **Collision-free.** A CIN is unique among the live and held sessions of one LIID in this
      allocator (so within each (LIID, network element) as the standard asks, and also across
      the network elements one allocator serves, so that sequence counters keyed by
      (LIID, CIN) never mix two communications). When the home CIN is taken, the next CINs
      are tried in order, wrapping from ``max_cin`` to ``min_cin`` (linear probing). Which
      key gets the home CIN then depends on which was allocated first; the saved state keeps
      that, so a restarted process gives each live session the same CIN again.
    * **Hold before reuse.** :meth:`release` does not free the CIN at once: it stays *held*
      for ``hold_seconds`` (default 86400, one day) after the session ended, because the
      session's records may still be in flight or spooled; a new session never gets a held
      CIN, not even one with the same key (it is a new communication). ``hold_seconds=0``
      frees at once.
    * **Range.** ``min_cin`` defaults to 1, keeping CIN 0 for the PDUs that belong to no
      communication (OpenLI sends keep-alives with CIN 0); ``max_cin`` defaults to
      :data:`CIN_MAX_INTEROP` (2**31 - 1, as OpenLI, for receivers that read a signed 32-bit
      integer). Pass ``max_cin=CIN_MAX`` for the full range of the standard.

    The state (:meth:`save_state`, :meth:`from_state`) is a JSON-able dict. It holds hashes
    of the session keys, never the keys themselves. Methods are thread-safe.
    """

    def __init__(
        self,
        *,
        secret: bytes = b"",
        min_cin: int = 1,
        max_cin: int = CIN_MAX_INTEROP,
        hold_seconds: float = 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(secret, bytes) or len(secret) > 64:
            raise EncodeError("secret must be bytes of at most 64 octets (BLAKE2b key)", _P_CIN)
        low = communication_identity_number(min_cin)
        high = communication_identity_number(max_cin)
        if low > high:
            raise EncodeError(f"min_cin {low} is above max_cin {high}", _P_CIN)
        if (
            isinstance(hold_seconds, bool)
            or not isinstance(hold_seconds, int | float)
            or not math.isfinite(hold_seconds)
            or hold_seconds < 0
        ):
            raise EncodeError(
                f"hold_seconds must be a finite number >= 0, got {hold_seconds!r}", _P_CIN
            )
        self._secret = secret
        self._min = low
        self._max = high
        self._span = high - low + 1
        self._hold = float(hold_seconds)
        self._clock = clock
        self._liids: dict[bytes, _LiidCins] = {}
        self._lock = threading.Lock()

    @property
    def min_cin(self) -> int:
        """The smallest CIN handed out (TS 102 232-1 5.2.4)."""
        return self._min

    @property
    def max_cin(self) -> int:
        """The largest CIN handed out (TS 102 232-1 5.2.4)."""
        return self._max

    @property
    def hold_seconds(self) -> float:
        """Seconds a released CIN stays unavailable (records in flight, TS 102 232-1 5.2.4)."""
        return self._hold

    def _fingerprint(self, liid: bytes, network: NetworkIdentifier, key: bytes) -> bytes:
        digest = hashlib.blake2b(digest_size=16, key=self._secret, person=b"li-cin/v1")
        element = network.network_element_identifier or b""
        for part in (liid, network.operator_identifier, element, key):
            digest.update(len(part).to_bytes(4, "big"))
            digest.update(part)
        return digest.digest()

    def home_cin(
        self, liid: LIID | str | bytes, network: NetworkIdentifier, session_key: SessionKey
    ) -> int:
        """The CIN a key gets when nothing collides with it (TS 102 232-1 5.2.4)."""
        _, fingerprint = self._checked(liid, network, session_key)
        return self._home(fingerprint)

    def _home(self, fingerprint: bytes) -> int:
        return self._min + int.from_bytes(fingerprint[:8], "big") % self._span

    def _checked(
        self, liid: object, network: object, session_key: object
    ) -> tuple[bytes, bytes]:
        liid_octets = _liid_bytes(liid)
        if not isinstance(network, NetworkIdentifier):
            raise EncodeError(
                f"network must be a NetworkIdentifier, got {_type_name(network)}", _P_NETWORK
            )
        key = _session_key_octets(session_key)
        return liid_octets, self._fingerprint(liid_octets, network, key)

    def _now(self) -> float:
        now = self._clock()
        if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
            raise EncodeError(f"clock returned {now!r}, not a finite number of seconds", _P_CIN)
        return float(now)

    def _free(self, slot: _Slot | None, now: float) -> bool:
        return slot is None or (
            slot.released_at is not None and now >= slot.released_at + self._hold
        )

    def _allocate(self, liid: object, network: object, session_key: object) -> tuple[int, bool]:
        liid_octets, fingerprint = self._checked(liid, network, session_key)
        with self._lock:
            cins = self._liids.get(liid_octets)
            if cins is not None and fingerprint in cins.live:
                return cins.live[fingerprint], False
            cin = self._home(fingerprint)
            if cins is not None:
                now = self._now()
                for _ in range(min(len(cins.by_cin) + 1, self._span)):
                    if self._free(cins.by_cin.get(cin), now):
                        break
                    cin = self._min if cin == self._max else cin + 1
                else:
                    raise EncodeError(
                        f"no free CIN in {self._min}..{self._max} for LIID "
                        f"{LIID(liid_octets)!r}: all are live or held (TS 102 232-1 5.2.4); "
                        "widen the range or shorten hold_seconds",
                        _P_CIN,
                    )
            else:
                cins = self._liids[liid_octets] = _LiidCins()
            cins.by_cin[cin] = _Slot(fingerprint, None)
            cins.live[fingerprint] = cin
            return cin, True

    def allocate(
        self, liid: LIID | str | bytes, network: NetworkIdentifier, session_key: SessionKey
    ) -> int:
        """The CIN of the session ``session_key`` (TS 102 232-1 5.2.4), allocated if new.

        Calling it again while the session is live returns the same CIN, so the IRI and CC
        paths of a mediation function can both ask for it. Raises ``EncodeError`` when every
        CIN of the range is live or held for this LIID.
        """
        return self._allocate(liid, network, session_key)[0]

    def lookup(
        self, liid: LIID | str | bytes, network: NetworkIdentifier, session_key: SessionKey
    ) -> int | None:
        """The CIN of a live session (TS 102 232-1 5.2.4), or ``None``; allocates nothing."""
        liid_octets, fingerprint = self._checked(liid, network, session_key)
        with self._lock:
            cins = self._liids.get(liid_octets)
            return None if cins is None else cins.live.get(fingerprint)

    def release(
        self, liid: LIID | str | bytes, network: NetworkIdentifier, session_key: SessionKey
    ) -> int | None:
        """End the session: its CIN is held for ``hold_seconds`` (TS 102 232-1 5.2.4).

        Returns the CIN, or ``None`` when the session is not live (a repeated stop event).
        """
        liid_octets, fingerprint = self._checked(liid, network, session_key)
        with self._lock:
            cins = self._liids.get(liid_octets)
            if cins is None or fingerprint not in cins.live:
                return None
            now = self._now()
            cin = cins.live.pop(fingerprint)
            if self._hold == 0:
                del cins.by_cin[cin]
                if not cins.by_cin:
                    del self._liids[liid_octets]
            else:
                cins.by_cin[cin].released_at = now
            return cin

    def open_session(
        self, identity: SessionIdentity, session_key: SessionKey
    ) -> SessionIdentity:
        """``identity`` with the CIN of ``session_key`` (TS 102 232-1 5.2.4), allocated if new.

        The CIN of ``identity`` itself, if any, is replaced.
        """
        if not isinstance(identity, SessionIdentity):
            raise EncodeError(
                f"identity must be a SessionIdentity, got {_type_name(identity)}", _P_CIN
            )
        cin = self.allocate(identity.liid, identity.network, session_key)
        return identity.with_cin(cin)

    def close_session(self, identity: SessionIdentity, session_key: SessionKey) -> int | None:
        """:meth:`release` the session ``session_key`` of ``identity`` (TS 102 232-1 5.2.4)."""
        if not isinstance(identity, SessionIdentity):
            raise EncodeError(
                f"identity must be a SessionIdentity, got {_type_name(identity)}", _P_CIN
            )
        return self.release(identity.liid, identity.network, session_key)

    def purge(self) -> list[tuple[bytes, int]]:
        """Drop the held CINs whose hold is over; return them as (LIID octets, CIN) pairs.

        A CIN whose hold is over is free for a new session (TS 102 232-1 5.2.4) even without
        this call; purging only forgets it. Pass each pair to
        :meth:`SequenceCounters.forget`, so that a later session with that CIN numbers its
        PDUs from 0.
        """
        with self._lock:
            now = self._now()
            freed: list[tuple[bytes, int]] = []
            for liid_octets in list(self._liids):
                cins = self._liids[liid_octets]
                for cin, slot in list(cins.by_cin.items()):
                    if slot.released_at is not None and self._free(slot, now):
                        del cins.by_cin[cin]
                        freed.append((liid_octets, cin))
                if not cins.by_cin:
                    del self._liids[liid_octets]
            return sorted(freed)

    def live_cins(self, liid: LIID | str | bytes) -> dict[int, bool]:
        """CIN -> ``True`` if live, ``False`` if held, for one LIID (TS 102 232-1 5.2.4)."""
        liid_octets = _liid_bytes(liid)
        with self._lock:
            cins = self._liids.get(liid_octets)
            if cins is None:
                return {}
            return {cin: slot.released_at is None for cin, slot in sorted(cins.by_cin.items())}

    def save_state(self) -> dict[str, Any]:
        """The allocator's state as a JSON-able dict (TS 102 232-1 5.2.4 CINs in use).

        Holds the range, the hold time, a check value of the secret (not the secret), and per
        LIID (hex) the live CINs and the held ones with their release time. Session keys are
        kept only as hashes.
        """
        with self._lock:
            liids: dict[str, Any] = {}
            for liid_octets, cins in sorted(self._liids.items()):
                live: dict[str, str] = {}
                held: dict[str, list[Any]] = {}
                for cin, slot in sorted(cins.by_cin.items()):
                    if slot.released_at is None:
                        live[str(cin)] = slot.fingerprint.hex()
                    else:
                        held[str(cin)] = [slot.fingerprint.hex(), slot.released_at]
                liids[liid_octets.hex()] = {"live": live, "held": held}
            return {
                "format": _ALLOCATOR_FORMAT,
                "version": 1,
                "min_cin": self._min,
                "max_cin": self._max,
                "hold_seconds": self._hold,
                "secret_check": _secret_check(self._secret),
                "liids": liids,
            }

    @classmethod
    def from_state(
        cls,
        state: Mapping[str, Any],
        *,
        secret: bytes = b"",
        clock: Callable[[], float] = time.time,
    ) -> CINAllocator:
        """An allocator continuing from :meth:`save_state` (TS 102 232-1 5.2.4).

        Live sessions keep their CINs and held CINs stay held. ``secret`` must be the one the
        state was saved with (checked), since otherwise live session keys would no longer be
        recognised. A malformed state raises ``EncodeError`` with path ``state...``.
        """
        mapping = _mapping(state, "state")
        if mapping.get("format") != _ALLOCATOR_FORMAT or mapping.get("version") != 1:
            raise EncodeError(
                f"not a version-1 {_ALLOCATOR_FORMAT} state (format "
                f"{mapping.get('format')!r}, version {mapping.get('version')!r})",
                "state",
            )
        allocator = cls(
            secret=secret,
            min_cin=_state_field(mapping, "min_cin", "state"),
            max_cin=_state_field(mapping, "max_cin", "state"),
            hold_seconds=_state_field(mapping, "hold_seconds", "state"),
            clock=clock,
        )
        if mapping.get("secret_check") != _secret_check(secret):
            raise EncodeError(
                "the secret differs from the one the state was saved with", "state.secret_check"
            )
        liids = _mapping(_state_field(mapping, "liids", "state"), "state.liids")
        for liid_hex, entry in liids.items():
            path = f"state.liids[{liid_hex!r}]"
            liid_octets = LIID(_hex(liid_hex, path)).value
            cins = _LiidCins()
            entry_map = _mapping(entry, path)
            for group in ("live", "held"):
                items = _mapping(_state_field(entry_map, group, path), f"{path}.{group}")
                for cin_text, slot_value in items.items():
                    slot_path = f"{path}.{group}[{cin_text!r}]"
                    cin = _state_cin(cin_text, slot_path, allocator)
                    if cin in cins.by_cin:
                        raise EncodeError(f"CIN {cin} is both live and held", slot_path)
                    if group == "live":
                        fingerprint = _fingerprint_hex(slot_value, slot_path)
                        if fingerprint in cins.live:
                            raise EncodeError("session hash is live under two CINs", slot_path)
                        cins.by_cin[cin] = _Slot(fingerprint, None)
                        cins.live[fingerprint] = cin
                    else:
                        if not isinstance(slot_value, list) or len(slot_value) != 2:
                            raise EncodeError("must be [session hash, released_at]", slot_path)
                        released = slot_value[1]
                        if (
                            isinstance(released, bool)
                            or not isinstance(released, int | float)
                            or not math.isfinite(released)
                        ):
                            raise EncodeError("released_at must be a finite number", slot_path)
                        fingerprint = _fingerprint_hex(slot_value[0], slot_path)
                        cins.by_cin[cin] = _Slot(fingerprint, float(released))
            if cins.by_cin:
                allocator._liids[liid_octets] = cins
        return allocator


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise EncodeError(f"must be a dict with str keys, got {_type_name(value)}", path)
    return value


def _state_field(mapping: Mapping[str, Any], name: str, path: str) -> Any:
    if name not in mapping:
        raise EncodeError(f"{name} is missing", path)
    return mapping[name]


def _hex(text: str, path: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise EncodeError(f"{text!r} is not hexadecimal", path) from None


def _fingerprint_hex(value: object, path: str) -> bytes:
    if not isinstance(value, str):
        raise EncodeError("session hash must be a hex str", path)
    data = _hex(value, path)
    if len(data) != 16:
        raise EncodeError(f"session hash must be 16 octets, got {len(data)}", path)
    return data


def _state_cin(text: str, path: str, allocator: CINAllocator) -> int:
    if not text.isdigit() or not text.isascii():
        raise EncodeError(f"CIN {text!r} is not a decimal number", path)
    cin = communication_identity_number(int(text))
    if not allocator.min_cin <= cin <= allocator.max_cin:
        raise EncodeError(
            f"CIN {cin} is outside {allocator.min_cin}..{allocator.max_cin}", path
        )
    return cin


# ---------------------------------------------------------------------------------------------
# Sequence numbers
# ---------------------------------------------------------------------------------------------

_EXHAUSTED: Final = SEQUENCE_NUMBER_MAX + 1


class _Communication:
    """The counters of one (LIID, CIN): one ``itertools.count`` per kind, whose ``next`` is
    atomic in CPython, so taking a number needs no lock. A count runs past 4294967295; the
    number is taken modulo 2**32 (``wrap``) or the count stays at _EXHAUSTED (no wrap)."""

    __slots__ = ("counts", "known", "restored")

    def __init__(self, next_values: list[int], restored: bool = False,
                 known: bool = False) -> None:
        self.counts = [itertools.count(v) for v in next_values]
        self.restored = restored
        self.known = known  # restored, begun, or cINReset sent: no cINReset needed

    def next_values(self, wrap: bool) -> list[int]:
        """Per kind, the number the next call returns (_EXHAUSTED when used up, no wrap)."""
        values = [int(repr(c)[6:-1]) for c in self.counts]  # repr is "count(n)"
        if wrap:
            return [v & SEQUENCE_NUMBER_MAX for v in values]
        return [min(v, _EXHAUSTED) for v in values]


class Numbering:
    """One (LIID, CIN, kind) numbering of a :class:`SequenceCounters` (TS 102 232-1 5.2.5).

    ``numbering()`` takes the next number; ``numbering.peek()`` tells it without taking it.
    """

    __slots__ = ("_comms", "_index", "_key", "_kind", "_lock", "_take", "_wrap")

    def __init__(self, counters: SequenceCounters, key: tuple[bytes, int], index: int,
                 kind: str) -> None:
        self._comms = counters._comms
        self._lock = counters._lock
        self._wrap = counters._wrap
        self._key = key
        self._index = index
        self._kind = kind
        self._take = self._make_taker()

    def __call__(self) -> int:
        """Take the next number (as :meth:`SequenceCounters.next`)."""
        return self._take()

    def taker(self) -> Callable[[], int]:
        """The function that takes the next number, for per-PDU paths (a closure, cheaper to
        call than this object)."""
        return self._take

    def _make_taker(self) -> Callable[[], int]:
        comms, key, index, lock = self._comms, self._key, self._index, self._lock
        wrap, kind = self._wrap, self._kind
        count = itertools.count
        new = _Communication

        def take() -> int:
            comm = comms.get(key)
            if comm is None:
                with lock:
                    comm = comms.setdefault(key, new([0, 0, 0]))
            value = next(comm.counts[index])
            if value <= SEQUENCE_NUMBER_MAX:
                return value
            if wrap:
                return value & SEQUENCE_NUMBER_MAX
            with lock:  # used up: leave the count where it was, and say so
                comm.counts[index] = count(_EXHAUSTED)
            raise EncodeError(
                f"sequence numbers of {kind} for LIID {LIID(key[0])!r} CIN {key[1]} are used "
                "up: 4294967295 was the last (TS 102 232-1 5.2.5, wrap=False)",
                _P_SEQ,
            )

        return take

    def peek(self) -> int:
        """The number a call would take, without taking it (as :meth:`SequenceCounters.peek`;
        raises the same error when the numbers are used up)."""
        with self._lock:
            comm = self._comms.get(self._key)
            value = 0 if comm is None else comm.next_values(self._wrap)[self._index]
        if value == _EXHAUSTED:
            raise EncodeError(
                f"sequence numbers of {self._kind} for LIID {LIID(self._key[0])!r} CIN "
                f"{self._key[1]} are used up (TS 102 232-1 5.2.5, wrap=False)",
                _P_SEQ,
            )
        return value


class SequenceCounters:
    """sequenceNumber counters per (LIID, CIN, kind) (TS 102 232-1 clause 5.2.5).

    Each of IRI, CC and TRI PDUs of one (LIID, CIN) is numbered on its own, from 0, without
    gaps: :meth:`next` returns 0, 1, 2, ... (OpenLI likewise keeps separate IRI and CC
    counters per LIID and CIN).

    **Wrap rule.** The field is ``INTEGER (0..4294967295)``. With ``wrap=True`` (the default)
    the number after 4294967295 is 0: numbering is modulo 2**32, so a long, busy session keeps
    being delivered and a receiver that checks continuity modulo 2**32 sees no gap. The
    standard's text on what follows the maximum was not available to check; with
    ``wrap=False`` :meth:`next` raises ``EncodeError`` instead of wrapping, and the caller can
    start a new CIN.

    **Restarts and cINReset.** The state (:meth:`save_state`, :meth:`from_state`) is a
    JSON-able dict. A process that starts anew (``restarted=False``) numbers every
    communication from 0 and never needs a cINReset. A restarted process is either built with
    :meth:`from_state` (numbering continues where the saved state left it; those
    communications are *restored*) or with ``restarted=True`` when the state was lost. In a
    restarted process :meth:`needs_cin_reset` is ``True`` for every (LIID, CIN) that is
    neither restored nor declared new with :meth:`begin`: its numbering starts again at 0, so
    the LEMF must first get a TRI PDU with ``cINReset`` (TS 102 232-1 TRIPayload cINReset
    [7]). After sending it, call :meth:`cin_reset_sent`. When in doubt the rule errs towards
    an unneeded cINReset, never towards a silent restart of the numbering.

    Thread-safe: all methods take one lock.
    """

    def __init__(self, *, wrap: bool = True, restarted: bool = False) -> None:
        if not isinstance(wrap, bool) or not isinstance(restarted, bool):
            raise EncodeError("wrap and restarted must be bool", _P_SEQ)
        self._wrap = wrap
        self._restarted = restarted
        self._comms: dict[tuple[bytes, int], _Communication] = {}
        self._lock = threading.Lock()

    @property
    def wrap(self) -> bool:
        """Whether 4294967295 is followed by 0 (TS 102 232-1 5.2.5); else numbering stops."""
        return self._wrap

    @property
    def restarted(self) -> bool:
        """Whether this process continues an earlier one (TS 102 232-1 TRIPayload cINReset)."""
        return self._restarted

    @staticmethod
    def _key(liid: object, cin: object) -> tuple[bytes, int]:
        return _liid_bytes(liid), communication_identity_number(cin)

    def next(self, liid: LIID | str | bytes, cin: int, kind: str) -> int:
        """The sequenceNumber for the next PDU of ``kind`` of (LIID, CIN) (TS 102 232-1 5.2.5).

        ``kind`` is ``"IRI"``, ``"CC"`` or ``"TRI"``. Starts at 0; gapless; wraps after
        4294967295 unless ``wrap=False`` (then ``EncodeError``, with nothing changed).
        """
        return self.counter(liid, cin, kind)()

    def counter(self, liid: LIID | str | bytes, cin: int, kind: str) -> Numbering:
        """The numbering of ``kind`` of (LIID, CIN) as an object: calling it takes the next
        number like :meth:`next`, :meth:`Numbering.peek` looks like :meth:`peek`; state is
        shared with this object, and the arguments are checked once (the per-PDU path of a
        record builder, TS 102 232-1 5.2.5)."""
        return Numbering(self, self._key(liid, cin), _kind_index(kind), kind)

    def peek(self, liid: LIID | str | bytes, cin: int, kind: str) -> int:
        """The number :meth:`next` would return, without taking it (TS 102 232-1 5.2.5).

        Raises ``EncodeError`` where :meth:`next` would (numbers used up, ``wrap=False``).
        """
        return self.counter(liid, cin, kind).peek()

    def begin(self, liid: LIID | str | bytes, cin: int) -> None:
        """Declare that communication (LIID, CIN) starts now (TS 102 232-1 5.2.5).

        Call it on the event that starts the communication (the one giving IRI-BEGIN): its
        numbering starting at 0 is then expected and needs no cINReset. Idempotent: counters
        already in use are left as they are (use :meth:`forget` to drop them).
        """
        key = self._key(liid, cin)
        with self._lock:
            comm = self._comms.get(key)
            if comm is None:
                comm = self._comms[key] = _Communication([0, 0, 0])
            comm.known = True

    def needs_cin_reset(self, liid: LIID | str | bytes, cin: int) -> bool:
        """Whether a cINReset TRI PDU must precede the PDUs of (LIID, CIN).

        TS 102 232-1 TRIPayload ``cINReset [7]``: ``True`` only in a restarted process, for a
        communication that was neither restored from the saved state nor declared with
        :meth:`begin`, and for which :meth:`cin_reset_sent` has not been called.
        """
        key = self._key(liid, cin)
        if not self._restarted:
            return False
        with self._lock:
            comm = self._comms.get(key)
            return comm is None or not comm.known

    def cin_reset_sent(self, liid: LIID | str | bytes, cin: int) -> None:
        """Record that the cINReset of (LIID, CIN) was sent (TS 102 232-1 TRIPayload [7]).

        The counters are not changed: send the cINReset before the first IRI or CC PDU of the
        communication, and they start at 0 after it.
        """
        key = self._key(liid, cin)
        with self._lock:
            comm = self._comms.get(key)
            if comm is None:
                comm = self._comms[key] = _Communication([0, 0, 0])
            comm.known = True

    def is_restored(self, liid: LIID | str | bytes, cin: int) -> bool:
        """Whether the counters of (LIID, CIN) came from a saved state (TS 102 232-1 5.2.5)."""
        key = self._key(liid, cin)
        with self._lock:
            comm = self._comms.get(key)
            return comm is not None and comm.restored

    def forget(self, liid: LIID | str | bytes, cin: int) -> None:
        """Drop the counters of (LIID, CIN) once its CIN is free again (TS 102 232-1 5.2.5).

        A later communication with the same CIN then numbers from 0. Call it with the pairs
        :meth:`CINAllocator.purge` returns, never while records of the communication may
        still be numbered.
        """
        key = self._key(liid, cin)
        with self._lock:
            self._comms.pop(key, None)

    def save_state(self) -> dict[str, Any]:
        """The counters as a JSON-able dict (TS 102 232-1 5.2.5 numbering to continue).

        Per communication: LIID (hex), CIN, the next number of each kind (4294967296 when used
        up with ``wrap=False``) and whether a cINReset is still owed.
        """
        with self._lock:
            communications = [
                {
                    "liid": liid.hex(),
                    "cin": cin,
                    "next": dict(zip(SEQUENCE_KINDS, comm.next_values(self._wrap),
                                     strict=True)),
                    "cin_reset_pending": self._restarted and not comm.known,
                }
                for (liid, cin), comm in sorted(self._comms.items())
            ]
            return {
                "format": _COUNTERS_FORMAT,
                "version": 1,
                "wrap": self._wrap,
                "communications": communications,
            }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], *, advance: int = 0) -> SequenceCounters:
        """Counters continuing from :meth:`save_state` in a restarted process.

        Every communication in the state is *restored* and continues its numbering (TS 102
        232-1 5.2.5); any other one needs a cINReset (see :meth:`needs_cin_reset`).
        ``advance`` is added to every restored counter (wrapping, or up to used-up with
        ``wrap=False``): after a clean shutdown pass 0; with state saved periodically, pass at
        least the most numbers one counter can take between two saves, so that numbers
        handed out after the last save are skipped (a gap the LEMF can see) and never given
        twice. A malformed state raises ``EncodeError`` with path ``state...``.
        """
        mapping = _mapping(state, "state")
        if mapping.get("format") != _COUNTERS_FORMAT or mapping.get("version") != 1:
            raise EncodeError(
                f"not a version-1 {_COUNTERS_FORMAT} state (format "
                f"{mapping.get('format')!r}, version {mapping.get('version')!r})",
                "state",
            )
        step = _uint(advance, _P_SEQ, "advance", SEQUENCE_NUMBER_MAX, "0..4294967295")
        wrap = _state_field(mapping, "wrap", "state")
        if not isinstance(wrap, bool):
            raise EncodeError("wrap must be bool", "state.wrap")
        counters = cls(wrap=wrap, restarted=True)
        entries = _state_field(mapping, "communications", "state")
        if not isinstance(entries, list):
            raise EncodeError("must be a list", "state.communications")
        for position, entry in enumerate(entries):
            path = f"state.communications[{position}]"
            entry_map = _mapping(entry, path)
            liid_hex = _state_field(entry_map, "liid", path)
            if not isinstance(liid_hex, str):
                raise EncodeError("liid must be a hex str", f"{path}.liid")
            liid_octets = LIID(_hex(liid_hex, f"{path}.liid")).value
            cin = _uint(
                _state_field(entry_map, "cin", path), f"{path}.cin", "CIN", CIN_MAX,
                "TS 102 232-1 5.2.4",
            )
            if (liid_octets, cin) in counters._comms:
                raise EncodeError(f"LIID {liid_hex} CIN {cin} appears twice", path)
            nexts = _mapping(_state_field(entry_map, "next", path), f"{path}.next")
            values = [0, 0, 0]
            for name, value in nexts.items():
                if name not in SEQUENCE_KINDS:
                    raise EncodeError(
                        f"unknown kind {name!r} (IRI, CC, TRI)", f"{path}.next"
                    )
                index = _kind_index(name)
                limit = SEQUENCE_NUMBER_MAX if wrap else _EXHAUSTED
                number = _uint(
                    value, f"{path}.next.{name}", "sequenceNumber", limit,
                    "TS 102 232-1 5.2.5 INTEGER (0..4294967295)",
                )
                if number != _EXHAUSTED and step:
                    number += step
                    if wrap:
                        number %= SEQUENCE_NUMBER_MAX + 1
                    else:
                        number = min(number, _EXHAUSTED)
                values[index] = number
            pending = entry_map.get("cin_reset_pending", False)
            if not isinstance(pending, bool):
                raise EncodeError("cin_reset_pending must be bool", f"{path}.cin_reset_pending")
            counters._comms[(liid_octets, cin)] = _Communication(
                values, restored=True, known=not pending
            )
        return counters


# ---------------------------------------------------------------------------------------------
# Time stamps
# ---------------------------------------------------------------------------------------------


class MicroSecondTimeStamp(TypedDict):
    """TS 102 232-1 MicroSecondTimeStamp: seconds since 1970-01-01T00:00Z and microseconds."""

    seconds: int
    microSeconds: int


Precision = Literal["ms", "us"]
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_SECONDS_MAX: Final = 18446744073709551615


def _split_ns(value: int, path: str) -> tuple[int, int]:
    if value < 0:
        raise EncodeError(
            f"time must be at or after 1970-01-01T00:00Z (nanoseconds >= 0), got {value}", path
        )
    return divmod(value // 1000, 1_000_000)


def _aware(value: datetime) -> datetime:
    """An aware datetime of the same instant; naive means local time (library convention)."""
    return value.astimezone(UTC)  # for naive values, astimezone assumes local time (and fold)


def _check_precision(precision: object) -> None:
    if precision not in ("ms", "us"):
        raise EncodeError(f"precision must be 'ms' or 'us', got {precision!r}", "timeStamp")


def generalized_time(
    value: int | datetime, *, utc: bool = True, precision: Precision = "us"
) -> datetime:
    """A GeneralizedTime value for timeStamp (TS 102 232-1 clause 5.2.6).

    ``value`` is nanoseconds since the Unix epoch (``time.time_ns()``) or a ``datetime``
    (naive = local time, as in the library's value convention). The result is an aware UTC
    datetime (encoded with ``Z``) when ``utc``, else a naive local one (encoded without a
    zone); its fraction is cut to milliseconds (``"ms"``) or microseconds (``"us"``). The
    instant is kept exactly, also across daylight-saving changes (``fold`` is set).
    """
    _check_precision(precision)
    path = "timeStamp"
    try:
        if isinstance(value, datetime):
            aware = _aware(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            seconds, micros = _split_ns(value, path)
            aware = _EPOCH + timedelta(seconds=seconds, microseconds=micros)
        else:
            raise EncodeError(
                f"time must be int nanoseconds or datetime, got {_type_name(value)}", path
            )
        if precision == "ms":
            aware = aware.replace(microsecond=aware.microsecond // 1000 * 1000)
        if utc:
            return aware
        delta = aware - _EPOCH
        local = datetime.fromtimestamp(delta.days * 86400 + delta.seconds)
        return local.replace(microsecond=delta.microseconds)
    except (OverflowError, OSError, ValueError) as exc:
        raise EncodeError(f"time {value!r} cannot be represented: {exc}", path) from None


def micro_second_timestamp(value: int | datetime) -> MicroSecondTimeStamp:
    """A MicroSecondTimeStamp (TS 102 232-1 ASN.1 ``MicroSecondTimeStamp``).

    ``{"seconds": s, "microSeconds": us}``: whole seconds since 1970-01-01T00:00Z
    (0..18446744073709551615) and microseconds (0..999999). ``value`` is nanoseconds since
    the epoch (``time.time_ns()``, truncated to microseconds) or a ``datetime`` (naive =
    local time), converted exactly.
    """
    path = "microSecondTimeStamp.seconds"
    if isinstance(value, datetime):
        try:
            delta = _aware(value) - _EPOCH
        except (OverflowError, OSError, ValueError) as exc:
            raise EncodeError(f"time {value!r} cannot be converted: {exc}", path) from None
        if delta < timedelta(0):
            raise EncodeError(
                f"MicroSecondTimeStamp starts at 1970-01-01T00:00Z, got {value!r}", path
            )
        seconds, micros = delta.days * 86400 + delta.seconds, delta.microseconds
    elif isinstance(value, int) and not isinstance(value, bool):
        seconds, micros = _split_ns(value, path)
    else:
        raise EncodeError(
            f"time must be int nanoseconds or datetime, got {_type_name(value)}", path
        )
    if seconds > _SECONDS_MAX:
        raise EncodeError(
            f"seconds must be 0..18446744073709551615 (MicroSecondTimeStamp), got {seconds}",
            path,
        )
    return {"seconds": seconds, "microSeconds": micros}


def datetime_from_micro_second_timestamp(value: Mapping[str, object]) -> datetime:
    """The aware UTC datetime of a MicroSecondTimeStamp (TS 102 232-1 ASN.1), exactly."""
    base = "microSecondTimeStamp"
    if not isinstance(value, Mapping):
        raise EncodeError(f"must be a dict, got {_type_name(value)}", base)
    extra = set(value) - {"seconds", "microSeconds"}
    if extra:
        raise EncodeError(f"unknown members {sorted(extra)!r}", base)
    seconds = _uint(
        value.get("seconds"), f"{base}.seconds", "seconds", _SECONDS_MAX,
        "INTEGER (0..18446744073709551615)",
    )
    micros = _uint(
        value.get("microSeconds"), f"{base}.microSeconds", "microSeconds", 999999,
        "INTEGER (0..999999)",
    )
    try:
        return _EPOCH + timedelta(seconds=seconds, microseconds=micros)
    except OverflowError:
        raise EncodeError(
            f"{seconds} seconds is beyond the year 9999 of datetime", f"{base}.seconds"
        ) from None


def time_stamp_qualifier(value: object) -> str:
    """Check a TimeStampQualifier name (TS 102 232-1 ASN.1 ``TimeStampQualifier``).

    One of ``unknown``, ``timeOfInterception``, ``timeOfMediation``, ``timeOfAggregation``.
    """
    if value not in TIME_STAMP_QUALIFIERS:
        raise EncodeError(
            f"timeStampQualifier must be one of {', '.join(TIME_STAMP_QUALIFIERS)} "
            f"(TS 102 232-1 TimeStampQualifier), got {value!r}",
            "timeStampQualifier",
        )
    return str(value)


class Clock:
    """The time source of the records (TS 102 232-1 5.2.6 timeStamp, MicroSecondTimeStamp).

    ``time_ns`` returns nanoseconds since the Unix epoch (default ``time.time_ns``; inject a
    fixed or stepping function in tests). ``utc`` chooses aware UTC (``Z``) or naive local
    GeneralizedTime values; ``precision`` (``"ms"`` or ``"us"``) the fraction of the
    GeneralizedTime. MicroSecondTimeStamp values always keep microseconds.
    """

    def __init__(
        self,
        time_ns: Callable[[], int] = time.time_ns,
        *,
        utc: bool = True,
        precision: Precision = "us",
    ) -> None:
        _check_precision(precision)
        self._time_ns = time_ns
        self._utc = utc
        self._precision: Precision = precision

    @property
    def time_source(self) -> Callable[[], int]:
        """The time source itself (nanoseconds since the epoch), for per-PDU paths that call
        it without the check :meth:`now_ns` makes."""
        return self._time_ns

    @property
    def utc(self) -> bool:
        """Whether GeneralizedTime values are UTC (``Z``) rather than local (TS 102 232-1)."""
        return self._utc

    @property
    def precision(self) -> Precision:
        """The fraction of GeneralizedTime values: ``"ms"`` or ``"us"`` (TS 102 232-1 5.2.6)."""
        return self._precision

    def now_ns(self) -> int:
        """One reading of the time source, in nanoseconds since the epoch (TS 102 232-1)."""
        value = self._time_ns()
        if isinstance(value, bool) or not isinstance(value, int):
            raise EncodeError(
                f"time source returned {_type_name(value)}, not int nanoseconds", "timeStamp"
            )
        return value

    def now(self) -> datetime:
        """The current time as a GeneralizedTime value (TS 102 232-1 5.2.6 timeStamp)."""
        return generalized_time(self.now_ns(), utc=self._utc, precision=self._precision)

    def micro_second_timestamp(self) -> MicroSecondTimeStamp:
        """The current time as a MicroSecondTimeStamp (TS 102 232-1 ASN.1)."""
        return micro_second_timestamp(self.now_ns())

    def stamp(self) -> tuple[datetime, MicroSecondTimeStamp]:
        """timeStamp and microSecondTimeStamp of one instant (one reading, TS 102 232-1)."""
        value = self.now_ns()
        return (
            generalized_time(value, utc=self._utc, precision=self._precision),
            micro_second_timestamp(value),
        )


# ---------------------------------------------------------------------------------------------
# ATIS-1000678 / ATIS-1000013 correlation (CCDeliveryHeader.correlationInfo)
# ---------------------------------------------------------------------------------------------

ContentIdentifier = tuple[str, bytes] | tuple[str, dict[str, str]]


def atis_case_identity(value: object) -> str:
    """Check an ATIS CaseIdentity (ATIS-1000678 / ATIS-1000013 ``CaseIdentity``).

    ``VisibleString (SIZE (1..25))``: 1 to 25 characters 0x20..0x7E.
    """
    return _visible_string(
        value, "caseId", "CaseIdentity", 1, 25, "ATIS-1000678 VisibleString (SIZE (1..25))"
    )


def atis_iap_system_identity(value: object) -> str:
    """Check an ATIS IAPSystemIdentity (ATIS-1000678 / ATIS-1000013 ``IAPSystemIdentity``).

    ``VisibleString (SIZE (1..15))``: 1 to 15 characters 0x20..0x7E.
    """
    return _visible_string(
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
        raise EncodeError(f"correlationID must be bytes, got {_type_name(value)}", path)
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
        raise EncodeError(f"{what} must be str, got {_type_name(value)}", path)
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


# ---------------------------------------------------------------------------------------------
# PacketCable (PCESP): caseId, CallId from the BCID, CCCId
# ---------------------------------------------------------------------------------------------


def pc_case_id(value: object) -> str:
    """Check a PacketCable CaseId (PCESP ``CaseId ::= VisibleString (SIZE (1..25, ...))``).

    The root of the size constraint, 1 to 25 characters 0x20..0x7E, is enforced.
    """
    return _visible_string(
        value, "caseId", "caseId", 1, 25, "PacketCable PCESP CaseId VisibleString (SIZE (1..25))"
    )


def pc_call_id(sequencenumber: object, systemidentity: object) -> dict[str, str]:
    """A PacketCable CallId (PCESP ``CallId``).

    ``SEQUENCE { sequencenumber [0] VisibleString (SIZE (1..25, ...)), systemidentity [1]
    VisibleString (SIZE (1..15, ...)) }``. See :func:`pc_call_id_from_bcid` for the value
    the Delivery Function derives from the Billing Correlation ID.
    """
    return {
        "sequencenumber": _visible_string(
            sequencenumber, "callId.sequencenumber", "sequencenumber", 1, 25,
            "PacketCable PCESP CallId VisibleString (SIZE (1..25))",
        ),
        "systemidentity": _visible_string(
            systemidentity, "callId.systemidentity", "systemidentity", 1, 15,
            "PacketCable PCESP CallId VisibleString (SIZE (1..15))",
        ),
    }


def _bcid_text(value: object, path: str, what: str) -> str:
    if not isinstance(value, str) or len(value) != 8 or not all(" " <= c <= "~" for c in value):
        raise EncodeError(
            f"{what} must be 8 printable ASCII characters (PacketCable BCID), got {value!r}",
            path,
        )
    return value


@dataclass(frozen=True, slots=True)
class BillingCorrelationId:
    """A PacketCable Billing Correlation ID (BCID, PacketCable Event Messages, 24 octets).

    Timestamp (4 octets, unsigned, big-endian), Element ID (8 ASCII characters), Time Zone
    (8 ASCII characters: DST flag, sign, hhmmss) and Event Counter (4 octets, unsigned,
    big-endian). The Time Zone is kept as given; only its length and characters are checked.
    """

    timestamp: int
    element_id: str
    time_zone: str
    event_counter: int

    def __post_init__(self) -> None:
        _uint(self.timestamp, "callId", "BCID timestamp", 0xFFFFFFFF, "4 octets")
        _bcid_text(self.element_id, "callId.systemidentity", "BCID element ID")
        _bcid_text(self.time_zone, "callId", "BCID time zone")
        _uint(self.event_counter, "callId", "BCID event counter", 0xFFFFFFFF, "4 octets")

    @classmethod
    def parse(cls, data: bytes | bytearray | memoryview) -> BillingCorrelationId:
        """Read the 24 octets of a BCID (PacketCable Event Messages BCID layout)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise EncodeError(f"BCID must be bytes, got {_type_name(data)}", "callId")
        octets = bytes(data)
        if len(octets) != 24:
            raise EncodeError(
                f"BCID must be 24 octets (timestamp 4, element ID 8, time zone 8, event "
                f"counter 4), got {len(octets)}",
                "callId",
            )
        texts = []
        for part, what in ((octets[4:12], "BCID element ID"), (octets[12:20], "BCID time zone")):
            if not all(0x20 <= octet <= 0x7E for octet in part):
                raise EncodeError(f"{what} must be printable ASCII, got {part!r}", "callId")
            texts.append(part.decode("ascii"))
        return cls(
            int.from_bytes(octets[:4], "big"),
            texts[0],
            texts[1],
            int.from_bytes(octets[20:], "big"),
        )

    def to_bytes(self) -> bytes:
        """The 24 octets of the BCID (PacketCable Event Messages BCID layout)."""
        return (
            self.timestamp.to_bytes(4, "big")
            + self.element_id.encode("ascii")
            + self.time_zone.encode("ascii")
            + self.event_counter.to_bytes(4, "big")
        )

    def call_id(self, *, strip_element_id: bool = False) -> dict[str, str]:
        """The PCESP CallId of this BCID; see :func:`pc_call_id_from_bcid`."""
        return pc_call_id_from_bcid(self, strip_element_id=strip_element_id)


def pc_call_id_from_bcid(
    bcid: BillingCorrelationId | bytes | bytearray | memoryview,
    *,
    strip_element_id: bool = False,
) -> dict[str, str]:
    """The PacketCable CallId a Delivery Function derives from a BCID (PCESP ``CallId``).

    As the PCESP module specifies: ``sequencenumber`` is the BCID Timestamp and Event
    Counter, each written as an unsigned decimal ASCII string, joined by a comma (at most 21
    characters, e.g. ``"3735928559,42"``); ``systemidentity`` is the 8-character Element ID
    copied as it is (with its padding spaces). ``strip_element_id=True`` removes leading and
    trailing spaces, for receivers that expect the bare identifier.
    """
    parsed = bcid if isinstance(bcid, BillingCorrelationId) else BillingCorrelationId.parse(bcid)
    system = parsed.element_id.strip(" ") if strip_element_id else parsed.element_id
    return pc_call_id(f"{parsed.timestamp},{parsed.event_counter}", system)


def ccc_id_text(ccc: object, path: str = "cCCId.combCCC") -> str:
    """A 32-bit CCC identifier as PCESP's CCCId writes it: 8 characters ``0-9 A-F``.

    PCESP ``CCCId``: the Delivery Function converts the 32-bit CCC-Identifier of the call
    content stream into an 8-character hex-encoded ASCII string (upper case).
    """
    number = _uint(ccc, path, "CCC identifier", 0xFFFFFFFF, "PacketCable CCC-Identifier, 32 bits")
    return f"{number:08X}"


def pc_ccc_id(ccc: object) -> tuple[str, str]:
    """A PCESP CCCId for one combined call-content stream: ``("combCCC", "0000ABCD")``."""
    return ("combCCC", ccc_id_text(ccc, "cCCId.combCCC"))


def pc_ccc_id_pair(xmit: object, recv: object) -> tuple[str, dict[str, str]]:
    """A PCESP CCCId for separate transmit and receive streams (``sepCCCpair``).

    ``("sepCCCpair", {"sepXmitCCC": ..., "sepRecvCCC": ...})``, each 8 hex characters.
    """
    return (
        "sepCCCpair",
        {
            "sepXmitCCC": ccc_id_text(xmit, "cCCId.sepCCCpair.sepXmitCCC"),
            "sepRecvCCC": ccc_id_text(recv, "cCCId.sepCCCpair.sepRecvCCC"),
        },
    )
