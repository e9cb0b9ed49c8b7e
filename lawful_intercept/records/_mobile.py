"""3GPP TS 33.128 records (5G) in PS-PDUs: ETSI TS 102 232-7 over TS 102 232-1.

TS 33.128 defines the 5G interception payloads in module TS33128Payloads:

* ``XIRIPayload`` (``xIRIPayloadOID`` + ``XIRIEvent``): the xIRI a POI sends to the MDF over
  LI_X2 (TS 33.128 clause 5.3, in an X2 PDU of ETSI TS 103 221-2);
* ``IRIPayload`` (``iRIPayloadOID`` + ``IRIEvent`` + ``targetIdentifiers``): the IRI the MDF2
  delivers to the LEMF over LI_HI2;
* ``CCPayload`` (``cCPayloadOID`` + ``CCPDU``): the CC the MDF3 delivers over LI_HI3.

For the handover over LI_HI2 and LI_HI3, TS 33.128 and ETSI TS 102 232-7 carry them in
TS 102 232-1 PS-PDUs: the IRIPayload, encoded, as the OCTET STRING of IRIContents
``threeGPP33128DefinedIRI [19]`` and the CCPayload as that of CCContents
``threeGPP33128DefinedCC [23]``. :class:`MobileRecords` does this on top of a
:class:`~lawful_intercept.records.PSPDUBuilder`, which writes the header, the sequence
numbers and the time stamps. The inner payload is encoded (and so checked) before the PS-PDU
takes its sequence number, so a bad input raises :class:`~lawful_intercept.EncodeError` naming
the field (``TS33128Payloads.IRIPayload.event.registration.sUPI.iMSI``) and leaves no gap.

The functions :func:`registration`, :func:`deregistration`, :func:`location_update`,
:func:`pdu_session_establishment`, :func:`pdu_session_modification` and
:func:`pdu_session_release` build the events of the AMF (TS 33.128 6.2.2) and the SMF
(6.2.3) with typed parameters; any other event is given as ``(alternative, value)`` in the
library's value convention. The object identifiers are those of the TS33128Payloads module
in the builder's specification.

See docs/records.md, "3GPP TS 33.128 in PS-PDUs".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ..asn1c import Hole, Template
from ..errors import EncodeError
from ._ps import PSPDUBuilder, check_direction
from ._shapes import shared_template
from ._values import without_none

__all__ = [
    "DEFAULT_IRI_TYPES",
    "Event",
    "MobileRecords",
    "deregistration",
    "eutra_location",
    "fteid",
    "gpsi",
    "guti",
    "location_update",
    "nr_location",
    "pdu_session_establishment",
    "pdu_session_modification",
    "pdu_session_release",
    "pei",
    "registration",
    "snssai",
    "supi",
    "target_identifier",
    "ue_endpoint",
]

Event = tuple[str, Any]
"""An XIRIEvent / IRIEvent value: ``(alternative, value)``, e.g. ``("registration", {...})``."""

DEFAULT_IRI_TYPES: Mapping[str, str] = MappingProxyType({
    # AMF events (TS 33.128 6.2.2): reports outside a session.
    "registration": "iRI-Report",
    "deregistration": "iRI-Report",
    "locationUpdate": "iRI-Report",
    "startOfInterceptionWithRegisteredUE": "iRI-Report",
    "unsuccessfulAMProcedure": "iRI-Report",
    # SMF events (TS 33.128 6.2.3): the PDU session is the communication.
    "pDUSessionEstablishment": "iRI-Begin",
    "startOfInterceptionWithEstablishedPDUSession": "iRI-Begin",
    "pDUSessionModification": "iRI-Continue",
    "pDUSessionRelease": "iRI-End",
    "unsuccessfulSMProcedure": "iRI-Report",
})
"""The iRIType :meth:`MobileRecords.iri` writes for an event when given none: AMF events are
IRI-REPORTs; an SMF PDU session is a communication, begun by its establishment (or the start
of interception with an established session), continued by its modifications and ended by its
release (TS 33.128 6.2.2, 6.2.3). Other events need an explicit ``iri_type``."""

_UPF_PAYLOADS = ("uPFIPCC", "uPFEthernetCC", "uPFUnstructuredCC")


# -- identities (TS 23.003, in the string forms of TS 29.571) ------------------------------------


def _digit_string(value: str, path: str, what: str, low: int, high: int, rule: str) -> str:
    if not (value.isascii() and value.isdigit() and low <= len(value) <= high):
        raise EncodeError(f"{what} must be {low}..{high} decimal digits ({rule}), got "
                          f"{value!r}", path)
    return value


def _text_or_choice(value: object, path: str, what: str) -> str | tuple[str, Any]:
    """``value`` if it is text or an ``(alternative, value)`` CHOICE; else an ``EncodeError``
    naming ``what``."""
    if isinstance(value, str | tuple):
        return value
    raise EncodeError(f"{what} must be str, got {type(value).__name__}", path)


def supi(value: str | tuple[str, str]) -> tuple[str, str]:
    """A SUPI value (TS 33.128 ``SUPI``: IMSI or NAI, TS 23.003 2.2A).

    Text in the form of TS 29.571 (``"imsi-262011234567890"``, ``"nai-user@realm"``), bare
    digits (an IMSI) or an NAI (text with ``@``); or the ``(alternative, value)`` itself."""
    path = "sUPI"
    value = _text_or_choice(value, path, "SUPI")
    if isinstance(value, tuple):
        return value
    if value.startswith("imsi-"):
        return ("iMSI", _digit_string(value[5:], f"{path}.iMSI", "IMSI", 6, 15,
                                      "TS 23.003 2.1"))
    if value.startswith("nai-"):
        return ("nAI", value[4:])
    if value.isascii() and value.isdigit():
        return ("iMSI", _digit_string(value, f"{path}.iMSI", "IMSI", 6, 15, "TS 23.003 2.1"))
    if "@" in value:
        return ("nAI", value)
    raise EncodeError(f"SUPI must be 'imsi-<digits>', 'nai-<NAI>', IMSI digits or an NAI "
                      f"(TS 29.571 Supi), got {value!r}", path)


def _hex_octets(text: str, count: int, path: str, what: str) -> bytes:
    parts = text.replace(":", "-").split("-")
    try:
        data = bytes(int(p, 16) for p in parts if len(p) == 2)
    except ValueError:
        data = b""
    if len(data) != count or len(parts) != count:
        raise EncodeError(f"{what} must be {count} hex octets separated by '-', got {text!r}",
                          path)
    return data


def pei(value: str | bytes | tuple[str, Any]) -> tuple[str, Any]:
    """A PEI value (TS 33.128 ``PEI``, TS 23.003 6.4): IMEI, IMEISV, MAC address or EUI-64.

    Text in the form of TS 29.571 (``"imei-<15 digits>"``, ``"imeisv-<16 digits>"``,
    ``"mac-00-11-22-33-44-55"``, ``"eui-…"`` with 8 octets) or bare digits: 14 or 15 digits
    are an IMEI, 16 an IMEISV. TS 33.128 ``IMEI`` has 14 digits (TAC and SNR): of 15 the
    last, the check digit (not transmitted, TS 23.003 6.2.1), is dropped. 6 bytes are a MAC
    address; a ``(alternative, value)`` is taken as it is."""
    path = "pEI"
    if isinstance(value, tuple):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        if len(value) == 6:
            return ("mACAddress", bytes(value))
        if len(value) == 8:
            return ("eUI64", bytes(value))
        raise EncodeError(f"a PEI given as bytes is a MAC address (6 octets) or an EUI-64 "
                          f"(8), got {len(value)} octets", path)
    if not isinstance(value, str):
        raise EncodeError(f"PEI must be str, got {type(value).__name__}", path)
    if value.startswith("imeisv-"):
        return ("iMEISV", _digit_string(value[7:], f"{path}.iMEISV", "IMEISV", 16, 16,
                                        "TS 23.003 6.2.2"))
    if value.startswith("imei-"):
        value = value[5:]
    elif value.startswith("mac-"):
        return ("mACAddress", _hex_octets(value[4:].removesuffix("-untrusted"), 6,
                                          f"{path}.mACAddress", "a MAC address"))
    elif value.startswith("eui-"):
        return ("eUI64", _hex_octets(value[4:], 8, f"{path}.eUI64", "an EUI-64"))
    if value.isascii() and value.isdigit() and len(value) == 16:
        return ("iMEISV", value)
    digits = _digit_string(value, f"{path}.iMEI", "IMEI", 14, 15, "TS 23.003 6.2.1")
    return ("iMEI", digits[:14])


def gpsi(value: str | tuple[str, str]) -> tuple[str, str]:
    """A GPSI value (TS 33.128 ``GPSI``: MSISDN or NAI, TS 23.003 2.2B).

    Text in the form of TS 29.571 (``"msisdn-491701234567"``, ``"extid-user@domain"``) or
    the MSISDN's digits (a leading ``+`` is dropped); or the ``(alternative, value)``."""
    path = "gPSI"
    value = _text_or_choice(value, path, "GPSI")
    if isinstance(value, tuple):
        return value
    if value.startswith("extid-"):
        return ("nAI", value[6:])
    if value.startswith("msisdn-"):
        value = value[7:]
    value = value.removeprefix("+")
    return ("mSISDN", _digit_string(value, f"{path}.mSISDN", "MSISDN", 1, 15, "E.164"))


