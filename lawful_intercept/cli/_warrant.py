"""``warrant make|check|serve|post``: warrants over HI-1 (ETSI TS 103 120), see docs/cli.md
("warrant") and docs/warrants.md.

``make`` writes a signed CREATE of an authorisation approved by the judge, its LI task and
a warrant document; ``check`` validates a message rule by rule; ``serve`` runs the HI-1
endpoint over mutual TLS with a warrant book; ``post`` sends a message to one (the agency
side). The ``warrants`` extra (lxml, xmlschema, signxml) is loaded only when a ``warrant``
command runs.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from ._common import (
    CLIError,
    Subcommands,
    add_command,
    describe_os_error,
    host_port_or_zero,
    positive_int,
    positive_seconds,
    print_json,
)

if TYPE_CHECKING:
    from cryptography import x509

    from ..warrants import HI1Schema, Notification, SigningKey, Trust

__all__ = ["parse_time", "register"]

_SCHEMA_HELP = ("folder of the official TS 103 120 XSDs (ETSI's schema archive, searched "
                "recursively); the library does not bundle them, so without --schema the "
                "schema rule is not checked")
_RELATIVE = re.compile(r"now(?:([+-])(\d+)([smhd]))?")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_time(text: str) -> datetime:
    """A point in time (argument type): ISO 8601 (``2026-12-06T12:00:00Z``; without an
    offset, UTC), ``now``, or ``now`` plus or minus a number of s, m, h or d
    (``now+90d``)."""
    match = _RELATIVE.fullmatch(text.strip())
    if match:
        now = datetime.now(UTC).replace(microsecond=0)
        if match.group(1) is None:
            return now
        delta = timedelta(**{_UNITS[match.group(3)]: int(match.group(2))})
        return now + delta if match.group(1) == "+" else now - delta
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an ISO 8601 time, now, or now+N/now-N with s, m, h or d, got {text!r}"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _endpoint_id(text: str) -> tuple[str, str]:
    country, sep, unique = text.partition(":")
    if not sep or len(country) != 2 or not country.isalpha() or not unique:
        raise argparse.ArgumentTypeError(f"must be CC:IDENTIFIER (an ISO 3166 country code "
                                         f"and an identifier, e.g. XX:CSP01), got {text!r}")
    return country.upper(), unique


_HELP = "make, check, serve or post warrants over HI-1 (ETSI TS 103 120)"
_DESCRIPTION = """Warrants over HI-1 (ETSI TS 103 120): make a signed, judge-approved
warrant request; check a message rule by rule; serve the HI-1 endpoint over mutual TLS with
a warrant book; post a message to an endpoint."""


def register(commands: Subcommands) -> None:
    """Add ``warrant`` with its actions ``make``, ``check``, ``serve`` and ``post``."""
    parser = add_command(commands, "warrant", _usage, help=_HELP,
                         description=_DESCRIPTION)
    actions = parser.add_subparsers(dest="warrant_action", metavar="ACTION", required=True)
    _register_make(actions)
    _register_check(actions)
    _register_serve(actions)
    _register_post(actions)


def _usage(args: argparse.Namespace) -> int:
    """The ``warrant`` command (its texts: ``_HELP``, ``_DESCRIPTION``)."""
    raise CLIError("warrant: give an action: make, check, serve or post (see warrant --help)")


def _action(actions: Any, name: str, handler: Any, help: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = actions.add_parser(name, help=help, description=help)
    parser.set_defaults(handler=handler)
    return parser


def _register_make(actions: Any) -> None:
    parser = _action(actions, "make", _make,
                     "write a signed CREATE of an authorisation approved by the judge, its LI "
                     "task and a warrant document")
    parser.add_argument("--out", metavar="FILE", required=True, help="the HI-1 message to write")
    parser.add_argument("--liid", required=True, help="the LIID (the LI task's Reference)")
    parser.add_argument("--target", metavar="FORMAT:VALUE", action="append", required=True,
                        help="a target, e.g. InternationalE164:442079460223, "
                             "IPv4Address:192.0.2.7, SIPURI:sip:a@example.com (FORMAT an ETSI "
                             "format name, or OWNER/NAME); repeatable")
    parser.add_argument("--start", metavar="TIME", type=parse_time, required=True,
                        help="the authorisation's StartTime (ISO 8601, now, now-5m, ...)")
    parser.add_argument("--end", metavar="TIME", type=parse_time, required=True,
                        help="the authorisation's EndTime (ISO 8601, now+90d, ...)")
    parser.add_argument("--deliver-to", metavar="HOST:PORT", type=host_port_or_zero,
                        action="append", required=True,
                        help="a delivery destination, an IP address and TCP port "
                             "([ADDRESS]:PORT for IPv6); repeatable")
    parser.add_argument("--sign", metavar=("CERT", "KEY"), nargs=2, required=True,
                        help="the issuing authority's certificate (PEM, with any "
                             "intermediates after it) and key, which sign the message")
    parser.add_argument("--approve", metavar=("CERT", "KEY"), nargs=2, required=True,
                        help="the judge's certificate and key, which approve the authorisation")
    parser.add_argument("--delivery-type", choices=("IRIOnly", "CCOnly", "IRIandCC"),
                        default="IRIandCC", help="what the LEMF receives (default IRIandCC)")
    parser.add_argument("--sender", metavar="CC:ID", type=_endpoint_id, default=("XX", "AGENCY01"),
                        help="the issuing authority's EndpointID (default XX:AGENCY01)")
    parser.add_argument("--receiver", metavar="CC:ID", type=_endpoint_id, default=("XX", "CSP01"),
                        help="the CSP's EndpointID (default XX:CSP01)")
    parser.add_argument("--reference", default="W000001",
                        help="the AuthorisationReference (default W000001)")
    parser.add_argument("--document", metavar="FILE",
                        help="the warrant document to attach (default: a short text naming the "
                             "warrant)")
    parser.add_argument("--test", action="store_true", help="set the IsTest flags")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")


def _register_check(actions: Any) -> None:
    parser = _action(actions, "check", _check,
                     "check an HI-1 message rule by rule (exit 0 valid, 1 invalid or "
                     "unreadable)")
    parser.add_argument("file", metavar="FILE", help="the HI-1 message (XML)")
    parser.add_argument("--trust", metavar="PEM", action="append", default=[],
                        help="CA certificates trusted for the message signer (the issuing "
                             "authority's CA); repeatable")
    parser.add_argument("--approvers", metavar="PEM", action="append", default=[],
                        help="court CA certificates trusted for approvers; repeatable")
    parser.add_argument("--approver-role", metavar="ROLE", action="append",
                        help="a role (certificate title) accepted for approvers (default Judge); "
                             "repeatable")
    parser.add_argument("--at", metavar="TIME", type=parse_time,
                        help="check at this time instead of now (ISO 8601, now-1d, ...)")
    parser.add_argument("--schema", metavar="DIR", help=_SCHEMA_HELP)
    parser.add_argument("--schema-only", action="store_true",
                        help="check structure and schema alone (for messages signed by others)")
    parser.add_argument("--json", action="store_true",
                        help="print {\"command\", \"valid\", \"rules\"} as the last line")


def _register_serve(actions: Any) -> None:
    parser = _action(actions, "serve", _serve,
                     "run the HI-1 endpoint over HTTPS with mutual TLS and a warrant book, "
                     "until interrupted")
    parser.add_argument("--book", metavar="FILE", required=True,
                        help="the warrant book (SQLite; created if missing)")
    parser.add_argument("--listen", metavar="HOST:PORT", type=host_port_or_zero, required=True,
                        help="where to listen (port 0: any free port, printed)")
    parser.add_argument("--cert", metavar="PEM", required=True, help="the server certificate")
    parser.add_argument("--key", metavar="PEM", required=True, help="its key")
    parser.add_argument("--client-ca", metavar="PEM", required=True,
                        help="the CA that issued the agencies' client certificates")
    parser.add_argument("--trust", metavar="PEM", action="append", required=True,
                        help="CA certificates trusted for message signers; repeatable")
    parser.add_argument("--approvers", metavar="PEM", action="append", required=True,
                        help="court CA certificates trusted for approvers; repeatable")
    parser.add_argument("--approver-role", metavar="ROLE", action="append",
                        help="a role accepted for approvers (default Judge); repeatable")
    parser.add_argument("--identity", metavar="CC:ID", type=_endpoint_id,
                        default=("XX", "CSP01"),
                        help="this CSP's EndpointID, the responses' sender (default XX:CSP01)")
    parser.add_argument("--schema", metavar="DIR", help=_SCHEMA_HELP)
    parser.add_argument("--sign-responses", metavar=("CERT", "KEY"), nargs=2,
                        help="sign the responses with this certificate and key")
    parser.add_argument("--max-bytes", metavar="N", type=positive_int, default=4 * 1024 * 1024,
                        help="the largest request accepted (default 4 MiB)")
    parser.add_argument("--tick", metavar="SECONDS", type=positive_seconds, default=1.0,
                        help="how often the book's expiry runs between requests (default 1)")
    parser.add_argument("--json", action="store_true",
                        help="print the listening address and each HI1 notification as JSON "
                             "lines")


def _register_post(actions: Any) -> None:
    parser = _action(actions, "post", _post,
                     "POST an HI-1 message to an endpoint over mutual TLS and show the "
                     "response (exit 0 when no action failed)")
    parser.add_argument("file", metavar="FILE", help="the HI-1 message to send")
    parser.add_argument("--to", metavar="HOST:PORT", type=host_port_or_zero, required=True,
                        help="the endpoint")
    parser.add_argument("--ca", metavar="PEM", required=True,
                        help="the CA that issued the endpoint's certificate")
    parser.add_argument("--cert", metavar="PEM", required=True, help="the client certificate")
    parser.add_argument("--key", metavar="PEM", required=True, help="its key")
    parser.add_argument("--out", metavar="FILE", help="also write the response there")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line")


# -- files -------------------------------------------------------------------------------------


def _read(path: str, what: str | None) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        where = "" if what is None else f"{what}: "
        raise CLIError(f"{where}{describe_os_error(exc, path)}") from None


def _certificates(path: str, what: str) -> list[x509.Certificate]:
    from cryptography import x509
    try:
        found = x509.load_pem_x509_certificates(_read(path, what))
    except ValueError as exc:
        raise CLIError(f"{what}: {path}: not a PEM certificate ({exc})") from None
    return found


def _key(path: str, what: str) -> SigningKey:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    try:
        key = load_pem_private_key(_read(path, what), password=None)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"{what}: {path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise CLIError(f"{what}: {path}: an EC or RSA key is needed")
    return key


def _trust(paths: list[str], what: str, roles: list[str] | None = None) -> Trust:
    from ..warrants import Trust
    anchors = [c for path in paths for c in _certificates(path, what)]
    if not anchors:
        raise CLIError(f"{what}: no certificate given")
    return Trust(tuple(anchors), roles=None if roles is None else frozenset(roles))


def _schema(folder: str | None) -> HI1Schema | None:
    """The ``--schema`` folder's XSDs, or ``None`` without the option."""
    from ..warrants import load_schema
    if not folder:
        return None
    try:
        return load_schema(folder)
    except (ValueError, OSError) as exc:
        raise CLIError(f"--schema: {exc}") from None


