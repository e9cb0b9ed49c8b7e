"""Standalone HI2 IRI records of ETSI TS 101 671 (module HI2Operations).

:class:`HI2Records` writes the ``IRIsContent`` of TS 101 671 (module HI2Operations): IRI-BEGIN,
IRI-CONTINUE, IRI-END and IRI-REPORT records (``IRIContent``), each an ``IRI-Parameters`` value
with the lawfulInterceptionIdentifier, the CommunicationIdentifier (network identifier and
communication identity number, CIN) and the timeStamp the builder is configured with, and the
record's own members. Several records may be aggregated into one ``iRISequence``. The functions
of this module build the members that need an encoding of their own: party identities in MAP
format (IMSI, MSISDN and IMEI as TBCD strings, TS 29.002 via TS 101 671), the target's
location, the call content link characteristics.

These records carry no sequence number: TS 101 671 HI2 numbers nothing, so a bad input only
raises :class:`~lawful_intercept.EncodeError` (naming the field). To send the same records in
a PS-PDU (TS 102 232-1 ``eTSI671IRI``), pass :meth:`HI2Records.ps_contents` of a record to
:meth:`PSPDUBuilder.iri <lawful_intercept.records.PSPDUBuilder.iri>`.

The HI2Operations CommunicationIdentifier is not the PS-PDU one: its operator-Identifier has
1..5 octets (not 1..16), its network element identifier is a CHOICE of formats and its CIN an
``OCTET STRING (SIZE (1..8))`` (not an INTEGER); so it has its own helpers here
(:func:`communication_identifier`, :func:`network_identifier`).

See docs/records.md, "TS 101 671 HI2".
"""

from __future__ import annotations

import ipaddress
import time as _time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

from .._checks import require_choice
from ..asn1c import Specification
from ..catalog import default_specification
from ..correlation import LIID, Clock, generalized_time
from ..errors import EncodeError
from ._ip_access import ip_address
from ._shapes import DEFAULT_CLOCK
from ._values import without_none

__all__ = [
    "HI2Records",
    "HI2TimeStamps",
    "IRIContentValue",
    "NetworkElement",
    "call_content_link",
    "communication_identifier",
    "imei_octets",
    "imsi_octets",
    "location",
    "msisdn_octets",
    "network_identifier",
    "party_information",
    "tbcd",
    "tbcd_digits",
    "time_stamp",
]

HI2TimeStamps = Literal["localTime", "utcTime"]
"""Which alternative of the HI2Operations ``TimeStamp`` CHOICE to write: ``localTime``
(LocalTimeStamp: GeneralizedTime and winterSummerIndication) or ``utcTime`` (UTCTime, whole
seconds, years 1969..2068)."""
_TIME_STAMP_MODES: Final = ("localTime", "utcTime")

IRIContentValue = tuple[str, dict[str, Any]]
"""An ``IRIContent`` value: ``("iRI-Begin-record", {IRI-Parameters})`` and so on."""

_RECORD_TYPES = ("iRI-Begin-record", "iRI-Continue-record", "iRI-End-record",
                 "iRI-Report-record")
_TBCD = {**{str(d): d for d in range(10)}, "*": 10, "#": 11, "a": 12, "b": 13, "c": 14}
_TBCD_BACK = {v: k for k, v in _TBCD.items()}



def _octets(value: object, path: str, what: str, low: int, high: int, rule: str) -> bytes:
    """An OCTET STRING given as bytes or printable ASCII text, of ``low..high`` octets."""
    if isinstance(value, str):
        if not all(" " <= c <= "~" for c in value):
            raise EncodeError(f"{what} given as text must be printable ASCII; pass bytes for "
                              f"other octets, got {value!r}", path)
        data = value.encode("ascii")
    elif isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
    else:
        raise EncodeError(f"{what} must be str or bytes, got {type(value).__name__}", path)
    if not low <= len(data) <= high:
        raise EncodeError(f"{what} must be {low}..{high} octets ({rule}), got {len(data)}", path)
    return data


# -- TBCD and MAP-format identities (TS 29.002 via TS 101 671 PartyInformation) -------------


