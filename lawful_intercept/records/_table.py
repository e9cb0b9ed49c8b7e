"""Many communications of one PS-PDU header shape as rows of one table (TS 102 232-1 5).

A :class:`~lawful_intercept.records.PSPDUBuilder` per communication is convenient, but a PDU of
one of 100,000 communications then touches the builder's objects scattered over the heap. A
:class:`SessionTable` keeps the communications of one header shape (specification,
time-stamp mode, interceptionPointID present or not, timeStampQualifier) as rows of one flat
list: a row is the communication's pre-encoded header octets (LIID, authorizationCountryCode
and communicationIdentifier in one run) and the count of its CC numbering, side by side. A
CC PDU of a row reads one place of the list, the octets and the count it points to: the code
is the shape's, shared with the builders (the same templates, so the same octets on the
wire).

The count is the one :meth:`~lawful_intercept.correlation.Numbering.counting` gives: a row and
any builder of the same (LIID, CIN) share one CC numbering, which stays gapless, thread-safe
and saved by :meth:`~lawful_intercept.correlation.SequenceCounters.save_state`.

See docs/records.md, "Session tables".
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from .._checks import require_choice, require_instance
from ..asn1c import Specification, Template
from ..catalog import default_specification
from ..correlation import Clock, SequenceCounters, SessionIdentity
from ..errors import EncodeError
from ._ip_access import ipcc_payload
from ._ipmm import AUTO, ipmmcc_payload
from ._ps import NS_LIMIT, PSPDUBuilder, TimeStamps, time_arguments
from ._shapes import DEFAULT_CLOCK, HeaderShape, bind, header_shape
from ._values import enum_names

__all__ = ["SessionTable", "TableEncoder"]

TableEncoder = Callable[..., bytes]
"""A table's encoder of one kind of CC PDU: ``encode(index, content, time=None) -> bytes``."""

_ENCODERS_KEPT = 4096  # distinct (direction, frame type, stream, ...) encoders kept per table
_CLOSED = "is not an open session of this table"


