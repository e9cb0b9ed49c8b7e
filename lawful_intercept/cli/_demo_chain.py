"""The demo's whole chain (ETSI): a signed warrant arrives over HI-1 (ETSI TS 103 120, mutual
TLS) and is checked into a warrant book, and a forged copy is refused by its rule; the
:class:`~lawful_intercept.mediation.Mediation` tasks two simulated network elements over X1
(TS 103 221-1, HTTPS with mutual TLS); on activation they send X2/X3 (TS 103 221-2, mutual
TLS): an IMS element a VoIP call, a mobile gateway an IMS registration, a message and IPv6
data (its X3 correlated with the message's X2, so the LEMF can check every CC against an
IRI); the mediation converts them and delivers HI2/HI3 over mutual TLS to the test LEMF; at
the end the warrant is cancelled (liDeactivated, DeactivateTask). Used by ``demo``."""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..asn1c import Specification
from ..catalog import CC_APDU, CDC_PDU, LAES_PROTOCOL, PS_PDU
from ..certs import TestPKI, make_warrant_pki
from ..correlation import (
    CINAllocator,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from ..delivery import CCCSender, Destination, HandoverDelivery, HandoverSession
from ..lemf import LEMFThread
from ..mediation import (
    AgencyDestination,
    Converted,
    HandoverFormat,
    Mediation,
    MediationDelivery,
    X2X3Converter,
    poi_pdus,
)
from ..records import CCCLayout, PSPDUBuilder
from ..warrants import (
    RULES,
    AuthorisationObject,
    DeliveryAddress,
    DeliveryDestination,
    EndpointID,
    ErrorInformation,
    HI1Client,
    HI1Endpoint,
    HI1Server,
    IPAddressPort,
    LITaskObject,
    ResponsePayload,
    TargetIdentifierValue,
    Trust,
    WarrantBook,
    approve,
    read_message,
    sign_message,
    warrant_request,
    write_message,
)
from ..x1 import X1Client, X1Handler, X1Server
from ..x2x3 import X2X3Client, X2X3Listener

__all__ = ["CHAIN_MINIMUM", "HANDOVERS", "ChainResult", "run_chain", "us_sessions"]

NETWORK = NetworkIdentifier(b"operator-1", b"mf-01")
"""The demo mediation function's network identifier (TS 102 232-1 5.2.3)."""
_CSP = EndpointID("NL", "CSP01")
_AGENCY = EndpointID("NL", "AGENCY01")
_TARGET_NUMBER = "31201234567"
_TIMEOUT = 60.0
CHAIN_MINIMUM = 16
"""The fewest records the chain makes: liActivated, a call of 7 X2/X3 PDUs, a mobile session
of 7, liDeactivated."""


@dataclass
class ChainResult:
    """What the chain did: the HI-1 answers, the X2/X3 PDUs sent, every record delivered
    (``sent``, the encoded PDUs the mediation put in its spools), the converter's counters,
    the delivery clients' reconnections, and whether the spools emptied."""

    warrants_accepted: int = 0
    warrants_refused: int = 0
    refusals: list[str] = field(default_factory=list)
    x2x3_pdus: int = 0
    sent: list[bytes] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    conversion: dict[str, int] = field(default_factory=dict)
    reconnects: int = 0
    idle: bool = False
    lines: list[str] = field(default_factory=list)


HANDOVERS: dict[str, tuple[str, str | None, HandoverFormat]] = {  # also used by mediate
    "etsi": (PS_PDU, PS_PDU, "ETSI"),
    "atis": (LAES_PROTOCOL, CC_APDU, "ATIS"),
    "packetcable": (CDC_PDU, None, "PacketCable"),
}
"""Per demo format: the PDU type on HI2, on HI3 (``None``: CCC packets over UDP), and the
mediation's handover format."""
_CCC_LAYOUT: CCCLayout = "ESP-I01"
_CCC_BURST = 32


def us_sessions(spec: Specification, pdu_type: str) -> Callable[[], HandoverSession]:
    """Handover sessions for an ATIS or PacketCable CDC stream: no TRI PDUs, a record counts
    as delivered once the LEMF answered the orderly close (docs/delivery.md)."""
    return lambda: HandoverSession(spec, tri=None, pdu_type=pdu_type, resend_window=0,
                                   resend_window_seconds=0)


def _paced(sender: CCCSender, lemf: LEMFThread) -> Callable[[bytes], object]:
    """Send CCC datagrams, waiting (briefly) after each burst until the LEMF has them: UDP has
    no flow control, and a burst on loopback overflows the receiver's socket buffer."""
    sent = [0, -1]

    def send(packet: bytes) -> object:
        if sent[1] < 0:
            sent[1] = lemf.summary()["records"]
        sender.send(packet)
        sent[0] += 1
        if sent[0] % _CCC_BURST == 0:
            lemf.wait_for(lambda s: s["records"] >= sent[1] + sent[0] - _CCC_BURST, 1.0)
        return None
    return send


class _RecordingDelivery(MediationDelivery):
    """A MediationDelivery that keeps what it spooled, for the demo's check PDU by PDU."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spooled: list[Converted] = []

    def deliver(self, records: Iterable[Converted]) -> int:
        batch = list(records)
        count = super().deliver(batch)
        self.spooled.extend(batch)
        return count


def _warrant(hi2: tuple[str, int], now: datetime, pki: Any) -> tuple[bytes, str]:
    """A judge-approved warrant signed by the issuing authority: one LI task, IRI and CC of
    a phone number and an IPv4 address, delivered to the LEMF's HI2 address."""
    request = warrant_request(
        liid="LIID-4711",
        targets=[TargetIdentifierValue("ETSI", "InternationalE164", _TARGET_NUMBER),
                 TargetIdentifierValue("ETSI", "IPv4Address", "198.51.100.7")],
        destinations=[DeliveryDestination(DeliveryAddress(
            "IPAddressPort", IPAddressPort(hi2[0], hi2[1])))],
        start=now - timedelta(minutes=5), end=now + timedelta(days=30), now=now,
        sender=_AGENCY, receiver=_CSP)
    objects = request.objects()
    authorisation = next(o for o in objects if isinstance(o, AuthorisationObject))
    task = next(o for o in objects if isinstance(o, LITaskObject))
    approved = approve(write_message(request), authorisation.object_identifier,
                       pki.judge.key, [pki.judge.certificate])
    return (sign_message(approved, pki.issuer.key, [pki.issuer.certificate]),
            task.object_identifier)


def _answer(response: bytes) -> str | None:
    """None when every action of the HI-1 response was accepted; else the refusal with the
    name of the rule that refused it (``docs/warrants.md``)."""
    payload = read_message(response).payload
    assert isinstance(payload, ResponsePayload)
    errors = [payload.error] if payload.error is not None else [
        a.result for a in payload.actions if isinstance(a.result, ErrorInformation)]
    if not errors:
        return None
    rules = {info.code: name for name, (_, info) in RULES.items()}
    first = errors[0]
    return f"rule {rules.get(first.code, '?')} ({first.code}): {first.description}"


def run_chain(work: Path, lemf: LEMFThread, pki: TestPKI, spec: Specification,
              records: int, seed: int, say: Callable[[str], None],
              fmt: str = "etsi") -> ChainResult:
    """Run the chain (see the module) into ``lemf`` in the handover format ``fmt`` (etsi,
    atis, packetcable: :data:`HANDOVERS`); ``work`` holds the book and spools."""
    result = ChainResult()
    warrant_pki = make_warrant_pki()
    now = datetime.now(UTC).replace(microsecond=0)
    hi2_type, hi3_type, _ = HANDOVERS[fmt]
    hi2 = lemf.listen("127.0.0.1", 0, pdu_type=hi2_type, name="agency HI2")
    if hi3_type is not None:
        hi3 = lemf.listen("127.0.0.1", 0, pdu_type=hi3_type, name="agency HI3")
    else:  # PacketCable: CCC over UDP
        hi3 = lemf.listen_udp("127.0.0.1", 0, layout=_CCC_LAYOUT, name="CCC")
    say(f"  LEMF listening: HI2 {hi2_type} {hi2[0]}:{hi2[1]}, "
        f"{'HI3 ' + hi3_type if hi3_type else 'CCC over UDP'} {hi3[0]}:{hi3[1]}")
    with WarrantBook(work / "warrants.db") as book:
        endpoint = HI1Endpoint(book, identity=_CSP,
                               trust=Trust((warrant_pki.authority_ca.certificate,)),
                               approvers=Trust((warrant_pki.court_ca.certificate,),
                                               roles=frozenset({"Judge"})))
        signed, task_id = _warrant(hi2, now, warrant_pki)
        forged = signed.replace(_TARGET_NUMBER.encode(), b"31209999999")
        server = HI1Server(("127.0.0.1", 0), endpoint, pki.server_context())
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True)
        thread.start()
        try:
            client = HI1Client("127.0.0.1", server.server_address[1], pki.client_context())
            for what, message in (("signed warrant", signed), ("forged copy", forged)):
                refusal = _answer(client.post(message))
                if refusal is None:
                    result.warrants_accepted += 1
                    say(f"  HI-1: the {what} ({len(message)} bytes, judge-approved, signed) "
                        "arrived over mutual TLS: checked, accepted into the warrant book")
                else:
                    result.warrants_refused += 1
                    result.refusals.append(refusal)
                    say(f"  HI-1: the {what} (target changed after signing) refused: "
                        f"{refusal[:110]}")
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
        _deliver(result, work, book, task_id, (hi2, hi3), pki, spec, records, seed, say, fmt,
                 lemf)
    return result


