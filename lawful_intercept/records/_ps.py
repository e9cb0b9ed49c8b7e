"""PS-PDUs of one communication: ETSI TS 102 232-1 header, sequence numbers and payloads.

:class:`PSPDUBuilder` turns payload values into complete PS-PDUs (TS 102 232-1 clause 5 and
6): it writes the PSHeader from a :class:`~lawful_intercept.correlation.SessionIdentity`
(LIID, network identifiers, country codes, CIN), numbers the PDUs per (LIID, CIN, IRI|CC|TRI)
with :class:`~lawful_intercept.correlation.SequenceCounters`, and stamps them with a
:class:`~lawful_intercept.correlation.Clock`. The service modules (``ip_access`` and the
others) build the payload values; the IPCC hot path uses a template of the compiled
specification, so the parts that do not change are encoded once per session.

A builder never hands out a sequence number for a PDU it could not encode: every record is
encoded before its number is taken, so a bad input raises ``EncodeError`` and leaves the
numbering gapless.

See docs/records.md, "PS-PDUs".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, NamedTuple

from .._checks import require_choice, require_instance, require_int
from ..asn1c import Hole, Specification, Template
from ..catalog import PS_PDU, default_specification
from ..correlation import (
    Clock,
    Numbering,
    SequenceCounters,
    SessionIdentity,
    generalized_time,
    micro_second_timestamp,
)
from ..errors import EncodeError

__all__ = ["IRI_TYPES", "PAYLOAD_DIRECTIONS", "NumberedPDU", "PSPDUBuilder", "TimeStamps",
           "check_direction"]

TimeStamps = Literal["microSecondTimeStamp", "timeStamp", "both"]
"""Which PSHeader time fields to fill (TS 102 232-1 5.2.6): the MicroSecondTimeStamp, the
GeneralizedTime timeStamp, or both from one reading of the clock."""

#: The PayloadDirection items (TS 102 232-1 PayloadDirection).
PAYLOAD_DIRECTIONS = frozenset({"fromTarget", "toTarget", "indeterminate", "combined",
                                 "notapplicable"})
#: The IRIType items (TS 102 232-1 5.2.10).
IRI_TYPES = frozenset({"iRI-Begin", "iRI-End", "iRI-Continue", "iRI-Report"})
_NS_LIMIT = 2**64 * 1_000_000_000  # MicroSecondTimeStamp seconds are 0..2**64-1
# Payload alternatives that are a SEQUENCE OF payloads (TS 102 232-1 clause 6.2.3).
_SEQUENCE_PAYLOADS = frozenset(
    {"iRIPayloadSequence", "cCPayloadSequence", "iLHIPayload", "hI4Payload"}
)


class NumberedPDU(NamedTuple):
    """An encoded PS-PDU with the sequenceNumber it was given (TS 102 232-1 5.2.5), for
    callers that track the numbers they send (e.g. acknowledgements and keep-alives)."""

    sequence_number: int
    """The PSHeader sequenceNumber of ``pdu``."""
    pdu: bytes
    """The BER encoding of the PS-PDU."""



class PSPDUBuilder:
    """Builds the PS-PDUs of one communication (ETSI TS 102 232-1 clauses 5 and 6).

    ``identity`` carries the correlation identifiers; it must have a CIN except for HI1
    operations. ``spec`` is the compiled specification (default: the bundled modules, LI-PS-PDU
    version 43); the ``li-psDomainId`` written is that of the LI-PS-PDU module in it.
    ``counters`` may be shared between builders (and saved/restored, see
    :class:`~lawful_intercept.correlation.SequenceCounters`); ``clock`` gives the time when a
    record is given none.
    """

    def __init__(
        self,
        identity: SessionIdentity,
        *,
        spec: Specification | None = None,
        counters: SequenceCounters | None = None,
        clock: Clock | None = None,
        time_stamps: TimeStamps = "microSecondTimeStamp",
        time_stamp_qualifier: str | None = None,
    ) -> None:
        require_instance(identity, SessionIdentity, "identity")
        require_choice(time_stamps, ("microSecondTimeStamp", "timeStamp", "both"),
                       "time_stamps")
        self.spec = spec if spec is not None else default_specification()
        self.identity = identity
        self.counters = counters if counters is not None else SequenceCounters()
        self.clock = clock if clock is not None else Clock()
        self.time_stamps: TimeStamps = time_stamps
        self.time_stamp_qualifier = time_stamp_qualifier
        domain = self.spec.values.get("li-psDomainId")
        if not isinstance(domain, str):
            raise ValueError("spec must have the LI-PS-PDU module (li-psDomainId)")
        self.li_ps_domain_id = domain
        self._encode = self.spec.encoder(PS_PDU)
        self._header = {"li-psDomainId": domain, **identity.ps_header_fields()}
        if time_stamp_qualifier is not None:
            self._header["timeStampQualifier"] = time_stamp_qualifier
        self._templates: dict[object, Template] = {}
        self._numbering: dict[tuple[str, int | None], Numbering] = {}
        self._payload_encoders: dict[str, Callable[..., bytes]] = {}
        self._time_source = self.clock.time_source
        self._content_encoders: dict[object, Callable[..., bytes]] = {}
        # Encoding the header once checks every identifier against the module's constraints.
        self._encode({"pSHeader": {**self._header, "sequenceNumber": 0},
                      "payload": ("tRIPayload", ("keep-alive", None))})

    # -- the parts of every PDU ----------------------------------------------------------

    @property
    def cin(self) -> int:
        """The communicationIdentityNumber of the builder's communication."""
        cin = self.identity.cin
        if cin is None:
            raise EncodeError("the session identity has no CIN (TS 102 232-1 5.2.4)",
                              "communicationIdentityNumber")
        return cin

    def _times(self, time: int | datetime | None) -> dict[str, Any]:
        ns = self.clock.now_ns() if time is None else time
        fields: dict[str, Any] = {}
        if self.time_stamps != "timeStamp":
            fields["microSecondTimeStamp"] = micro_second_timestamp(ns)
        if self.time_stamps != "microSecondTimeStamp":
            fields["timeStamp"] = generalized_time(
                ns, utc=self.clock.utc, precision=self.clock.precision
            )
        return fields

    def _pdu(self, kind: str, payload: tuple[str, Any], time: int | datetime | None,
             cin: int | None) -> tuple[int, bytes]:
        """Encode with the next sequence number of ``kind``, taking it only on success;
        return the number taken and the encoding."""
        numbering = self._numbering.get((kind, cin))
        if numbering is None:
            numbering = self._numbering[(kind, cin)] = self.counters.counter(
                self.identity.liid, 0 if cin is None else cin, kind
            )
        alternative, inner = payload
        if alternative in _SEQUENCE_PAYLOADS:
            if len(inner) != 1:
                return self._pdu_generic(numbering, payload, time)
            inner = inner[0]
        encode = self._payload_encoders.get(alternative)
        if encode is None:
            encode = self._payload_encoder(alternative)
        args = self._time_args(time)
        seq = numbering.peek()
        # The header is pre-encoded; only the numbers, the time and the payload are written.
        data = encode(seq=seq, p=inner, **args)
        taken = numbering()
        if taken != seq:  # another builder numbered the same communication meanwhile
            data = encode(seq=taken, p=inner, **args)
        return taken, data

    def _pdu_generic(self, numbering: Numbering, payload: tuple[str, Any],
                     time: int | datetime | None) -> tuple[int, bytes]:
        header: dict[str, Any] = {**self._header, **self._times(time)}
        header["sequenceNumber"] = seq = numbering.peek()
        value = {"pSHeader": header, "payload": payload}
        data = self._encode(value)
        taken = numbering()
        if taken != seq:
            header["sequenceNumber"] = taken
            data = self._encode(value)
        return taken, data

    def _time_args(self, time: int | datetime | None) -> dict[str, Any]:
        """The template arguments of the time fields (``sec``/``usec`` and/or ``ts``); an
        invalid time raises here, before any number is taken."""
        ns = self._time_source() if time is None else time
        if self.time_stamps == "microSecondTimeStamp" and type(ns) is int and 0 <= ns < _NS_LIMIT:
            return {"sec": ns // 1_000_000_000, "usec": ns // 1000 % 1_000_000}
        stamps = self._times(ns)
        args: dict[str, Any] = {}
        micro = stamps.get("microSecondTimeStamp")
        if micro is not None:
            args["sec"] = micro["seconds"]
            args["usec"] = micro["microSeconds"]
        if "timeStamp" in stamps:
            args["ts"] = stamps["timeStamp"]
        return args

    def _payload_encoder(self, alternative: str) -> Callable[..., bytes]:
        hole = [Hole("p")] if alternative in _SEQUENCE_PAYLOADS else Hole("p")
        encode = self.template(("payload", alternative), (alternative, hole)).encode
        self._payload_encoders[alternative] = encode
        return encode

    # -- payloads -------------------------------------------------------------------------

    def iri(self, contents: tuple[str, Any], *, iri_type: str | None = None,
            direction: str | None = None, time: int | datetime | None = None) -> bytes:
        """A PS-PDU with one IRIPayload (TS 102 232-1 clause 6.2): ``contents`` is the
        IRIContents value, e.g. ``("iPIRI", {...})``; ``iri_type`` one of iRI-Begin, iRI-End,
        iRI-Continue, iRI-Report (TS 102 232-1 5.2.10); ``direction`` the IRIPayload's
        payloadDirection (LI-PS-PDU versions that have it)."""
        payload: dict[str, Any] = {"iRIContents": contents}
        if iri_type is not None:
            if iri_type not in IRI_TYPES:
                raise EncodeError(f"iRIType must be one of {', '.join(sorted(IRI_TYPES))}, "
                                  f"got {iri_type!r} (TS 102 232-1 5.2.10)", "iRIType")
            payload = {"iRIType": iri_type, **payload}
        if direction is not None:
            check_direction(direction)
            payload["payloadDirection"] = direction
        return self._pdu("IRI", ("iRIPayloadSequence", [payload]), time, self.cin)[1]

    def cc(self, contents: tuple[str, Any], *, direction: str | None = None,
           time: int | datetime | None = None) -> bytes:
        """A PS-PDU with one CCPayload (TS 102 232-1 clause 6.3): ``contents`` is the
        CCContents value, e.g. ``("iPCC", {...})``; ``direction`` the payloadDirection."""
        payload: dict[str, Any] = {"cCContents": contents}
        if direction is not None:
            check_direction(direction)
            payload = {"payloadDirection": direction, **payload}
        return self._pdu("CC", ("cCPayloadSequence", [payload]), time, self.cin)[1]

    def tri(self, payload: tuple[str, Any], *, time: int | datetime | None = None) -> bytes:
        """A PS-PDU with a TRIPayload (TS 102 232-1 clause 6.4), e.g. ``("cINReset", None)``."""
        return self._pdu("TRI", ("tRIPayload", payload), time, self.identity.cin)[1]

    def tri_numbered(self, payload: tuple[str, Any], *,
                     time: int | datetime | None = None) -> NumberedPDU:
        """The PS-PDU of :meth:`tri` (TS 102 232-1 clause 6.4) with the sequenceNumber it was
        given (TS 102 232-1 5.2.5), e.g. to match a keep-alive or an acknowledgement request
        with its answer."""
        return NumberedPDU(*self._pdu("TRI", ("tRIPayload", payload), time, self.identity.cin))

    def keep_alive(self, *, time: int | datetime | None = None) -> bytes:
        """A keep-alive TRI PDU (TS 102 232-1 6.4.5)."""
        return self.tri(("keep-alive", None), time=time)

    def cin_reset(self, *, time: int | datetime | None = None) -> bytes:
        """A cINReset TRI PDU (TS 102 232-1 6.4.8): numbering of this CIN starts again.

        Marks the reset as sent in the counters (see ``SequenceCounters.needs_cin_reset``)."""
        data = self.tri(("cINReset", None), time=time)
        self.counters.cin_reset_sent(self.identity.liid, self.cin)
        return data

    def hi1(self, operation: tuple[str, Any], *, time: int | datetime | None = None) -> bytes:
        """A PS-PDU carrying an HI1 operation (TS 102 232-1 6.6, TS 101 671 HI1), such as
        ``("liActivated", {...})``; numbered with the IRI of the identity's CIN (0 without)."""
        return self._pdu("IRI", ("hI1-Operation", operation), time, self.identity.cin)[1]

    def threegpp_hi1(self, operation: tuple[str, Any], *,
                     time: int | datetime | None = None) -> bytes:
        """A PS-PDU carrying a 3GPP HI1 operation (TS 102 232-1 Payload threeGPP-HI1-Operation,
        3GPP TS 33.108 ThreeGPP-HI1-Operation); numbered like :meth:`hi1`."""
        return self._pdu("IRI", ("threeGPP-HI1-Operation", operation), time,
                         self.identity.cin)[1]

    def keep_alive_response(self, *, time: int | datetime | None = None) -> bytes:
        """A keep-aliveResponse TRI PDU (TS 102 232-1 6.4.5), the LEMF's answer."""
        return self.tri(("keep-aliveResponse", None), time=time)

    def pdu_acknowledgement_request(self, *, time: int | datetime | None = None) -> bytes:
        """A pDUAcknowledgementRequest TRI PDU (TS 102 232-1 TRIPayload [12], versions that
        have it): asks the LEMF to acknowledge the PDUs received so far."""
        return self.tri(("pDUAcknowledgementRequest", None), time=time)

    def pdu_acknowledgement_response(self, *, time: int | datetime | None = None) -> bytes:
        """A pDUAcknowledgementResponse TRI PDU (TS 102 232-1 TRIPayload [13]), the LEMF's
        answer to a request."""
        return self.tri(("pDUAcknowledgementResponse", None), time=time)

    def segmented_cc(
        self,
        contents: Callable[[bytes], tuple[str, Any]],
        data: bytes,
        *,
        max_segment: int,
        direction: str | None = None,
        time: int | datetime | None = None,
    ) -> list[bytes]:
        """A CC payload too large for one PDU, in segments (TS 102 232-1 6.4.3):

        a TRI PDU with ``firstSegmentFlag``, one CC PDU per ``max_segment`` octets of ``data``
        (``contents(segment)`` gives each CCContents value), and a TRI PDU with
        ``lastSegmentFlag``. Data that fits in one segment gives a single CC PDU without flags.
        Every PDU is encoded before any number is taken: a bad input emits nothing.
        See :class:`~lawful_intercept.records.Reassembler` for the receiving side.
        """
        require_int(max_segment, "max_segment", low=1)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise EncodeError(f"data must be bytes, got {type(data).__name__}", "cCContents")
        data = bytes(data)
        pieces = [data[i : i + max_segment] for i in range(0, len(data), max_segment)] or [b""]
        if direction is not None:
            check_direction(direction)
        ns = self.clock.now_ns() if time is None else time
        if len(pieces) == 1:
            return [self.cc(contents(pieces[0]), direction=direction, time=ns)]
        # Check every segment encodes before numbering any of them.
        for piece in pieces:
            payload: dict[str, Any] = {"cCContents": contents(piece)}
            if direction is not None:
                payload = {"payloadDirection": direction, **payload}
            self._encode({"pSHeader": {**self._header, "sequenceNumber": 0},
                          "payload": ("cCPayloadSequence", [payload])})
        out = [self.tri(("firstSegmentFlag", None), time=ns)]
        out.extend(self.cc(contents(piece), direction=direction, time=ns) for piece in pieces)
        out.append(self.tri(("lastSegmentFlag", None), time=ns))
        return out

    # -- templates (hot paths) --------------------------------------------------------------

    def template(self, key: object, payload: object) -> Template:
        """A template of this builder's PDU with the header fixed except ``seq`` and the time
        fields (``sec``/``usec`` and/or ``ts``), and ``payload`` (with its own holes) — kept
        under ``key`` for the life of the builder."""
        template = self._templates.get(key)
        if template is None:
            header: dict[str, Any] = {**self._header, "sequenceNumber": Hole("seq")}
            if self.time_stamps != "timeStamp":
                header["microSecondTimeStamp"] = {"seconds": Hole("sec"),
                                                  "microSeconds": Hole("usec")}
            if self.time_stamps != "microSecondTimeStamp":
                header["timeStamp"] = Hole("ts")
            template = self.spec.template(PS_PDU, {"pSHeader": header, "payload": payload})
            self._templates[key] = template
        return template

    def content_encoder(self, key: object, payload: object, *, kind: str = "CC",
                        field: str = "content") -> Callable[..., bytes]:
        """The hot path of a service: a function ``(content, time=None) -> bytes`` writing the
        PS-PDU of ``payload`` (a Payload value with one ``Hole("content")``, e.g. a
        cCPayloadSequence with the packet left open) through a template kept under ``key``.

        ``content`` must be bytes (``field`` names it in errors); the time is checked and the
        content typed before a sequence number of ``kind`` is taken, so a bad call leaves no
        gap (TS 102 232-1 5.2.5).
        """
        cached = self._content_encoders.get(key)
        if cached is not None:
            return cached
        template = self.template(key, payload)
        encode = template.encode
        take = self.numbering(kind).taker()
        now = self._time_source
        micro_only = self.time_stamps == "microSecondTimeStamp"
        if micro_only and template.fields != ("seq", "sec", "usec", "content"):
            raise ValueError(f"payload must have one Hole('content'), has "
                             f"{', '.join(template.fields[3:]) or 'none'}")
        time_args = self._time_args

        def emit(content: bytes, time: int | datetime | None = None) -> bytes:
            # The general path: other time-stamp modes, or a time given as a datetime.
            if type(content) is not bytes:
                if not isinstance(content, (bytearray, memoryview)):
                    raise EncodeError(f"{field} must be bytes, got {type(content).__name__}",
                                      field)
                content = bytes(content)
            ns = now() if time is None else time
            if micro_only and type(ns) is int and 0 <= ns < _NS_LIMIT:
                return encode(take(), ns // 1_000_000_000, ns // 1000 % 1_000_000, content)
            args = time_args(ns)  # other time-stamp modes; checks the time
            return encode(seq=take(), content=content, **args)

        if micro_only:
            # The common path in one function: content typed, clock read and number taken
            # (in that order, so that nothing is numbered for a bad call), then the encoding.
            emit = template.specialize(
                "content, time=None",
                [
                    "if type(content) is not bytes or (time is not None and "
                    "not (type(time) is int and 0 <= time < {limit})):",
                    "    return {general}(content, time)",
                    "ns = {now}() if time is None else time",
                    "seq = {take}()",
                    "sec = ns // 1000000000",
                    "usec = ns // 1000 % 1000000",
                ],
                {"general": emit, "now": now, "take": take, "limit": _NS_LIMIT},
                trusted=("seq", "sec", "usec", "content"),
            )
        self._content_encoders[key] = emit
        return emit

    def numbering(self, kind: str) -> Numbering:
        """The numbering of ``kind`` of this communication (for callers that encode with a
        template: take a number only once the inputs are known to be valid, so that the
        numbering stays gapless)."""
        cin = self.cin
        take = self._numbering.get((kind, cin))
        if take is None:
            take = self._numbering[(kind, cin)] = self.counters.counter(
                self.identity.liid, cin, kind
            )
        return take


def check_direction(direction: object) -> None:
    """Check a payloadDirection (TS 102 232-1 PayloadDirection)."""
    if direction not in PAYLOAD_DIRECTIONS:
        raise EncodeError(
            f"payloadDirection must be one of {', '.join(sorted(PAYLOAD_DIRECTIONS))}, got "
            f"{direction!r} (TS 102 232-1 PayloadDirection)",
            "payloadDirection",
        )

