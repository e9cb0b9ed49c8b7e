"""The correlation identifiers of one communication: LIID, NetworkIdentifier, country codes,
interceptionPointID, CIN and the :class:`SessionIdentity` that bundles them (ETSI TS 102 232-1
clause 5.2, TS 103 280; see docs/correlation.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Literal

from .._checks import type_name
from ..errors import EncodeError
from ._values import PATH_CIN, PATH_LIID, PATH_NETWORK, ReadOnly, read_only, text_octets, uint

__all__ = [
    "CIN_MAX",
    "ISO_3166_ALPHA2",
    "LIID",
    "LIID_MAX_OCTETS",
    "NETWORK_IDENTIFIER_MAX_OCTETS",
    "CountryCodeField",
    "NetworkIdentifier",
    "SessionIdentity",
    "communication_identity_number",
    "country_code",
    "interception_point_id",
    "liid_bytes",
]

#: Largest LIID, in octets (TS 103 280 ``LIID ::= OCTET STRING (SIZE (1..25))``).
LIID_MAX_OCTETS: Final = 25
#: Largest operatorIdentifier / networkElementIdentifier, in octets (TS 102 232-1 5.2.4).
NETWORK_IDENTIFIER_MAX_OCTETS: Final = 16
#: Largest communicationIdentityNumber (TS 102 232-1 5.2.4, ``INTEGER (0..4294967295)``).
CIN_MAX: Final = 4294967295

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


def communication_identity_number(value: object) -> int:
    """Check a communicationIdentityNumber (CIN): an int in 0..4294967295.

    TS 102 232-1 clause 5.2.4: ``communicationIdentityNumber [1] INTEGER (0..4294967295)``.
    """
    return uint(value, PATH_CIN, "CIN", CIN_MAX, "TS 102 232-1 5.2.4 INTEGER (0..4294967295)")


def liid_bytes(value: object) -> bytes:
    """The octets of an LIID given as :class:`LIID`, text or bytes (TS 102 232-1 5.2.2)."""
    if isinstance(value, LIID):
        return value.value
    return LIID(value).value  # type: ignore[arg-type]  # LIID() reports a wrong type


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
            data = text_octets(
                value, PATH_LIID, "LIID", LIID_MAX_OCTETS, "ETSI TS 103 280 LIID, SIZE (1..25)"
            )
        object.__setattr__(self, "_value", data)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("LIID is immutable")

    def __reduce__(self) -> tuple[type[LIID], tuple[bytes]]:
        return (LIID, (self._value,))

    value: ReadOnly[bytes] = read_only(
        "_value", "The octets of the LIID (TS 102 232-1 5.2.2 ``lawfulInterceptionIdentifier``).")

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
        operator = text_octets(
            operator_identifier,
            f"{PATH_NETWORK}.operatorIdentifier",
            "operatorIdentifier",
            NETWORK_IDENTIFIER_MAX_OCTETS,
            rule,
        )
        element = None
        if network_element_identifier is not None:
            element = text_octets(
                network_element_identifier,
                f"{PATH_NETWORK}.networkElementIdentifier",
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

    operator_identifier: ReadOnly[bytes] = read_only(
        "_operator", "``operatorIdentifier`` (TS 102 232-1 5.2.4), 1..16 octets.")
    network_element_identifier: ReadOnly[bytes | None] = read_only(
        "_element", "``networkElementIdentifier`` (TS 102 232-1 5.2.4), 1..16 octets, or ``None``.")

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
            f"{type_name(value)}",
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
        raise EncodeError(f"interceptionPointID must be str, got {type_name(value)}", path)
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
                f"network must be a NetworkIdentifier, got {type_name(network)}", PATH_NETWORK
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

    liid: ReadOnly[LIID] = read_only("_liid", "The LIID (TS 102 232-1 5.2.2).")
    network: ReadOnly[NetworkIdentifier] = read_only(
        "_network", "The NetworkIdentifier (TS 102 232-1 5.2.4).")
    cin: ReadOnly[int | None] = read_only(
        "_cin", "The communicationIdentityNumber (TS 102 232-1 5.2.4), or ``None``.")
    authorization_country_code: ReadOnly[str | None] = read_only(
        "_authorization", "The authorizationCountryCode (TS 102 232-1 5.2.3), or ``None``.")
    delivery_country_code: ReadOnly[str | None] = read_only(
        "_delivery", "The deliveryCountryCode (TS 102 232-1 5.2.4), or ``None``.")
    interception_point_id: ReadOnly[str | None] = read_only(
        "_ipid", "The interceptionPointID (TS 102 232-1 5.2.11), or ``None``.")

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
