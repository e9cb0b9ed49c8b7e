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

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal, NamedTuple

from .._checks import require_choice, require_instance, require_int
from ..asn1c import Specification, Template
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
from ._shapes import DEFAULT_CLOCK, HeaderShape, bind, header_shape

__all__ = ["IRI_TYPES", "NS_LIMIT", "PAYLOAD_DIRECTIONS", "NumberedPDU", "PSPDUBuilder",
           "TimeStamps", "check_direction", "time_arguments"]

TimeStamps = Literal["microSecondTimeStamp", "timeStamp", "both"]
"""Which PSHeader time fields to fill (TS 102 232-1 5.2.6): the MicroSecondTimeStamp, the
GeneralizedTime timeStamp, or both from one reading of the clock."""

#: The PayloadDirection items (TS 102 232-1 PayloadDirection).
PAYLOAD_DIRECTIONS = frozenset({"fromTarget", "toTarget", "indeterminate", "combined",
                                 "notapplicable"})
#: The IRIType items (TS 102 232-1 5.2.10).
IRI_TYPES = frozenset({"iRI-Begin", "iRI-End", "iRI-Continue", "iRI-Report"})
NS_LIMIT = 2**64 * 1_000_000_000
"""Times (ns) below this fit a MicroSecondTimeStamp (seconds 0..2**64-1, TS 102 232-1 5.2.6)."""
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

    # Slots: one builder per session, thousands of sessions (see docs/records.md).
    __slots__ = ("__weakref__", "_constants", "_encode", "_numbering", "_shape",
                 "_time_source", "clock", "counters", "identity", "li_ps_domain_id", "spec",
                 "time_stamp_qualifier", "time_stamps")

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
        self.clock = clock if clock is not None else DEFAULT_CLOCK
        self.time_stamps: TimeStamps = time_stamps
        self.time_stamp_qualifier = time_stamp_qualifier
        domain = self.spec.values.get("li-psDomainId")
        if not isinstance(domain, str):
            raise ValueError("spec must have the LI-PS-PDU module (li-psDomainId)")
        self.li_ps_domain_id = domain
        self._encode = self.spec.encoder(PS_PDU)
        fields = identity.ps_header_fields()
        if time_stamp_qualifier is not None:
            fields["timeStampQualifier"] = time_stamp_qualifier
        # The code is shared by every session of the shape; the session keeps octets only.
        # Encoding them here checks every identifier against the module's constraints.
        self._shape = header_shape(self.spec, domain, time_stamps,
                                   "interceptionPointID" in fields,
                                   time_stamp_qualifier is not None)
        self._constants = self._shape.pre_encode(fields)
        self._numbering: dict[tuple[str, int | None], Numbering] = {}
        self._time_source = self.clock.time_source

    @property
    def _header(self) -> dict[str, Any]:
        """The PSHeader members that do not change (for the general encoder)."""
        header = {"li-psDomainId": self.li_ps_domain_id, **self.identity.ps_header_fields()}
        if self.time_stamp_qualifier is not None:
            header["timeStampQualifier"] = self.time_stamp_qualifier
        return header

    @property
    def header_constants(self) -> dict[str, bytes]:
        """This session's PSHeader members that do not change, pre-encoded (TS 102 232-1 5.2):
        the arguments of the encoded holes of :meth:`template` (``ids``: LIID,
        authorizationCountryCode and communicationIdentifier; ``ipid`` and ``tsq`` when the
        builder has an interceptionPointID or a timeStampQualifier)."""
        return dict(zip(self._shape.constants, self._constants, strict=True))

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
        shape = self._shape
        encode = shape.payloads.get(alternative) or shape.payload_encoder(
            alternative, alternative in _SEQUENCE_PAYLOADS)
        args = self._time_args(time)
        constants = self._constants
        if len(constants) == 1:  # the usual shape: the identifiers only
            args["ids"] = constants[0]
        else:
            args.update(zip(shape.constants, constants, strict=True))
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
        return time_arguments(self.clock, self.time_stamps, ns)

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
        """The template of this builder's PS-PDU with ``payload`` (a Payload value with its
        own holes), shared by every builder of the same shape (specification, time stamps,
        optional header members) and kept under ``key``, which must name everything fixed in
        ``payload`` and nothing that differs between sessions.

        Its holes are ``seq``, the time fields (``sec``/``usec`` and/or ``ts``), the encoded
        holes of :attr:`header_constants` (pass those octets) and the payload's own."""
        return self._shape.template(key, payload)

    def content_encoder(self, key: object, payload: object, *, kind: str = "CC",
                        field: str = "content",
                        constants: Mapping[str, Mapping[str, Any]] | None = None,
                        ) -> Callable[..., bytes]:
        """The hot path of a service: a function ``(content, time=None) -> bytes`` writing the
        PS-PDU of ``payload`` (a Payload value with one ``Hole("content")``, e.g. a
        cCPayloadSequence with the packet left open) through the template kept under ``key``
        (see :meth:`template`).

        The code is generated once per shape and ``key`` and shared by every builder: this
        builder binds to it only its numbering, clock and pre-encoded octets. Payload members
        that differ between sessions (a stream identifier, a CC link) must not be in ``key``:
        put an encoded :class:`~lawful_intercept.Hole` in ``payload`` for them and give their
        values in ``constants`` (hole name -> {member: value}); they are checked and encoded
        here, once. ``content`` must be bytes (``field`` names it in errors); the time is
        checked and the content typed before a sequence number of ``kind`` is taken, so a bad
        call leaves no gap (TS 102 232-1 5.2.5).
        """
        shape = self._shape
        template, extra, octets = shape.content_template(key, payload, constants)
        names = (*shape.constants, *extra)
        fn = shape.shared_encoder((key, field, extra),
                                  lambda: _session_encoder(shape, template, field, names))
        numbering = self.numbering(kind)
        return bind(fn, (numbering.counting(), numbering, self._time_source, self,
                         *self._constants, *octets))

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