def _write(path: str, data: bytes, what: str) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise CLIError(f"{what}: {describe_os_error(exc, path, action='cannot write')}") \
            from None


# -- make --------------------------------------------------------------------------------------


def _make(args: argparse.Namespace) -> int:
    from ..errors import WarrantSignatureError
    from ..warrants import (
        DeliveryAddress,
        DeliveryDestination,
        DeliveryType,
        EndpointID,
        IPAddressPort,
        TargetIdentifierValue,
        approve_warrant,
        sign_message,
        target_problem,
        warrant_request,
        write_message,
    )
    targets = []
    for text in args.target:
        fmt, sep, value = text.partition(":")
        owner, _, name = fmt.rpartition("/")
        if not sep or not name or not value:
            raise CLIError(f"--target: must be FORMAT:VALUE, got {text!r}")
        problem = target_problem(owner or "ETSI", name, value)
        if problem:
            raise CLIError(f"--target {text}: {problem}")
        targets.append(TargetIdentifierValue(owner or "ETSI", name, value))
    destinations = []
    for host, port in args.deliver_to:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise CLIError(f"--deliver-to {host}:{port}: the host must be an IP address "
                           "(an IPAddressPort destination)") from None
        if port == 0:
            raise CLIError(f"--deliver-to {host}:{port}: the port must be 1..65535")
        destinations.append(DeliveryDestination(DeliveryAddress(
            # TS 103 280 writes IPv6 addresses in full (eight groups of four digits)
            "IPAddressPort", IPAddressPort(address.exploded, port))))
    if args.end <= args.start:
        raise CLIError("--end must be after --start")
    issuer_certs, issuer_key = (_certificates(args.sign[0], "--sign"),
                                _key(args.sign[1], "--sign"))
    judge_certs, judge_key = (_certificates(args.approve[0], "--approve"),
                              _key(args.approve[1], "--approve"))
    document = (_read(args.document, "--document") if args.document else
                f"Warrant {args.reference} for LIID {args.liid}\n".encode())
    now = datetime.now(UTC).replace(microsecond=0)
    request = warrant_request(
        liid=args.liid, targets=targets, destinations=destinations, start=args.start,
        end=args.end, now=now, sender=EndpointID(*args.sender),
        receiver=EndpointID(*args.receiver), delivery_type=DeliveryType(args.delivery_type),
        authorisation_reference=args.reference, document=document,
        document_type="application/pdf" if document.startswith(b"%PDF") else "text/plain",
        is_test=args.test)
    try:
        # the judge approves the authorisation and the warrant document (check's document rule)
        approved = approve_warrant(write_message(request), judge_key, judge_certs, at=now,
                                   country_code=args.receiver[0])
        signed = sign_message(approved, issuer_key, issuer_certs)
    except WarrantSignatureError as exc:
        raise CLIError(f"signing: {exc}") from None
    _write(args.out, signed, "--out")
    ids = {type(o).__name__: o.object_identifier for o in request.objects()}
    if args.json:
        print_json({"command": "warrant make", "out": args.out, "liid": args.liid,
                    "transaction": request.header.transaction_identifier, "objects": ids,
                    "bytes": len(signed)})
    else:
        print(f"wrote {args.out}: a signed CREATE ({len(signed)} bytes), LIID {args.liid}, "
              f"{len(targets)} target(s), valid {args.start.isoformat()} to "
              f"{args.end.isoformat()}")
        for kind, identifier in ids.items():
            print(f"  {kind:<20} {identifier}")
    return 0


