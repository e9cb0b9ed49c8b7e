"""HI-1 messages (ETSI TS 103 120) read and written: the official examples validate, parse
and write back to equivalent XML; every message the library writes validates against the
official XSDs; hostile or broken input is refused with an error naming what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree  # type: ignore[import-untyped]
from test_warrants_support import (
    EXAMPLES,
    make_request,
    make_warrant,
    need_reference,
    official_schema,
)

from lawful_intercept.errors import WarrantFormatError
from lawful_intercept.testing import hi1_messages, warrant_messages
from lawful_intercept.warrants import (
    AuthorisationObject,
    CREATERequest,
    DocumentObject,
    HI1Message,
    LITaskObject,
    RequestPayload,
    ResponsePayload,
    parse_xml,
    read_message,
    write_message,
)

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def canonical(element: Any) -> tuple[Any, ...]:
    """An element as a comparable tree: tag, attributes (xsi:type resolved to Clark
    notation), stripped text, children; prefixes and indentation do not matter."""
    attributes = dict(element.attrib)
    if XSI_TYPE in attributes:
        prefix, _, local = attributes[XSI_TYPE].rpartition(":")
        attributes[XSI_TYPE] = f"{{{element.nsmap.get(prefix or None)}}}{local}"
    children = tuple(canonical(c) for c in element if isinstance(c.tag, str))
    return (element.tag, tuple(sorted(attributes.items())), (element.text or "").strip(),
            children)


def _example_ids() -> list[str]:
    return [p.name for p in EXAMPLES] or ["none"]


@pytest.mark.parametrize("path", EXAMPLES or [None], ids=_example_ids())
def test_official_examples_validate_parse_and_write_back(path: Path | None) -> None:
    need_reference()
    assert path is not None
    schema = official_schema()
    data = path.read_bytes()
    assert schema.errors(data) == []
    message = read_message(data)
    written = write_message(message)
    assert schema.errors(written) == []
    assert canonical(parse_xml(written)) == canonical(parse_xml(data))
    assert read_message(written) == message


def test_examples_are_there_when_the_reference_is() -> None:
    need_reference()
    assert {p.name for p in EXAMPLES} >= {"request1.xml", "request3.xml", "response1.xml"}


def test_request1_model() -> None:
    need_reference()
    message = read_message(next(p for p in EXAMPLES if p.name == "request1.xml").read_bytes())
    assert isinstance(message.payload, RequestPayload)
    authorisation, task = (a.action.obj for a in message.payload.actions
                           if isinstance(a.action, CREATERequest))
    assert isinstance(authorisation, AuthorisationObject)
    assert authorisation.reference == "W000001"
    assert isinstance(task, LITaskObject)
    assert task.reference == "LIID1"
    assert task.associated_objects == (authorisation.object_identifier,)
    assert task.targets is not None and task.targets[0].value == "442079460223"
    assert task.delivery_type is not None and task.delivery_type.value == "IRIandCC"


def test_request3_document_and_response() -> None:
    need_reference()
    by_name = {p.name: read_message(p.read_bytes()) for p in EXAMPLES}
    documents = [o for o in by_name["request3.xml"].objects() if isinstance(o, DocumentObject)]
    assert documents[0].signatures[0].approver is not None
    assert documents[0].signatures[0].approver.name == "John Doe"
    assert isinstance(by_name["response1.xml"].payload, ResponsePayload)


def test_written_warrants_validate() -> None:
    schema = official_schema()
    assert schema.errors(write_message(make_request())) == []
    assert schema.errors(make_warrant().signed) == []
    assert schema.errors(make_warrant(is_test=True).signed) == []


def test_signed_warrant_reads_back_with_its_signatures() -> None:
    warrant = make_warrant()
    message = read_message(warrant.signed)
    assert message.signature is not None
    authorisation = next(o for o in message.objects() if isinstance(o, AuthorisationObject))
    assert authorisation.approvals[0].digital_signature is not None
    assert read_message(write_message(message)) == message


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hi1_messages())
def test_any_message_round_trips(message: HI1Message) -> None:
    written = write_message(message)
    assert read_message(written) == message


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(hi1_messages())
def test_any_message_written_validates(message: HI1Message) -> None:
    assert official_schema().errors(write_message(message)) == []


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(warrant_messages())
def test_warrant_messages_validate(message: HI1Message) -> None:
    assert official_schema().errors(write_message(message)) == []


# -- hostile and broken input ------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE HI1Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<HI1Message xmlns="http://uri.etsi.org/03120/common/2019/10/Core">&xxe;</HI1Message>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<HI1Message xmlns="http://uri.etsi.org/03120/common/2019/10/Core">&lol3;</HI1Message>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE HI1Message SYSTEM "http://127.0.0.1:9/evil.dtd">
<HI1Message xmlns="http://uri.etsi.org/03120/common/2019/10/Core"/>"""


@pytest.mark.parametrize("data", [XXE, LAUGHS, EXTERNAL_DTD,
                                  XXE.decode().encode("utf-16")],
                         ids=["xxe", "billion-laughs", "external-dtd", "utf16-doctype"])
def test_hostile_documents_are_refused(data: bytes) -> None:
    with pytest.raises(WarrantFormatError, match=r"DOCTYPE|ENTITY|entity"):
        read_message(data)


def test_oversized_input_is_refused_unread() -> None:
    with pytest.raises(WarrantFormatError, match="more than the limit"):
        read_message(b"<a/>" + b" " * 200, max_bytes=100)


def test_not_xml_and_wrong_root() -> None:
    with pytest.raises(WarrantFormatError, match="not well-formed"):
        read_message(b"<HI1Message")
    with pytest.raises(WarrantFormatError, match="root element must be HI1Message"):
        read_message(b"<Other/>")


def _mutated(find: bytes, replace: bytes) -> bytes:
    data = write_message(make_request())
    assert find in data
    return data.replace(find, replace, 1)


def test_errors_name_the_field() -> None:
    with pytest.raises(WarrantFormatError, match=r"Timestamp.*not a date"):
        read_message(_mutated(b"<Timestamp>", b"<Timestamp>x"))
    with pytest.raises(WarrantFormatError, match=r"unexpected element Bogus"):
        read_message(_mutated(b"</Header>", b"<Bogus/></Header>"))
    with pytest.raises(WarrantFormatError, match=r"ActionIdentifier.*non-negative integer"):
        read_message(_mutated(b"<ActionIdentifier>0", b"<ActionIdentifier>-1"))
    with pytest.raises(WarrantFormatError, match=r"xsi:type"):
        read_message(_mutated(b' xsi:type="auth:AuthorisationObject"', b""))


def test_parse_xml_refuses_entity_nodes_even_without_doctype() -> None:
    root = parse_xml(b"<a>text &amp; more</a>")
    assert etree.QName(root).localname == "a"
    assert root.text == "text & more"


def test_load_schema_needs_xsd_files(tmp_path: Path) -> None:
    from lawful_intercept.warrants import load_schema
    with pytest.raises(ValueError, match="holds no XSD"):
        load_schema(tmp_path)
    with pytest.raises(TypeError, match="folder"):
        load_schema(42)  # type: ignore[arg-type]
