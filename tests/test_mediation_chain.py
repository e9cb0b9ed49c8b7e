"""The mediation function end to end on loopback: signed warrants checked by the HI-1
endpoint into the warrant book, `Mediation` tasking a simulated network element over X1 (one
in process, one over HTTPS with mutual TLS), the NE's X2/X3 to the listener (mutual TLS), the
conversion, HandoverDelivery over mutual TLS to the test LEMF: the warrant's rules hold
(IRIOnly, CCOnly, timespan, deactivation) and the LEMF sees lost 0, sequence gaps 0."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import lawful_intercept
from lawful_intercept.certs import TestPKI, make_warrant_pki
from lawful_intercept.correlation import (
    CINAllocator,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.delivery import Destination, HandoverDelivery, HandoverSession
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.mediation import (
    XID_NAMESPACE,
    AgencyDestination,
    Mediation,
    MediationDelivery,
    X2X3Converter,
    poi_pdus,
)
from lawful_intercept.records import PSPDUBuilder
from lawful_intercept.warrants import (
    ActionRequest,
    AuthorisationObject,
    DeliveryAddress,
    DeliveryDestination,
    DeliveryType,
    EndpointID,
    HI1Endpoint,
    HI1Message,
    IPAddressPort,
    LITaskObject,
    MessageHeader,
    RequestPayload,
    TargetIdentifierValue,
    Trust,
    UPDATERequest,
    WarrantBook,
    approve,
    read_message,
    sign_message,
    warrant_request,
    write_message,
)
from lawful_intercept.x1 import X1Client, X1Handler, X1Server
from lawful_intercept.x2x3 import X2X3Client, X2X3Listener

TIMEOUT = 60.0
SPEC = lawful_intercept.bundled()
NETWORK = NetworkIdentifier(b"operator-1", b"mf-1")
WARRANTS = make_warrant_pki()
CSP = EndpointID("XX", "CSP01")
AGENCY = EndpointID("XX", "AGENCY01")


def signed_warrant(liid: str, target: str, delivery: DeliveryType, hi2: tuple[str, int],
                   now: datetime, end: datetime) -> tuple[bytes, str]:
    request = warrant_request(
        liid=liid, targets=[TargetIdentifierValue("ETSI", "InternationalE164", target)],
        destinations=[DeliveryDestination(DeliveryAddress("IPAddressPort",
                                                          IPAddressPort(hi2[0], hi2[1])))],
        start=now - timedelta(minutes=5), end=end, now=now, sender=AGENCY, receiver=CSP,
        delivery_type=delivery)
    objects = request.objects()
    authorisation = next(o for o in objects if isinstance(o, AuthorisationObject))
    task = next(o for o in objects if isinstance(o, LITaskObject))
    data = approve(write_message(request), authorisation.object_identifier,
                   WARRANTS.judge.key, [WARRANTS.judge.certificate])
    return (sign_message(data, WARRANTS.issuer.key, [WARRANTS.issuer.certificate]),
            task.object_identifier)


def accepted(response: bytes) -> bool:
    payload: Any = read_message(response).payload
    return payload.error is None and all(
        type(a.result).__name__ == "CREATEResponse" for a in payload.actions)


def lemf_records(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in
            (folder / "records.jsonl").read_text().splitlines() if line.strip()]


def test_warrants_to_the_lemf_through_x1_and_x2x3(pki: TestPKI, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with LEMFThread(tmp_path / "lemf", ssl_context=pki.server_context(),
                    summary_interval=0.1) as lemf, WarrantBook(tmp_path / "w.db") as book:
        hi2, hi3 = lemf.listen(name="hi2"), lemf.listen(name="hi3")
        tri = PSPDUBuilder(SessionIdentity("MF", NETWORK, 0), spec=SPEC)
        delivery = HandoverDelivery(
            Destination(*hi2, server_hostname="localhost"),
            Destination(*hi3, server_hostname="localhost"), tmp_path / "spool",
            lambda: HandoverSession(SPEC, tri=tri, acknowledgement="negotiate", ack_every=10,
                                    ack_delay=0.05),
            ssl_context=pki.client_context(),
            client_options={"reconnect_initial": 0.05, "reconnect_max": 0.5})
        converter = X2X3Converter(NETWORK, allocator=CINAllocator(secret=b"test"),
                                  counters=SequenceCounters(), spec=SPEC)
        mediation_delivery = MediationDelivery(converter, {"agency": delivery})
        endpoint = HI1Endpoint(book, identity=CSP,
                               trust=Trust((WARRANTS.authority_ca.certificate,)),
                               approvers=Trust((WARRANTS.court_ca.certificate,),
                                               roles=frozenset({"Judge"})))
        far = now + timedelta(days=30)
        soon = now + timedelta(hours=1)
        warrants = {
            "both": signed_warrant("LIID-BOTH", "442079460001", DeliveryType.IRI_AND_CC, hi2,
                                   now, far),
            "iri": signed_warrant("LIID-IRI", "442079460002", DeliveryType.IRI_ONLY, hi2,
                                  now, far),
            "cc": signed_warrant("LIID-CC", "442079460003", DeliveryType.CC_ONLY, hi3, now,
                                 far),
            "soon": signed_warrant("LIID-SOON", "442079460004", DeliveryType.IRI_AND_CC, hi2,
                                   now, soon),
        }
        for data, _ in warrants.values():
            assert accepted(endpoint.handle(data, now=now).response)
        # a forged copy (the target changed after signing) is refused, nothing is tasked
        forged = warrants["both"][0].replace(b"442079460001", b"442079460999")
        assert not accepted(endpoint.handle(forged, now=now).response)
        ne2_handler = X1Handler("NE-2")
        with delivery, X1Server(ne2_handler, pki.server_context()) as ne2_server:
            ne1 = X1Handler("NE-1")
            ne2 = X1Client("localhost", ne2_server.port, pki.client_context())

            async def chain() -> dict[str, int]:
                async with asyncio.timeout(TIMEOUT), X2X3Listener(
                        mediation_delivery.consumer, pki.server_context()) as listener:
                    mediation = Mediation(
                        book, mediation_delivery,
                        destinations=[AgencyDestination("agency", (hi2, hi3))],
                        network_elements={"NE-1": ne1, "NE-2": ne2},
                        x2x3_address=IPAddressPort("127.0.0.1", listener.port))
                    report = mediation.sync(now)
                    assert sorted(report.activated) == sorted(t for _, t in warrants.values())
                    assert not report.refused and not report.x1_failed
                    assert book.pending_notifications() == ()
                    xids = {name: mediation.xids[task] for name, (_, task) in warrants.items()}
                    # both NEs run the same tasks under the same XIDs
                    assert set(ne1.tasks) == set(ne2_handler.tasks) == set(xids.values())
                    sent: dict[str, int] = {}
                    async with X2X3Client("127.0.0.1", listener.port,
                                          pki.client_context()) as client:
                        for name, scenario in (("both", "voip"), ("iri", "voip"),
                                               ("cc", "broadband"), ("soon", "mobile")):
                            stream = poi_pdus(scenario, xids[name], records=40)
                            await client.send_many(stream)
                            sent[name] = len(stream)
                        late = poi_pdus("broadband", xids["soon"], records=5,
                                        start_ns=int((soon + timedelta(seconds=1)).timestamp()
                                                     * 1e9))
                        await client.send_many(late)
                        await client.sync()  # everything before it is durable
                        before = converter.stats.records
                        # the IRI-only warrant is cancelled: delivery stops at once
                        book.cancel(warrants["iri"][1], now=now, actor="operator")
                        report = mediation.sync(now)
                        assert report.deactivated == [warrants["iri"][1]]
                        assert xids["iri"] not in ne1.tasks
                        assert xids["iri"] not in ne2_handler.tasks
                        await client.send_many(poi_pdus("voip", xids["iri"], records=10))
                        await client.sync()
                        assert converter.stats.records == before + 1  # liDeactivated only
                        # the clock passes the end of "soon": the book expires it
                        report = mediation.sync(soon + timedelta(seconds=1))
                        assert report.deactivated == [warrants["soon"][1]]
                        assert xids["soon"] not in ne1.tasks
                    return sent

            sent = asyncio.run(chain())
            stats = converter.stats
            assert stats.cc_dropped == sent["iri"] - 6  # the RTP of the IRI-only call
            assert stats.iri_dropped == 0  # the broadband session has no X2
            assert stats.outside_timespan == 5
            assert stats.after_deactivation == 10
            assert stats.unknown_xid == stats.conversion_errors == 0
            expected = stats.records
            assert delivery.wait_idle(TIMEOUT)
            assert lemf.wait_for(lambda s: s["records"] >= expected, TIMEOUT)
        summary = lemf.summary()
    assert summary["records"] == expected  # lost 0
    assert summary["sequence_gaps"] == 0
    assert summary["duplicates"] == 0
    assert summary["decode_errors"] == 0
    by_liid: dict[str, set[str]] = {}
    for record in lemf_records(tmp_path / "lemf"):
        liid = record.get("liid")
        if liid:
            by_liid.setdefault(liid, set()).add(record.get("kind", ""))
    assert "CC" not in by_liid["LIID-IRI"]
    assert "IRI" not in by_liid["LIID-CC"]
    assert {"IRI", "CC"} <= by_liid["LIID-BOTH"]


def test_a_warrant_naming_an_unconfigured_destination_tasks_no_ne(pki: TestPKI,
                                                                   tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with WarrantBook(tmp_path / "w.db") as book:
        delivery = HandoverDelivery(
            Destination("127.0.0.1", 9, server_hostname="localhost"),
            Destination("127.0.0.1", 9, server_hostname="localhost"), tmp_path / "spool",
            lambda: HandoverSession(SPEC, tri=None), ssl_context=pki.client_context())
        converter = X2X3Converter(NETWORK, spec=SPEC)
        endpoint = HI1Endpoint(book, identity=CSP,
                               trust=Trust((WARRANTS.authority_ca.certificate,)),
                               approvers=Trust((WARRANTS.court_ca.certificate,),
                                               roles=frozenset({"Judge"})))
        data, task = signed_warrant("LIID-X", "442079460005", DeliveryType.IRI_AND_CC,
                                    ("192.0.2.99", 6001), now, now + timedelta(days=1))
        assert accepted(endpoint.handle(data, now=now).response)
        ne = X1Handler("NE-1")
        mediation = Mediation(book, MediationDelivery(converter, {"agency": delivery}),
                              destinations=[AgencyDestination("agency", (("127.0.0.1", 9),))],
                              network_elements={"NE-1": ne},
                              x2x3_address=IPAddressPort("127.0.0.1", 6100))
        report = mediation.sync(now)
        assert "192.0.2.99:6001 is not an address of a configured agency destination" in \
            report.refused[task]
        assert not ne.tasks and not converter.tasks and report.x1_sent == 0
        # its liActivated stays in the book's outbox: no agency destination has had it
        assert [n.task for n in book.pending_notifications()] == [task]


def test_mediation_misuse(pki: TestPKI, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="addresses"):
        AgencyDestination("agency", ())
    with pytest.raises(ValueError, match="handover_format"):
        AgencyDestination("agency", (("127.0.0.1", 1),), "Other")  # type: ignore[arg-type]
    with WarrantBook(tmp_path / "w.db") as book:
        delivery = HandoverDelivery(
            Destination("127.0.0.1", 9, server_hostname="localhost"),
            Destination("127.0.0.1", 9, server_hostname="localhost"), tmp_path / "spool",
            lambda: HandoverSession(SPEC, tri=None), ssl_context=pki.client_context())
        md = MediationDelivery(X2X3Converter(NETWORK, spec=SPEC), {"agency": delivery})
        with pytest.raises(ValueError, match="'other' has no HandoverDelivery"):
            Mediation(book, md, destinations=[AgencyDestination("other", (("h", 1),))],
                      network_elements={}, x2x3_address=IPAddressPort("127.0.0.1", 1))
        with pytest.raises(TypeError, match="network_elements"):
            Mediation(book, md, destinations=[], network_elements={"NE": object()},  # type: ignore[dict-item]
                      x2x3_address=IPAddressPort("127.0.0.1", 1))


def test_a_new_warrant_generation_modifies_the_task_everywhere(pki: TestPKI,
                                                                tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with WarrantBook(tmp_path / "w.db") as book:
        delivery = HandoverDelivery(
            Destination("127.0.0.1", 9, server_hostname="localhost"),
            Destination("127.0.0.1", 9, server_hostname="localhost"), tmp_path / "spool",
            lambda: HandoverSession(SPEC, tri=None), ssl_context=pki.client_context())
        converter = X2X3Converter(NETWORK, spec=SPEC)
        endpoint = HI1Endpoint(book, identity=CSP,
                               trust=Trust((WARRANTS.authority_ca.certificate,)),
                               approvers=Trust((WARRANTS.court_ca.certificate,),
                                               roles=frozenset({"Judge"})))
        hi2 = ("127.0.0.1", 9)
        data, task_id = signed_warrant("LIID-MOD", "442079460006", DeliveryType.IRI_AND_CC,
                                       hi2, now, now + timedelta(days=1))
        assert accepted(endpoint.handle(data, now=now).response)
        ne = X1Handler("NE-1")
        mediation = Mediation(book, MediationDelivery(converter, {"agency": delivery}),
                              destinations=[AgencyDestination("agency", (hi2,))],
                              network_elements={"NE-1": ne},
                              x2x3_address=IPAddressPort("127.0.0.1", 6100))
        assert mediation.sync(now).activated == [task_id]
        xid = mediation.xids[task_id]
        assert xid == uuid.uuid5(XID_NAMESPACE, task_id)  # the same after a restart
        assert set(ne.tasks) == {xid}
        assert mediation.sync(now).x1_sent == 0  # nothing changed, nothing sent
        authorisation = next(o for o in read_message(data).objects()
                             if isinstance(o, AuthorisationObject))
        new_target = TargetIdentifierValue("ETSI", "InternationalE164", "442079460777")
        header = MessageHeader(AGENCY, CSP, str(uuid.uuid4()), now)
        action = ActionRequest(0, UPDATERequest(LITaskObject(
            object_identifier=task_id, associated_objects=(authorisation.object_identifier,),
            targets=(new_target,))))
        update = write_message(HI1Message(header, RequestPayload((action,))))
        update = sign_message(update, WARRANTS.issuer.key, [WARRANTS.issuer.certificate])
        assert "UPDATEResponse" in [type(a.result).__name__ for a in
                                    read_message(endpoint.handle(update, now=now).response)
                                    .payload.actions]  # type: ignore[union-attr]
        before = converter.stats.records
        report = mediation.sync(now)
        assert report.modified == [task_id] and not report.x1_failed
        assert converter.tasks[xid].targets == ("442079460777",)
        assert converter.stats.records == before + 1  # liModified
        assert [t.value for t in ne.tasks[xid].targets] == ["442079460777"]  # ModifyTask


def test_after_a_restart_the_tasks_resume_under_the_same_xids(pki: TestPKI,
                                                              tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with WarrantBook(tmp_path / "w.db") as book:
        endpoint = HI1Endpoint(book, identity=CSP,
                               trust=Trust((WARRANTS.authority_ca.certificate,)),
                               approvers=Trust((WARRANTS.court_ca.certificate,),
                                               roles=frozenset({"Judge"})))
        hi2 = ("127.0.0.1", 9)
        data, task_id = signed_warrant("LIID-RE", "442079460008", DeliveryType.IRI_AND_CC,
                                       hi2, now, now + timedelta(days=1))
        assert accepted(endpoint.handle(data, now=now).response)
        ne = X1Handler("NE-1")  # keeps its tasks while the mediation function restarts

        def start(run: int) -> tuple[Mediation, X2X3Converter]:
            delivery = HandoverDelivery(
                Destination("127.0.0.1", 9, server_hostname="localhost"),
                Destination("127.0.0.1", 9, server_hostname="localhost"),
                tmp_path / f"spool{run}", lambda: HandoverSession(SPEC, tri=None),
                ssl_context=pki.client_context())
            converter = X2X3Converter(NETWORK, spec=SPEC)
            return Mediation(book, MediationDelivery(converter, {"agency": delivery}),
                             destinations=[AgencyDestination("agency", (hi2,))],
                             network_elements={"NE-1": ne},
                             x2x3_address=IPAddressPort("127.0.0.1", 6100)), converter

        first, _ = start(1)
        first.sync(now)
        second, converter = start(2)
        report = second.sync(now)
        # ActivateTask refused (the NE runs the XID), then ModifyTask: no failure left
        assert report.activated == [task_id] and not report.x1_failed
        assert set(ne.tasks) == set(converter.tasks) == {first.xids[task_id]}
        assert second.sync(now).x1_sent == 0
