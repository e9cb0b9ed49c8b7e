"""Sans-IO reader of an X2/X3 byte stream (ETSI TS 103 221-2 clause 5): feed octets, get PDUs.

The PDUs of a TS 103 221-2 connection follow each other with no framing but their own header:
the header length (octets 4-7) and the payload length (octets 8-11) give where each ends.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from typing import Final, NoReturn

from .._checks import require_int
from ..errors import X2X3Error
from ..stream import StreamCutter
from ._attributes import DECODERS, FIXED_SIZES
from ._model import (
    DEFAULT_MAX_PDU_SIZE,
    HEADER_SIZE,
    PayloadDirection,
    PayloadFormat,
    PDUType,
)
from ._pdu import X2X3PDU, wire_pdu

__all__ = ["LENGTHS_SIZE", "X2X3Reader", "decode_pdu"]

LENGTHS_SIZE: Final = 12
"""Octets of the header that fix the PDU's size: version, PDU type, header and payload
lengths. The reader checks the size against its bound as soon as these arrive."""

_FIXED: Final = struct.Struct(">HHIIHH16sQ")
_LENGTHS: Final = struct.Struct(">HHII")
_TL: Final = struct.Struct(">HH")
_NANOSECONDS: Final = struct.Struct(">I").unpack_from
_MAX_LAYOUTS: Final = 64
_Layout = tuple[Callable[[bytes, int], tuple[int, ...]], tuple[int, ...], tuple[int, ...], int]
_PDU_TYPES: Final = {t.value: t for t in PDUType}
_FORMATS: Final = {f.value: f for f in PayloadFormat}
_DIRECTIONS: Final = {d.value: d for d in PayloadDirection}
# XIDs are few (one per task): their UUID objects are made once.
_XIDS: dict[bytes, uuid.UUID] = {}
_XID_CACHE_SIZE: Final = 4096


class X2X3Reader(StreamCutter[X2X3Error]):
    """Cut an X2/X3 byte stream into :class:`X2X3PDU` objects (TS 103 221-2 clause 5).

    Feed chunks of any size with :meth:`feed`; each call returns the PDUs the chunk completed,
    in order. Call :meth:`eof` when the stream ends. Every field is checked: a known PDU type
    (1 X2, 2 X3, 3 keep-alive, 4 keep-alive acknowledgement), a header length of at least 40
    whose attributes fill it exactly, attribute values that keep their type's rule (unknown
    attribute types are kept raw). Any other value of the version, payload format and payload
    direction is kept as a plain ``int``.

    Memory: a PDU's size (header length + payload length) is checked against
    ``max_pdu_size`` as soon as its first 12 octets arrive, before anything more is buffered;
    the reader holds at most one incomplete PDU. PDUs wholly inside a chunk are sliced from it;
    each PDU's ``payload`` is a ``memoryview`` into its ``raw`` octets.

    Errors: malformed input raises :class:`~lawful_intercept.errors.X2X3Error` (and nothing
    else) naming the field and its stream offset, with ``pdus`` holding the PDUs the same chunk
    completed before the fault. The stream has no synchronisation marks, so the reader stays
    failed: every later :meth:`feed` or :meth:`eof` raises the same error.

    Counters: :attr:`pdu_count`, :attr:`byte_count`, :attr:`pending_bytes`.
    """

    def __init__(self, *, max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> None:
        require_int(max_pdu_size, "max_pdu_size", low=HEADER_SIZE)
        super().__init__(max_pdu_size)
        self._want = 0  # total size of the buffered PDU once its lengths are known
        self._layouts: dict[int, _Layout] = {}  # by header length

    def feed(self, data: bytes | bytearray | memoryview) -> list[X2X3PDU]:
        """Take the next chunk of the stream; return the PDUs it completes, in order."""
        if self._error is not None:
            raise self._error
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        view = data if isinstance(data, bytes) else memoryview(data).cast("B")
        n = len(view)
        base = self.byte_count
        out: list[X2X3PDU] = []
        pos = 0
        try:
            if self._buf:
                pos = self._fill(view, base, out)
            # The fast path: PDUs whose fixed header is in the chunk are read with one unpack
            # (lengths and header fields at once); the attributes are checked here, decoded
            # only when the consumer asks (X2X3PDU).
            fixed, check, xids, make = _FIXED.unpack_from, _check_attributes, _XIDS, wire_pdu
            kinds, formats, directions, limit = _PDU_TYPES, _FORMATS, _DIRECTIONS, self._max
            layouts, nanoseconds = self._layouts, _NANOSECONDS
            while n - pos >= HEADER_SIZE:
                (version, kind, header_length, payload_length, fmt, direction, xid,
                 correlation_id) = fixed(view, pos)
                end = pos + header_length + payload_length
                if kind not in kinds or header_length < HEADER_SIZE or end - pos > limit:
                    self._size(view, pos, base + pos)  # raises, naming the field
                if end > n:
                    break
                if type(view) is bytes:  # a slice of bytes is bytes (the chunk if all of it)
                    raw = view if pos == 0 and end == n else view[pos:end]
                else:
                    raw = bytes(view[pos:end])
                timestamp_at = 0
                if header_length > HEADER_SIZE:
                    # A network element sends the same attributes in every PDU: the layout
                    # seen last for this header length is checked with one unpack of every
                    # type and length field and a look at each timestamp's nanoseconds;
                    # anything else takes the full check (which names what is wrong).
                    layout = layouts.get(header_length)
                    fits = layout is not None and layout[0](raw, HEADER_SIZE) == layout[1]
                    if fits:
                        assert layout is not None
                        for at in layout[2]:
                            if nanoseconds(raw, at)[0] > 999_999_999:
                                fits = False
                        timestamp_at = layout[3]
                    if not fits:
                        timestamp_at = check(raw, header_length, base + pos)
                        if len(layouts) >= _MAX_LAYOUTS:
                            layouts.clear()
                        layouts[header_length] = _layout(raw, header_length, timestamp_at)
                task = xids.get(xid)
                if task is None:
                    task = _xid(xid)
                out.append(make(kinds[kind], task, correlation_id, formats.get(fmt, fmt),
                                directions.get(direction, direction), version, raw,
                                base + pos, header_length, timestamp_at))
                pos = end
            if pos < n:
                if n - pos >= LENGTHS_SIZE:
                    self._want = self._size(view, pos, base + pos)
                self._buf += view[pos:]
        except X2X3Error as exc:
            self.byte_count = base + n
            self.pdu_count += len(out)
            self._fail(exc, out)
            raise
        self.byte_count = base + n
        self.pdu_count += len(out)
        return out

    def eof(self) -> None:
        """Declare the end of the stream: quiet at a PDU boundary, else
        :class:`~lawful_intercept.errors.X2X3Error` at the incomplete PDU's offset."""
        if self._error is not None:
            raise self._error
        if self._buf:
            have = len(self._buf)
            detail = (f"{have} of its {self._want} octets" if self._want
                      else f"{have} of the {LENGTHS_SIZE} octets that give its size")
            exc = X2X3Error(f"stream ended inside a PDU: received {detail}", "pdu",
                            self.byte_count - have)
            self._fail(exc, [])
            raise exc

    def _fill(self, view: bytes | memoryview, base: int, out: list[X2X3PDU]) -> int:
        """Add octets to the buffered PDU; return how many of ``view`` were used."""
        buf = self._buf
        start = base - len(buf)  # stream offset of the buffered PDU
        pos = 0
        if not self._want:
            take = LENGTHS_SIZE - len(buf)
            buf += view[:take]
            pos = len(buf) - (LENGTHS_SIZE - take)
            if len(buf) < LENGTHS_SIZE:
                return len(view)
            self._want = self._size(buf, 0, start)
        take = self._want - len(buf)
        piece = view[pos : pos + take]
        buf += piece
        pos += len(piece)
        if len(buf) == self._want:
            raw = bytes(buf)
            self._buf = bytearray()
            self._want = 0
            out.append(_parse(raw, start))
        return pos

    def _size(self, data: bytes | bytearray | memoryview, pos: int, offset: int) -> int:
        """Check the first 12 octets of a PDU; return its total size."""
        _, kind, header_length, payload_length = _LENGTHS.unpack_from(data, pos)
        if kind not in _PDU_TYPES:
            raise X2X3Error(f"unknown PDU type {kind}: must be 1 (X2), 2 (X3), 3 (keep-alive) "
                            "or 4 (keep-alive acknowledgement) (TS 103 221-2 clause 5)",
                            "pdu_type", offset + 2)
        if header_length < HEADER_SIZE:
            raise X2X3Error(f"header length {header_length} is below the {HEADER_SIZE} octets "
                            "of the fixed header (TS 103 221-2 clause 5)",
                            "header_length", offset + 4)
        total: int = header_length + payload_length
        if total > self._max:
            raise X2X3Error(f"PDU of {total} octets (header {header_length}, payload "
                            f"{payload_length}) exceeds max_pdu_size ({self._max})",
                            "payload_length", offset + 8)
        return total


