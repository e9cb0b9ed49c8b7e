"""``mediate --cluster``: the warrant book in a mediation cluster (docs/cluster.md).

Without a broker: the node options and the configuration file checked for a cluster node
(each error names the option or the key), and a ``Mediation`` over a bare converter whose
``sync`` hands the tasks on before any network element is told. With a real ``nats-server``
(JetStream) and ``mediate --cluster`` processes: a warrant activated over HI-1 reaches the
task bucket before X1 tasks the network element, the ingest node converts its X2/X3 and the
handover node delivers it with no gap; cancelled, it leaves the bucket (a tombstone) before X1
stops the network element, its HI1 deactivation notification still reaches the agency, and
X2/X3 sent for it afterwards is neither published nor delivered."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from _cluster_support import (
    TLS_FILES,
    free_port,
    jetstream,
    mediate_config,
    needs_nats_server,
    wait_ready,
    wait_until,
)

import lawful_intercept
from lawful_intercept.certs import TestPKI, make_warrant_pki
from lawful_intercept.cli import main
from lawful_intercept.cli._common import CLIError
from lawful_intercept.cli._mediate import load_config
from lawful_intercept.correlation import NetworkIdentifier
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.mediation import (
    AgencyDestination,
    Converted,
    Mediation,
    MediationTask,
    X2X3Converter,
    poi_pdus,
)
from lawful_intercept.stream import PDUReader
from lawful_intercept.warrants import (
    AuthorisationObject,
    DeliveryAddress,
    DeliveryDestination,
    EndpointID,
    HI1Client,
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
from lawful_intercept.x1 import X1Handler, X1Server

TIMEOUT = 120.0
SPEC = lawful_intercept.bundled()
WARRANTS = make_warrant_pki()
CSP = EndpointID("XX", "CSP01")
AGENCY = EndpointID("XX", "AGENCY01")
LIID = "LIID-CLUSTER"


def signed_warrant(hi2: tuple[str, int], now: datetime) -> tuple[bytes, str]:
    """A warrant for ``LIID`` delivered to ``hi2``, approved and signed; its task's id."""
    request = warrant_request(
        liid=LIID, targets=[TargetIdentifierValue("ETSI", "InternationalE164", "442079460223")],
        destinations=[DeliveryDestination(DeliveryAddress("IPAddressPort",
                                                          IPAddressPort(hi2[0], hi2[1])))],
        start=now - timedelta(minutes=5), end=now + timedelta(days=1), now=now,
        sender=AGENCY, receiver=CSP)
    objects = request.objects()
    authorisation = next(o for o in objects if isinstance(o, AuthorisationObject))
    task = next(o for o in objects if isinstance(o, LITaskObject))
    data = approve(write_message(request), authorisation.object_identifier,
                   WARRANTS.judge.key, [WARRANTS.judge.certificate])
    return (sign_message(data, WARRANTS.issuer.key, [WARRANTS.issuer.certificate]),
            task.object_identifier)


# -- the node options --------------------------------------------------------------------------

INGEST = mediate_config({"operator_id": "operator-1", "network_element_id": "mf-ingest"},
                        x2x3={"listen": "127.0.0.1:6100"})
BOOK = mediate_config({"operator_id": "operator-1", "network_element_id": "mf-book",
                       "book": "warrants.db", "spool": "spool"},
                      x2x3={"advertise": "192.0.2.5:6100"},
                      destinations=[{"name": "agency", "hi2": "127.0.0.1:6001",
                                     "hi3": "127.0.0.1:6002"}],
                      network_elements=[{"name": "NE-1", "x1": "127.0.0.1:8443"}])


