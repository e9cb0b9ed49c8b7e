"""``x1 check FILE [--json] [--schema DIR]``: read an X1 message (ETSI TS 103 221-1) into the
model, write it back, prove the two say the same, and validate against the official XSDs when
they are given (``--schema``, or the folder in ``LAWFUL_INTERCEPT_X1_SCHEMA``). Exit status 0
valid; 1 invalid, hostile or unreadable (one error line); 2 usage. See ``docs/x1.md``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..errors import X1FormatError
from ..x1 import (
    ErrorResponse,
    GenericObjectRequest,
    GenericObjectResponse,
    OKResponse,
    TopLevelErrorResponse,
    X1Schema,
    load_schema,
    parse_message,
    parse_root,
    write_message,
    xml_differences,
)
from ._common import CLIError, Parser, Subcommands, add_command, describe_os_error, print_json

__all__ = ["SCHEMA_ENVIRONMENT", "register"]

SCHEMA_ENVIRONMENT = "LAWFUL_INTERCEPT_X1_SCHEMA"
"""The environment variable naming the folder of the TS 103 221-1 XSDs when ``--schema`` is
not given."""

_MAX_BYTES = 16 * 1024 * 1024


def register(commands: Subcommands) -> None:
    """Add ``x1`` and its action ``check``."""
    parser = add_command(commands, "x1", _missing_action,
                         help="X1 (ETSI TS 103 221-1) messages: check one")
    actions = parser.add_subparsers(dest="x1_action", metavar="ACTION",
                                    parser_class=Parser)
    check = actions.add_parser(
        "check", help="read an X1 message, write it back and validate it",
        description="Read an X1 message (X1Request, X1Response or X1TopLevelErrorResponse) "
                    "with the hardened parser into the typed model, write it back, check the "
                    "two say the same, and validate both against the official XSDs when "
                    f"--schema (or ${SCHEMA_ENVIRONMENT}) names their folder. Exit status 0 "
                    "valid, 1 invalid or hostile, 2 usage.")
    check.add_argument("file", metavar="FILE", help="the X1 XML message ('-' for stdin)")
    check.add_argument("--json", action="store_true",
                       help="print one JSON object: valid, document, messages, errors")
    check.add_argument("--schema", metavar="DIR",
                       help="folder of the TS 103 221-1 XSDs (TS_103_221_01_Validation.xsd "
                            "and the files it imports)")
    check.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show the traceback of an unexpected error")
    check.set_defaults(handler=_check)


def _missing_action(args: argparse.Namespace) -> int:
    print("lawful-intercept: error: x1: give an action (check)", file=sys.stderr)
    return 2


def _check(args: argparse.Namespace) -> int:
    name = "<stdin>" if args.file == "-" else args.file
    folder = args.schema or os.environ.get(SCHEMA_ENVIRONMENT) or None
    schema: X1Schema | None = None
    if folder is not None:
        try:
            schema = load_schema(folder)
        except (ValueError, OSError) as exc:
            print(f"lawful-intercept: error: x1 check: --schema: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:  # xmlschema's own errors for a broken XSD
            print(f"lawful-intercept: error: x1 check: --schema {folder}: the XSDs do not load: "
                  f"{exc}", file=sys.stderr)
            return 2
    data = _read(args.file, name)
    summary: dict[str, Any] = {"file": name, "valid": False, "schema_checked": schema is not None}
    try:
        errors = _errors(data, schema, summary)
    except X1FormatError as exc:
        errors = [f"{exc.path}: {exc.message}" if exc.path else exc.message]
    summary["errors"] = errors
    summary["valid"] = not errors
    if args.json:
        print_json(summary)
    elif not errors:
        checked = "valid against the XSDs" if schema is not None else "XSDs not given"
        print(f"{name}: valid {summary['document']} ({', '.join(summary['messages']) or '-'}); "
              f"written back the same; {checked}")
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CLIError(f"{name}: {errors[0]}{more}")
    return 0


def _read(path: str, name: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read(_MAX_BYTES + 1)
        with open(path, "rb") as source:
            return source.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise CLIError(describe_os_error(exc, name, "cannot read")) from None


def _errors(data: bytes, schema: X1Schema | None, summary: dict[str, Any]) -> list[str]:
    document = parse_message(data, max_bytes=_MAX_BYTES)
    summary["document"] = type(document).__name__
    summary["messages"] = [] if isinstance(document, TopLevelErrorResponse) else [
        _message_name(m) for m in document.messages]
    written = write_message(document)
    errors: list[str] = []
    if parse_message(written) != document:
        errors.append("written back, the message reads differently (please report this)")
    errors += [f"written back: {d}" for d in xml_differences(parse_root(data, max_bytes=_MAX_BYTES),
                                                              parse_root(written))]
    if schema is not None:
        errors += [f"XSD: {e}" for e in schema.errors(data)]
        if not errors:
            errors += [f"XSD (written back): {e}" for e in schema.errors(written)]
    return errors


def _message_name(message: Any) -> str:
    if isinstance(message, (OKResponse, GenericObjectRequest, GenericObjectResponse)):
        suffix = "Request" if isinstance(message, GenericObjectRequest) else "Response"
        return f"{message.message_type}{suffix}"
    if isinstance(message, ErrorResponse):
        return "ErrorResponse"
    return str(type(message).__name__)