def _xid(xid: bytes) -> uuid.UUID:
    """The UUID of the XID octets ``xid``, made once (XIDs are few: one per task)."""
    if len(_XIDS) >= _XID_CACHE_SIZE:
        _XIDS.clear()
    task = _XIDS[xid] = uuid.UUID(bytes=xid)
    return task


def _parse(raw: bytes, offset: int = 0) -> X2X3PDU:
    """Parse one complete PDU ``raw`` (its size already checked by the reader); ``offset`` is
    its stream position, for errors and for :attr:`X2X3PDU.offset`."""
    (version, kind, header_length, _, fmt, direction, xid, correlation_id
     ) = _FIXED.unpack_from(raw, 0)
    timestamp_at = 0
    if header_length > HEADER_SIZE:
        timestamp_at = _check_attributes(raw, header_length, offset)
    task = _XIDS.get(xid)
    if task is None:
        task = _xid(xid)
    return wire_pdu(_PDU_TYPES[kind], task, correlation_id, _FORMATS.get(fmt, fmt),
                    _DIRECTIONS.get(direction, direction), version, raw, offset, header_length,
                    timestamp_at)


def _layout(raw: bytes, end: int, timestamp_at: int) -> _Layout:
    """The layout of the checked attributes ``raw[40:end]`` (one PDU's): a function
    unpacking every type and length field from octet 40, their values, the positions of the
    timestamps' nanoseconds, and the position of the first timestamp's value (or 0)."""
    tls: list[int] = []
    code = ">"
    nanos: list[int] = []
    pos = HEADER_SIZE
    while pos < end:
        kind, length = _TL.unpack_from(raw, pos)
        tls += (kind, length)
        code += f"HH{length}x" if length else "HH"
        if kind == 9:
            nanos.append(pos + 8)
        pos += 4 + length
    return struct.Struct(code).unpack_from, tuple(tls), tuple(nanos), timestamp_at


