"""``decode`` and ``encode``: handover PDUs between BER (or captures) and JSON.

``decode`` frames a file of PDUs back to back (TS 102 232-1 clause 6; X.690 8.1.3) or the TCP
streams of a pcap/pcapng capture, decodes each PDU and prints it as JSON
(:func:`lawful_intercept.files.to_json`, ITU-T X.697 JER where it fits). ``encode`` reads such
JSON back and writes the BER, so that ``decode --json`` piped into ``encode`` gives the same
octets. See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from typing import IO, Any, BinaryIO, Final

from ..asn1c import Specification
from ..catalog import PS_PDU, TOP_LEVEL_TYPES
from ..errors import DecodeError, EncodeError, Error
from ..files import from_json, pdu_to_json, read_pcap
from ..stream import PDU, FramingError, PDUReader, decode_first
from ._common import (
    CAPTURE_MAGICS,
    CHUNK,
    CLIError,
    Subcommands,
    add_command,
    captured,
    describe_os_error,
    load_spec,
    open_input,
)
from ._x2x3 import decode_x2x3, is_x2x3_type

__all__ = ["DEFAULT_TYPE", "RECORD_KEYS", "check_type", "framed", "register"]

DEFAULT_TYPE: Final = PS_PDU
"""The type PDUs are decoded and encoded as when no ``--type`` is given."""

RECORD_KEYS: Final = frozenset({"offset", "length", "flow", "time", "type", "value", "raw"})
"""The members of a record ``decode`` writes; an ``encode`` input object with ``"value"``
and only these members is such a record, anything else is a bare value."""

def register(commands: Subcommands) -> None:
    """Add ``decode`` and ``encode``."""
    decode = add_command(
        commands, "decode", _decode,
        help="decode BER PDUs (a file of PDUs back to back, or a pcap/pcapng capture) to JSON",
    )
    decode.add_argument("file", metavar="FILE",
                        help="BER PDUs back to back, or a pcap/pcapng capture; - for stdin")
    decode.add_argument("--type", metavar="T",
                        help=f"decode every PDU as this ASN.1 type (default: {DEFAULT_TYPE}, "
                             "else the other top-level types of the bundled formats); X2X3: "
                             "X2/X3 PDUs of TS 103 221-2")
    decode.add_argument("--spec", metavar="FILES", nargs="+", action="extend",
                        help="ASN.1 modules compiled together with the bundled ones")
    decode.add_argument("--json", action="store_true",
                        help="one compact JSON object per PDU and line (JSON Lines)")

    encode = add_command(
        commands, "encode", _encode,
        help="encode JSON values (as decode writes them) to BER PDUs back to back",
    )
    encode.add_argument("file", metavar="FILE.json",
                        help="JSON Lines, a JSON array or JSON objects one after another; "
                             "- for stdin")
    encode.add_argument("--type", metavar="T", default=DEFAULT_TYPE,
                        help=f"the ASN.1 type of values without a \"type\" (default: "
                             f"{DEFAULT_TYPE})")
    encode.add_argument("--spec", metavar="FILES", nargs="+", action="extend",
                        help="ASN.1 modules compiled together with the bundled ones")
    encode.add_argument("--out", metavar="FILE",
                        help="write the BER here (default: standard output)")


def check_type(spec: Specification, name: str, what: str) -> None:
    """Raise :class:`CLIError` unless ``spec`` has the type ``name`` (``what`` names where
    the name came from)."""
    try:
        spec.get_type(name)
    except Error as exc:
        raise CLIError(f"{what}: {exc}") from None


# ---------------------------------------------------------------------------------------------
# decode
# ---------------------------------------------------------------------------------------------


def _decode(args: argparse.Namespace) -> int:
    if is_x2x3_type(args.type):  # X2/X3 (TS 103 221-2), not BER: docs/x2x3.md
        return decode_x2x3(args)
    spec = load_spec(args.spec)
    if args.type is not None:
        check_type(spec, args.type, "--type")
        candidates: tuple[str, ...] = (args.type,)
    else:
        candidates = tuple(t for t in TOP_LEVEL_TYPES if _has_type(spec, t))
    name = "<stdin>" if args.file == "-" else args.file
    source = open_input(args.file)
    count = errors = 0
    try:
        for pdu in framed(source, args.file, name):
            record = _record(spec, pdu, candidates)
            count += 1
            errors += "error" in record
            if args.json:
                print(json.dumps(record, ensure_ascii=True, separators=(",", ":")))
            else:
                print(json.dumps(record, ensure_ascii=True, indent=2))
    except FramingError as exc:
        raise CLIError(f"{name}: after {count} PDUs: {exc}") from None
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    sys.stdout.flush()
    if errors:
        raise CLIError(f"{name}: {errors} of {count} PDUs did not decode")
    return 0


def _has_type(spec: Specification, name: str) -> bool:
    try:
        spec.get_type(name)
    except Error:
        return False
    return True


def framed(source: BinaryIO, path: str, name: str) -> Iterator[PDU]:
    """The PDUs of ``source``: a capture's TCP streams (by the file's magic number), else BER
    back to back. Octets only; decoding is left to the caller.

    A stream that cannot be framed (X.690 8.1.2, 8.1.3) raises :class:`FramingError` after
    every complete PDU before the fault was yielded (those of the failing chunk included)."""
    try:
        head = source.read(4)
    except OSError as exc:
        raise CLIError(describe_os_error(exc, name, "cannot read")) from None
    if head in CAPTURE_MAGICS:
        yield from captured(source, head, path, name, _read_capture)
        return
    reader = PDUReader(None)
    data = head
    while data:
        try:
            pdus = reader.feed(data)
        except FramingError as exc:
            yield from exc.pdus  # the good PDUs of this chunk, before the fault
            raise
        yield from pdus
        data = source.read(CHUNK)
    reader.eof()


def _read_capture(path: str, name: str) -> Iterator[PDU]:
    try:
        yield from read_pcap(path)
    except ValueError as exc:  # a damaged capture file (header, block lengths)
        raise CLIError(f"{name}: {exc}") from None


def _record(spec: Specification, pdu: PDU, candidates: tuple[str, ...]) -> dict[str, Any]:
    """The JSON record of one PDU: decoded as the first of ``candidates`` that fits."""
    try:
        type_name, value = decode_first(spec, pdu.raw, candidates)
    except DecodeError as first_error:
        return _error_record(pdu, candidates, first_error)
    return _ordered(pdu_to_json(dataclasses.replace(pdu, value=value)), type_name)


def _error_record(pdu: PDU, candidates: tuple[str, ...], first_error: DecodeError
                  ) -> dict[str, Any]:
    message = str(first_error)
    if len(candidates) > 1:
        message = (f"not a PDU of the bundled formats (tried {', '.join(candidates)}); as "
                   f"{candidates[0]}: {message}")
    record = pdu_to_json(dataclasses.replace(pdu, error=first_error))
    record["error"] = message
    return record


def _ordered(record: dict[str, Any], type_name: str) -> dict[str, Any]:
    """``record`` with ``"type"`` just before ``"value"``."""
    out = {k: v for k, v in record.items() if k != "value" and k != "raw"}
    out["type"] = type_name
    out["value"] = record["value"]
    if "raw" in record:
        out["raw"] = record["raw"]
    return out


# ---------------------------------------------------------------------------------------------
# encode
# ---------------------------------------------------------------------------------------------


def _encode(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    check_type(spec, args.type, "--type")
    name = "<stdin>" if args.file == "-" else args.file
    text = _read_text(args.file, name)
    pdus: list[bytes] = []
    checked: set[str] = {args.type}
    failure: CLIError | None = None
    try:
        for index, (line, item) in enumerate(_json_items(text, name), start=1):
            where = f"{name}: item {index} (line {line})"
            type_name, value = _value_of(item, args.type, where)
            if type_name not in checked:
                check_type(spec, type_name, f"{where}: \"type\"")
                checked.add(type_name)
            try:
                pdus.append(spec.encode(type_name, from_json(value, spec, type_name)))
            except EncodeError as exc:
                raise CLIError(f"{where}: {exc}") from None
            except RecursionError:
                raise CLIError(f"{where}: the value is nested too deeply to encode") from None
    except CLIError as exc:  # the PDUs before the bad item are written, then the error
        if not pdus:
            raise
        failure = CLIError(f"after {len(pdus)} PDUs: {exc}")
    data = b"".join(pdus)
    if args.out is None:
        _write_stdout(data)
    else:
        try:
            with open(args.out, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise CLIError(describe_os_error(exc, args.out, "cannot write")) from None
        print(f"encoded {len(pdus)} PDUs ({len(data)} octets) to {args.out}")
    if failure is not None:
        raise failure
    return 0


def _read_text(path: str, name: str) -> str:
    try:
        if path == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                raw = f.read()
    except OSError as exc:
        raise CLIError(describe_os_error(exc, name, "cannot read")) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CLIError(f"{name}: not UTF-8 text (octet {exc.start}): JSON is read as UTF-8 "
                       "(RFC 8259 8.1)") from None


def _json_items(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """The items to encode, each with its line: the elements of a single JSON array, else
    every JSON text of the input (JSON Lines, or objects one after another), yielded as they
    are read (the items before a malformed text are encoded). A text nested deeper than the
    parser's recursion allows, or holding an integer of more than
    ``sys.get_int_max_str_digits()`` digits, is the user's error (:class:`CLIError` naming its
    line), as is malformed JSON."""
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    line, counted = 1, 0  # the line of ``counted``
    first: tuple[int, Any] | None = None
    count = 0
    while pos < len(text):
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, end = _decode_json(decoder, text, pos, name, line)
        except CLIError:
            if first is not None:
                yield first  # more than one text: the first is an item, not a list of them
            raise
        count += 1
        if count == 1:
            first = (line, value)  # held back: a lone array is a list of items
        else:
            if first is not None:
                yield first
                first = None
            yield line, value
        pos = _skip_space(text, end)
    if count == 0:
        raise CLIError(f"{name}: no JSON values to encode")
    if first is not None:
        line, value = first
        if isinstance(value, list):
            yield from ((line, item) for item in value)
        else:
            yield first


def _decode_json(decoder: json.JSONDecoder, text: str, pos: int, name: str, line: int
                 ) -> tuple[Any, int]:
    """One JSON text of ``text`` from ``pos``: ``(value, end)``; the user's errors as
    :class:`CLIError` naming the input, the line and the rule."""
    try:
        return decoder.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise CLIError(f"{name}: malformed JSON at line {exc.lineno} column {exc.colno}: "
                       f"{exc.msg}") from None
    except RecursionError:
        raise CLIError(f"{name}: the JSON text at line {line} is nested too deeply (arrays and "
                       f"objects within each other, more than Python's recursion limit of "
                       f"{sys.getrecursionlimit()})") from None
    except ValueError as exc:  # an integer beyond sys.get_int_max_str_digits()
        raise CLIError(f"{name}: the JSON text at line {line} holds an integer too long to "
                       f"read ({exc.args[0].split(';')[0]})") from None


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _value_of(item: Any, default_type: str, where: str) -> tuple[str, Any]:
    """(type, JSON value) of one input item: a record as decode writes it, or a bare value."""
    if isinstance(item, dict) and set(item) <= RECORD_KEYS | {"error"}:
        if "error" in item and "value" not in item:
            raise CLIError(f"{where}: a PDU that did not decode ({item['error']}); there is "
                           "no value to encode")
        if "value" in item:
            type_name = item.get("type", default_type)
            if not isinstance(type_name, str):
                raise CLIError(f"{where}: \"type\" must be a string, got "
                               f"{json.dumps(type_name)[:60]}")
            return type_name, item["value"]
    return default_type, item


def _write_stdout(data: bytes) -> None:
    out: IO[bytes] = sys.stdout.buffer
    if sys.stdout.isatty():
        raise CLIError("not writing BER to a terminal: give --out FILE or redirect the output")
    out.write(data)
    out.flush()

