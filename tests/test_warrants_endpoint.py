"""The HI-1 endpoint: the sans-IO handler (request bytes in, response bytes out: per-action
answers, or one ErrorInformation for a message refused whole; hostile input answered, never
a crash) and its HTTPS server with mutual TLS and client (loopback only)."""

from __future__ import annotations

import dataclasses
import http.client
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_warrants_support import (
    NOW,
    judge_trust,
    make_request,
    make_warrant,
    message_trust,
    official_schema,
    sign_request,
    warrant_pki,
)

from lawful_intercept.certs import TestPKI, make_test_pki
from lawful_intercept.warrants import (
    ActionRequest,
    CREATERequest,
    CREATEResponse,
    EndpointID,
    ErrorInformation,
    HI1Client,
    HI1Endpoint,
    HI1Server,
    Notification,
    RequestPayload,
    ResponsePayload,
    Trust,
    WarrantBook,
    hi1_messages,
    read_message,
    verify_message,
    write_message,
)

CSP = EndpointID("XX", "CSP01")
XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b"<r>&x;</r>")
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">'
          b'<!ENTITY c "&b;&b;&b;&b;">]><l>&c;</l>')


@pytest.fixture
def book(tmp_path: Path) -> Iterator[WarrantBook]:
    with WarrantBook(tmp_path / "book.db") as opened:
        yield opened


def _endpoint(book: WarrantBook, **kwargs: object) -> HI1Endpoint:
    return HI1Endpoint(book, trust=message_trust(), approvers=judge_trust(), identity=CSP,
                       **kwargs)  # type: ignore[arg-type]


def _payload(response: bytes) -> ResponsePayload:
    payload = read_message(response).payload
    assert isinstance(payload, ResponsePayload)
    return payload


def test_a_valid_warrant_is_answered_per_action(book: WarrantBook) -> None:
    warrant = make_warrant()
    result = _endpoint(book).handle(warrant.signed, now=NOW)
    answer = read_message(result.response)
    assert answer.header.transaction_identifier == warrant.message.header.transaction_identifier
    assert answer.header.sender == CSP and answer.header.receiver == EndpointID("XX", "AGENCY01")
    payload = _payload(result.response)
    assert payload.error is None
    assert [a.action_identifier for a in payload.actions] == [0, 1, 2]
    assert all(isinstance(a.result, CREATEResponse) for a in payload.actions)
    assert [n.kind for n in result.notifications] == ["liActivated"]
    assert result.check is not None and result.check.valid


@pytest.mark.parametrize("hostile", [XXE, LAUGHS, b"", b"\x00\xff" * 50, b"<a><b></a>",
                                     b"<HI1Message/>"], ids=["xxe", "laughs", "empty",
                                                              "binary", "broken", "empty-msg"])
def test_hostile_or_unreadable_input_gets_an_error_response(book: WarrantBook,
                                                            hostile: bytes) -> None:
    result = _endpoint(book).handle(hostile, now=NOW)
    payload = _payload(result.response)
    assert payload.error is not None and payload.error.code == 2001
    assert result.notifications == () and book.entries() == ()


def test_an_oversized_request_is_refused_unread(book: WarrantBook) -> None:
    warrant = make_warrant()
    result = _endpoint(book, max_bytes=1000).handle(warrant.signed, now=NOW)
    payload = _payload(result.response)
    assert payload.error is not None and "more than the limit of 1000" in \
        payload.error.description
    assert book.entries() == ()


def test_forged_and_replayed_messages_are_refused_whole(book: WarrantBook) -> None:
    endpoint = _endpoint(book)
    warrant = make_warrant()
    forged = warrant.signed.replace(b"192.0.2.10", b"192.0.2.66")
    assert _payload(endpoint.handle(forged, now=NOW).response).error.code == 3001  # type: ignore[union-attr]
    assert _payload(endpoint.handle(warrant.signed, now=NOW).response).error is None
    replay = _payload(endpoint.handle(warrant.signed, now=NOW).response)
    assert replay.error is not None and replay.error.code == 6003


def test_a_failed_action_is_answered_beside_the_good_ones(book: WarrantBook) -> None:
    endpoint = _endpoint(book)
    first = make_request()
    endpoint.handle(sign_request(first), now=NOW)
    # a new transaction: the same document and authorisation again, and a new task
    again = make_request()
    objects = [*first.objects()[:2], again.objects()[2]]
    task = dataclasses.replace(objects[2], associated_objects=(objects[1].object_identifier,))
    payload = RequestPayload(tuple(
        ActionRequest(i, CREATERequest(o)) for i, o in enumerate([*objects[:2], task])))
    message = dataclasses.replace(again, payload=payload)
    answer = _payload(endpoint.handle(sign_request(message), now=NOW).response)
    results = [a.result for a in answer.actions]
    assert [getattr(r, "code", None) for r in results] == [6002, 6002, None]
    assert isinstance(results[2], CREATEResponse)
    assert book.entry(task.object_identifier).status == "Active"  # type: ignore[union-attr]


