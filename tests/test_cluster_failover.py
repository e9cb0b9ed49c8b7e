"""The mediation cluster on a real three-server JetStream cluster (R3) on loopback: two
ingest and two handover nodes as separate processes (``lawful-intercept cluster``), 20,000
X3 PDUs over 50 LIIDs from two simulated network elements; one handover node and one NATS
server are killed (SIGKILL) mid-stream and started again. At the test LEMF: nothing lost, no
sequence gap for any LIID, duplicates only exact copies, all reported; the restarted node
takes leases back (docs/cluster.md)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _cluster_support import (
    NATS_SERVER,
    free_port,
    jetstream,
    needs_nats_server,
    wait_ready,
    wait_until,
)

import lawful_intercept
from lawful_intercept.certs import TestPKI, make_test_pki
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.stream import PDUReader

pytestmark = needs_nats_server

SPEC = lawful_intercept.bundled()
LIIDS = [f"LIID.{i:02d}" for i in range(50)]
XIDS = [uuid.UUID(int=0x6F0A0000_0000_4000_8000_000000000000 + i) for i in range(50)]
PER_ELEMENT = 10_000  # two network elements: 20,000 X3 PDUs
TIMEOUT = 400.0
LEASE_TTL = 5.0


class NatsCluster:
    """Three nats-server processes with JetStream, routes between them, a store each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ports = [free_port() for _ in range(3)]
        self.routes = [free_port() for _ in range(3)]
        self.procs: list[subprocess.Popen[bytes] | None] = [None, None, None]
        self.urls = [f"nats://127.0.0.1:{p}" for p in self.ports]

    def start(self, i: int) -> None:
        routes = ", ".join(f"nats-route://127.0.0.1:{r}"
                           for j, r in enumerate(self.routes) if j != i)
        conf = self.root / f"s{i}.conf"
        conf.write_text(
            f'server_name: s{i}\nlisten: 127.0.0.1:{self.ports[i]}\n'
            f'jetstream {{ store_dir: "{self.root / f"store{i}"}" }}\n'
            f'cluster {{ name: li, listen: 127.0.0.1:{self.routes[i]}, routes: [{routes}] }}\n')
        log = open(self.root / f"s{i}.log", "ab")  # noqa: SIM115 - kept by the process
        self.procs[i] = subprocess.Popen([str(NATS_SERVER), "-c", str(conf)], stdout=log,
                                         stderr=subprocess.STDOUT)

    def kill(self, i: int) -> None:
        proc = self.procs[i]
        assert proc is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)

    def stop(self) -> None:
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            if proc is not None:
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(15)


class Nodes:
    """The cluster nodes, each a ``lawful-intercept cluster`` process."""

    def __init__(self, root: Path, urls: list[str], pki: dict[str, Path]) -> None:
        self.root, self.urls, self.pki = root, urls, pki
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.dead: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, role: str, *extra: str) -> dict[str, Any]:
        ready = self.root / f"{name}.ready"
        ready.unlink(missing_ok=True)
        cert, key = ((self.pki["server_cert"], self.pki["server_key"]) if role == "ingest"
                     else (self.pki["client_cert"], self.pki["client_key"]))
        log = self.root / f"{name}.log"
        with open(log, "ab") as output:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "lawful_intercept", "cluster", "--cluster",
                 ",".join(self.urls), "--role", role, "--name", name, "--lease-ttl",
                 str(LEASE_TTL), "--ca", str(self.pki["ca"]), "--cert", str(cert), "--key",
                 str(key), "--ready-file", str(ready), "--log-level", "INFO", *extra],
                stdout=output, stderr=subprocess.STDOUT)
        return wait_ready(ready, self.procs[name], log, TIMEOUT)

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        self.dead.append(proc)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(15)


@pytest.fixture
def nats_cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    cluster = NatsCluster(tmp_path)
    try:
        for i in range(3):
            cluster.start(i)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pki() -> TestPKI:
    return make_test_pki()


async def _with_cluster(urls: list[str], job: Callable[[Any, Any], Any]) -> Any:
    from lawful_intercept.cluster import ClusterLayout

    # the meta leader is elected a moment after the servers start: ensured until it answers
    async with jetstream(urls, ClusterLayout(replicas=3, lease_ttl=LEASE_TTL),
                         name="test-driver", timeout=60) as (js, buckets):
        return await job(js, buckets)


def put_tasks(urls: list[str]) -> None:
    from lawful_intercept.cluster import ClusterTaskStore
    from lawful_intercept.mediation import MediationTask

    async def job(js: Any, buckets: dict[str, Any]) -> None:
        store = ClusterTaskStore(buckets["tasks"])
        for xid, liid in zip(XIDS, LIIDS, strict=True):
            await store.put(MediationTask(xid, liid, "CCOnly", destinations=("agency",)))

    asyncio.run(_with_cluster(urls, job))


