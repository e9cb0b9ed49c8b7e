"""X1 tasking (ETSI TS 103 221-1), both ends, on loopback: a warrant's LI task (TS 103 120)
becomes an XID with its targets and delivery type; the ADMF's planner sends CreateDestination
and ActivateTask over HTTPS with mutual TLS to a network element, which keeps its task table;
a new warrant generation is a ModifyTask; at cancellation the task is deactivated and its
destinations removed. An unknown XID gets the schema's ErrorResponse.

Needs the ``warrants`` extra (lxml, xmlschema). See docs/x1.md.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from lawful_intercept.certs import make_test_pki
from lawful_intercept.warrants import (
    DeliveryAddress,
    DeliveryDestination,
    DeliveryType,
    DictionaryEntry,
    IPAddressPort,
    LITaskObject,
    TargetIdentifierValue,
    TaskTimespan,
)
from lawful_intercept.x1 import (
    ErrorResponse,
    GetTaskDetailsRequest,
    X1Client,
    X1Handler,
    X1Header,
    X1Planner,
    X1Server,
)


def main() -> None:
    pki = make_test_pki()  # throwaway CA, NE (server) and ADMF (client) certificates
    now = datetime.now(UTC)
    task = LITaskObject(
        object_identifier="2b36a78b-b628-416d-bd22-404e68a0cd36", generation=1,
        reference="LIID-2026-0001",
        targets=(TargetIdentifierValue("ETSI", "InternationalE164", "442079460223"),
                 TargetIdentifierValue("ETSI", "SIPURI", "sip:alice@example.net")),
        delivery_type=DeliveryType.IRI_AND_CC.entry,
        delivery_details=(DeliveryDestination(DeliveryAddress(
            "IPAddressPort", IPAddressPort("192.0.2.10", 6001))),),
        timespan=TaskTimespan(start_time=now - timedelta(minutes=1),
                              end_time=now + timedelta(days=90)))

    events: list[str] = []
    ne = X1Handler("NE-POI-01", on_task=lambda event, details: events.append(
        f"{event} {details.xid} {[t.kind for t in details.targets]} {details.delivery_type}"))
    planner = X1Planner("ADMF-01", "NE-POI-01",
                        x2x3_destination=IPAddressPort("192.0.2.20", 4443))

    with X1Server(ne, pki.server_context()) as server:
        client = X1Client("localhost", server.port, pki.client_context())

        def run(tasks: list[LITaskObject], at: datetime) -> None:
            for request in planner.plan(tasks, at):
                answer = client.send(request).messages[0]
                planner.confirm(request, answer)
                print(f"  {type(request).__name__:28} -> {type(answer).__name__}"
                      f" {getattr(answer, 'ok', '')}")

        print("warrant accepted: activate")
        run([task], now)
        xid = planner.xids[task.object_identifier]
        assert set(ne.tasks) == {xid} and len(ne.destinations) == 2

        print("new warrant generation (a second target): modify")
        renewed = replace(task, generation=2, targets=(
            *(task.targets or ()), TargetIdentifierValue("ETSI", "IPv4Address", "198.51.100.7")))
        run([renewed], now)
        assert [t.kind for t in ne.tasks[xid].targets][-1] == "ipv4Address"

        print("nothing to do when nothing changed:", planner.plan([renewed], now))

        print("warrant cancelled: deactivate, remove destinations")
        run([replace(renewed, status=DictionaryEntry("ETSI", "TaskStatus", "Cancelled"))], now)
        assert not ne.tasks and not ne.destinations

        unknown = client.send(GetTaskDetailsRequest(
            X1Header("ADMF-01", "NE-POI-01", now, uuid4()),
            xid)).messages[0]
        assert isinstance(unknown, ErrorResponse)
        print(f"GetTaskDetails of a deactivated XID -> ErrorResponse {unknown.error.code}: "
              f"{unknown.error.description}")
    print("NE task events:")
    for event in events:
        print(" ", event)


if __name__ == "__main__":
    main()
