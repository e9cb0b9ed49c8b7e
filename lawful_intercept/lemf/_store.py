"""The files a LEMF writes into its output directory, and reading them back after a restart.

* ``received.ber``: every PDU exactly as received, back to back as on a handover connection
  (ETSI TS 102 232-1 clause 6), all listeners together, appended across restarts.
* ``received-ccc.bin``: every PacketCable CCC packet received over UDP, each as a 4-octet
  big-endian length followed by the datagram.
* ``records.jsonl``: one JSON object per line and per PDU (or CCC packet) received, naming
  the file, offset and length of its octets.
* ``summary.json``: the running summary, replaced atomically (written to a temporary file,
  then renamed over the old one).

Writes are collected in memory and written by :meth:`Store.flush`: the PDU octets first,
then the JSON lines, so that a line never names octets that were not written. A process
killed in the middle of a write leaves at most a partial PDU (or packet, or line) at the end
of a file; :meth:`Store.scan_ber`, :meth:`Store.scan_ccc` and :meth:`Store.scan_index` cut
such a tail off (and log it) before the files are appended to again.

See ``docs/lemf.md``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Final

from ..errors import StoreError
from ..stream import DEFAULT_MAX_PDU_SIZE, FramingError, PDUReader

__all__ = [
    "OutputFile",
    "Store",
]


class OutputFile(StrEnum):
    """The files of a LEMF's output directory (see the module docstring)."""

    BER = "received.ber"
    """Every PDU as received, back to back (TS 102 232-1 clause 6)."""
    CCC = "received-ccc.bin"
    """Every PacketCable CCC packet, each after a 4-octet length."""
    JSONL = "records.jsonl"
    """One JSON line per PDU or packet received."""
    SUMMARY = "summary.json"
    """The running summary."""


_CHUNK: Final = 1 << 20
_LENGTH_OCTETS: Final = 4

log = logging.getLogger("lawful_intercept.lemf")