def lease_owners(urls: list[str]) -> dict[str, str]:
    from lawful_intercept.cluster import Lease, decode_liid

    async def job(js: Any, buckets: dict[str, Any]) -> dict[str, str]:
        owners = {}
        now = int(time.time() * 1000)
        keys = await asyncio.wait_for(buckets["leases"].keys(), 10)
        for key in keys:
            lease = Lease.from_bytes((await buckets["leases"].get(key)).value)
            if lease is not None and lease.live(now):
                owners[decode_liid(key)] = lease.owner.rpartition("-")[0]
        return owners

    try:
        result: dict[str, str] = asyncio.run(_with_cluster(urls, job))
    except Exception:  # a server just killed, a leader being elected: no answer this time
        return {}
    return result


def x3_stream(element: int) -> Iterator[Any]:
    from lawful_intercept.x2x3 import X2X3PDU, Attribute, AttributeType, PDUType, Timestamp

    stamp = (Attribute(AttributeType.TIMESTAMP, Timestamp(1_800_000_000, 0)),)
    for n in range(PER_ELEMENT // len(LIIDS)):
        for xid in XIDS:
            packet = bytes([0x45, 0, 0, 60]) + bytes(16) + n.to_bytes(4, "big") * 10
            yield X2X3PDU(PDUType.X3, xid, 100 + element, packet, 5, 2 + n % 2, stamp)


def network_element(element: int, port: int, context: Any, checkpoints: list[threading.Event],
                    reached: list[threading.Event], errors: list[BaseException]) -> None:
    from lawful_intercept.x2x3 import BlockingX2X3Client

    try:
        pdus = list(x3_stream(element))
        step = len(pdus) // 3
        with BlockingX2X3Client("127.0.0.1", port, context, timeout=TIMEOUT) as client:
            for part in range(3):
                client.send_many(pdus[part * step:(part + 1) * step if part < 2 else None])
                client.sync()  # durable in the stream
                if part < 2:
                    reached[part].set()
                    assert checkpoints[part].wait(TIMEOUT)
    except BaseException as exc:
        errors.append(exc)
        for event in reached:
            event.set()


def read_received(path: Path) -> list[bytes]:
    reader = PDUReader()
    pdus = [pdu.raw for pdu in reader.feed(path.read_bytes())]
    reader.eof()
    return pdus


def test_killing_a_handover_node_and_a_broker_loses_nothing(
        nats_cluster: NatsCluster, pki: TestPKI, tmp_path: Path) -> None:
    urls = nats_cluster.urls
    files = pki.write(tmp_path / "pki")
    paths = {"ca": files.ca, "server_cert": files.server_cert, "server_key": files.server_key,
             "client_cert": files.client_cert, "client_key": files.client_key}
    put_tasks(urls)
    nodes = Nodes(tmp_path, urls, paths)
    checkpoints = [threading.Event(), threading.Event()]
    with LEMFThread(tmp_path / "lemf", ssl_context=pki.server_context(),
                    summary_interval=0.2) as lemf:
        try:
            hi2, hi3 = lemf.listen(name="hi2"), lemf.listen(name="hi3")
            agency = f"agency=127.0.0.1:{hi2[1]},127.0.0.1:{hi3[1]}"
            spool = ("--spool", str(tmp_path / "spool"), "--server-hostname", "localhost")
            for name in ("h1", "h2"):
                nodes.start(name, "handover", "--destination", agency, *spool)
            ports = [nodes.start(f"i{n}", "ingest", "--network", f"operator/mf-{n}",
                                 "--cin-range", f"{n * 1_000_000 + 1}-{n * 1_000_000 + 999_999}"
                                 )["port"] for n in (1, 2)]
            wait_until(lambda: set(lease_owners(urls).values()) == {"h1", "h2"}
                       and len(lease_owners(urls)) == len(LIIDS), TIMEOUT, "both nodes holding")

            reached = [[threading.Event(), threading.Event()] for _ in ports]
            errors: list[BaseException] = []
            context = pki.client_context()
            threads = [threading.Thread(target=network_element, args=(
                n, port, context, checkpoints, reached[n], errors)) for n, port in
                enumerate(ports)]
            for thread in threads:
                thread.start()
            for r in reached:
                assert r[0].wait(TIMEOUT)
            assert not errors, errors
            # mid-stream: a third sent, part of it still on its way to the LEMF
            nodes.kill("h1")
            nats_cluster.kill(1)
            checkpoints[0].set()
            wait_until(lambda: set(lease_owners(urls).values()) == {"h2"}
                       and len(lease_owners(urls)) == len(LIIDS), TIMEOUT, "h2 taking over")
            for r in reached:
                assert r[1].wait(TIMEOUT)
            nats_cluster.start(1)
            nodes.start("h1", "handover", "--destination", agency, *spool)
            wait_until(lambda: "h1" in lease_owners(urls).values(), TIMEOUT,
                       "the restarted h1 taking leases back")
            checkpoints[1].set()
            for thread in threads:
                thread.join(TIMEOUT)
            assert not errors, errors

            expected = 2 * PER_ELEMENT + len(LIIDS)  # and each task's HI1 activation, once
            assert lemf.wait_for(lambda s: s["records"] >= expected, TIMEOUT), lemf.summary()
            summary = lemf.summary()
        finally:
            for event in checkpoints:  # a failure half-way: the network elements end too
                event.set()
            nodes.stop()
    assert summary["records"] == expected  # lost 0 (and nothing invented)
    assert summary["sequence_gaps"] == 0
    assert summary["decode_errors"] == 0

    # Every copy of a (LIID, CIN, kind, number) is octet for octet the same record, and the
    # LEMF reported each repeat as a duplicate.
    copies: dict[tuple[Any, ...], set[bytes]] = defaultdict(set)
    received = Counter[tuple[Any, ...]]()
    for raw in read_received(tmp_path / "lemf" / "received.ber"):
        value = SPEC.decode("PS-PDU", raw)
        header = value["pSHeader"]
        key = (bytes(header["lawfulInterceptionIdentifier"]).decode(),
               header["communicationIdentifier"].get("communicationIdentityNumber"),
               value["payload"][0], header["sequenceNumber"])
        copies[key].add(raw)
        received[key] += 1
    assert all(len(octets) == 1 for octets in copies.values())
    assert sum(received.values()) - len(received) == summary["duplicates"]
    cc = Counter(liid for liid, _, payload, _ in received if payload == "cCPayloadSequence")
    assert cc == {liid: 2 * PER_ELEMENT // len(LIIDS) for liid in LIIDS}
    hi1 = Counter(liid for liid, _, payload, _ in received if payload != "cCPayloadSequence")
    assert hi1 == {liid: 1 for liid in LIIDS}  # both ingest nodes made it: stored once
    streams: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for liid, cin, payload, number in received:
        streams[(liid, cin, payload)].append(number)
    for numbers in streams.values():
        assert sorted(numbers) == list(range(len(numbers)))  # no gap, from 0
    print(f"duplicates reported: {summary['duplicates']}")


@pytest.mark.parametrize("replicas", [1, 3])
def test_bench_cluster_prints_one_json_line(replicas: int) -> None:
    bench = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_cluster.py"
    result = subprocess.run([sys.executable, str(bench), "--records", "600", "--liids", "6",
                             "--replicas", str(replicas)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["benchmark"] == "cluster" and line["records"] == 600
    assert line["replicas"] == replicas
    assert line["cluster"]["records_per_second"] > 0 and line["single"]["records_per_second"] > 0
    assert set(line["cluster"]["cpu_us_per_record"]) == {"ingest_publish",
                                                         f"jetstream_r{replicas}", "handover"}


def test_the_task_bucket_deactivates_by_tombstone_only(nats_url: str) -> None:
    from lawful_intercept.cluster import ClusterTaskStore
    from lawful_intercept.mediation import MediationTask

    async def job() -> None:
        async with jetstream([nats_url], timeout=30) as (_, buckets):
            store = ClusterTaskStore(buckets["tasks"])
            assert await store.tasks() == []
            one, two = (MediationTask(uuid.uuid4(), "LIID-1", destinations=("a",)),
                        MediationTask(uuid.uuid4(), "LIID-2", destinations=("b",)))
            await store.put(one)
            await store.put(two)
            assert sorted(t.liid for t in await store.tasks()) == ["LIID-1", "LIID-2"]
            assert await store.liid_of(one.xid) == "LIID-1"
            assert await store.destinations() == {"a", "b"}
            await store.remove(one.xid)
            active, removed = await store.snapshot()
            assert set(active) == {two.xid} and removed == {one.xid: "LIID-1"}
            assert await store.liid_changes() == ({"LIID-2"}, {"LIID-1"})
            assert await store.liid_of(one.xid) is None
            await store.put(one)  # activated again
            assert await store.liid_changes() == ({"LIID-1", "LIID-2"}, set())
            three = MediationTask(uuid.uuid4(), "LIID-3", destinations=("a",))
            changed = MediationTask(two.xid, "LIID-2", "IRIOnly", destinations=("b",))
            assert await store.mirror([changed, three]) == (2, 1)  # what a Mediation runs
            active, removed = await store.snapshot()
            assert active == {two.xid: changed, three.xid: three}
            assert removed == {one.xid: "LIID-1"}
            assert await store.mirror([changed, three]) == (0, 0)

    asyncio.run(job())