def _deliver(result: ChainResult, work: Path, book: WarrantBook, task_id: str,
             lemf_addresses: tuple[tuple[str, int], tuple[str, int]], pki: TestPKI,
             spec: Specification, records: int, seed: int, say: Callable[[str], None],
             fmt: str, lemf: LEMFThread) -> None:
    hi2, hi3 = lemf_addresses
    hi2_type, hi3_type, handover_format = HANDOVERS[fmt]
    sessions: Any
    if fmt == "etsi":
        tri = PSPDUBuilder(SessionIdentity("LIID-4711", NETWORK, 0), spec=spec)
        sessions = lambda: HandoverSession(  # noqa: E731
            spec, tri=tri, acknowledgement="negotiate", ack_every=100, ack_delay=0.05)
    else:  # no TRI PDUs: a record counts as delivered once the LEMF answered the close
        sessions = {name: us_sessions(spec, pdu_type)
                    for name, pdu_type in (("hi2", hi2_type), ("hi3", hi3_type)) if pdu_type}
    delivery = HandoverDelivery(
        Destination(*hi2, server_hostname="localhost"),
        Destination(*hi3, server_hostname="localhost") if hi3_type else None, work / "spool",
        sessions, ssl_context=pki.client_context(),
        client_options={"reconnect_initial": 0.1, "reconnect_max": 1.0})
    converter = X2X3Converter(NETWORK, allocator=CINAllocator(secret=os.urandom(16)),
                              counters=SequenceCounters(), spec=spec,
                              authorization_country_code="NL", delivery_country_code="NL",
                              ccc_layout=_CCC_LAYOUT)
    ccc: dict[str, Callable[[bytes], object]] = {}
    sender = None
    if hi3_type is None:
        sender = CCCSender(Destination(*hi3))
        ccc["agency"] = _paced(sender, lemf)
    mediation_delivery = _RecordingDelivery(converter, {"agency": delivery}, ccc=ccc)
    voice = X1Handler("NE-IMS-01")
    data = X1Handler("NE-GW-01")
    # ETSI: one record per X2/X3 PDU, with liActivated and liDeactivated ``records`` in all.
    # The US formats add and leave out messages (ccOpen, release; no CDC message for most
    # SIP messages): a few more PDUs make at least ``records``.
    x2x3 = max(records, CHAIN_MINIMUM) + (-2 if fmt == "etsi" else 8)
    streams = {"NE-IMS-01": ("voip", x2x3 // 2, 1), "NE-GW-01": ("mobile", x2x3 - x2x3 // 2, 2)}
    with delivery, X1Server(voice, pki.server_context()) as voice_x1, \
            X1Server(data, pki.server_context()) as data_x1:
        async def chain() -> None:
            async with asyncio.timeout(_TIMEOUT), X2X3Listener(
                    mediation_delivery.consumer, pki.server_context(),
                    tls13_only=True) as listener:
                mediation = Mediation(
                    book, mediation_delivery,
                    destinations=[AgencyDestination("agency", (hi2, hi3), handover_format)],
                    network_elements={
                        name: X1Client("localhost", server.port, pki.client_context())
                        for name, server in (("NE-IMS-01", voice_x1), ("NE-GW-01", data_x1))},
                    x2x3_address=IPAddressPort("127.0.0.1", listener.port),
                    admf_identifier="ADMF-01")
                now = datetime.now(UTC)
                report = mediation.sync(now)
                say(f"  X1: the warrant's task activated in the mediation (liActivated on "
                    f"HI2) and on 2 network elements over HTTPS with mutual TLS "
                    f"({report.x1_sent} requests, {len(report.x1_failed)} refused)")
                for name, handler in (("NE-IMS-01", voice), ("NE-GW-01", data)):
                    scenario, count, correlation = streams[name]
                    for xid in handler.tasks:
                        stream = poi_pdus(scenario, xid, records=count, seed=seed,
                                          correlation_id=correlation)
                        async with X2X3Client("127.0.0.1", listener.port,
                                              pki.client_context()) as client:
                            await client.send_many(stream)
                            await client.sync()  # acknowledged: durable at the mediation
                        result.x2x3_pdus += len(stream)
                        what = "call" if scenario == "voip" else "data and messaging session"
                        say(f"  X2/X3: {name} sent a {scenario} {what} for XID {xid} "
                            f"({len(stream)} PDUs, TLS 1.3), acknowledged once spooled")
                book.cancel(task_id, now=datetime.now(UTC), actor="demo operator")
                report = mediation.sync(datetime.now(UTC))
                say(f"  warrant cancelled: deactivated in the mediation (liDeactivated) and "
                    f"on the network elements ({report.x1_sent} X1 requests)")

        try:
            asyncio.run(chain())
        finally:
            if sender is not None:
                sender.close()
        result.idle = delivery.wait_idle(_TIMEOUT)
        result.reconnects = sum(s.reconnects for s in delivery.stats().values())
    result.sent = [r.pdu for r in mediation_delivery.spooled]
    result.kinds = Counter(r.kind for r in mediation_delivery.spooled)
    result.conversion = converter.stats.as_dict()