def test_a_posted_response_is_not_a_request(book: WarrantBook) -> None:
    pki = warrant_pki()
    reply = _endpoint(book).handle(make_warrant().signed, now=NOW).message
    from lawful_intercept.warrants import sign_message
    signed = sign_message(reply, pki.issuer.key, [pki.issuer.certificate])
    payload = _payload(_endpoint(book).handle(signed, now=NOW).response)
    assert payload.error is not None and payload.error.code == 6006


def test_responses_are_signed_when_a_signer_is_given(book: WarrantBook) -> None:
    pki = warrant_pki()
    csp = pki.issue_signer(role="CSP", common_name="CSP01 HI-1", by="authority")
    endpoint = _endpoint(book, signer=(csp.key, [csp.certificate]))
    response = endpoint.handle(make_warrant().signed, now=NOW).response
    checked = verify_message(response, Trust((pki.authority_ca.certificate,)), now=NOW)
    assert checked.ok, checked.reason


def test_every_response_validates_against_the_official_schema(book: WarrantBook) -> None:
    schema = official_schema()
    endpoint = _endpoint(book)
    warrant = make_warrant()
    for request in (warrant.signed, warrant.signed, XXE):
        response = endpoint.handle(request, now=NOW).response
        assert schema.errors(response) == []


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=400),
                      hi1_messages().map(write_message),
                      st.text(max_size=200).map(lambda t: f"<HI1Message>{t}</HI1Message>"
                                                .encode("utf-8", "replace"))))
def test_property_any_input_gets_a_response_never_a_crash(book: WarrantBook,
                                                          data: bytes) -> None:
    result = _endpoint(book).handle(data, now=NOW)
    payload = _payload(result.response)
    assert payload.error is not None or all(
        isinstance(a.result, ErrorInformation) for a in payload.actions)
    assert result.notifications == ()


# -- over HTTPS with mutual TLS ----------------------------------------------------------------


class _Running:
    def __init__(self, server: HI1Server) -> None:
        self.server = server
        self.notes: list[Notification] = []
        self.event = threading.Event()
        server.on_notifications = self.got
        self.thread = threading.Thread(target=server.serve_forever, kwargs={
            "poll_interval": 0.05}, daemon=True)

    def got(self, notes: tuple[Notification, ...]) -> None:
        self.notes.extend(notes)
        self.event.set()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


@pytest.fixture
def tls() -> TestPKI:
    return make_test_pki()


@pytest.fixture
def clock() -> list[datetime]:
    return [NOW]


@pytest.fixture
def running(book: WarrantBook, tls: TestPKI, clock: list[datetime]) -> Iterator[_Running]:
    server = HI1Server(("127.0.0.1", 0), _endpoint(book, max_bytes=64 * 1024),
                       tls.server_context(), clock=lambda: clock[0], tick_interval=0.05,
                       timeout=10.0)
    run = _Running(server)
    run.thread.start()
    try:
        yield run
    finally:
        server.shutdown()
        server.server_close()
        run.thread.join(timeout=30)


def _client(tls: TestPKI, port: int, **kwargs: object) -> HI1Client:
    return HI1Client("127.0.0.1", port, tls.client_context(**kwargs),  # type: ignore[arg-type]
                     timeout=30.0)


def test_a_warrant_posted_over_mutual_tls_is_answered(running: _Running, tls: TestPKI) -> None:
    warrant = make_warrant()
    payload = _payload(_client(tls, running.port).post(warrant.signed))
    assert all(isinstance(a.result, CREATEResponse) for a in payload.actions)
    assert running.event.wait(30)
    assert [n.kind for n in running.notes] == ["liActivated"]


def test_a_client_without_a_certificate_is_refused(running: _Running, tls: TestPKI) -> None:
    with pytest.raises(OSError):
        _client(tls, running.port, present_certificate=False).post(make_warrant().signed)
    # the server lives on
    assert _payload(_client(tls, running.port).post(make_warrant().signed)).error is None


def test_http_errors_for_what_is_not_an_hi1_post(running: _Running, tls: TestPKI) -> None:
    from lawful_intercept.errors import WarrantEndpointError
    with pytest.raises(WarrantEndpointError, match="413"):
        _client(tls, running.port).post(b"<x/>" * 20000)
    connection = http.client.HTTPSConnection("127.0.0.1", running.port,
                                             context=tls.client_context(), timeout=30)
    connection.request("GET", "/")
    assert connection.getresponse().status == 405
    connection.close()
    hostile = _payload(_client(tls, running.port).post(XXE))
    assert hostile.error is not None and hostile.error.code == 2001
    assert _payload(_client(tls, running.port).post(make_warrant().signed)).error is None


def test_the_server_ticks_the_book_between_requests(running: _Running, tls: TestPKI,
                                                    clock: list[datetime]) -> None:
    warrant = make_warrant(end=NOW + timedelta(hours=1))
    _client(tls, running.port).post(warrant.signed)
    assert running.event.wait(30)
    running.event.clear()
    clock[0] = NOW + timedelta(hours=2)
    assert running.event.wait(30)
    assert [n.kind for n in running.notes] == ["liActivated", "liDeactivated"]