# -- check -------------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    from ..warrants import check
    data = _read(args.file, None)
    schema = _schema(args.schema)
    roles = args.approver_role or ["Judge"]
    trust = _trust(args.trust, "--trust") if args.trust else None
    approvers = _trust(args.approvers, "--approvers", roles) if args.approvers else None
    now = args.at or datetime.now(UTC)
    result = check(data, trust=trust, approvers=approvers, now=now, schema=schema,
                   schema_only=args.schema_only)
    summary = {"command": "warrant check", **result.to_json()}
    unreadable = result.message is None
    if args.json:
        print_json(summary)
    elif not unreadable:
        print(result.table())
    if unreadable:
        raise CLIError(f"{args.file}: {result.results[0].reason}")
    return 0 if result.valid else 1


# -- serve -------------------------------------------------------------------------------------


class _Stop(BaseException):
    """Raised by the signal handler to end ``serve_forever`` (control flow only; a
    BaseException, so that the server's error handling of a request does not swallow it)."""


def _serve(args: argparse.Namespace) -> int:
    import ssl

    from ..errors import WarrantBookError
    from ..warrants import (
        EndpointID,
        HI1Endpoint,
        HI1Server,
        WarrantBook,
        hi1_server_context,
    )
    roles = args.approver_role or ["Judge"]
    trust = _trust(args.trust, "--trust")
    approvers = _trust(args.approvers, "--approvers", roles)
    schema = _schema(args.schema)
    signer = None
    if args.sign_responses:
        signer = (_key(args.sign_responses[1], "--sign-responses"),
                  _certificates(args.sign_responses[0], "--sign-responses"))
    try:
        context = hi1_server_context(args.cert, args.key, args.client_ca)
    except (OSError, ssl.SSLError) as exc:
        raise CLIError(f"--cert/--key/--client-ca: {exc}") from None
    try:
        book = WarrantBook(args.book)
    except WarrantBookError as exc:
        raise CLIError(f"--book: {exc}") from None
    endpoint = HI1Endpoint(book, trust=trust, approvers=approvers,
                           identity=EndpointID(*args.identity), schema=schema, signer=signer,
                           max_bytes=args.max_bytes)

    def show(notes: tuple[Notification, ...]) -> None:
        for note in notes:
            if args.json:
                print_json({"notification": note.kind, "liid": note.liid, "task": note.task,
                            "at": note.at.isoformat(), "outbox": note.seq})
            else:
                print(f"{note.at.isoformat()} {note.kind} LIID {note.liid} (task {note.task}, "
                      f"outbox {note.seq})", flush=True)

    try:
        server = HI1Server(args.listen, endpoint, context, on_notifications=show,
                           tick_interval=args.tick)
    except OSError as exc:
        book.close()
        raise CLIError(f"--listen: {describe_os_error(exc)}") from None
    host, port = str(server.server_address[0]), int(server.server_address[1])
    if args.json:
        print_json({"command": "warrant serve", "listening": f"{host}:{port}",
                    "book": args.book})
    else:
        print(f"HI-1 endpoint listening on https://{host}:{port}/ (book {args.book}); "
              "notifications follow, and stay in the book's outbox", flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.serve_forever(poll_interval=min(0.5, args.tick))
    except _Stop:
        pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        server.server_close()
        book.close()
    print("stopped", file=sys.stderr)
    return 0


# -- post --------------------------------------------------------------------------------------


def _post(args: argparse.Namespace) -> int:
    import ssl

    from ..errors import WarrantFormatError
    from ..warrants import (
        ErrorInformation,
        HI1Client,
        ResponsePayload,
        hi1_client_context,
        read_message,
    )
    data = _read(args.file, None)
    try:
        context = hi1_client_context(args.ca, args.cert, args.key)
    except (OSError, ssl.SSLError) as exc:
        raise CLIError(f"--ca/--cert/--key: {exc}") from None
    host, port = args.to
    response = HI1Client(host, port, context).post(data)
    if args.out:
        _write(args.out, response, "--out")
    try:
        answer = read_message(response)
    except WarrantFormatError as exc:
        raise CLIError(f"the endpoint's response is unreadable: {exc}") from None
    payload = answer.payload
    if not isinstance(payload, ResponsePayload):
        raise CLIError("the endpoint answered with a request, not a response")
    rows: list[dict[str, Any]] = []
    if payload.error is not None:
        rows.append({"action": None, "result": "ErrorInformation",
                     "code": payload.error.code, "description": payload.error.description})
    for action in payload.actions:
        result = action.result
        if isinstance(result, ErrorInformation):
            rows.append({"action": action.action_identifier, "result": "ErrorInformation",
                         "code": result.code, "description": result.description})
        else:
            rows.append({"action": action.action_identifier,
                         "result": type(result).__name__,
                         "identifier": getattr(result, "identifier", None)})
    failed = any(r["result"] == "ErrorInformation" for r in rows)
    if args.json:
        print_json({"command": "warrant post", "ok": not failed, "responses": rows})
    else:
        for row in rows:
            where = "message" if row["action"] is None else f"action {row['action']}"
            detail = (f"{row['code']} {row['description']}" if "code" in row
                      else row.get("identifier") or "")
            print(f"{where:<10} {row['result']:<18} {detail}")
    return 1 if failed else 0