def tbcd(digits: str, *, path: str = "digits") -> bytes:
    """A TBCD-STRING (TS 29.002 ``TBCD-STRING``): two digits per octet, the first in the low
    nibble; ``*``, ``#``, ``a``, ``b``, ``c`` are 1010..1110; an odd count ends in filler 1111.
    """
    if not isinstance(digits, str):
        raise EncodeError(f"digits must be str, got {type(digits).__name__}", path)
    try:
        nibbles = [_TBCD[c] for c in digits]
    except KeyError as exc:
        raise EncodeError(f"{exc.args[0]!r} is not a TBCD digit (0-9 * # a b c, TS 29.002)",
                          path) from None
    if len(nibbles) % 2:
        nibbles.append(15)
    return bytes(nibbles[i] | nibbles[i + 1] << 4 for i in range(0, len(nibbles), 2))


def tbcd_digits(octets: bytes) -> str:
    """The digits of a TBCD-STRING (the inverse of :func:`tbcd`; fillers 1111 are dropped)."""
    out = []
    for octet in octets:
        for nibble in (octet & 15, octet >> 4):
            if nibble != 15:
                out.append(_TBCD_BACK.get(nibble, "?"))
    return "".join(out)


def _digits(value: object, path: str, what: str, low: int, high: int, rule: str) -> str:
    if not isinstance(value, str):
        raise EncodeError(f"{what} must be str digits or bytes, got {type(value).__name__}",
                          path)
    if not (value.isascii() and value.isdigit() and low <= len(value) <= high):
        raise EncodeError(f"{what} must be {low}..{high} decimal digits ({rule}), got "
                          f"{value!r}", path)
    return value


def imsi_octets(imsi: str | bytes, *, path: str = "imsi") -> bytes:
    """The IMSI of PartyInformation ``imsi [3] OCTET STRING (SIZE (3..8))``: the MAP format
    (TS 29.002 IMSI, a TBCD-STRING) of 6..15 digits (E.212: MCC, MNC, MSIN). ``bytes`` are
    taken as already encoded."""
    if isinstance(imsi, bytes | bytearray | memoryview):
        return _octets(imsi, path, "imsi", 3, 8, "TS 101 671 SIZE (3..8)")
    digits = _digits(imsi, path, "IMSI", 6, 15, "E.212, TS 23.003 2.1")
    return tbcd(digits, path=path)


def msisdn_octets(msisdn: str | bytes, *, path: str = "msISDN",
                  nature_of_address: int = 1, numbering_plan: int = 1) -> bytes:
    """The MSISDN of PartyInformation ``msISDN [6] OCTET STRING (SIZE (1..9))``: a MAP
    AddressString (TS 29.002 ISDN-AddressString): one octet of extension bit, nature of
    address (default 1, international number) and numbering plan (default 1, E.164), then
    the digits in TBCD. A leading ``+`` is dropped; ``bytes`` are taken as already encoded."""
    if isinstance(msisdn, bytes | bytearray | memoryview):
        return _octets(msisdn, path, "msISDN", 1, 9, "TS 101 671 SIZE (1..9)")
    if isinstance(msisdn, str) and msisdn.startswith("+"):
        msisdn = msisdn[1:]
    digits = _digits(msisdn, path, "MSISDN", 1, 15, "E.164")
    if not (0 <= nature_of_address <= 7 and 0 <= numbering_plan <= 15):
        raise EncodeError("nature of address is 0..7 and numbering plan 0..15 "
                          "(TS 29.002 AddressString)", path)
    return bytes([0x80 | nature_of_address << 4 | numbering_plan]) + tbcd(digits, path=path)


def imei_octets(imei: str | bytes, *, path: str = "imei") -> bytes:
    """The IMEI of PartyInformation ``imei [1] OCTET STRING (SIZE (8))``: the MAP format
    (TS 29.002 IMEI, TBCD-STRING (SIZE (8))). 16 digits are an IMEISV; 14 digits (TAC and
    SNR, TS 23.003 6.2.1) get the digit 0 and a filler in the last octet, as TS 29.002 asks
    when there is no software version; of 15 digits the last (the check digit, which is not
    transmitted, TS 23.003 6.2.1) is dropped first. ``bytes`` are taken as already encoded."""
    if isinstance(imei, bytes | bytearray | memoryview):
        return _octets(imei, path, "imei", 8, 8, "TS 101 671 SIZE (8)")
    digits = _digits(imei, path, "IMEI", 14, 16, "TS 23.003 6.2")
    if len(digits) == 15:
        digits = digits[:14]
    if len(digits) == 14:
        digits += "0"
    return tbcd(digits, path=path)