def target_identifier(identifier: tuple[str, Any], provenance: str | None = None
                      ) -> dict[str, Any]:
    """An IRITargetIdentifier (TS 33.128 ``IRIPayload.targetIdentifiers``): a
    TargetIdentifier ``(alternative, value)`` (``("sUPI", supi(...))``,
    ``("gPSI", gpsi(...))``, ``("iMSI", "...")``, …) and its provenance (``lEAProvided``,
    ``observed``, ``matchedOn``, ``other``)."""
    value: dict[str, Any] = {"identifier": identifier}
    if provenance is not None:
        value["provenance"] = provenance
    return value


# -- network values ----------------------------------------------------------------------------


def _uint(value: object, high: int, path: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodeError(f"{what} must be int, got {type(value).__name__}", path)
    if not 0 <= value <= high:
        raise EncodeError(f"{what} must be 0..{high}, got {value}", path)
    return value


def _plmn(mcc: str, mnc: str) -> dict[str, str]:
    return {"mCC": mcc, "mNC": mnc}


def _tac(tac: int | bytes, octets: int, path: str) -> bytes:
    if isinstance(tac, bytes | bytearray | memoryview):
        return bytes(tac)
    return _uint(tac, (1 << 8 * octets) - 1, path, "TAC").to_bytes(octets, "big")


def _cell_id(cell: int | tuple[bytes, int], bits: int, path: str) -> tuple[bytes, int]:
    if isinstance(cell, tuple):
        return cell
    value = _uint(cell, (1 << bits) - 1, path, "cell identity")
    octets = (bits + 7) // 8
    return ((value << (8 * octets - bits)).to_bytes(octets, "big"), bits)


def nr_location(mcc: str, mnc: str, tac: int | bytes, nr_cell_id: int | tuple[bytes, int], *,
                timestamp: datetime | None = None, **more: Any) -> dict[str, Any]:
    """A Location (TS 33.128 ``Location``) with an NR user location (``NRLocation``: TAI and
    NCGI, TS 23.003 19.4.2.3): ``tac`` an int (3 octets) or bytes, ``nr_cell_id``
    the 36-bit NR cell identity as an int or a ``(bytes, 36)`` BIT STRING value;
    ``timestamp`` the uELocationTimestamp; ``more`` further NRLocation members."""
    base = "location.locationInfo.userLocation.nRLocation"
    plmn = _plmn(mcc, mnc)
    nr: dict[str, Any] = {
        "tAI": {"pLMNID": plmn, "tAC": _tac(tac, 3, f"{base}.tAI.tAC")},
        "nCGI": {"pLMNID": plmn, "nRCellID": _cell_id(nr_cell_id, 36, f"{base}.nCGI.nRCellID")},
    }
    if timestamp is not None:
        nr["uELocationTimestamp"] = timestamp
    nr.update(more)
    return {"locationInfo": {"userLocation": {"nRLocation": nr}}}


def eutra_location(mcc: str, mnc: str, tac: int | bytes,
                   eutra_cell_id: int | tuple[bytes, int], *,
                   timestamp: datetime | None = None, **more: Any) -> dict[str, Any]:
    """A Location (TS 33.128 ``Location``) with an E-UTRA user location (``EUTRALocation``:
    TAI and ECGI, TS 23.003 19.4.2.3, 19.6): ``tac`` an int (2 octets) or bytes,
    ``eutra_cell_id`` the 28-bit cell identity; ``more`` further EUTRALocation members."""
    base = "location.locationInfo.userLocation.eUTRALocation"
    plmn = _plmn(mcc, mnc)
    eutra: dict[str, Any] = {
        "tAI": {"pLMNID": plmn, "tAC": _tac(tac, 2, f"{base}.tAI.tAC")},
        "eCGI": {"pLMNID": plmn,
                 "eUTRACellID": _cell_id(eutra_cell_id, 28, f"{base}.eCGI.eUTRACellID")},
    }
    if timestamp is not None:
        eutra["uELocationTimestamp"] = timestamp
    eutra.update(more)
    return {"locationInfo": {"userLocation": {"eUTRALocation": eutra}}}


def guti(mcc: str, mnc: str, amf_region_id: int, amf_set_id: int, amf_pointer: int,
         tmsi: int) -> dict[str, Any]:
    """A 5G-GUTI (TS 33.128 ``FiveGGUTI``, TS 23.003 2.10.1): PLMN, AMF Region ID (0..255),
    AMF Set ID (0..1023), AMF Pointer (0..63) and 5G-TMSI (32 bits)."""
    return {"mCC": mcc, "mNC": mnc, "aMFRegionID": amf_region_id, "aMFSetID": amf_set_id,
            "aMFPointer": amf_pointer, "fiveGTMSI": tmsi}


def snssai(sst: int, sd: int | bytes | None = None) -> dict[str, Any]:
    """An S-NSSAI (TS 33.128 ``SNSSAI``, TS 23.003 28.4.2): Slice/Service Type (0..255) and
    the optional Slice Differentiator (3 octets, or an int of 24 bits)."""
    value: dict[str, Any] = {"sliceServiceType": sst}
    if sd is not None:
        value["sliceDifferentiator"] = _tac(sd, 3, "sNSSAI.sliceDifferentiator")
    return value


def _packed(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address,
            path: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(address)
    except ValueError as exc:
        raise EncodeError(f"not an IP address: {exc}", path) from None


def ue_endpoint(address: str | bytes | ipaddress.IPv4Address | ipaddress.IPv6Address
                ) -> tuple[str, bytes]:
    """A UEEndpointAddress (TS 33.128): an IPv4 or IPv6 address (text or ``ipaddress``), or a
    MAC address as 6 bytes (ethernetAddress)."""
    if isinstance(address, bytes | bytearray | memoryview):
        if len(address) != 6:
            raise EncodeError("a UE endpoint given as bytes is a MAC address (6 octets)",
                              "uEEndpoint")
        return ("ethernetAddress", bytes(address))
    addr = _packed(address, "uEEndpoint")
    return ("iPv4Address" if addr.version == 4 else "iPv6Address", addr.packed)


def fteid(teid: int, *addresses: str | ipaddress.IPv4Address | ipaddress.IPv6Address
          ) -> dict[str, Any]:
    """An F-TEID (TS 33.128 ``FTEID``, TS 29.244 8.2.3): the TEID (32 bits) and the tunnel
    endpoint's IPv4 and/or IPv6 address."""
    value: dict[str, Any] = {"tEID": teid}
    for address in addresses:
        addr = _packed(address, "gTPTunnelID")
        value["iPv4Address" if addr.version == 4 else "iPv6Address"] = addr.packed
    return value


# -- events (TS 33.128 6.2.2 AMF, 6.2.3 SMF) ------------------------------------------------------

_supi, _pei, _gpsi, _ue_endpoint = supi, pei, gpsi, ue_endpoint  # the parameters shadow them


def _common(event: dict[str, Any], *, pei: Any, gpsi: Any, location: Any,
            more: Mapping[str, Any]) -> dict[str, Any]:
    if pei is not None:
        event["pEI"] = _pei(pei)
    if gpsi is not None:
        event["gPSI"] = _gpsi(gpsi)
    if location is not None:
        event["location"] = location
    for name in more:
        if name in event:
            raise EncodeError(f"{name} is given twice", name)
    event.update((k, v) for k, v in more.items() if v is not None)  # None: left out
    return event


def registration(
    supi: str | tuple[str, str],
    guti: Mapping[str, Any],
    *,
    registration_type: str = "initial",
    registration_result: str = "threeGPPAccess",
    pei: str | bytes | tuple[str, Any] | None = None,
    gpsi: str | tuple[str, str] | None = None,
    location: Mapping[str, Any] | None = None,
    **more: Any,
) -> Event:
    """An AMF registration event (TS 33.128 6.2.2.2.2 ``AMFRegistration``): the target's
    SUPI (see :func:`supi`) and 5G-GUTI (see :func:`guti`), the registrationType
    (``initial``, ``mobility``, ``periodic``, ``emergency``, …) and registrationResult
    (``threeGPPAccess``, ``nonThreeGPPAccess``, ``threeGPPAndNonThreeGPPAccess``), the
    optional PEI, GPSI and location; ``more`` further AMFRegistration members by their ASN.1
    names (``rATType``, ``slice``, …)."""
    event = {"registrationType": registration_type, "registrationResult": registration_result,
             "sUPI": _supi(supi), "gUTI": dict(guti)}
    return ("registration", _common(event, pei=pei, gpsi=gpsi, location=location,
                                    more=more))


def deregistration(
    *,
    direction: str = "uEInitiated",
    access_type: str = "threeGPPAccess",
    supi: str | tuple[str, str] | None = None,
    pei: str | bytes | tuple[str, Any] | None = None,
    gpsi: str | tuple[str, str] | None = None,
    guti: Mapping[str, Any] | None = None,
    location: Mapping[str, Any] | None = None,
    **more: Any,
) -> Event:
    """An AMF deregistration event (TS 33.128 6.2.2.2.3 ``AMFDeregistration``): the
    deregistrationDirection (``uEInitiated``, ``networkInitiated``), the accessType, and the
    target's identities and location when known; ``more`` further members (``cause``,
    ``switchOffIndicator``, …)."""
    event: dict[str, Any] = {"deregistrationDirection": direction, "accessType": access_type}
    if supi is not None:
        event["sUPI"] = _supi(supi)
    if guti is not None:
        event["gUTI"] = dict(guti)
    return ("deregistration", _common(event, pei=pei, gpsi=gpsi, location=location,
                                      more=more))


def location_update(
    supi: str | tuple[str, str],
    location: Mapping[str, Any],
    *,
    pei: str | bytes | tuple[str, Any] | None = None,
    gpsi: str | tuple[str, str] | None = None,
    guti: Mapping[str, Any] | None = None,
    **more: Any,
) -> Event:
    """An AMF location update event (TS 33.128 6.2.2.2.4 ``AMFLocationUpdate``): the SUPI and
    the new location (see :func:`nr_location`, :func:`eutra_location`)."""
    event: dict[str, Any] = {"sUPI": _supi(supi)}
    if guti is not None:
        event["gUTI"] = dict(guti)
    return ("locationUpdate", _common(event, pei=pei, gpsi=gpsi, location=location,
                                      more=more))


def pdu_session_establishment(
    supi: str | tuple[str, str] | None,
    pdu_session_id: int,
    gtp_tunnel: Mapping[str, Any],
    dnn: str,
    *,
    pdu_session_type: str = "iPv4",
    request_type: str = "initialRequest",
    pei: str | bytes | tuple[str, Any] | None = None,
    gpsi: str | tuple[str, str] | None = None,
    snssai: Mapping[str, Any] | None = None,
    ue_endpoints: Iterable[str | bytes | ipaddress.IPv4Address | ipaddress.IPv6Address] = (),
    location: Mapping[str, Any] | None = None,
    **more: Any,
) -> Event:
    """An SMF PDU session establishment event (TS 33.128 6.2.3.2.2
    ``SMFPDUSessionEstablishment``): SUPI, PDU session ID (0..255), the N3 GTP tunnel's
    F-TEID (see :func:`fteid`), the DNN, pDUSessionType (``iPv4``, ``iPv6``, ``iPv4v6``,
    ``unstructured``, ``ethernet``), the 5GSM requestType, and optionally PEI, GPSI,
    S-NSSAI (see :func:`snssai`), the UE's addresses (see :func:`ue_endpoint`) and location;
    ``more`` further members (``accessType``, ``rATType``, ``aMFID``, …)."""
    event: dict[str, Any] = {}
    if supi is not None:
        event["sUPI"] = _supi(supi)
    event.update({"pDUSessionID": pdu_session_id, "gTPTunnelID": dict(gtp_tunnel),
                  "pDUSessionType": pdu_session_type, "dNN": dnn,
                  "requestType": request_type})
    if snssai is not None:
        event["sNSSAI"] = dict(snssai)
    endpoints = [_ue_endpoint(a) for a in ue_endpoints]
    if endpoints:
        event["uEEndpoint"] = endpoints
    return ("pDUSessionEstablishment", _common(event, pei=pei, gpsi=gpsi,
                                               location=location, more=more))


def pdu_session_modification(
    supi: str | tuple[str, str] | None,
    pdu_session_id: int | None,
    *,
    request_type: str = "modificationRequest",
    pei: str | bytes | tuple[str, Any] | None = None,
    gpsi: str | tuple[str, str] | None = None,
    snssai: Mapping[str, Any] | None = None,
    ue_endpoint: str | bytes | ipaddress.IPv4Address | ipaddress.IPv6Address | None = None,
    location: Mapping[str, Any] | None = None,
    **more: Any,
) -> Event:
    """An SMF PDU session modification event (TS 33.128 6.2.3.2.3
    ``SMFPDUSessionModification``): SUPI and PDU session ID (when known), the 5GSM
    requestType, and optionally PEI, GPSI, S-NSSAI, UE address and (new) location; ``more``
    further members (``accessType``, ``rATType``, ``handoverState``, …)."""
    event: dict[str, Any] = {"requestType": request_type}
    if supi is not None:
        event["sUPI"] = _supi(supi)
    if pdu_session_id is not None:
        event["pDUSessionID"] = pdu_session_id
    if snssai is not None:
        event["sNSSAI"] = dict(snssai)
    if ue_endpoint is not None:
        event["uEEndpoint"] = _ue_endpoint(ue_endpoint)
    return ("pDUSessionModification", _common(event, pei=pei, gpsi=gpsi,
                                              location=location, more=more))


def pdu_session_release(
    supi: str | tuple[str, str],
    pdu_session_id: int,
    *,
    pei: str | bytes | tuple[str, Any] | None = None,
    gpsi: str | tuple[str, str] | None = None,
    location: Mapping[str, Any] | None = None,
    uplink_volume: int | None = None,
    downlink_volume: int | None = None,
    time_of_first_packet: datetime | None = None,
    time_of_last_packet: datetime | None = None,
    cause: str | None = None,
    **more: Any,
) -> Event:
    """An SMF PDU session release event (TS 33.128 6.2.3.2.4 ``SMFPDUSessionRelease``): SUPI
    and PDU session ID, optionally PEI, GPSI, location, the uplink/downlink volumes (octets),
    the times of the first and last packet and the SMF cause text; ``more`` further
    members (``nGAPCause``, ``fiveGMMCause``, …)."""
    event: dict[str, Any] = {"sUPI": _supi(supi), "pDUSessionID": pdu_session_id}
    event.update(without_none({
        "timeOfFirstPacket": time_of_first_packet, "timeOfLastPacket": time_of_last_packet,
        "uplinkVolume": uplink_volume, "downlinkVolume": downlink_volume, "cause": cause,
    }))
    return ("pDUSessionRelease", _common(event, pei=pei, gpsi=gpsi, location=location,
                                         more=more))


# -- the records ------------------------------------------------------------------------------


class MobileRecords:
    """3GPP TS 33.128 IRI and CC in the PS-PDUs of one communication (ETSI TS 102 232-7).

    ``builder`` writes the PS-PDU header, numbering and time stamps (its
    :class:`~lawful_intercept.correlation.SessionIdentity` carries the LIID and the CIN, e.g.
    one CIN per PDU session); the OIDs come from the TS33128Payloads module of its
    specification.
    """

    def __init__(self, builder: PSPDUBuilder) -> None:
        self.builder = builder
        spec = builder.spec
        values = spec.values
        try:
            self.xiri_oid = _str(values["xIRIPayloadOID"])
            self.iri_oid = _str(values["iRIPayloadOID"])
            self.cc_oid = _str(values["cCPayloadOID"])
        except KeyError as exc:
            raise ValueError(f"spec: the specification has no TS33128Payloads value "
                             f"{exc}") from None
        self._encode_xiri = spec.encoder("XIRIPayload")
        self._encode_iri = spec.encoder("TS33128Payloads.IRIPayload")
        self._encode_cc = spec.encoder("TS33128Payloads.CCPayload")
        self._inner: dict[tuple[str, int | None, bool], Template] = {}
        self._outer: dict[str, Callable[..., bytes]] = {}

    # -- payloads ------------------------------------------------------------------------------

    def xiri_payload(self, event: Event) -> bytes:
        """An encoded ``XIRIPayload`` (TS 33.128 5.3: the xIRI a POI sends over LI_X2):
        ``xIRIPayloadOID`` and the ``XIRIEvent`` ``event``."""
        return self._encode_xiri({"xIRIPayloadOID": self.xiri_oid, "event": event})

    def iri_payload(
        self,
        event: Event,
        *,
        target_identifiers: Iterable[tuple[str, Any] | Mapping[str, Any]] | None = None,
        mediated_from: str | None = None,
    ) -> bytes:
        """An encoded TS 33.128 ``IRIPayload`` (the IRI the MDF2 delivers over LI_HI2):
        ``iRIPayloadOID``, the ``IRIEvent`` ``event``, the ``targetIdentifiers`` (each a
        TargetIdentifier ``(alternative, value)`` or an IRITargetIdentifier, see
        :func:`target_identifier`) and the ``mediatedFromIndicator`` (the RELATIVE-OID of
        the xIRI payload version it was mediated from)."""
        value: dict[str, Any] = {"iRIPayloadOID": self.iri_oid, "event": event}
        if target_identifiers is not None:
            value["targetIdentifiers"] = [
                target_identifier(t) if isinstance(t, tuple) else dict(t)
                for t in target_identifiers
            ]
        if mediated_from is not None:
            value["mediatedFromIndicator"] = ("xIRIRelativeOID", mediated_from)
        return self._encode_iri(value)

    def cc_payload(self, pdu: tuple[str, Any]) -> bytes:
        """An encoded TS 33.128 ``CCPayload``: ``cCPayloadOID`` and the ``CCPDU`` ``pdu``
        (``("uPFCCPDU", packet)``, ``("extendedUPFCCPDU", {...})``, ``("iMSCCPDU", …)``…)."""
        return self._encode_cc({"cCPayloadOID": self.cc_oid, "pDU": pdu})

    # -- PS-PDUs -----------------------------------------------------------------------------

    def iri(
        self,
        event: Event,
        *,
        iri_type: str | None = None,
        target_identifiers: Iterable[tuple[str, Any] | Mapping[str, Any]] | None = None,
        mediated_from: str | None = None,
        time: int | datetime | None = None,
    ) -> bytes:
        """A PS-PDU with the TS 33.128 IRIPayload of ``event`` as IRIContents
        ``threeGPP33128DefinedIRI`` (ETSI TS 102 232-7, TS 102 232-1 6.2).

        ``iri_type`` is the TS 102 232-1 iRIType; without it, the type
        :data:`DEFAULT_IRI_TYPES` gives the event (an event not there raises). The IRIPayload
        is encoded first, so a bad event raises ``EncodeError`` naming the field and takes no
        sequence number."""
        if iri_type is None:
            name = event[0] if isinstance(event, tuple) and event else None
            iri_type = DEFAULT_IRI_TYPES.get(name) if isinstance(name, str) else None
            if iri_type is None:
                raise EncodeError(f"no default iRIType for the event {name!r}: pass iri_type "
                                  "(TS 102 232-1 5.2.10)", "iRIType")
        payload = self.iri_payload(event, target_identifiers=target_identifiers,
                                   mediated_from=mediated_from)
        return self.builder.iri(("threeGPP33128DefinedIRI", payload), iri_type=iri_type,
                                time=time)

    def cc(self, pdu: tuple[str, Any], *, direction: str | None = None,
           time: int | datetime | None = None) -> bytes:
        """A PS-PDU with the TS 33.128 CCPayload of ``pdu`` as CCContents
        ``threeGPP33128DefinedCC`` (ETSI TS 102 232-7, TS 102 232-1 6.3)."""
        payload = self.cc_payload(pdu)
        return self.builder.cc(("threeGPP33128DefinedCC", payload), direction=direction,
                               time=time)

    def upf_cc(
        self,
        packet: bytes,
        direction: str,
        *,
        payload_type: str = "uPFIPCC",
        qfi: int | None = None,
        extended: bool = True,
        time: int | datetime | None = None,
    ) -> bytes:
        """A PS-PDU with one user-plane packet from the UPF as TS 33.128 CC (the hot path),
        sent in ``direction`` (the payloadDirection, TS 102 232-1; required).

        With ``extended`` (default) the CCPDU is an ``extendedUPFCCPDU``: the packet as
        ``payload_type`` (``uPFIPCC``, ``uPFEthernetCC``, ``uPFUnstructuredCC``) and the QoS
        Flow Identifier ``qfi`` (0..63) if given; else the plain ``uPFCCPDU`` (IP packets
        only, no QFI). Both the CCPayload and the PS-PDU go through templates, so only the
        packet, the sequence number and the time are written per PDU."""
        key = (payload_type, qfi, extended)
        inner = self._inner.get(key)
        if inner is None:
            inner = self._inner_template(payload_type, qfi, extended)
        outer = self._outer.get(direction)
        if outer is None:
            outer = self._outer_encoder(direction)
        if type(packet) is not bytes and isinstance(packet, bytearray | memoryview):
            packet = bytes(packet)
        contents = inner.encode(packet=packet)  # raises naming the field for a bad packet
        return outer(contents, time)

    def _inner_template(self, payload_type: str, qfi: int | None, extended: bool) -> Template:
        spec = self.builder.spec
        pdu: tuple[str, Any]
        if extended:
            if payload_type not in _UPF_PAYLOADS:
                raise EncodeError(f"payload_type must be one of {', '.join(_UPF_PAYLOADS)}, "
                                  f"got {payload_type!r} (TS 33.128 UPFCCPDUPayload)",
                                  "extendedUPFCCPDU.payload")
            body: dict[str, Any] = {"payload": (payload_type, Hole("packet"))}
            if qfi is not None:
                body["qFI"] = qfi
            pdu = ("extendedUPFCCPDU", body)
        else:
            if payload_type != "uPFIPCC" or qfi is not None:
                raise EncodeError("the plain uPFCCPDU carries IP packets only and no QFI; "
                                  "use extended=True", "uPFCCPDU")
            pdu = ("uPFCCPDU", Hole("packet"))
        # Shared by every session (QFI 0..63: few keys); the session keeps the reference.
        cc_oid = self.cc_oid
        template = shared_template(spec, "TS33128Payloads.CCPayload",
                                   (cc_oid, payload_type, qfi, extended),
                                   lambda: {"cCPayloadOID": cc_oid, "pDU": pdu})
        self._inner[(payload_type, qfi, extended)] = template
        return template

    def _outer_encoder(self, direction: str) -> Callable[..., bytes]:
        check_direction(direction)
        payload = ("cCPayloadSequence", [{
            "payloadDirection": direction,
            "cCContents": ("threeGPP33128DefinedCC", Hole("content")),
        }])
        emit = self.builder.content_encoder(("threeGPP33128DefinedCC", direction), payload,
                                            field="threeGPP33128DefinedCC")
        self._outer[direction] = emit
        return emit


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"spec: expected a RELATIVE-OID value, got {value!r}")
    return value