@pytest.mark.parametrize(("arguments", "message"), [
    (["--role", "ingest"], "a cluster node needs --cluster nats://HOST:PORT[,...] and --role"),
    (["--cluster", "nats://127.0.0.1:4222"], "a cluster node needs --cluster"),
    (["--name", "n1"], "a cluster node needs --cluster"),
    (["--cluster", "http://127.0.0.1:4222", "--role", "ingest"],
     "--cluster: 'http://127.0.0.1:4222' is not nats://HOST:PORT"),
    (["--cluster", "nats://127.0.0.1", "--role", "ingest"],
     "--cluster: 'nats://127.0.0.1' is not nats://HOST:PORT"),
    (["--cluster", "nats://127.0.0.1:99999", "--role", "ingest"], "with a port of 1..65535"),
    (["--cluster", " , ", "--role", "ingest"], "--cluster: give at least one"),
    (["--cluster", "nats://127.0.0.1:4222", "--role", "ingest", "--name", "a.b"],
     "--name: 'a.b' must be a non-empty name without '.' or spaces"),
    (["--cluster", "nats://127.0.0.1:4222", "--role", "ingest", "--replicas", "7"],
     "--replicas: must be 1..5, got 7"),
    (["--cluster", "nats://127.0.0.1:4222", "--role", "ingest", "--lease-ttl", "0.2"],
     "--lease-ttl: must be at least 0.5 seconds"),
    (["--cluster", "nats://127.0.0.1:4222", "--role", "ingest", "--cin-range", "9-3"],
     "--cin-range: '9-3' is not MIN-MAX with 0 < MIN <= MAX"),
])
def test_mediate_refuses_bad_node_options(arguments: list[str], message: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.toml").write_text(INGEST)
    assert main(["mediate", "--config", str(tmp_path / "m.toml"), *arguments]) == 1
    assert message in capsys.readouterr().err


def test_the_cluster_command_checks_the_same_options(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    assert main(["cluster", "--cluster", "nats://h:1,nope", "--role", "both", "--name", "n",
                 "--ca", "x", "--cert", "x", "--key", "x"]) == 1
    assert "--cluster: 'nope' is not nats://HOST:PORT" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "roles", "message"), [
    (INGEST.replace('"mf-ingest"', '"mf-ingest"\ncin_secret = "s"'), ["ingest"],
     "[mediation] cin_secret: not used by this cluster node (it runs ingest): each ingest "
     "node gives CINs from its own --cin-range"),
    (INGEST.replace('"mf-ingest"', '"mf-ingest"\ncountry_code = "NL"'), ["ingest"],
     "[mediation] country_code: not used by this cluster node"),
    (INGEST.replace('"mf-ingest"', '"mf-ingest"\nspool = "spool"'), ["ingest"],
     "[mediation] spool: not used by this cluster node (it runs ingest): only the handover "
     "role keeps spools"),
    (INGEST.replace('"mf-ingest"', '"mf-ingest"\nsync_interval = 1'), ["ingest"],
     "[mediation] sync_interval: not used by this cluster node"),
    (INGEST + '\n[[network_element]]\nname = "NE-1"\nx1 = "127.0.0.1:1"\n', ["ingest"],
     "[[network_element]]: not used by this cluster node (it runs ingest): only the node "
     "with the warrant book"),
    (INGEST + '\n[hi1]\nlisten = "127.0.0.1:1"\nidentity = "XX/CSP"\ntrust = ["a.pem"]\n'
     'approvers = ["b.pem"]\n', ["ingest"], "[hi1]: not used by this cluster node"),
    (INGEST + '\n[[destination]]\nname = "a"\nhi2 = "127.0.0.1:1"\nhi3 = "127.0.0.1:2"\n',
     ["ingest"], "[[destination]]: not used by this cluster node (it runs ingest)"),
    (INGEST, ["handover"], "[x2x3] listen: not used by this cluster node (it runs handover)"),
    (INGEST.replace('listen = "127.0.0.1:6100"', ""), ["ingest"],
     "[x2x3] listen: missing (required in cluster mode)"),
    (INGEST.split("[x2x3]")[0], ["handover"], "[mediation] spool: missing (required in "
     "cluster mode)"),
    (BOOK.replace('advertise = "192.0.2.5:6100"', ""), ["handover"],
     "[x2x3] advertise: missing (required in cluster mode)"),
    (BOOK.replace('hi3 = "127.0.0.1:6002"', 'hi3 = "127.0.0.1:6002"\nformat = "ATIS"'),
     ["handover"], "[[destination]] #1 format: the cluster carries ETSI TS 102 232 PS-PDUs "
     "only, got 'ATIS'"),
    (BOOK.split("[[network_element]]")[0], ["handover"],
     "[[network_element]]: give at least one"),
])
def test_a_cluster_node_refuses_what_it_would_not_use(text: str, roles: list[str],
                                                      message: str, tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(CLIError) as caught:
        load_config(path, roles=roles)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_cluster_node_files_that_read(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(INGEST)
    config = load_config(path, roles=["ingest"])
    assert "book" not in config.mediation and not config.destinations
    path.write_text(BOOK)
    config = load_config(path, roles=["handover"])
    assert config.x2x3 == {"advertise": ("192.0.2.5", 6100)}
    assert [d["name"] for d in config.destinations] == ["agency"]
    both = BOOK.replace('advertise = "192.0.2.5:6100"', 'listen = "127.0.0.1:6100"')
    path.write_text(both)
    assert load_config(path, roles=["ingest", "handover"]).x2x3["listen"] == ("127.0.0.1",
                                                                            6100)
    path.write_text(INGEST)
    with pytest.raises(CLIError, match=r"\[mediation\] book: missing \(required\)"):
        load_config(path)  # one machine: its rules, unchanged


# -- Mediation over a bare converter -------------------------------------------------------------

def test_sync_hands_the_tasks_on_before_x1(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    events: list[tuple[str, Any]] = []
    element = X1Handler("NE-1", on_task=lambda event, details: events.append(("x1", event)))
    hi2 = ("192.0.2.10", 6001)
    with WarrantBook(tmp_path / "w.db") as book:
        endpoint = HI1Endpoint(book, identity=CSP,
                               trust=Trust((WARRANTS.authority_ca.certificate,)),
                               approvers=Trust((WARRANTS.court_ca.certificate,),
                                               roles=frozenset({"Judge"})))
        data, task_id = signed_warrant(hi2, now)
        endpoint.handle(data, now=now)
        mediation = Mediation(book, X2X3Converter(NetworkIdentifier(b"op", b"mf"), spec=SPEC),
                              destinations=[AgencyDestination("agency", (hi2,))],
                              network_elements={"NE-1": element},
                              x2x3_address=IPAddressPort("192.0.2.5", 6100))

        def refuse(tasks: dict[str, MediationTask]) -> None:
            events.append(("refused", sorted(tasks)))
            raise RuntimeError("the bucket did not answer")

        with pytest.raises(RuntimeError, match="bucket"):
            mediation.sync(now, on_tasks=refuse)
        assert events == [("refused", [task_id])]  # no NE told
        assert book.pending_notifications()  # nothing marked done
        events.clear()
        report = mediation.sync(now, on_tasks=lambda tasks: events.append(
            ("tasks", {t: (m.liid, m.destinations) for t, m in tasks.items()})))
        assert events == [("tasks", {task_id: (LIID, ("agency",))}), ("x1", "activated")]
        assert report.x1_sent >= 1 and not report.x1_failed
        assert book.pending_notifications() == ()
        events.clear()
        book.cancel(task_id, now=now, actor="operator")
        report = mediation.sync(now, on_tasks=lambda tasks: events.append(("tasks", tasks)))
        assert report.deactivated == [task_id]
        assert events == [("tasks", {}), ("x1", "deactivated")]


def test_mediation_takes_a_delivery_or_a_bare_converter(tmp_path: Path) -> None:
    with WarrantBook(tmp_path / "w.db") as book, \
            pytest.raises(TypeError, match="delivery must be MediationDelivery or X2X3Conv"):
        Mediation(book, object(),  # type: ignore[arg-type]
                  destinations=[], network_elements={},
                  x2x3_address=IPAddressPort("192.0.2.5", 1))


# -- mediate --cluster on a real JetStream -------------------------------------------------------

def bucket(url: str, job: Callable[[Any, Any], Any]) -> Any:
    """Run ``job(store, js)`` against the cluster's task bucket and stream."""
    from lawful_intercept.cluster import ClusterTaskStore

    async def run() -> Any:
        async with jetstream([url]) as (js, buckets):
            return await job(ClusterTaskStore(buckets["tasks"]), js)

    return asyncio.run(run())


def last_notification_id(url: str) -> str:
    """The de-duplication id of the last HI1 notification of ``LIID`` in the stream."""
    from lawful_intercept.cluster import subject_of

    async def job(store: Any, js: Any) -> str:
        try:
            msg = await js.get_last_msg("LI_RECORDS", subject_of(LIID, "HI1"))
        except Exception:
            return ""
        return str((msg.headers or {}).get("Nats-Msg-Id", ""))

    result: str = bucket(url, job)
    return result


@needs_nats_server
def test_the_mirror_purges_old_tombstones_only(nats_url: str) -> None:
    from lawful_intercept.cluster import ClusterTaskStore

    old, recent, live = (MediationTask(uuid.uuid4(), f"LIID-{n}") for n in range(3))

    async def job(store: ClusterTaskStore, js: Any) -> None:
        assert await store.mirror([old, recent, live]) == (3, 0)
        # a tombstone written two hours ago, as the book's node wrote it then
        await store.kv.put(old.xid.hex, json.dumps({
            "deactivated": True, "xid": str(old.xid), "liid": old.liid,
            "at": time.time() - 7200}).encode())
        assert await store.mirror([live], forget_after=3600) == (0, 1)  # recent: tombstoned
        active, removed = await store.snapshot()
        assert active == {live.xid: live} and removed == {recent.xid: recent.liid}
        assert old.xid.hex not in await store.kv.keys()  # purged, not listed
        assert await store.mirror([live]) == (0, 0)  # without forget_after: kept
        assert (await store.snapshot())[1] == {recent.xid: recent.liid}
        assert await store.mirror([live, old], forget_after=0) == (1, 0)  # back, and ...
        active, removed = await store.snapshot()
        assert set(active) == {live.xid, old.xid} and removed == {}  # recent purged at 0
        with pytest.raises(ValueError, match="forget_after"):
            await store.mirror([], forget_after=-1)

    bucket(nats_url, job)


class Node:
    """A ``lawful-intercept mediate --cluster`` process."""

    def __init__(self, root: Path, name: str, config: str, url: str, role: str) -> None:
        (root / f"{name}.toml").write_text(config)
        self.ready, self.log = root / f"{name}.ready", root / f"{name}.log"
        self.out = root / f"{name}.out"
        with open(self.log, "ab") as log, open(self.out, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "lawful_intercept", "mediate", "--config",
                 str(root / f"{name}.toml"), "--cluster", url, "--role", role, "--replicas",
                 "1", "--lease-ttl", "2", "--ready-file", str(self.ready), "--log-level",
                 "INFO", "--json"], stdout=out, stderr=log)

    def wait_ready(self) -> dict[str, Any]:
        return wait_ready(self.ready, self.proc, self.log, TIMEOUT)

    def stop(self) -> dict[str, Any]:
        """SIGTERM; the ``--json`` summary."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            assert self.proc.wait(TIMEOUT) == 0, self.log.read_text()[-3000:]
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(30)
        lines = [line for line in self.out.read_text().splitlines() if line.startswith("{")]
        value: dict[str, Any] = json.loads(lines[-1])
        return value


def _posted(client: HI1Client, data: bytes, answers: list[bytes]) -> bool:
    try:  # the endpoint starts a moment after the node says it runs
        answers.append(client.post(data))
    except OSError:
        return False
    return True


def converted(records: list[Converted]) -> Counter[str]:
    """The records by PS-PDU payload choice."""
    return Counter(SPEC.decode("PS-PDU", r.pdu)["payload"][0] for r in records)


def expected_payloads(xid: uuid.UUID) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """What a converter makes of the task's activation, 20 PDUs of ``poi --scenario voip``
    and the deactivation, by payload choice."""
    converter = X2X3Converter(NetworkIdentifier(b"operator-1", b"mf-ingest"), spec=SPEC)
    activation = converter.activate(MediationTask(xid, LIID, destinations=("agency",)))
    voip = converter.convert_many(poi_pdus("voip", xid, records=20), time.time_ns())
    return converted(activation), converted(voip), converted(converter.deactivate(xid))


def received(folder: Path) -> Counter[str]:
    reader = PDUReader()
    pdus = list(reader.feed((folder / "received.ber").read_bytes()))
    reader.eof()
    return Counter(SPEC.decode("PS-PDU", pdu.raw)["payload"][0] for pdu in pdus)


def poi(port: int, xid: uuid.UUID, records: int, tls: Path) -> None:
    assert main(["poi", "--scenario", "voip", "--to", f"127.0.0.1:{port}", "--xid", str(xid),
                 "--records", str(records), "--cert", str(tls / "client.pem"), "--key",
                 str(tls / "client.key"), "--ca", str(tls / "ca.pem"), "--server-name",
                 "localhost"]) == 0


@needs_nats_server
@pytest.mark.parametrize("layout", ["ingest+book/handover", "book/both"])
def test_mediate_cluster_follows_the_warrant_book(layout: str, nats_url: str, pki: TestPKI,
                                                  tmp_path: Path) -> None:
    pki.write(tmp_path / "tls")
    (tmp_path / "authority.pem").write_bytes(WARRANTS.authority_ca.cert_pem)
    (tmp_path / "court.pem").write_bytes(WARRANTS.court_ca.cert_pem)
    tls = {**{key: f"tls/{name}" for key, name in TLS_FILES.items()},
           "client_cert": "tls/client.pem", "client_key": "tls/client.key"}
    x1_events: list[tuple[str, uuid.UUID]] = []
    changed = threading.Condition()

    def on_task(event: str, details: Any) -> None:
        with changed:
            x1_events.append((event, details.xid))
            changed.notify_all()

    hi1_port, x2x3_port = free_port(), free_port()
    now = datetime.now(UTC).replace(microsecond=0)
    nodes: list[Node] = []
    with LEMFThread(tmp_path / "lemf", ssl_context=pki.server_context(),
                    summary_interval=0.1) as lemf, \
            X1Server(X1Handler("NE-1", on_task=on_task), pki.server_context()) as ne:
        hi2, hi3 = lemf.listen(name="hi2"), lemf.listen(name="hi3")

        def book(x2x3: dict[str, str]) -> str:
            """The configuration of the node with the warrant book."""
            return mediate_config(
                {"operator_id": "operator-1", "network_element_id": "mf-book",
                 "book": "warrants.db", "spool": "spool", "sync_interval": 0.2},
                tls=tls, x2x3=x2x3,
                hi1={"listen": f"127.0.0.1:{hi1_port}", "identity": "XX/CSP01",
                     "trust": ["authority.pem"], "approvers": ["court.pem"]},
                destinations=[{"name": "agency", "hi2": f"{hi2[0]}:{hi2[1]}",
                               "hi3": f"{hi3[0]}:{hi3[1]}", "server_name": "localhost"}],
                network_elements=[{"name": "NE-1", "x1": f"127.0.0.1:{ne.port}"}])

        listen = {"listen": f"127.0.0.1:{x2x3_port}"}
        try:
            if layout == "book/both":
                # one process: the book, the ingest role and the handover role
                nodes.append(Node(tmp_path, "all", book(listen), nats_url, "both"))
                ingest = handover = nodes[0]
                assert nodes[0].wait_ready()["port"] == x2x3_port
            else:
                ingest = Node(tmp_path, "ingest", mediate_config(
                    {"operator_id": "operator-1", "network_element_id": "mf-ingest"}, tls=tls,
                    x2x3=listen), nats_url, "ingest")
                nodes.append(ingest)
                assert ingest.wait_ready()["port"] == x2x3_port
                handover = Node(tmp_path, "book", book(
                    {"advertise": f"127.0.0.1:{x2x3_port}"}), nats_url, "handover")
                nodes.append(handover)
                assert handover.wait_ready()["book"] is True

            # HI-1: the warrant; the book's node mirrors it, then tasks the NE over X1
            data, task_id = signed_warrant(hi2, now)
            client = HI1Client("localhost", hi1_port, pki.client_context())
            answers: list[bytes] = []
            wait_until(lambda: _posted(client, data, answers), TIMEOUT, "the HI-1 endpoint")
            assert b"CREATEResponse" in answers[0]
            with changed:
                assert changed.wait_for(lambda: x1_events, TIMEOUT)
            assert x1_events == [("activated", x1_events[0][1])]
            xid = x1_events[0][1]

            async def task_in_bucket(store: Any, js: Any) -> Any:
                return await store.snapshot()

            active, removed = bucket(nats_url, task_in_bucket)
            assert set(active) == {xid} and not removed  # in the bucket before X1
            assert active[xid].liid == LIID and active[xid].destinations == ("agency",)

            activation, voip, deactivation = expected_payloads(xid)
            # at once: the ingest node reads a task it does not know yet from the bucket
            poi(x2x3_port, xid, 20, tmp_path / "tls")
            expected = sum((activation + voip).values())
            assert lemf.wait_for(lambda s: s["records"] >= expected, TIMEOUT), lemf.summary()
            assert lemf.summary()["sequence_gaps"] == 0

            # cancelled: out of the bucket (a tombstone) before X1 stops the NE
            with WarrantBook(tmp_path / "warrants.db") as warrants:
                warrants.cancel(task_id, now=datetime.now(UTC), actor="operator")
            with changed:
                assert changed.wait_for(lambda: len(x1_events) == 2, TIMEOUT)
            assert x1_events[1] == ("deactivated", xid)
            active, removed = bucket(nats_url, task_in_bucket)
            assert not active and removed == {xid: LIID}
            wait_until(lambda: last_notification_id(nats_url) == f"deactivate-{xid}-0",
                       TIMEOUT, "the ingest node deactivating the task")
            # its HI1 notification, published after the tombstone, reaches the agency: the
            # handover node keeps the LIID until its last records are proven
            everything = sum((activation + voip + deactivation).values())
            assert lemf.wait_for(lambda s: s["records"] >= everything, TIMEOUT), lemf.summary()
            # the NE sends on regardless: received (acknowledged), but dropped
            poi(x2x3_port, xid, 10, tmp_path / "tls")
        finally:
            summaries = [node.stop() for node in reversed(nodes)]
        summary = lemf.summary()

    published = sum((activation + voip + deactivation).values())
    by_role = {role: s for s in summaries for role in s["roles"]}
    assert by_role["ingest"]["published"] == published  # nothing of the last 10 PDUs
    book_stats = next(s["book"] for s in summaries if "book" in s)
    assert book_stats["put"] == 1 and book_stats["removed"] == 1
    assert book_stats["tasks"] == []
    assert by_role["handover"]["handover"]["acknowledged"] >= expected
    # every record once, the deactivation's HI1 notification among them
    assert received(tmp_path / "lemf") == activation + voip + deactivation
    assert summary["sequence_gaps"] == 0 and summary["decode_errors"] == 0
    assert summary["duplicates"] == 0
