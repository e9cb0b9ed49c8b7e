"""A mediation function executing warrants end to end, on loopback (ETSI TS 103 120, TS 103
221-1, TS 103 221-2, TS 102 232): two judge-approved, signed warrants are checked into a
warrant book (one IRI and CC, one IRI only); `Mediation` tasks a simulated network element
over X1; the network element sends a VoIP call for each task as X2/X3 over mutual TLS; the
mediation converts them and delivers HI2/HI3 over mutual TLS to a test LEMF; the IRI-only
warrant's RTP is dropped; the first warrant is cancelled and its task stops at once.

Needs the ``warrants`` extra (lxml, xmlschema, signxml). See docs/mediation.md.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lawful_intercept.certs import WarrantPKI, make_test_pki, make_warrant_pki
from lawful_intercept.correlation import (
    CINAllocator,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.delivery import Destination, HandoverDelivery, HandoverSession
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.mediation import (
    AgencyDestination,
    Mediation,
    MediationDelivery,
    X2X3Converter,
    poi_pdus,
)
from lawful_intercept.records import PSPDUBuilder
from lawful_intercept.registry import bundled
from lawful_intercept.warrants import (
    AuthorisationObject,
    DeliveryAddress,
    DeliveryDestination,
    DeliveryType,
    EndpointID,
    HI1Endpoint,
    IPAddressPort,
    LITaskObject,
    TargetIdentifierValue,
    Trust,
    WarrantBook,
    approve,
    sign_message,
    warrant_request,
    write_message,
)
from lawful_intercept.x1 import X1Handler
from lawful_intercept.x2x3 import X2X3Client, X2X3Listener

NETWORK = NetworkIdentifier(b"operator-1", b"mf-01")
CSP, AGENCY = EndpointID("XX", "CSP01"), EndpointID("XX", "AGENCY01")


def signed_warrant(pki: WarrantPKI, liid: str, number: str, kind: DeliveryType,
                   hi2: tuple[str, int], now: datetime) -> tuple[bytes, str]:
    """A warrant as the agency sends it: approved by the judge, signed by the authority."""
    request = warrant_request(
        liid=liid, targets=[TargetIdentifierValue("ETSI", "InternationalE164", number)],
        destinations=[DeliveryDestination(DeliveryAddress("IPAddressPort",
                                                          IPAddressPort(*hi2)))],
        start=now - timedelta(minutes=5), end=now + timedelta(days=30), now=now,
        sender=AGENCY, receiver=CSP, delivery_type=kind)
    authorisation = next(o for o in request.objects() if isinstance(o, AuthorisationObject))
    task = next(o for o in request.objects() if isinstance(o, LITaskObject))
    approved = approve(write_message(request), authorisation.object_identifier,
                       pki.judge.key, [pki.judge.certificate])
    return (sign_message(approved, pki.issuer.key, [pki.issuer.certificate]),
            task.object_identifier)


def main() -> None:
    tls, warrants = make_test_pki(), make_warrant_pki()
    spec = bundled()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder, \
            LEMFThread(Path(folder) / "lemf", ssl_context=tls.server_context()) as lemf, \
            WarrantBook(Path(folder) / "warrants.db") as book:
        hi2, hi3 = lemf.listen(name="HI2"), lemf.listen(name="HI3")
        # HI-1: the agency's warrants, checked (signature, approval, timespan, ...) and booked
        endpoint = HI1Endpoint(book, identity=CSP,
                               trust=Trust((warrants.authority_ca.certificate,)),
                               approvers=Trust((warrants.court_ca.certificate,),
                                               roles=frozenset({"Judge"})))
        both, both_task = signed_warrant(warrants, "LIID-0001", "442079460001",
                                         DeliveryType.IRI_AND_CC, hi2, now)
        iri, _ = signed_warrant(warrants, "LIID-0002", "442079460002", DeliveryType.IRI_ONLY,
                                hi2, now)
        for data in (both, iri):
            endpoint.handle(data, now=now)
        print("warrant book:", [(e.liid, e.status) for e in book.entries(kind="task")])

        # HI2/HI3: the durable delivery to the agency, over mutual TLS
        tri = PSPDUBuilder(SessionIdentity("LIID-0001", NETWORK, 0), spec=spec)
        delivery = HandoverDelivery(
            Destination(*hi2, server_hostname="localhost"),
            Destination(*hi3, server_hostname="localhost"), Path(folder) / "spool",
            lambda: HandoverSession(spec, tri=tri, acknowledgement="negotiate"),
            ssl_context=tls.client_context())
        converter = X2X3Converter(NETWORK, allocator=CINAllocator(secret=b"per deployment"),
                                  counters=SequenceCounters(), spec=spec)
        mediation_delivery = MediationDelivery(converter, {"agency": delivery})
        ne = X1Handler("NE-IMS-01")  # a simulated network element, tasked in process

        async def run() -> None:
            async with X2X3Listener(mediation_delivery.consumer, tls.server_context()) as x2x3:
                mediation = Mediation(
                    book, mediation_delivery,
                    destinations=[AgencyDestination("agency", (hi2, hi3))],
                    network_elements={"NE-IMS-01": ne},
                    x2x3_address=IPAddressPort("127.0.0.1", x2x3.port))
                report = mediation.sync(datetime.now(UTC))
                print(f"sync: {len(report.activated)} tasks activated, {report.x1_sent} X1 "
                      f"requests; the NE runs XIDs {sorted(str(x)[:8] for x in ne.tasks)}")
                async with X2X3Client("127.0.0.1", x2x3.port, tls.client_context()) as poi:
                    for correlation, xid in enumerate(ne.tasks, start=1):
                        await poi.send_many(poi_pdus("voip", xid, records=30,
                                                     correlation_id=correlation))
                    await poi.sync()  # acknowledged: converted and in the spools
                    book.cancel(both_task, now=datetime.now(UTC), actor="operator")
                    report = mediation.sync(datetime.now(UTC))
                    print(f"cancelled: {report.deactivated[0][:8]} deactivated; the NE runs "
                          f"{len(ne.tasks)} task(s)")
                    await poi.send_many(poi_pdus("voip", mediation.xids[both_task],
                                                 records=10, correlation_id=9))
                    await poi.sync()

        with delivery:
            asyncio.run(run())
            expected = converter.stats.records
            assert delivery.wait_idle(60)
            assert lemf.wait_for(lambda s: s["records"] >= expected, 60)
        summary = lemf.summary()
    stats = converter.stats
    print(f"converted {stats.converted} X2/X3 PDUs into {stats.records} records; dropped: "
          f"{stats.cc_dropped} RTP of the IRI-only warrant, {stats.after_deactivation} after "
          "cancellation")
    print(f"the LEMF received {summary['records']}: sequence gaps {summary['sequence_gaps']}, "
          f"decode errors {summary['decode_errors']}")
    assert summary["records"] == expected and summary["sequence_gaps"] == 0


if __name__ == "__main__":
    main()
