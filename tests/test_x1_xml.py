"""X1 XML (ETSI TS 103 221-1): every message kind written validates against the official XSD
and reads back equal; ETSI's examples read and write back to equivalent XML; hostile and
broken input is refused with an error naming the element; hypothesis round trips."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from _x1_support import DOCUMENTS, EVERY_TARGET, HEADER, TASK, documents, x1_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawful_intercept.errors import X1FormatError
from lawful_intercept.warrants import RawXML
from lawful_intercept.x1 import (
    MESSAGE_KINDS,
    ActivateTaskRequest,
    OKResponse,
    PingRequest,
    TargetIdentifier,
    TaskDetails,
    X1Request,
    X1Response,
    X1Schema,
    load_schema,
    parse_message,
    parse_root,
    write_message,
    xml_differences,
)


@pytest.fixture(scope="module")
def schema() -> X1Schema:
    return load_schema(x1_reference() / "schema")


def _examples() -> list[Path]:
    folder = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / \
        "x1-ts103221" / "examples"
    return sorted(folder.glob("*.xml"))


# -- the official examples and schema ------------------------------------------------------


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_official_examples_read_and_write_back_equivalent(path: Path, schema: X1Schema) -> None:
    data = path.read_bytes()
    document = parse_message(data)
    written = write_message(document)
    assert parse_message(written) == document
    assert xml_differences(parse_root(data), parse_root(written)) == []
    assert schema.errors(written) == []


def test_the_examples_are_there() -> None:
    x1_reference()
    assert len(_examples()) >= 3


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: _describe(d))
def test_every_message_kind_reads_back(document: Any) -> None:
    written = write_message(document)
    assert parse_message(written) == document
    assert xml_differences(parse_root(written), parse_root(write_message(
        parse_message(written)))) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: _describe(d))
def test_every_message_kind_validates(document: Any, schema: X1Schema) -> None:
    assert schema.errors(write_message(document)) == []


def test_every_request_and_response_kind_has_a_sample() -> None:
    sampled = {_xsi(m) for d in DOCUMENTS for m in getattr(d, "messages", ())}
    wanted = {"ActivateTaskRequest", "ModifyTaskRequest", "DeactivateTaskRequest",
              "DeactivateAllTasksRequest", "CreateDestinationRequest",
              "ModifyDestinationRequest", "RemoveDestinationRequest",
              "RemoveAllDestinationsRequest", "GetTaskDetailsRequest",
              "GetDestinationDetailsRequest", "GetNEStatusRequest", "GetAllDetailsRequest",
              "ListAllDetailsRequest", "ReportTaskIssueRequest", "ReportDestinationIssueRequest",
              "ReportNEIssueRequest", "PingRequest", "KeepaliveRequest", "ErrorResponse",
              "GetTaskDetailsResponse", "GetDestinationDetailsResponse", "GetNEStatusResponse",
              "GetAllDetailsResponse", "ListAllDetailsResponse", "PingResponse",
              "KeepaliveResponse", "ActivateTaskResponse", "ModifyTaskResponse",
              "DeactivateTaskResponse", "ReportNEIssueResponse"}
    assert wanted <= sampled
    assert sampled <= set(MESSAGE_KINDS)


def test_every_target_kind_is_written_and_validates(schema: X1Schema) -> None:
    kinds = {t.kind for t in EVERY_TARGET}
    from lawful_intercept.x1 import STRUCTURED_TARGET_KINDS, TARGET_KINDS

    assert kinds | {"targetIdentifierExtension"} == set(TARGET_KINDS) | set(
        STRUCTURED_TARGET_KINDS)
    written = write_message(X1Request((ActivateTaskRequest(HEADER, TASK),)))
    assert schema.errors(written) == []
    for kind in kinds:
        assert f"<x1:{kind}>".encode() in written


def test_extensions_are_kept_verbatim() -> None:
    extension = RawXML(b'<x1:taskDetailsExtensions xmlns:x1="http://uri.etsi.org/03221/X1/2017/'
                       b'10"><x1:Owner>XX</x1:Owner></x1:taskDetailsExtensions>')
    target = RawXML(b'<x1:targetIdentifierExtension xmlns:x1="http://uri.etsi.org/03221/X1/2017'
                    b'/10"><x1:Owner>XX</x1:Owner></x1:targetIdentifierExtension>')
    task = dataclasses.replace(TASK, extensions=(extension,), targets=(
        TargetIdentifier("targetIdentifierExtension", target),))
    document = X1Request((ActivateTaskRequest(HEADER, task),))
    again = parse_message(write_message(document))
    message = again.messages[0]  # type: ignore[union-attr]
    assert isinstance(message, ActivateTaskRequest)
    assert b"<x1:Owner>XX</x1:Owner>" in message.task.extensions[0].data
    assert message.task.targets[0].kind == "targetIdentifierExtension"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_documents_round_trip(document: Any) -> None:
    written = write_message(document)
    assert parse_message(written) == document
    assert xml_differences(parse_root(written), parse_root(write_message(
        parse_message(written)))) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(document=documents)
def test_generated_documents_validate_against_the_xsd(document: Any, schema: X1Schema) -> None:
    assert schema.errors(write_message(document)) == []


# -- hostile and broken input --------------------------------------------------------------

_PING = write_message(X1Request((PingRequest(HEADER),)))

HOSTILE = {
    "internal entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "ping">]>'
                       b'<x1:X1Request xmlns:x1="http://uri.etsi.org/03221/X1/2017/10">&a;'
                       b"</x1:X1Request>",
    "external entity (XXE)": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                             b'"file:///etc/passwd">]><x>&e;</x>',
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b '
                      b'"&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;">]><l>&c;</l>',
    "external DTD": b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.invalid/x.dtd">'
                    b"<x/>",
    "DOCTYPE in UTF-16": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>'
                         "<x>&a;</x>".encode("utf-16"),
    "parameter entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM '
                        b'"http://example.invalid/p">%p;]><x/>',
    "not XML": b"\x00\x01 not xml",
    "truncated": _PING[: len(_PING) // 2],
    "empty": b"",
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_input_is_refused(data: bytes) -> None:
    with pytest.raises(X1FormatError) as caught:
        parse_message(data)
    assert caught.value.path


def test_oversized_input_is_refused_unread() -> None:
    with pytest.raises(X1FormatError, match="more than the limit"):
        parse_message(_PING, max_bytes=len(_PING) - 1)
    assert isinstance(parse_message(_PING, max_bytes=len(_PING)), X1Request)


_ACTIVATE = write_message(X1Request((ActivateTaskRequest(HEADER, TASK),)))

MUTATIONS = {
    "upper-case UUID": (b"29f28e1c-f230", b"29F28E1C-F230", "xId"),
    "XID not a UUID": (b"<x1:xId>29f28e1c", b"<x1:xId>zzf28e1c", "xId"),
    "time without microseconds": (b"T12:00:00.123456Z", b"T12:00:00Z", "messageTimestamp"),
    "bad version": (b"<x1:version>v1.13.1", b"<x1:version>2.0", "version"),
    "unknown delivery type": (b"<x1:deliveryType>X2andX3", b"<x1:deliveryType>X4", "deliveryType"),
    "E.164 with a letter": (b"447700900000<", b"44770090000a<", "e164Number"),
    "unknown target kind": (b"<x1:imsi>234150999999999</x1:imsi>",
                            b"<x1:msisdn>234150999999999</x1:msisdn>", "targetIdentifier"),
    "missing xId": (b"<x1:xId>29f28e1c-f230-486a-a860-f5a784ab9172</x1:xId>", b"", "xId"),
    "element out of order": (b"<x1:admfIdentifier>admfID</x1:admfIdentifier>"
                             b"<x1:neIdentifier>neID</x1:neIdentifier>",
                             b"<x1:neIdentifier>neID</x1:neIdentifier>"
                             b"<x1:admfIdentifier>admfID</x1:admfIdentifier>",
                             "admfIdentifier"),
    "unknown message type": (b'xsi:type="x1:ActivateTaskRequest"',
                             b'xsi:type="x1:LaunchTaskRequest"', "x1RequestMessage"),
    "response type in a request": (b'xsi:type="x1:ActivateTaskRequest"',
                                   b'xsi:type="x1:ActivateTaskResponse"', "x1RequestMessage"),
    "foreign namespace": (b'xmlns:x1="http://uri.etsi.org/03221/X1/2017/10"',
                          b'xmlns:x1="http://example.invalid/x1"', "X1Message"),
    "port out of range": (b"<x1:tcpPort>5060<", b"<x1:tcpPort>70000<", "tcpPort"),
    "correlation ID negative": (b"<x1:correlationID>7<", b"<x1:correlationID>-7<",
                                "correlationID"),
    "boolean not a boolean": (b"<x1:implicitDeactivationAllowed>false<",
                              b"<x1:implicitDeactivationAllowed>no<",
                              "implicitDeactivationAllowed"),
    "hex with an odd digit": (b"<x1:suci>000102<", b"<x1:suci>00010<", "suci"),
    "LIID too long": (b"<x1:LIID>LIID-1<", b"<x1:LIID>" + b"L" * 26 + b"<", "LIID"),
}


@pytest.mark.parametrize("change", MUTATIONS.values(), ids=list(MUTATIONS))
def test_broken_messages_name_the_element(change: tuple[bytes, bytes, str]) -> None:
    old, new, element = change
    assert old in _ACTIVATE
    with pytest.raises(X1FormatError) as caught:
        parse_message(_ACTIVATE.replace(old, new, 1))
    assert element in caught.value.path + caught.value.message


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_damage_gives_x1_format_error_or_a_model(data: st.DataObject) -> None:
    raw = bytearray(_ACTIVATE)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(raw) - 1))
        raw[index] = data.draw(st.integers(0, 255))
    try:
        document = parse_message(bytes(raw))
    except X1FormatError:
        return
    assert parse_message(write_message(document)) == document


def test_values_that_break_their_type_are_refused_on_writing() -> None:
    bad = {
        "e164Number": TargetIdentifier("e164Number", "+44"),
        "tcpPort": TargetIdentifier("tcpPort", 1),
        "kind": TargetIdentifier("msisdn", "44"),
        "nai": TargetIdentifier("nai", "a\x00b"),
    }
    for name, target in bad.items():
        task = TaskDetails(UUID(int=1), (target,), "X2Only")
        with pytest.raises(X1FormatError) as caught:
            write_message(X1Request((ActivateTaskRequest(HEADER, task),)))
        assert "targetIdentifier" in caught.value.path, name
    with pytest.raises(X1FormatError, match="does not belong"):
        write_message(X1Request((OKResponse("Ping", HEADER),)))  # type: ignore[arg-type]
    with pytest.raises(X1FormatError, match="at least one"):
        write_message(X1Response(()))


def _xsi(message: Any) -> str:
    from lawful_intercept.x1 import message_kind

    return message_kind(message)


def _describe(document: Any) -> str:
    messages = getattr(document, "messages", None)
    if messages is None:
        return type(document).__name__
    return "+".join(_xsi(m) for m in messages)


def test_xml_differences_finds_what_was_lost_or_changed() -> None:
    original = parse_root(_ACTIVATE)
    assert xml_differences(original, parse_root(_ACTIVATE)) == []
    changed = parse_root(_ACTIVATE.replace(b"<x1:imsi>234150999999999",
                                           b"<x1:imsi>234150999999998", 1))
    assert any("imsi" in d for d in xml_differences(original, changed))
    dropped = parse_root(_ACTIVATE.replace(b"<x1:correlationID>7</x1:correlationID>", b"", 1))
    assert xml_differences(original, dropped)
    retyped = parse_root(_ACTIVATE.replace(b"x1:ActivateTaskRequest", b"x1:ModifyTaskRequest", 1))
    assert any("xsi:type" in d for d in xml_differences(original, retyped))


def test_lexical_variants_read_and_write_back_the_same(schema: X1Schema) -> None:
    variant = (_ACTIVATE.replace(b"<x1:correlationID>7<", b"<x1:correlationID>+007<", 1)
               .replace(b"<x1:implicitDeactivationAllowed>false<",
                        b"<x1:implicitDeactivationAllowed>0<", 1)
               .replace(b"<x1:radiusAttribute>0107616C696365<",
                        b"<x1:radiusAttribute>0107616c696365<", 1)
               .replace(b"T12:00:00.123456Z", b"T12:00:00.123456+00:00", 1)
               .replace(b"<x1:admfIdentifier>admfID<", b"<x1:admfIdentifier>\n  admfID  <", 1))
    for piece in (b">+007<", b">0<", b">0107616c696365<", b"+00:00<", b">\n  admfID  <"):
        assert piece in variant
    assert schema.errors(variant) == []
    document = parse_message(variant)
    assert document == parse_message(_ACTIVATE)
    assert xml_differences(parse_root(variant), parse_root(write_message(document))) == []


def test_default_namespace_and_other_prefixes_are_read() -> None:
    text = _PING.decode().replace("x1:", "").replace('xmlns:x1=', 'xmlns=')
    assert parse_message(text.encode()) == parse_message(_PING)