class Store:
    """The output directory of a LEMF: received.ber, received-ccc.bin, records.jsonl and
    summary.json (see docs/lemf.md).

    Read what is there first (:meth:`scan_index`, :meth:`scan_ber`, :meth:`scan_ccc`), then
    :meth:`open` the files for appending. ``fsync``: :meth:`flush` also asks the operating
    system to put the data on disk (``os.fsync``), as a LEMF does before it acknowledges
    records.
    """

    def __init__(self, directory: str | os.PathLike[str], *, fsync: bool = False,
                 max_pdu_size: int = DEFAULT_MAX_PDU_SIZE) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the output directory: {exc}", "out_dir") from None
        self.fsync = bool(fsync)
        self.max_pdu_size = max_pdu_size
        self._ber: BinaryIO | None = None
        self._ccc: BinaryIO | None = None
        self._jsonl: BinaryIO | None = None
        self._pending_ber: list[bytes] = []
        self._pending_ccc: list[bytes] = []
        self._pending_lines: list[bytes] = []
        self._unsynced: set[BinaryIO] = set()  # written since the last fsync
        self.pending_bytes = 0
        """Octets collected and not yet written."""
        self.ber_size = 0
        """Size of received.ber including what is collected and not yet written."""
        self.ccc_size = 0
        """Size of received-ccc.bin including what is collected and not yet written."""
        self.failed: str | None = None
        """Why writing failed (the store then writes nothing more), ``None`` while it works."""
        self.cut: dict[str, int] = {}
        """File name -> octets cut off its end by the scans (a partial write)."""
        self.covered: dict[str, int] = {}
        """File name -> the end of the octets records.jsonl names in it (set before the
        scans): a tail cut below it held records, so it is kept aside, not thrown away."""
        self.kept_aside: dict[str, str] = {}
        """File name -> the file its cut tail was saved to, when records.jsonl named it."""

    def path(self, name: str) -> Path:
        """The path of one of the files."""
        return self.directory / name

    # -- reading back ---------------------------------------------------------------------------

    def scan_index(self) -> Iterator[dict[str, Any]]:
        """The objects of records.jsonl, in order. A last line without its newline (a partial
        write) is cut off the file; a line that is not a JSON object is logged and skipped."""
        path = self.path(OutputFile.JSONL)
        if not path.exists():
            return
        size = path.stat().st_size
        good = 0
        with open(path, "rb") as f:
            number = 0
            for line in f:
                if not line.endswith(b"\n"):
                    break
                number += 1
                good += len(line)
                try:
                    entry = json.loads(line)
                except ValueError as exc:
                    log.warning("%s line %d is not JSON (%s): skipped", OutputFile.JSONL,
                                number, exc)
                    continue
                if isinstance(entry, dict):
                    yield entry
                else:
                    log.warning("%s line %d is not a JSON object: skipped", OutputFile.JSONL,
                                number)
        self._cut(path, good, size)

    def scan_ber(self) -> Iterator[tuple[int, bytes]]:
        """(offset, octets) of every PDU in received.ber (framed by its BER header, X.690
        8.1.3). A partial PDU at the end is cut off the file. Raises :class:`StoreError` if
        the file cannot be framed before its end."""
        path = self.path(OutputFile.BER)
        if not path.exists():
            return
        size = path.stat().st_size
        reader = PDUReader(None, max_pdu_size=self.max_pdu_size)
        good = 0
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                try:
                    pdus = reader.feed(chunk)
                except FramingError as exc:
                    raise StoreError(
                        f"{OutputFile.BER} cannot be read back as BER PDUs at offset {exc.offset}: "
                        f"{exc.message}; move the directory's files away to start afresh",
                        OutputFile.BER) from None
                for pdu in pdus:
                    good = pdu.end
                    yield pdu.offset, pdu.raw
        self._cut(path, good, size)

    def scan_ccc(self) -> Iterator[tuple[int, bytes]]:
        """(offset of the datagram, datagram) of every packet in received-ccc.bin; a partial
        packet at the end is cut off the file."""
        path = self.path(OutputFile.CCC)
        if not path.exists():
            return
        data = path.read_bytes()
        pos = 0
        while pos + _LENGTH_OCTETS <= len(data):
            length = int.from_bytes(data[pos:pos + _LENGTH_OCTETS], "big")
            start = pos + _LENGTH_OCTETS
            if start + length > len(data):
                break
            yield start, data[start:start + length]
            pos = start + length
        self._cut(path, pos, len(data))

    def _cut(self, path: Path, good: int, size: int) -> None:
        if good >= size:
            return
        if self.covered.get(path.name, 0) > good:
            # Lines name octets in the tail: not a torn write but damage. Keep the octets.
            aside = path.with_name(f"{path.name}.cut-{good}")
            with open(path, "rb") as f:
                f.seek(good)
                aside.write_bytes(f.read())
            log.error("%s: the %d octets from offset %d do not frame, though records.jsonl "
                      "names records in them (damage): moved to %s", path.name, size - good,
                      good, aside.name)
            self.kept_aside[path.name] = aside.name
        else:
            log.warning("%s ends with %d octets of a partial write (the process was stopped "
                        "while writing): cut off", path.name, size - good)
        os.truncate(path, good)
        self.cut[path.name] = size - good

    # -- writing --------------------------------------------------------------------------------

    def open(self) -> None:
        """Open the files for appending (after the scans)."""
        if self._ber is not None:
            return
        try:
            self._ber = open(self.path(OutputFile.BER), "ab", buffering=0)  # noqa: SIM115
            self._jsonl = open(self.path(OutputFile.JSONL), "ab", buffering=0)  # noqa: SIM115
        except OSError as exc:
            self.close()
            raise StoreError(f"cannot open the output files: {exc}", "out_dir") from None
        self.ber_size = os.fstat(self._ber.fileno()).st_size
        ccc = self.path(OutputFile.CCC)
        self.ccc_size = ccc.stat().st_size if ccc.exists() else 0  # created with its first packet

    def append_pdu(self, raw: bytes) -> int:
        """Collect a PDU for received.ber; return its offset in the file."""
        offset = self.ber_size
        self._pending_ber.append(raw)
        self.ber_size += len(raw)
        self.pending_bytes += len(raw)
        return offset

    def append_ccc(self, datagram: bytes) -> int:
        """Collect a CCC packet for received-ccc.bin; return the offset of the datagram
        (after its length octets)."""
        frame = len(datagram).to_bytes(_LENGTH_OCTETS, "big") + datagram
        offset = self.ccc_size + _LENGTH_OCTETS
        self._pending_ccc.append(frame)
        self.ccc_size += len(frame)
        self.pending_bytes += len(frame)
        return offset

    def append_line(self, line: str) -> None:
        """Collect one line of records.jsonl (without its newline)."""
        data = line.encode("ascii") + b"\n"
        self._pending_lines.append(data)
        self.pending_bytes += len(data)

    def flush(self, *, sync: bool | None = None) -> None:
        """Write everything collected: PDUs and packets first, then the lines. ``sync``
        (default: the store's ``fsync``) also puts on disk everything written since the last
        time. Raises :class:`StoreError` when the files cannot be written (a full disk): the
        store then stays failed (:attr:`failed`) and the caller must not acknowledge what it
        collected."""
        if self._ber is None or self._jsonl is None:
            raise StoreError("the store is not open", "out_dir")
        if self.failed is not None:
            raise StoreError(f"the output files failed earlier: {self.failed}", "out_dir")
        sync = self.fsync if sync is None else sync
        try:
            if self._pending_ccc and self._ccc is None:
                self._ccc = open(self.path(OutputFile.CCC), "ab", buffering=0)  # noqa: SIM115
            for handle, pending in ((self._ber, self._pending_ber),
                                    (self._ccc, self._pending_ccc),
                                    (self._jsonl, self._pending_lines)):
                if pending and handle is not None:
                    data = b"".join(pending)
                    pending.clear()
                    self.pending_bytes -= len(data)
                    _write_all(handle, data)
                    self._unsynced.add(handle)
            if sync:
                while self._unsynced:
                    os.fsync(self._unsynced.pop().fileno())
        except OSError as exc:
            # The offsets of what follows would be wrong: nothing more is written.
            self.failed = f"{type(exc).__name__}: {exc}"
            raise StoreError(f"cannot write the output files: {self.failed}", "out_dir") from None

    def write_summary(self, summary: dict[str, Any]) -> None:
        """Replace summary.json atomically (a temporary file renamed over it)."""
        path = self.path(OutputFile.SUMMARY)
        tmp = path.with_name(OutputFile.SUMMARY + ".tmp")
        data = json.dumps(summary, indent=2, ensure_ascii=True, allow_nan=False).encode("ascii")
        with open(tmp, "wb") as f:
            f.write(data + b"\n")
            if self.fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)

    def read_summary(self) -> dict[str, Any] | None:
        """The summary.json left by an earlier run, ``None`` if missing or unreadable."""
        try:
            data = json.loads(self.path(OutputFile.SUMMARY).read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def close(self) -> None:
        """Close the files (without writing what is collected: :meth:`flush` first)."""
        for handle in (self._ber, self._ccc, self._jsonl):
            if handle is not None:
                handle.close()
        self._ber = self._ccc = self._jsonl = None
        self._unsynced.clear()

    @property
    def is_open(self) -> bool:
        """Whether the files are open for appending."""
        return self._ber is not None


def _write_all(handle: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if written is None:  # pragma: no cover - only for non-blocking files
            continue
        view = view[written:]
