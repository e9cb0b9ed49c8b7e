"""X1 over HTTPS with mutual TLS (ETSI TS 103 221-1 clause 7), on loopback."""

from __future__ import annotations

import http.client
import ssl
from uuid import uuid4

import pytest
from _x1_support import DESTINATION, HEADER, TASK

from lawful_intercept.certs import TestPKI
from lawful_intercept.errors import InsecureTransportError, X1TransportError
from lawful_intercept.x1 import (
    ActivateTaskRequest,
    CreateDestinationRequest,
    ErrorResponse,
    GetTaskDetailsRequest,
    GetTaskDetailsResponse,
    OKResponse,
    PingRequest,
    TopLevelErrorResponse,
    X1Client,
    X1Handler,
    X1Server,
    parse_message,
)


def test_tasking_over_mutual_tls(pki: TestPKI) -> None:
    handler = X1Handler("NE-1")
    with X1Server(handler, pki.server_context()) as server:
        client = X1Client("localhost", server.port, pki.client_context())
        answer = client.send(CreateDestinationRequest(HEADER, DESTINATION),
                             ActivateTaskRequest(HEADER, TASK),
                             GetTaskDetailsRequest(HEADER, TASK.xid),
                             GetTaskDetailsRequest(HEADER, uuid4()))
        created, activated, details, unknown = answer.messages
        assert isinstance(created, OKResponse) and isinstance(activated, OKResponse)
        assert isinstance(details, GetTaskDetailsResponse) and details.details.task == TASK
        assert isinstance(unknown, ErrorResponse)
        assert set(handler.tasks) == {TASK.xid}


def test_a_client_without_a_certificate_is_refused(pki: TestPKI) -> None:
    handler = X1Handler("NE-1")
    with X1Server(handler, pki.server_context()) as server:
        client = X1Client("localhost", server.port,
                          pki.client_context(present_certificate=False))
        with pytest.raises(X1TransportError):
            client.send(PingRequest(HEADER))
    assert handler.tasks == {}


def test_a_server_the_client_does_not_trust_is_refused(pki: TestPKI) -> None:
    other = pki.issue_untrusted("server")
    with X1Server(X1Handler("NE-1"), pki.server_context(identity=other)) as server:
        client = X1Client("localhost", server.port, pki.client_context())
        with pytest.raises(X1TransportError):
            client.send(PingRequest(HEADER))


def test_contexts_that_do_not_verify_are_refused(pki: TestPKI) -> None:
    with pytest.raises(InsecureTransportError):
        X1Server(X1Handler("NE-1"), pki.server_context(require_client_certificate=False))
    lax = pki.client_context()
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE
    with pytest.raises(InsecureTransportError):
        X1Client("localhost", 443, lax)


def test_oversized_and_hostile_posts(pki: TestPKI) -> None:
    with X1Server(X1Handler("NE-1"), pki.server_context(), max_bytes=1000) as server:
        def post(body: bytes) -> tuple[int, bytes]:
            connection = http.client.HTTPSConnection("localhost", server.port,
                                                     context=pki.client_context(), timeout=30)
            try:
                connection.request("POST", "/", body)
                response = connection.getresponse()
                return response.status, response.read()
            finally:
                connection.close()

        status, _ = post(b"x" * 1001)
        assert status == 413
        status, body = post(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
        assert status == 200
        assert isinstance(parse_message(body), TopLevelErrorResponse)


def test_a_silent_connection_does_not_block_the_others(pki: TestPKI) -> None:
    import socket

    with X1Server(X1Handler("NE-1"), pki.server_context()) as server:
        silent = socket.create_connection(("127.0.0.1", server.port))
        try:
            client = X1Client("localhost", server.port, pki.client_context(), timeout=20)
            answer = client.send(PingRequest(HEADER))
            assert isinstance(answer.messages[0], OKResponse)
        finally:
            silent.close()