class SessionTable:
    """The communications of one PS-PDU header shape as rows (ETSI TS 102 232-1 clause 5).

    The options are those of :class:`~lawful_intercept.records.PSPDUBuilder` and are the same
    for every row: ``spec``, ``counters`` (the numbering, shared with builders), ``clock``,
    ``time_stamps`` and ``time_stamp_qualifier``; ``interception_point`` says whether the
    identities carry an interceptionPointID (TS 102 232-1 5.2.7: part of the shape).

    :meth:`open` adds a communication and returns its row index; :meth:`ipcc`,
    :meth:`ipmmcc` and the encoders of :meth:`content_encoder` write its CC PDUs, numbered
    with its CC numbering (TS 102 232-1 5.2.5); :meth:`builder` gives a
    :class:`PSPDUBuilder` of the row for its IRI and TRI PDUs; :meth:`close` frees the row,
    whose index a later :meth:`open` may reuse. Opening and closing are thread-safe, and so
    is encoding (each row's numbering is atomic).
    """

    __slots__ = ("__weakref__", "_encoders", "_free", "_from_target", "_identities", "_lock",
                 "_rows", "_shape", "_stride", "_time_source", "_to_target", "cc_obj_ids",
                 "clock", "counters", "interception_point", "spec", "time_stamp_qualifier",
                 "time_stamps")

    def __init__(
        self,
        *,
        spec: Specification | None = None,
        counters: SequenceCounters | None = None,
        clock: Clock | None = None,
        time_stamps: TimeStamps = "microSecondTimeStamp",
        interception_point: bool = False,
        time_stamp_qualifier: str | None = None,
    ) -> None:
        require_choice(time_stamps, ("microSecondTimeStamp", "timeStamp", "both"),
                       "time_stamps")
        require_instance(interception_point, bool, "interception_point")
        if time_stamp_qualifier is not None:
            require_instance(time_stamp_qualifier, str, "time_stamp_qualifier")
        self.spec = spec if spec is not None else default_specification()
        self.counters = counters if counters is not None else SequenceCounters()
        require_instance(self.counters, SequenceCounters, "counters")
        self.clock = clock if clock is not None else DEFAULT_CLOCK
        self.time_stamps: TimeStamps = time_stamps
        self.interception_point = interception_point
        self.time_stamp_qualifier = time_stamp_qualifier
        domain = self.spec.values.get("li-psDomainId")
        if not isinstance(domain, str):
            raise ValueError("spec must have the LI-PS-PDU module (li-psDomainId)")
        self._shape: HeaderShape = header_shape(self.spec, domain, time_stamps,
                                                interception_point,
                                                time_stamp_qualifier is not None)
        self._time_source = self.clock.time_source
        # One list, a row after the other: the octets of each encoded hole of the header
        # (usually one: "ids") and the count, side by side in memory, so that a PDU of one
        # of many rows reads one place of the list (and the two objects it points to).
        self._stride = len(self._shape.constants) + 1
        self._rows: list[bytes | Iterator[int] | None] = []
        self._identities: list[SessionIdentity | None] = []
        self._free: list[int] = []
        self._lock = threading.Lock()
        self._encoders: dict[object, TableEncoder] = {}
        self._from_target: TableEncoder | None = None
        self._to_target: TableEncoder | None = None
        values = self.spec.values
        self.cc_obj_ids: dict[str, str] = {
            name: value for name in ("iPCCObjId", "iPMMCCObjId")
            if isinstance(value := values.get(name), str)
        }
        """The CC object identifiers of the specification the table uses (TS 102 232-3
        iPCCObjId, TS 102 232-5 iPMMCCObjId)."""

    def __len__(self) -> int:
        """The number of open rows."""
        return len(self._identities) - len(self._free)

    # -- rows -----------------------------------------------------------------------------

    def open(self, identity: SessionIdentity) -> int:
        """Add the communication of ``identity`` (which must have a CIN, TS 102 232-1 5.2.4)
        and return its row index. Its header octets are encoded here, once: a bad identifier
        raises :class:`~lawful_intercept.EncodeError` naming the member."""
        require_instance(identity, SessionIdentity, "identity")
        cin = identity.cin
        if cin is None:
            raise EncodeError("the session identity has no CIN (TS 102 232-1 5.2.4)",
                              "communicationIdentityNumber")
        fields = identity.ps_header_fields()
        if ("interceptionPointID" in fields) != self.interception_point:
            have, this = (("have", "has none") if self.interception_point
                          else ("have no", "has one"))
            raise ValueError(f"identity: this table's communications {have} "
                             f"interceptionPointID (interception_point="
                             f"{self.interception_point}; TS 102 232-1 5.2.7), this identity "
                             f"{this}")
        if self.time_stamp_qualifier is not None:
            fields["timeStampQualifier"] = self.time_stamp_qualifier
        octets = self._shape.pre_encode(fields)
        count = self.counters.counter(identity.liid, cin, "CC").counting()
        with self._lock:
            if self._free:
                index = self._free.pop()
                start = index * self._stride
                self._rows[start:start + self._stride] = (*octets, count)
                self._identities[index] = identity
            else:
                index = len(self._identities)
                self._rows.extend((*octets, count))
                self._identities.append(identity)
        return index

    def close(self, index: int) -> None:
        """Free the row ``index`` (its octets and its handle on the numbering; the numbering
        itself stays in :attr:`counters` until ``SequenceCounters.forget``). The index may be
        given to a later :meth:`open`."""
        with self._lock:
            self._check(index)
            start = index * self._stride
            self._rows[start:start + self._stride] = (None,) * self._stride
            self._identities[index] = None
            self._free.append(index)

    def identity(self, index: int) -> SessionIdentity:
        """The identity the row ``index`` was opened with."""
        identity = self._identities[self._check(index)]
        assert identity is not None
        return identity

    def builder(self, index: int) -> PSPDUBuilder:
        """A :class:`PSPDUBuilder` of the row ``index`` (its IRI, TRI and any other PDU), with
        this table's options: it numbers with the same counters, so its CC PDUs and the
        table's share one numbering (TS 102 232-1 5.2.5)."""
        return PSPDUBuilder(self.identity(index), spec=self.spec, counters=self.counters,
                            clock=self.clock, time_stamps=self.time_stamps,
                            time_stamp_qualifier=self.time_stamp_qualifier)

    def _check(self, index: object) -> int:
        if type(index) is not int or not 0 <= index < len(self._identities):
            raise ValueError(f"index: {index!r} {_CLOSED} (0..{len(self._identities) - 1})")
        if self._identities[index] is None:
            raise ValueError(f"index: {index} {_CLOSED} (it was closed)")
        return index

    # -- CC ---------------------------------------------------------------------------------

    def ipcc(self, index: int, packet: bytes, direction: str, *,
             time: int | None = None) -> bytes:
        """The IPCC PS-PDU of row ``index`` carrying one IP packet (TS 102 232-3 6.1,
        iPPackets) sent in ``direction`` (the payloadDirection, TS 102 232-1): the octets
        :meth:`IPAccessRecords.ipcc` writes for the same communication."""
        if direction == "fromTarget":
            emit = self._from_target
        elif direction == "toTarget":
            emit = self._to_target
        else:
            emit = self._encoders.get(("iPCC", direction)) if type(direction) is str else None
        if emit is None:
            emit = self.ipcc_encoder(direction)
        return emit(index, packet, time)

    def ipcc_encoder(self, direction: str) -> TableEncoder:
        """The function ``(index, packet, time=None) -> bytes`` of :meth:`ipcc` for
        ``direction``: the leanest per-PDU call."""
        key = ("iPCC", direction)
        emit = self._encoders.get(key) if type(direction) is str else None
        if emit is None:
            payload = ipcc_payload(self._obj_id("iPCCObjId"), direction)
            emit = self._keep(key, self.content_encoder(key, payload, field="iPPackets"))
            # The two usual directions in slots of their own: no key to build per PDU.
            if direction == "fromTarget":
                self._from_target = emit
            elif direction == "toTarget":
                self._to_target = emit
        return emit

    def ipmmcc(self, index: int, frame: bytes, direction: str, *,
               frame_type: str | None = "ipFrame", stream_id: int | bytes | None = None,
               protocol: str | None = AUTO, time: int | datetime | None = None) -> bytes:
        """The IPMMCC PS-PDU of row ``index`` carrying one media frame (TS 102 232-5 clause
        6), with the arguments of :meth:`IPMMRecords.cc` and the same octets."""
        key = ("iPMMCC", direction, frame_type, stream_id, protocol)
        try:
            emit = self._encoders[key]
        except (KeyError, TypeError):  # new, or unhashable and about to be refused
            emit = self.ipmmcc_encoder(direction, frame_type=frame_type, stream_id=stream_id,
                                       protocol=protocol)
        return emit(index, frame, time)

    def ipmmcc_encoder(self, direction: str, *, frame_type: str | None = "ipFrame",
                       stream_id: int | bytes | None = None,
                       protocol: str | None = AUTO) -> TableEncoder:
        """The function ``(index, frame, time=None) -> bytes`` of :meth:`ipmmcc` for these
        arguments (TS 102 232-5 clause 6)."""
        spec = self.spec
        key, payload, stream = ipmmcc_payload(
            self._obj_id("iPMMCCObjId"), enum_names(spec, "IPMultimediaPDU.FrameType"),
            enum_names(spec, "IPMultimediaPDU.MMCCprotocol"), direction, frame_type,
            stream_id, protocol)
        emit = self.content_encoder(key, payload, field="mMCCContents",
                                    constants={"stream": stream})
        if stream_id is not None and type(stream_id) not in (int, bytes):
            return emit  # e.g. a bytearray, which cannot be a key: made again each time
        return self._keep(("iPMMCC", direction, frame_type, stream_id, protocol), emit)

    def content_encoder(self, key: object, payload: object, *, field: str = "content",
                        constants: Mapping[str, Mapping[str, Any]] | None = None,
                        ) -> TableEncoder:
        """The CC hot path of any service for the rows of this table: a function
        ``(index, content, time=None) -> bytes`` writing the PS-PDU of ``payload`` (a Payload
        value with one ``Hole("content")``) with the header of row ``index``, numbered with
        its CC numbering (TS 102 232-1 5.2.5). ``key``, ``payload``, ``field`` and
        ``constants`` are those of :meth:`PSPDUBuilder.content_encoder`, whose template and
        code this shares; ``constants`` are the same for every row.

        A bad call (content not bytes, a bad time, an index not open) raises before a
        number is taken: the numbering stays gapless."""
        shape = self._shape
        template, extra, octets = shape.content_template(key, payload, constants)
        fn = shape.shared_encoder((key, field, extra, "table"),
                                  lambda: _table_encoder(shape, template, field,
                                                         shape.constants, extra))
        return bind(fn, (self._rows, self._identities, self._time_source, self, *octets))

    def _keep(self, key: object, emit: TableEncoder) -> TableEncoder:
        encoders = self._encoders
        if len(encoders) >= _ENCODERS_KEPT:  # e.g. one per RTP stream: bounded, made again
            encoders.clear()
        encoders[key] = emit
        return emit

    def _obj_id(self, name: str) -> str:
        value = self.cc_obj_ids.get(name)
        if value is None:
            raise ValueError(f"spec: the specification has no value {name}")
        return value

    def _general(self, template: Template, field: str, names: tuple[str, ...],
                 data: tuple[Any, ...], index: object, content: object,
                 time: int | datetime | None) -> bytes:
        """The checked path of a table encoder: every argument checked before a number is
        taken; any time-stamp mode."""
        self._check(index)
        assert type(index) is int
        if type(content) is not bytes:
            if not isinstance(content, (bytearray, memoryview)):
                raise EncodeError(f"{field} must be bytes, got {type(content).__name__}",
                                  field)
            content = bytes(content)
        ns = self._time_source() if time is None else time
        args = time_arguments(self.clock, self.time_stamps, ns)
        start = index * self._stride
        args.update(zip(self._shape.constants, self._rows[start:start + self._stride - 1],
                        strict=True))
        args.update(zip(names, data[4:], strict=True))
        return template.encode(seq=self._take(index), content=content, **args)

    def _take(self, index: int, value: int | None = None) -> int:
        """The next CC sequenceNumber of row ``index`` (``value``: a raw count already
        taken), with the numbering's rule past 4294967295 (TS 102 232-1 5.2.5)."""
        if value is None:
            count = self._rows[index * self._stride + self._stride - 1]
            assert isinstance(count, Iterator)
            value = next(count)
        if value > 4294967295:
            identity = self.identity(index)
            cin = identity.cin
            assert cin is not None
            return self.counters.counter(identity.liid, cin, "CC").past_max(value)
        return value