def time_arguments(clock: Clock, time_stamps: str, ns: int | datetime) -> dict[str, Any]:
    """The arguments of a PS-PDU template's time holes for the time ``ns`` (nanoseconds since
    the epoch, or a ``datetime``): ``sec``/``usec`` (MicroSecondTimeStamp) and/or ``ts``
    (GeneralizedTime, with ``clock``'s UTC flag and precision) as ``time_stamps`` asks
    (TS 102 232-1 5.2.6). An invalid time raises here, before any number is taken."""
    if time_stamps == "microSecondTimeStamp" and type(ns) is int and 0 <= ns < NS_LIMIT:
        return {"sec": ns // 1_000_000_000, "usec": ns // 1000 % 1_000_000}
    args: dict[str, Any] = {}
    if time_stamps != "timeStamp":
        micro = micro_second_timestamp(ns)
        args["sec"] = micro["seconds"]
        args["usec"] = micro["microSeconds"]
    if time_stamps != "microSecondTimeStamp":
        args["ts"] = generalized_time(ns, utc=clock.utc, precision=clock.precision)
    return args


def check_direction(direction: object) -> None:
    """Check a payloadDirection (TS 102 232-1 PayloadDirection)."""
    if not isinstance(direction, str) or direction not in PAYLOAD_DIRECTIONS:
        raise EncodeError(
            f"payloadDirection must be one of {', '.join(sorted(PAYLOAD_DIRECTIONS))}, got "
            f"{direction!r} (TS 102 232-1 PayloadDirection)",
            "payloadDirection",
        )



def _session_encoder(shape: HeaderShape, template: Template, field: str,
                     names: tuple[str, ...]) -> Callable[..., bytes]:
    """The code of :meth:`PSPDUBuilder.content_encoder`, shared by the builders of ``shape``:
    ``f(session, content, time=None)`` where ``session`` is ``(count, numbering, now, builder,
    *octets)``: the bare count and the numbering (:meth:`Numbering.counting`), the time source
    and the pre-encoded members of one session (the encoded holes ``names``). A session's
    data is a tuple and its handle a bound method: few objects, so that a PDU of any of
    thousands of sessions touches little memory."""
    encode = template.encode

    def general(session: tuple[Any, ...], content: object,
                time: int | datetime | None = None) -> bytes:
        # The general path: other time-stamp modes, content not bytes, or a time given as a
        # datetime or out of range.
        numbering, now, builder = session[1], session[2], session[3]
        if type(content) is not bytes:
            if not isinstance(content, (bytearray, memoryview)):
                raise EncodeError(f"{field} must be bytes, got {type(content).__name__}",
                                  field)
            content = bytes(content)
        ns = now() if time is None else time
        args = builder._time_args(ns)  # checks the time
        args.update(zip(names, session[4:], strict=True))
        return encode(seq=numbering(), content=content, **args)

    if shape.time_stamps != "microSecondTimeStamp":
        return general
    # The common path in one function: content typed, clock read and number taken (in that
    # order, so that nothing is numbered for a bad call), then the encoding.
    return template.specialize(
        "session, content, time=None",
        [
            "if type(content) is not bytes or (time is not None and "
            "not (type(time) is int and 0 <= time < {limit})):",
            "    return {general}(session, content, time)",
            f"count, numbering, now, _, {', '.join(names)} = session",
            "ns = now() if time is None else time",
            "seq = next(count)",
            "if seq > 4294967295: seq = numbering.past_max(seq)",
            "sec = ns // 1000000000",
            "usec = ns // 1000 % 1000000",
        ],
        {"general": general, "limit": NS_LIMIT},
        trusted=("seq", "sec", "usec", "content", *names),
    )