def _check_attributes(raw: bytes, end: int, offset: int) -> int:
    """Check the attributes of the header ``raw[40:end]``: their framing, and each value of a
    fixed-size type against its type's rule (text and octet types cannot break one), so that
    decoding them later cannot fail. Makes no object per attribute. Returns the position of
    the first timestamp attribute's value (what the mediation function reads of every PDU),
    or 0."""
    pos = HEADER_SIZE
    index = 0
    timestamp_at = 0
    unpack, sizes = _TL.unpack_from, FIXED_SIZES
    while pos < end:
        if end - pos < 4:
            raise X2X3Error(f"{end - pos} octets left in the header, fewer than an attribute's "
                            "type and length (TS 103 221-2 clause 5)",
                            f"attributes[{index}]", offset + pos)
        kind, length = unpack(raw, pos)
        stop = pos + 4 + length
        if stop > end:
            raise X2X3Error(f"attribute of type {kind} and length {length} runs {stop - end} "
                            f"octets past the header length ({end})",
                            f"attributes[{index}].length", offset + pos + 2)
        size = sizes.get(kind)
        if size is not None:
            if size != length:
                _refuse(raw[pos + 4 : stop], kind, index, offset + pos + 4)
            if kind == 9:
                if _NANOSECONDS(raw, pos + 8)[0] > 999_999_999:
                    _refuse(raw[pos + 4 : stop], kind, index, offset + pos + 4)
                if not timestamp_at:
                    timestamp_at = pos + 4
        index += 1
        pos = stop
    return timestamp_at


def _refuse(octets: bytes, kind: int, index: int, offset: int) -> NoReturn:
    """Raise the X2X3Error of an attribute value that breaks its type's rule, with the rule
    its decoder names."""
    try:
        DECODERS[kind](octets)
    except ValueError as exc:
        raise X2X3Error(f"attribute type {kind}: {exc}", f"attributes[{index}].value",
                        offset) from None
    raise X2X3Error(f"attribute type {kind}: must be {FIXED_SIZES[kind]} octets",
                    f"attributes[{index}].value", offset)


def decode_pdu(data: bytes | bytearray | memoryview, *,
               max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> X2X3PDU:
    """Decode exactly one PDU from ``data`` (TS 103 221-2 clause 5); offsets count from its
    start. :class:`~lawful_intercept.errors.X2X3Error` if ``data`` is not one whole PDU."""
    reader = X2X3Reader(max_pdu_size=max_pdu_size)
    pdus = reader.feed(data)
    reader.eof()
    if len(pdus) != 1:
        raise X2X3Error(f"expected one PDU, found {len(pdus)} in {len(data)} octets", "pdu",
                        pdus[1].offset if pdus else 0)
    return pdus[0]
