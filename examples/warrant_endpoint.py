"""A CSP's HI-1 endpoint (ETSI TS 103 120) on loopback: the agency POSTs a judge-approved,
signed warrant over mutual TLS; the endpoint checks it, records it in a durable warrant book
and answers each action; the LI task becomes active and an HI1 ``liActivated`` notification
(TS 101 671) is produced for HI2. A forged copy and a replay are refused; at the warrant's
EndTime the book's tick expires the task (``liDeactivated``), and the audit log tells who
signed what, when.

Needs the ``warrants`` extra (lxml, xmlschema, signxml). See docs/warrants.md.
"""

from __future__ import annotations

import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lawful_intercept.certs import make_test_pki, make_warrant_pki
from lawful_intercept.warrants import (
    DeliveryAddress,
    DeliveryDestination,
    EndpointID,
    ErrorInformation,
    HI1Client,
    HI1Endpoint,
    HI1Server,
    IPAddressPort,
    Notification,
    ResponsePayload,
    TargetIdentifierValue,
    Trust,
    WarrantBook,
    approve_warrant,
    read_message,
    sign_message,
    warrant_request,
    write_message,
)


def show(response: bytes) -> None:
    payload = read_message(response).payload
    assert isinstance(payload, ResponsePayload)
    if payload.error is not None:
        print(f"  refused: {payload.error.code} {payload.error.description[:90]}")
    for action in payload.actions:
        result = action.result
        text = (f"{result.code} {result.description[:80]}" if isinstance(result, ErrorInformation)
                else f"{type(result).__name__} {getattr(result, 'identifier', '')}")
        print(f"  action {action.action_identifier}: {text}")


def main() -> None:
    warrants = make_warrant_pki()  # court CA + judge, authority CA + issuer
    tls = make_test_pki()  # the HTTPS server's and the agency client's certificates
    now = datetime.now(UTC).replace(microsecond=0)
    end = now + timedelta(days=30)

    # The agency's warrant: approved by the judge, signed by the issuing authority.
    request = warrant_request(
        liid="LIID-2026-0042",
        targets=[TargetIdentifierValue("ETSI", "InternationalE164", "442079460223")],
        destinations=[DeliveryDestination(DeliveryAddress(
            "IPAddressPort", IPAddressPort("192.0.2.10", 6001)))],
        start=now - timedelta(minutes=5), end=end, now=now,
        sender=EndpointID("XX", "AGENCY01"), receiver=EndpointID("XX", "CSP01"),
        document=b"%PDF-1.4 (the signed warrant)")
    signed = sign_message(approve_warrant(write_message(request), warrants.judge.key,
                                          [warrants.judge.certificate]),
                          warrants.issuer.key, [warrants.issuer.certificate])

    with tempfile.TemporaryDirectory() as folder, \
            WarrantBook(Path(folder) / "warrants.db") as book:
        endpoint = HI1Endpoint(
            book, identity=EndpointID("XX", "CSP01"),
            trust=Trust((warrants.authority_ca.certificate,)),
            approvers=Trust((warrants.court_ca.certificate,), roles=frozenset({"Judge"})))
        activated = threading.Event()

        def on_notifications(notes: tuple[Notification, ...]) -> None:
            for note in notes:
                kind, value = note.operation()  # a TS 101 671 HI1-Operation for HI2
                print(f"  HI2 notification: {kind} for {value['lawfulInterceptionIdentifier']!r}")
            activated.set()

        server = HI1Server(("127.0.0.1", 0), endpoint, tls.server_context(),
                           on_notifications=on_notifications)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
        thread.start()
        try:
            client = HI1Client("127.0.0.1", server.server_address[1], tls.client_context())
            print(f"POST the warrant ({len(signed)} bytes) over mutual TLS:")
            show(client.post(signed))
            assert activated.wait(30)
            print("POST a copy with the target changed:")
            show(client.post(signed.replace(b"442079460223", b"442079460999")))
            print("POST the same warrant again:")
            show(client.post(signed))
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

        task = next(e for e in book.entries(kind="task"))
        print(f"task {task.liid}: {task.status} until {task.end_time}")
        for note in book.tick(end):  # the clock reaches the EndTime
            print(f"at EndTime: {note.kind} for {note.liid}")
        print(f"task {task.liid}: {book.entry(task.identifier).status}")  # type: ignore[union-attr]
        print("audit log:")
        for row in book.audit():
            print(f"  {row.seq} {row.event:<10} {row.identifier[:8]} by {row.actor[:40]}")
        print(f"audit hash chain verified over {book.verify_audit()} rows")


if __name__ == "__main__":
    main()
