"""``decode --type X2X3``: X2/X3 PDUs (ETSI TS 103 221-2) from a raw stream or from the TCP
streams of a pcap/pcapng capture, printed as JSON (:func:`lawful_intercept.x2x3.pdu_to_dict`).
See ``docs/x2x3.md`` and ``docs/cli.md``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from ..files import TcpFlow, read_pcap
from ..stream import PDU, FramingError, PDUReader
from ..x2x3 import X2X3PDU, X2X3Error, X2X3Reader, pdu_to_dict
from ._common import CAPTURE_MAGICS, CHUNK, CLIError, captured, describe_os_error, open_input

__all__ = ["X2X3_TYPE", "decode_x2x3", "is_x2x3_type"]

X2X3_TYPE: Final = "X2X3"
"""The ``--type`` of ``decode`` that reads X2/X3 PDUs instead of BER (any letter case)."""

def is_x2x3_type(name: str | None) -> bool:
    """Whether ``decode --type`` names X2/X3."""
    return name is not None and name.upper() == X2X3_TYPE


class _TcpChunks(PDUReader):
    """A reader for :func:`read_pcap` that frames nothing: each reassembled chunk of a TCP
    direction comes back whole, with its stream offset, for an X2/X3 reader to frame."""

    def feed(self, data: bytes | bytearray | memoryview) -> list[PDU]:
        if not data:
            return []
        chunk = PDU(bytes(data), self.byte_count)
        self.byte_count += len(chunk.raw)
        return [chunk]

    def eof(self) -> None:
        return None


def decode_x2x3(args: argparse.Namespace) -> int:
    """Run ``decode --type X2X3 FILE [--json]``: one JSON object per PDU; exit status 0, or a
    :class:`CLIError` after the PDUs before a fault."""
    name = "<stdin>" if args.file == "-" else args.file
    source = open_input(args.file)
    count = 0
    try:
        head = source.read(4)
        records = (captured(source, head, args.file, name, _flows) if head in CAPTURE_MAGICS
                   else _raw(source, head))
        for record in records:
            count += 1
            _print(record, args.json)
    except X2X3Error as exc:
        raise CLIError(f"{name}: after {count} PDUs: {exc}") from None
    except OSError as exc:
        raise CLIError(describe_os_error(exc, name, "cannot read")) from None
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    sys.stdout.flush()
    return 0


def _print(record: dict[str, Any], compact: bool) -> None:
    if compact:
        print(json.dumps(record, ensure_ascii=True, separators=(",", ":")))
    else:
        print(json.dumps(record, ensure_ascii=True, indent=2))


def _record(pdu: X2X3PDU, flow: TcpFlow | None = None, time: float | None = None
            ) -> dict[str, Any]:
    record: dict[str, Any] = {"offset": pdu.offset, "length": len(pdu.raw)}
    if flow is not None:
        record["flow"] = flow._asdict()
        record["time"] = time
    record.update(pdu_to_dict(pdu))
    return record


class _Broken(list[X2X3PDU]):
    """The PDUs a chunk completed before the stream broke, and the error."""

    def __init__(self, error: X2X3Error) -> None:
        super().__init__(error.pdus)
        error.pdus = ()
        self.error = error


def _feed(reader: X2X3Reader, data: bytes) -> list[X2X3PDU]:
    """``reader.feed(data)``; a stream that breaks after PDUs of this chunk gives them as a
    :class:`_Broken` list (printed, then its error raised), else raises at once."""
    try:
        return reader.feed(data)
    except X2X3Error as exc:
        if not exc.pdus:
            raise
        return _Broken(exc)


def _raw(source: BinaryIO, head: bytes) -> Iterator[dict[str, Any]]:
    reader = X2X3Reader()
    data = head
    while data:
        pdus = _feed(reader, data)
        for pdu in pdus:
            yield _record(pdu)
        if isinstance(pdus, _Broken):
            raise pdus.error
        data = source.read(CHUNK)
    reader.eof()


def _flows(path: str, name: str) -> Iterator[dict[str, Any]]:
    """The X2/X3 PDUs of every TCP direction of a capture, in capture order. A direction
    whose first octets are not an X2/X3 header is other traffic: skipped, with a note on
    stderr. A direction that breaks after some PDUs ends the command with its error."""
    readers: dict[TcpFlow, X2X3Reader] = {}
    skipped: set[TcpFlow] = set()
    try:
        for chunk in read_pcap(path, reader_factory=_TcpChunks):
            flow = chunk.flow
            if flow in skipped:
                continue
            reader = readers.setdefault(flow, X2X3Reader())
            try:
                pdus = _feed(reader, chunk.raw)
            except X2X3Error as exc:
                if reader.pdu_count:
                    exc.message = f"TCP {flow}: {exc.message}"
                    raise
                skipped.add(flow)
                print(f"lawful-intercept: note: {name}: TCP {flow} skipped, not X2/X3: {exc}",
                      file=sys.stderr)
                continue
            for pdu in pdus:
                yield _record(pdu, flow, chunk.timestamp)
            if isinstance(pdus, _Broken):
                broken = pdus.error
                broken.message = f"TCP {flow}: {broken.message}"
                raise broken
    except (ValueError, FramingError) as exc:  # a damaged capture, octets missing from it
        raise CLIError(f"{name}: {exc}") from None
    for flow, reader in readers.items():
        if flow in skipped:
            continue
        try:
            reader.eof()
        except X2X3Error as exc:
            exc.message = f"TCP {flow}: {exc.message}"
            raise