def _table_encoder(shape: HeaderShape, template: Template, field: str,
                   constants: tuple[str, ...], extra: tuple[str, ...]) -> TableEncoder:
    """The code of :meth:`SessionTable.content_encoder`, shared by the tables of ``shape``:
    ``f(data, index, content, time=None)`` where ``data`` is ``(rows, identities, now,
    table, *extra_octets)``: the table's list of rows (per row, the octets of the header's
    encoded holes ``constants`` and the count), its list of identities (``None`` for a
    closed row), its time source, the table, and the octets of the payload's encoded holes
    ``extra``, the same for every row."""

    def general(data: tuple[Any, ...], index: object, content: object,
                time: int | datetime | None = None) -> bytes:
        table: SessionTable = data[3]
        return table._general(template, field, extra, data, index, content, time)

    if shape.time_stamps != "microSecondTimeStamp":
        return general
    stride = len(constants) + 1
    if stride == 2:  # the usual shape: the identifiers only
        row = ["at = index + index", f"{constants[0]} = rows[at]", "count = rows[at + 1]"]
    else:
        row = [f"at = index * {stride}",
               *(f"{name} = rows[at + {i}]" for i, name in enumerate(constants)),
               f"count = rows[at + {stride - 1}]"]
    # The common path in one function: row, content and time checked, clock read and number
    # taken (in that order, so that nothing is numbered for a bad call), then the encoding.
    return template.specialize(
        "data, index, content, time=None",
        [
            f"rows, identities, now, table, {', '.join(extra)}{',' if extra else ''} = data",
            "if type(index) is not int or not 0 <= index < len(identities) or "
            "type(content) is not bytes or (time is not None and "
            "not (type(time) is int and 0 <= time < {limit})):",
            "    return {general}(data, index, content, time)",
            *row,
            "if count is None:",
            "    return {general}(data, index, content, time)",
            "ns = now() if time is None else time",
            "seq = next(count)",
            "if seq > 4294967295: seq = table._take(index, seq)",
            "sec = ns // 1000000000",
            "usec = ns // 1000 % 1000000",
        ],
        {"general": general, "limit": NS_LIMIT},
        trusted=("seq", "sec", "usec", "content", *constants, *extra),
    )