def party_information(
    qualifier: str,
    *,
    imsi: str | bytes | None = None,
    msisdn: str | bytes | None = None,
    imei: str | bytes | None = None,
    sip_uri: str | bytes | None = None,
    tel_url: str | bytes | None = None,
    e164: bytes | None = None,
    calling_party_number: tuple[str, bytes] | None = None,
    called_party_number: tuple[str, bytes] | None = None,
    validity: str | None = None,
    alphanumeric: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """A PartyInformation value (TS 101 671 HI2Operations ``PartyInformation``).

    ``qualifier`` is the party-Qualifier (``originating-Party``, ``terminating-Party``,
    ``forwarded-to-Party``, ``gPRS-Target``). The identities go into partyIdentity: ``imsi``,
    ``msisdn`` and ``imei`` as digits (encoded in MAP format, see :func:`imsi_octets`,
    :func:`msisdn_octets`, :func:`imei_octets`) or as encoded bytes; ``sip_uri`` and
    ``tel_url`` as text (UTF-8) or bytes; ``e164`` (e164-Format) as bytes;
    ``calling_party_number`` / ``called_party_number`` as ``(format, octets)``;
    ``validity`` the party-Validity; ``alphanumeric`` text. ``more`` are further
    PartyInformation members by their ASN.1 names (``services-Information``, …).
    """
    base = "partyInformation.partyIdentity"
    identity: dict[str, Any] = {}
    if imei is not None:
        identity["imei"] = imei_octets(imei, path=f"{base}.imei")
    if imsi is not None:
        identity["imsi"] = imsi_octets(imsi, path=f"{base}.imsi")
    if calling_party_number is not None:
        identity["callingPartyNumber"] = calling_party_number
    if called_party_number is not None:
        identity["calledPartyNumber"] = called_party_number
    if msisdn is not None:
        identity["msISDN"] = msisdn_octets(msisdn, path=f"{base}.msISDN")
    if e164 is not None:
        identity["e164-Format"] = e164
    if sip_uri is not None:
        identity["sip-uri"] = _utf8(sip_uri, f"{base}.sip-uri")
    if tel_url is not None:
        identity["tel-url"] = _utf8(tel_url, f"{base}.tel-url")
    if validity is not None:
        identity["party-Validity"] = validity
    if alphanumeric is not None:
        identity["alphanumeric"] = alphanumeric
    return {"party-Qualifier": qualifier, "partyIdentity": identity, **more}


def _utf8(value: object, path: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise EncodeError(f"expected str or bytes, got {type(value).__name__}", path)


# -- location --------------------------------------------------------------------------------


def _dms(value: object, hemispheres: str, degree_digits: int, limit: int, path: str) -> str:
    """``XDDMMSS.SS`` (latitude) or ``XDDDMMSS.SS`` (longitude) from decimal degrees."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EncodeError(f"expected decimal degrees (float), got {type(value).__name__}", path)
    if not -limit <= value <= limit:
        raise EncodeError(f"must be -{limit}..{limit} degrees, got {value}", path)
    hemisphere = hemispheres[0] if value >= 0 else hemispheres[1]
    hundredths = round(abs(value) * 360_000)  # hundredths of an arc second
    degrees, rest = divmod(hundredths, 360_000)
    minutes, centi = divmod(rest, 6000)
    return (f"{hemisphere}{degrees:0{degree_digits}d}{minutes:02d}"
            f"{centi // 100:02d}.{centi % 100:02d}")


def location(
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    azimuth: int | None = None,
    global_cell_id: bytes | None = None,
    sai: bytes | None = None,
    rai: bytes | None = None,
    tai: bytes | None = None,
    ecgi: bytes | None = None,
    e164_number: bytes | None = None,
    **more: Any,
) -> dict[str, Any]:
    """A Location value (TS 101 671 HI2Operations ``Location``) for ``locationOfTheTarget``.

    ``latitude``/``longitude`` in decimal degrees (WGS 84) give ``gsmLocation``
    ``geoCoordinates`` in the module's ``XDDMMSS.SS`` / ``XDDDMMSS.SS`` text form (X = N/S,
    E/W), with ``azimuth`` (0..359) if given. The cell and area identities (``globalCellID``
    5..7 octets, ``sAI`` 7, ``rAI`` 6, ``tAI`` 6, ``eCGI`` 8, ``e164-Number``) are the
    encoded octets. ``more`` are further Location members by their ASN.1 names.
    """
    value = without_none({"e164-Number": e164_number, "globalCellID": global_cell_id,
                          "rAI": rai})
    if (latitude is None) != (longitude is None):
        raise EncodeError("latitude and longitude go together",
                          "locationOfTheTarget.gsmLocation.geoCoordinates")
    if latitude is not None and longitude is not None:
        path = "locationOfTheTarget.gsmLocation.geoCoordinates"
        geo: dict[str, Any] = {
            "latitude": _dms(latitude, "NS", 2, 90, f"{path}.latitude"),
            "longitude": _dms(longitude, "EW", 3, 180, f"{path}.longitude"),
            "mapDatum": "wGS84",
        }
        if azimuth is not None:
            geo["azimuth"] = azimuth
        value["gsmLocation"] = ("geoCoordinates", geo)
    value.update(without_none({"sAI": sai, "tAI": tai, "eCGI": ecgi}))
    value.update(more)
    return value


def call_content_link(
    *,
    state: str | None = None,
    release_time: tuple[str, Any] | None = None,
    release_reason: bytes | None = None,
    lemf_address: tuple[str, bytes] | None = None,
) -> dict[str, Any]:
    """A CallContentLinkCharacteristics value (TS 101 671 HI2Operations) for
    ``callContentLinkInformation``: ``state`` the cCLink-State (``setUpInProcess``,
    ``callActive``, ``callReleased``, ``lack-of-resource``), ``release_time`` a TimeStamp
    value (see :meth:`HI2Records.time_stamp`), ``release_reason`` 2 octets, ``lemf_address``
    a CalledPartyNumber ``(format, octets)``."""
    return without_none({"cCLink-State": state, "release-Time": release_time,
                         "release-Reason": release_reason, "lEMF-Address": lemf_address})


# -- identifiers and time stamps ---------------------------------------------------------------


NetworkElement = (tuple[str, Any] | str | ipaddress.IPv4Address | ipaddress.IPv6Address)
"""A Network-Element-Identifier: ``(format, value)`` (``e164-Format``, ``x25-Format``,
``iP-Format``, ``dNS-Format``: 1..25 octets; ``iP-Address``: an IPAddress value), an
``ipaddress`` address (iP-Address), or text: an IP address (iP-Address) or else a DNS name
(dNS-Format)."""


def _network_element(value: NetworkElement, path: str) -> tuple[str, Any]:
    if isinstance(value, tuple):
        return value
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return ("iP-Address", ip_address(value))
    if isinstance(value, str):
        try:
            return ("iP-Address", ip_address(value))
        except EncodeError:
            return ("dNS-Format", _octets(value, f"{path}.dNS-Format", "dNS-Format", 1, 25,
                                          "TS 101 671 SIZE (1..25)"))
    raise EncodeError(f"network element identifier must be (format, value), an IP address "
                      f"or a DNS name, got {type(value).__name__}", path)


def network_identifier(
    operator_identifier: str | bytes, network_element: NetworkElement | None = None
) -> dict[str, Any]:
    """A Network-Identifier value (TS 101 671 HI2Operations): ``operator-Identifier`` of
    1..5 octets (text or bytes) and the optional network-Element-Identifier."""
    path = "network-Identifier"
    value: dict[str, Any] = {
        "operator-Identifier": _octets(operator_identifier, f"{path}.operator-Identifier",
                                       "operator-Identifier", 1, 5,
                                       "TS 101 671 OCTET STRING (SIZE (1..5))"),
    }
    if network_element is not None:
        value["network-Element-Identifier"] = _network_element(
            network_element, f"{path}.network-Element-Identifier")
    return value


def _cin_octets(cin: int | str | bytes, path: str) -> bytes:
    if isinstance(cin, int) and not isinstance(cin, bool):
        if not 0 <= cin < 1 << 64:
            raise EncodeError(f"communication-Identity-Number as int must be 0..2**64-1 "
                              f"(8 octets), got {cin}", path)
        return cin.to_bytes(max(1, (cin.bit_length() + 7) // 8), "big")
    return _octets(cin, path, "communication-Identity-Number", 1, 8,
                   "TS 101 671 OCTET STRING (SIZE (1..8))")


def communication_identifier(
    operator_identifier: str | bytes,
    *,
    network_element: NetworkElement | None = None,
    cin: int | str | bytes | None = None,
) -> dict[str, Any]:
    """A CommunicationIdentifier value (TS 101 671 HI2Operations ``CommunicationIdentifier``):
    the Network-Identifier (see :func:`network_identifier`) and the optional
    communication-Identity-Number (CIN), ``OCTET STRING (SIZE (1..8))``: ``bytes``, text, or
    an ``int`` written big-endian in as few octets as it needs (at least one)."""
    path = "communicationIdentifier"
    try:
        network = network_identifier(operator_identifier, network_element)
    except EncodeError as exc:
        exc.prepend(path)
        raise
    value: dict[str, Any] = {}
    if cin is not None:
        value["communication-Identity-Number"] = _cin_octets(
            cin, f"{path}.communication-Identity-Number")
    value["network-Identifier"] = network
    return value


def time_stamp(
    time: int | datetime, mode: HI2TimeStamps = "localTime", *, clock: Clock | None = None
) -> tuple[str, Any]:
    """A TimeStamp value (TS 101 671 HI2Operations ``TimeStamp``) of ``time`` (nanoseconds
    since the epoch, or a datetime; naive = local time).

    ``localTime``: a LocalTimeStamp whose GeneralizedTime follows the ``clock``'s settings
    (default: UTC with ``Z`` and microseconds); its winterSummerIndication is
    ``notProvided`` for a UTC time, else ``winterTime``/``summerTime`` from the local zone.
    ``utcTime``: a UTCTime (whole seconds; the fraction is cut; years 1969..2068).
    """
    clock = clock if clock is not None else Clock()
    if mode == "utcTime":
        aware = generalized_time(time, utc=True)
        return ("utcTime", aware.replace(microsecond=0, tzinfo=None))
    require_choice(mode, _TIME_STAMP_MODES, "mode")
    value = generalized_time(time, utc=clock.utc, precision=clock.precision)
    indication = "notProvided"
    if not clock.utc:
        isdst = _time.localtime(generalized_time(time, utc=True).timestamp()).tm_isdst
        indication = {0: "winterTime", 1: "summerTime"}.get(isdst, "notProvided")
    return ("localTime", {"generalizedTime": value, "winterSummerIndication": indication})


# -- the builder ------------------------------------------------------------------------------


class HI2Records:
    """IRI records of ETSI TS 101 671 HI2 (``IRIsContent`` of module HI2Operations).

    ``liid`` is the lawfulInterceptionIdentifier (1..25 octets, as for
    :class:`~lawful_intercept.correlation.LIID`); ``operator_identifier`` (1..5 octets),
    ``network_element`` and ``cin`` make the CommunicationIdentifier (see
    :func:`communication_identifier`); ``time_stamps`` chooses the TimeStamp alternative (see
    :func:`time_stamp`) and ``clock`` gives the time of a record given none. ``domain_id``
    writes the module's ``hi2OperationId`` as domainID; ``iri_version`` the iRIversion.
    """

    def __init__(
        self,
        liid: LIID | str | bytes,
        operator_identifier: str | bytes,
        *,
        network_element: NetworkElement | None = None,
        cin: int | str | bytes | None = None,
        time_stamps: HI2TimeStamps = "localTime",
        clock: Clock | None = None,
        spec: Specification | None = None,
        domain_id: bool = True,
        iri_version: str | None = None,
    ) -> None:
        require_choice(time_stamps, _TIME_STAMP_MODES, "time_stamps")
        self.spec = spec if spec is not None else default_specification()
        self.liid = LIID(liid)
        self._operator = operator_identifier
        self._element = network_element
        self.communication_identifier = communication_identifier(
            operator_identifier, network_element=network_element, cin=cin)
        self.time_stamps: HI2TimeStamps = time_stamps
        self.clock = clock if clock is not None else DEFAULT_CLOCK
        self.iri_version = iri_version
        self.domain_id: str | None = None
        if domain_id:
            oid = self.spec.values.get("hi2OperationId")
            if not isinstance(oid, str):
                raise ValueError("spec must have the HI2Operations module (hi2OperationId) "
                                 "when domain_id is true")
            self.domain_id = oid
        self._encode_content = self.spec.encoder("IRIContent")
        self._encode = self.spec.encoder("IRIsContent")
        self._encode_party = self.spec.encoder("HI2Operations.PartyInformation")
        self._members = frozenset(
            c.name for c in self.spec.get_type("HI2Operations.IRI-Parameters").body.components)

    def with_cin(self, cin: int | str | bytes | None) -> HI2Records:
        """The same builder for another communication (another CIN; ``None`` for none)."""
        other = HI2Records(
            self.liid, self._operator, network_element=self._element, cin=cin,
            time_stamps=self.time_stamps, clock=self.clock, spec=self.spec,
            domain_id=self.domain_id is not None, iri_version=self.iri_version)
        return other

    def time_stamp(self, time: int | datetime | None = None) -> tuple[str, Any]:
        """The TimeStamp of ``time`` (default: the clock's now) in the builder's mode."""
        return time_stamp(self.clock.now_ns() if time is None else time, self.time_stamps,
                          clock=self.clock)

    # -- records ------------------------------------------------------------------------------

    def record(
        self,
        record_type: str,
        *,
        time: int | datetime | None = None,
        party_information: Iterable[Mapping[str, Any]] | None = None,
        location_of_the_target: Mapping[str, Any] | None = None,
        cc_link1: Mapping[str, Any] | None = None,
        cc_link2: Mapping[str, Any] | None = None,
        cc_link_identifier: bytes | int | None = None,
        call_direction: str | None = None,
        call_state: str | None = None,
        nature_of_call: str | None = None,
        **more: Any,
    ) -> IRIContentValue:
        """One checked ``IRIContent`` value (TS 101 671 HI2Operations ``IRIContent``).

        ``record_type`` is ``iRI-Begin-record``, ``iRI-Continue-record``, ``iRI-End-record``
        or ``iRI-Report-record``. The IRI-Parameters get domainID, iRIversion,
        lawfulInterceptionIdentifier, communicationIdentifier and timeStamp from the builder
        and: ``party_information`` (PartyInformation values, see :func:`party_information`;
        1..10), ``location_of_the_target`` (see :func:`location`), ``cc_link1``/``cc_link2``
        (callContentLinkInformation, see :func:`call_content_link`), ``cc_link_identifier``
        (cC-Link-Identifier, 1..8 octets or an int), ``call_direction``
        (intercepted-Call-Direct), ``call_state`` (intercepted-Call-State), ``nature_of_call``
        (nature-Of-The-intercepted-call); ``more`` are further IRI-Parameters members by their
        ASN.1 names (``sMS``, ``gPRSevent``, ``national-Parameters``, …; a name with hyphens
        through ``**{"release-Reason-Of-Intercepted-Call": ...}``); a member given as
        ``None`` is left out.

        Raises :class:`~lawful_intercept.EncodeError` naming the field for any bad input.
        """
        if record_type not in _RECORD_TYPES:
            raise EncodeError(f"the record type must be one of {', '.join(_RECORD_TYPES)}, "
                              f"got {record_type!r} (TS 101 671 IRIContent)", "IRIContent")
        params: dict[str, Any] = {}
        if self.domain_id is not None:
            params["domainID"] = self.domain_id
        if self.iri_version is not None:
            params["iRIversion"] = self.iri_version
        params["lawfulInterceptionIdentifier"] = self.liid.value
        params["communicationIdentifier"] = self.communication_identifier
        params["timeStamp"] = self.time_stamp(time)
        typed: dict[str, Any] = {}
        if call_direction is not None:
            typed["intercepted-Call-Direct"] = call_direction
        if call_state is not None:
            typed["intercepted-Call-State"] = call_state
        if location_of_the_target is not None:
            typed["locationOfTheTarget"] = dict(location_of_the_target)
        if party_information is not None:
            typed["partyInformation"] = [dict(p) for p in party_information]
        if cc_link1 is not None or cc_link2 is not None:
            links: dict[str, Any] = {}
            if cc_link1 is not None:
                links["cCLink1Characteristics"] = dict(cc_link1)
            if cc_link2 is not None:
                links["cCLink2Characteristics"] = dict(cc_link2)
            typed["callContentLinkInformation"] = links
        if nature_of_call is not None:
            typed["nature-Of-The-intercepted-call"] = nature_of_call
        if cc_link_identifier is not None:
            typed["cC-Link-Identifier"] = _cin_octets(cc_link_identifier, "cC-Link-Identifier")
        for name in more:
            if name not in self._members:
                raise EncodeError(f"{name!r} is not a member of IRI-Parameters (TS 101 671 "
                                  "HI2Operations)", name)
            if name in params or name in typed:
                raise EncodeError(f"{name} is given twice (or is set by the builder)", name)
        params.update(typed)
        params.update((k, v) for k, v in more.items() if v is not None)
        value = (record_type, params)
        self._encode_content(value)  # checks every member; raises naming the field
        parties = params.get("partyInformation")
        if isinstance(parties, list) and len(parties) > 1:
            # The SET OF is written in DER order; keep the value in that order too, so that
            # it decodes to what this method returned.
            parties.sort(key=self._encode_party)
        return value

    def begin(self, *, time: int | datetime | None = None, **parameters: Any) -> bytes:
        """An encoded ``IRIsContent`` with one IRI-BEGIN record (TS 101 671): the first
        record of a communication. ``parameters`` as for :meth:`record`."""
        return self.encode(self.record("iRI-Begin-record", time=time, **parameters))

    def continue_(self, *, time: int | datetime | None = None, **parameters: Any) -> bytes:
        """An encoded ``IRIsContent`` with one IRI-CONTINUE record (TS 101 671): a change
        during the communication. ``parameters`` as for :meth:`record`."""
        return self.encode(self.record("iRI-Continue-record", time=time, **parameters))

    def end(self, *, time: int | datetime | None = None, **parameters: Any) -> bytes:
        """An encoded ``IRIsContent`` with one IRI-END record (TS 101 671): the end of the
        communication. ``parameters`` as for :meth:`record`."""
        return self.encode(self.record("iRI-End-record", time=time, **parameters))

    def report(self, *, time: int | datetime | None = None, **parameters: Any) -> bytes:
        """An encoded ``IRIsContent`` with one IRI-REPORT record (TS 101 671): an event
        outside a communication (SMS, location, …). ``parameters`` as for :meth:`record`."""
        return self.encode(self.record("iRI-Report-record", time=time, **parameters))

    def encode(self, record: IRIContentValue) -> bytes:
        """An encoded ``IRIsContent`` (``iRIContent`` alternative) of one record value."""
        return self._encode(("iRIContent", record))

    def sequence(self, records: Sequence[IRIContentValue]) -> bytes:
        """An encoded ``IRIsContent`` with the ``iRISequence`` alternative: several records
        (values of :meth:`record`) aggregated in one (TS 101 671 ``IRISequence``)."""
        if not records:
            raise EncodeError("an IRISequence needs at least one record", "iRISequence")
        return self._encode(("iRISequence", list(records)))

    @staticmethod
    def ps_contents(record: IRIContentValue) -> tuple[str, Any]:
        """The TS 102 232-1 IRIContents value carrying ``record`` (``eTSI671IRI``
        ``iRIsContent``), for :meth:`PSPDUBuilder.iri
        <lawful_intercept.records.PSPDUBuilder.iri>`."""
        return ("eTSI671IRI", ("iRIsContent", ("iRIContent", record)))

