"""Sans-IO framing of a handover byte stream into BER PDUs (ETSI TS 102 232-1 clause 6).

ETSI TS 102 232-1 clause 6 (transport) sends the PS-PDUs of a handover connection back to
back over TCP (or TLS over TCP) with no framing of their own: a receiver finds where each PDU
ends from the identifier and length octets of its outermost BER encoding (ITU-T X.690 8.1.2,
8.1.3): a definite length in the short or long form (X.690 8.1.3.4, 8.1.3.5, including the
non-minimal long forms such as ``30 82 00 9d`` that BER allows and real senders emit), or the
indefinite form ``30 80 … 00 00`` that ends with end-of-contents octets (X.690 8.1.3.6,
8.1.5). TS 101 671, 3GPP TS 33.108 and TS 33.128 deliveries over TCP are framed the same way.

This module does no I/O (in the style of ``h11``): the caller reads from a socket, a file or a
capture and hands the bytes over.

* :class:`PDUReader` takes chunks of a byte stream, split anywhere, with :meth:`~PDUReader.feed`
  and returns every PDU completed by each chunk: the exact bytes received, the PDU's position in
  the stream and, when a :class:`~lawful_intercept.Specification` is given, the decoded value
  (or the :class:`~lawful_intercept.DecodeError` of a PDU that is framed correctly but does not
  decode).  :meth:`~PDUReader.eof` tells it the stream has ended.
* :class:`PDUWriter` joins encoded PDUs into buffers of a bounded size, one ``send`` each.
* :func:`iter_pdus` frames an iterable of chunks (a file read in blocks, say) in one call.

A reader never buffers more than one PDU: ``max_pdu_size`` contents octets plus its identifier
and length octets (and, while an indefinite-length PDU is open, the two end-of-contents octets
and one partial nested header of at most 14 octets).  A stream that cannot be framed raises
:class:`FramingError`; BER carries no synchronisation marks, so the reader cannot find the next
PDU after that and stays failed (a LEMF closes such a connection).

Example::

    reader = PDUReader(spec)                 # spec = lawful_intercept.bundled()
    while data := sock.recv(65536):
        for pdu in reader.feed(data):
            handle(pdu.value if pdu.error is None else pdu.error)
    reader.eof()                             # FramingError if the peer stopped inside a PDU

See ``docs/concepts.md`` (how a handover stream is framed) and ``docs/delivery.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from ._checks import require_int
from .ber import DEFAULT_MAX_DEPTH, MAX_LENGTH_OCTETS, BytesLike, decode_tag
from .catalog import PS_PDU
from .errors import DecodeError, FramingError, StreamError

if TYPE_CHECKING:
    from .asn1c import Specification

__all__ = [
    "DEFAULT_MAX_BATCH_BYTES",
    "DEFAULT_MAX_PDU_SIZE",
    "MAX_HEADER_SIZE",
    "PDU",
    "FramingError",
    "PDUReader",
    "PDUWriter",
    "StreamCutter",
    "decode_first",
    "iter_pdus",
]

DEFAULT_MAX_PDU_SIZE: Final = 16 * 1024 * 1024
"""Default bound on the contents octets of one PDU (16 MiB)."""

DEFAULT_MAX_BATCH_BYTES: Final = 64 * 1024
"""Default size of the buffers :class:`PDUWriter` builds (64 KiB)."""

MAX_HEADER_SIZE: Final = 5 + 1 + MAX_LENGTH_OCTETS
"""Most identifier and length octets one TLV header can have here: five identifier octets
(tag numbers up to :data:`lawful_intercept.ber.MAX_TAG_NUMBER`, X.690 8.1.2.4) and a long-form
length with at most :data:`lawful_intercept.ber.MAX_LENGTH_OCTETS` subsequent octets (X.690
8.1.3.5)."""


@dataclass(frozen=True, slots=True)
class PDU:
    """One PDU framed from a stream (ETSI TS 102 232-1 clause 6; X.690 8.1).

    ``raw`` is exactly the octets received, from the first identifier octet to the last
    contents octet (or the end-of-contents octets of an indefinite length), length forms kept
    as sent.  ``offset`` is the position of its first octet in the stream.  With a
    specification, ``value`` is the decoded value and ``error`` is ``None``; if the octets
    frame correctly but do not decode, ``value`` is ``None`` and ``error`` the
    :class:`~lawful_intercept.DecodeError` (its ``offset`` counts from the start of ``raw``).
    Without a specification both are ``None``.
    """

    raw: bytes
    offset: int
    value: Any = None
    error: DecodeError | None = None

    @property
    def length(self) -> int:
        """Number of octets of the PDU (``len(raw)``)."""
        return len(self.raw)

    @property
    def end(self) -> int:
        """Stream position just past the PDU (``offset + length``)."""
        return self.offset + len(self.raw)


_E = TypeVar("_E", bound=StreamError)


class StreamCutter(Generic[_E]):
    """What a sans-IO reader that cuts a byte stream into PDUs keeps: the octets of the PDU
    in progress, the bound on a PDU's size, the error that stopped it (a stream without
    synchronisation marks cannot be read past a fault: a failed reader stays failed) and its
    counters. The base of :class:`PDUReader` (BER, TS 102 232-1 clause 6) and
    :class:`~lawful_intercept.x2x3.X2X3Reader` (TS 103 221-2 clause 5)."""

    def __init__(self, max_pdu_size: int) -> None:
        self._max = max_pdu_size
        self._buf = bytearray()
        self._error: _E | None = None
        self.pdu_count = 0
        """Number of PDUs returned so far."""
        self.byte_count = 0
        """Number of octets fed so far."""

    @property
    def pending_bytes(self) -> int:
        """Octets of a PDU begun but not completed (0 at a PDU boundary)."""
        return len(self._buf)

    @property
    def failed(self) -> _E | None:
        """The error that stopped the reader, or ``None``."""
        return self._error

    @property
    def max_pdu_size(self) -> int:
        """The bound on the size of one PDU (what it counts: see the reader)."""
        return self._max

    def _fail(self, exc: _E, done: list[Any]) -> None:
        """Stop for good at ``exc``, which carries the PDUs ``done`` before the fault."""
        exc.pdus = tuple(done)
        self._error = exc
        self._buf = bytearray()


class PDUReader(StreamCutter[FramingError]):
    """Cut a TCP byte stream into BER PDUs and decode them (ETSI TS 102 232-1 clause 6).

    Feed the stream in chunks of any size with :meth:`feed`; each call returns the PDUs that
    the chunk completed, in stream order, as :class:`PDU` objects.  Call :meth:`eof` when the
    stream ends.

    ``spec`` and ``type_name`` name the type each PDU is decoded as (``PS-PDU`` by default;
    ``strict`` is passed to :meth:`Specification.decode`).  With a specification the outermost
    tag is checked against the tag the type starts with (for a type that has one, i.e. not an
    untagged CHOICE, any of its alternatives' tags): a stream of some other protocol fails at
    its first octet instead of being cut into nonsense.  Without one, PDUs are only framed.

    Framing follows X.690 8.1.2 and 8.1.3: short, long and non-minimal long definite lengths
    and the indefinite form, whose end is found by following the nested TLVs down to the
    matching end-of-contents octets (X.690 8.1.5), at most 64 levels deep.  The scan is
    incremental: its position and depth are kept between chunks, a nested definite-length TLV
    is skipped by its length without looking at its contents, and only a nested header cut by
    a chunk boundary is read again (at most 14 octets).  Each octet of the stream is therefore
    looked at a bounded number of times, and a reader fed one byte at a time does O(1) work per
    byte; feeding is linear in the stream length whatever the chunking.  Complete PDUs that lie
    wholly inside a chunk are sliced out of it without going through the buffer.

    Memory: only the PDU in progress is buffered.  A definite length above ``max_pdu_size``
    is refused as soon as its length octets arrive, before anything is buffered; an
    indefinite-length PDU is refused as soon as its contents so far (or a nested definite
    length) exceed ``max_pdu_size``.  The buffer never exceeds ``max_pdu_size`` plus the
    PDU's header, its end-of-contents and one partial nested header.

    Errors: invalid framing raises :class:`FramingError` with the stream offset; the reader
    then stays failed and every later :meth:`feed` or :meth:`eof` raises the same error.

    Counters: :attr:`pdu_count` (PDUs returned), :attr:`byte_count` (octets fed),
    :attr:`pending_bytes` (octets of an incomplete PDU held).
    """

    def __init__(
        self,
        spec: Specification | None = None,
        type_name: str = PS_PDU,
        *,
        max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
        strict: bool = True,
    ) -> None:
        require_int(max_pdu_size, "max_pdu_size", low=0)
        super().__init__(max_pdu_size)
        self._spec = spec
        self._type_name = type_name
        self._strict = strict
        self._first_tags: frozenset[tuple[int, int]] | None = None
        if spec is not None:
            self._first_tags = _first_tags(spec.get_type(type_name), set())
        self._next = 0  # stream offset of the PDU in progress (or of the next one)
        self._reset_state()

    # -- public interface -------------------------------------------------------------------

    def feed(self, data: BytesLike) -> list[PDU]:
        """Take the next chunk of the stream; return the PDUs it completes, in order.

        Any chunk size works, including empty chunks and chunks that end inside a header.
        Raises :class:`FramingError` (with ``pdus`` set to the PDUs completed earlier in the
        same chunk) if the stream cannot be framed.
        """
        if self._error is not None:
            raise self._error
        view = data if isinstance(data, bytes | bytearray) else memoryview(data).cast("B")
        n = len(view)
        out: list[PDU] = []
        pos = 0
        chunk_base = self.byte_count
        try:
            while pos < n:
                if self._buf:
                    pos = self._feed_buffered(view, pos, n, out)
                    continue
                # At a PDU boundary: frame straight from the chunk, no copy.
                self._next = chunk_base + pos
                end = self._advance(view, pos, n)
                if end is None:
                    self._buf += view[pos:]
                    pos = n
                else:
                    if pos == 0 and end == n and type(view) is bytes:
                        raw = view
                    else:
                        raw = bytes(view[pos:end])
                    out.append(self._emit(raw))
                    pos = end
        except FramingError as exc:
            self.byte_count = chunk_base + n
            self._fail(exc, out)
            raise
        self.byte_count = chunk_base + n
        return out

    def eof(self) -> None:
        """Declare the end of the stream (the peer closed the connection).

        Returns quietly at a PDU boundary.  Raises :class:`FramingError`, at the offset of
        the incomplete PDU, if :attr:`pending_bytes` octets of a PDU have arrived without the
        rest (TS 102 232-1 clause 6: a PDU is only complete with all the octets its header
        announces).
        """
        if self._error is not None:
            raise self._error
        if self._buf:
            if self._total >= 0:
                detail = f"{len(self._buf)} of its {self._total} octets"
            elif self._hdr:
                detail = (f"{len(self._buf)} octets of an indefinite-length encoding without "
                          "its end-of-contents octets (X.690 8.1.5)")
            else:
                detail = f"{len(self._buf)} octets of its header"
            exc = FramingError(f"stream ended inside a PDU: received {detail}",
                               offset=self._next)
            self._fail(exc, [])
            raise exc

    # -- framing -------------------------------------------------------------------------

    def _reset_state(self) -> None:
        self._hdr = 0  # header length of the PDU in progress, 0 while not yet known
        self._total = -1  # total length if definite, else -1
        self._scan = 0  # indefinite form: offset (from the PDU start) of the next nested TLV
        self._depth = 0  # indefinite form: open indefinite-length encodings

    def _emit(self, raw: bytes) -> PDU:
        offset = self._next
        self._next = offset + len(raw)
        self._reset_state()
        self.pdu_count += 1
        if self._spec is None:
            return PDU(raw, offset)
        try:
            value = self._spec.decode(self._type_name, raw, strict=self._strict)
        except DecodeError as exc:
            return PDU(raw, offset, None, exc)
        return PDU(raw, offset, value)

    def _feed_buffered(self, view: BytesLike, pos: int, n: int, out: list[PDU]) -> int:
        """Add octets of ``view`` from ``pos`` to the PDU in progress; return the new pos."""
        buf = self._buf
        have = len(buf)
        if not self._hdr:
            want = MAX_HEADER_SIZE + 2 - have
        elif self._total >= 0:
            want = self._total - have
        else:
            want = self._hdr + self._max + 2 + MAX_HEADER_SIZE - have
        if want <= 0:  # cannot happen: the scan refuses such a PDU first
            raise FramingError(
                f"PDU exceeds max_pdu_size ({self._max} contents octets)", offset=self._next
            )
        piece = view[pos : pos + want]
        buf += piece
        end = self._advance(buf, 0, len(buf))
        if end is None:
            return pos + len(piece)
        surplus = len(buf) - end
        if surplus:
            del buf[end:]
        raw = bytes(buf)
        self._buf = bytearray()
        out.append(self._emit(raw))
        return pos + len(piece) - surplus

    def _advance(self, data: BytesLike, base: int, end: int) -> int | None:
        """Continue framing the PDU that starts at ``data[base]``; ``data[base:end]`` is all
        of it received so far.  Return the offset just past the PDU, or ``None`` if more
        octets are needed."""
        if not self._hdr and not self._outer_header(data, base, end):
            return None
        if self._total >= 0:
            stop = base + self._total
            return stop if stop <= end else None
        return self._scan_indefinite(data, base, end)

    def _error_at(self, message: str, base: int, pos: int) -> FramingError:
        return FramingError(message, offset=self._next + (pos - base))

    def _header(
        self, data: BytesLike, base: int, pos: int, end: int
    ) -> tuple[int, bool, int, int | None, int] | None:
        """Read the identifier and length octets at ``pos``: ``(cls, constructed, number,
        length or None for indefinite, header end)``, or ``None`` when they are incomplete.
        Invalid octets raise :class:`FramingError` (X.690 8.1.2, 8.1.3)."""
        if data[pos] & 0x1F == 0x1F:
            # High tag number form (X.690 8.1.2.4): complete at the first subsequent octet
            # with bit 8 clear.  decode_tag judges it once it is complete or already invalid
            # (first subsequent octet 0x80, or four subsequent octets all with bit 8 set).
            q = pos + 1
            while q < end and q - pos < 5 and data[q] >= 0x80 and (q > pos + 1 or data[q] != 0x80):
                q += 1
            if q >= end and q - pos < 5:
                return None
        try:
            cls, constructed, number, p = decode_tag(data, pos, end)
        except DecodeError as exc:
            where = exc.offset if exc.offset is not None else pos
            raise self._error_at(exc.message, base, where) from None
        if p >= end:
            return None
        lead = data[p]
        if lead < 0x80:
            return cls, constructed, number, lead, p + 1
        if lead == 0x80:
            if not constructed:
                raise self._error_at(
                    "indefinite length on a primitive encoding (X.690 8.1.3.2 a)", base, pos
                )
            return cls, constructed, number, None, p + 1
        if lead == 0xFF:
            raise self._error_at(
                "length octet 0xFF is reserved for future extension (X.690 8.1.3.5 c)", base, p
            )
        count = lead & 0x7F
        if count > MAX_LENGTH_OCTETS:
            raise self._error_at(
                f"long form length uses {count} subsequent octets; at most "
                f"{MAX_LENGTH_OCTETS} are supported (X.690 8.1.3.5)",
                base,
                p,
            )
        stop = p + 1 + count
        if stop > end:
            return None
        length = int.from_bytes(data[p + 1 : stop], "big")
        return cls, constructed, number, length, stop

    def _outer_header(self, data: BytesLike, base: int, end: int) -> bool:
        if data[base] == 0:
            raise self._error_at(
                "octets 00 where a PDU should start: end-of-contents octets outside an "
                "indefinite-length encoding, or padding (X.690 8.1.5; TS 102 232-1 clause 6)",
                base,
                base,
            )
        head = self._header(data, base, base, end)
        if head is None:
            return False
        cls, _, number, length, stop = head
        if self._first_tags is not None and (cls, number) not in self._first_tags:
            expected = ", ".join(_tag_text(*t) for t in sorted(self._first_tags)[:4])
            more = ", ..." if len(self._first_tags) > 4 else ""
            raise self._error_at(
                f"a {self._type_name} starts with tag {expected}{more}, the stream has "
                f"{_tag_text(cls, number)} (X.690 8.1.2): not a stream of {self._type_name} "
                "PDUs",
                base,
                base,
            )
        hdr = stop - base
        if length is None:
            self._total = -1
            self._scan = hdr
            self._depth = 1
        else:
            if length > self._max:
                raise self._error_at(
                    f"declared length {length} exceeds max_pdu_size ({self._max} contents "
                    "octets) (X.690 8.1.3)",
                    base,
                    base,
                )
            self._total = hdr + length
        self._hdr = hdr
        return True

    def _scan_indefinite(self, data: BytesLike, base: int, end: int) -> int | None:
        """Follow the nested TLVs of an indefinite-length PDU (X.690 8.1.3.6, 8.1.5)."""
        pos = base + self._scan
        depth = self._depth
        limit = base + self._hdr + self._max  # contents may not extend past this
        try:
            while True:
                if pos > limit:
                    raise self._error_at(
                        f"indefinite-length PDU exceeds max_pdu_size ({self._max} contents "
                        "octets)",
                        base,
                        base,
                    )
                if pos >= end:
                    return None
                if data[pos] == 0:
                    if pos + 1 >= end:
                        return None
                    if data[pos + 1] != 0:
                        raise self._error_at(
                            "end-of-contents octets must be 00 00 (X.690 8.1.5)", base, pos
                        )
                    depth -= 1
                    if depth == 0:
                        return pos + 2
                    pos += 2
                    continue
                head = self._header(data, base, pos, end)
                if head is None:
                    return None
                length, stop = head[3], head[4]
                if length is None:
                    depth += 1
                    if depth > DEFAULT_MAX_DEPTH:
                        raise self._error_at(
                            f"indefinite-length nesting deeper than {DEFAULT_MAX_DEPTH} levels",
                            base,
                            pos,
                        )
                    pos = stop
                else:
                    pos = stop + length
        finally:
            self._scan = pos - base
            self._depth = depth


def _tag_text(cls: int, number: int) -> str:
    return f"[{('UNIVERSAL ', 'APPLICATION ', '', 'PRIVATE ')[cls]}{number}]"


def _first_tags(t: Any, seen: set[int]) -> frozenset[tuple[int, int]] | None:
    """The (class, number) pairs an encoding of the model type ``t`` can start with (X.680
    8.6): its outermost tag, or for an untagged CHOICE its alternatives' (X.680 29.5).
    ``None`` if any tag is possible (an untagged open type)."""
    if t.tags:
        return frozenset({(int(t.tags[0].cls), t.tags[0].number)})
    if t.body.kind.name != "CHOICE":
        return None
    if id(t.body) in seen:
        return frozenset()
    seen.add(id(t.body))
    tags: set[tuple[int, int]] = set()
    for component in t.body.components:
        inner = _first_tags(component.type, seen)
        if inner is None:
            return None
        tags |= inner
    return frozenset(tags)


def decode_first(spec: Specification, data: BytesLike, type_names: Iterable[str]
                 ) -> tuple[str, Any]:
    """Decode ``data`` (one framed PDU) as the first of ``type_names`` it fits, strictly:
    ``(type name, value)``. For streams whose type is not known beforehand (a file that may
    hold PS-PDUs or ATIS or PacketCable PDUs). Raises the :class:`DecodeError` of the first
    type when none fits, and ``ValueError`` when ``type_names`` is empty."""
    first_error: DecodeError | None = None
    for type_name in type_names:
        try:
            return type_name, spec.decode(type_name, bytes(data))
        except DecodeError as exc:
            first_error = first_error or exc
    if first_error is None:
        raise ValueError("type_names: give at least one type")
    raise first_error


def iter_pdus(
    chunks: Iterable[BytesLike],
    spec: Specification | None = None,
    type_name: str = PS_PDU,
    *,
    max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    strict: bool = True,
) -> Iterator[PDU]:
    """Frame (and decode) the PDUs of a stream given as chunks (TS 102 232-1 clause 6).

    A :class:`PDUReader` fed with every chunk in turn; PDUs are yielded as soon as they are
    complete, and :meth:`PDUReader.eof` is called at the end.  A stream that cannot be framed
    or stops inside a PDU raises :class:`FramingError` after every complete PDU before the
    fault has been yielded.
    """
    reader = PDUReader(spec, type_name, max_pdu_size=max_pdu_size, strict=strict)
    for chunk in chunks:
        try:
            pdus = reader.feed(chunk)
        except FramingError as exc:
            yield from exc.pdus
            raise
        yield from pdus
    reader.eof()


class PDUWriter:
    """Join encoded PDUs into buffers of one ``send`` each (TS 102 232-1 clause 6).

    The handover stream is the PDUs back to back with no framing of their own, so a sender may
    cut it anywhere; joining small PDUs saves system calls and TCP segments.  :meth:`add`
    queues a PDU; :meth:`batches` hands out the queue as buffers of at most
    ``max_batch_bytes`` octets each, made of whole PDUs in order (a PDU is never split
    across buffers; one larger than ``max_batch_bytes`` is a buffer of its own);
    :meth:`flush` hands out the whole queue as one buffer (for ``sendall``).

    Example::

        writer = PDUWriter()
        for pdu in encoded_pdus:
            writer.add(pdu)
        for buffer in writer.batches():
            sock.sendall(buffer)
    """

    def __init__(self, max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES) -> None:
        require_int(max_batch_bytes, "max_batch_bytes", low=1)
        self.max_batch_bytes = max_batch_bytes
        """The size bound of the buffers :meth:`batches` builds."""
        self._queue: list[bytes] = []
        self._head = 0  # index of the first queued PDU not yet handed out
        self._pending = 0
        self.pdu_count = 0
        """Number of PDUs handed out so far."""
        self.byte_count = 0
        """Number of octets handed out so far."""

    @property
    def pending_bytes(self) -> int:
        """Octets queued and not yet handed out."""
        return self._pending

    @property
    def pending_pdus(self) -> int:
        """PDUs queued and not yet handed out."""
        return len(self._queue) - self._head

    def add(self, pdu: BytesLike) -> None:
        """Queue one encoded PDU (a complete BER TLV; not checked).  Empty input is ignored."""
        data = pdu if type(pdu) is bytes else bytes(pdu)
        if data:
            self._queue.append(data)
            self._pending += len(data)

    def batches(self) -> Iterator[bytes]:
        """Hand out every queued PDU, as buffers of whole PDUs of at most
        ``max_batch_bytes`` octets (a larger PDU alone), greedily in order.  PDUs leave the
        queue as their buffer is yielded: stopping the iteration early leaves the rest queued,
        and PDUs added meanwhile are handed out too."""
        limit = self.max_batch_bytes
        while self._head < len(self._queue):
            queue = self._queue
            first = self._head
            size = len(queue[first])
            stop = first + 1
            while stop < len(queue) and size + len(queue[stop]) <= limit:
                size += len(queue[stop])
                stop += 1
            batch = queue[first] if stop == first + 1 else b"".join(queue[first:stop])
            self._advance(stop, size)
            yield batch

    def flush(self) -> bytes:
        """Hand out every queued PDU joined in one buffer (``b""`` if none is queued)."""
        data = b"".join(self._queue[self._head :])
        self._advance(len(self._queue), len(data))
        return data

    def _advance(self, stop: int, size: int) -> None:
        self.pdu_count += stop - self._head
        self.byte_count += size
        self._pending -= size
        if stop == len(self._queue):
            self._queue = []
            self._head = 0
        else:
            self._head = stop
            if stop > 1024 and stop * 2 > len(self._queue):
                del self._queue[:stop]
                self._head = 0
