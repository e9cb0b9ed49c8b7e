"""X2/X3 (ETSI TS 103 221-2): two simulated network elements send X2 (SIP) and X3 (RTP) PDUs
over mutual TLS to a mediation function's listener, which makes each PDU durable before it
reads on; a keep-alive acknowledgement proves everything sent before it is durable.

Run: python examples/x2x3_stream.py
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import tempfile
import uuid
from pathlib import Path

from lawful_intercept.certs import TestPKI, make_test_pki
from lawful_intercept.x2x3 import (
    X2X3PDU,
    Attribute,
    AttributeType,
    NetworkElement,
    PayloadDirection,
    PayloadFormat,
    PDUType,
    Timestamp,
    X2X3Client,
    X2X3Listener,
    X2X3Reader,
    encode_pdu,
    pdu_to_dict,
)

XID = uuid.UUID("6f0a3c2e-5b1d-4e8a-9c7f-0d2b4a6e8f10")  # the task's XID, given over X1


def sip_invite(sequence: int) -> X2X3PDU:
    """An X2 PDU: the SIP INVITE the target sent."""
    return X2X3PDU(
        PDUType.X2, XID, correlation_id=1, payload=b"INVITE sip:bob@example.com SIP/2.0\r\n\r\n",
        payload_format=PayloadFormat.SIP_MESSAGE, payload_direction=PayloadDirection.FROM_TARGET,
        attributes=(
            Attribute(AttributeType.SEQUENCE_NUMBER, sequence),
            Attribute(AttributeType.TIMESTAMP, Timestamp(1_800_000_000, 250_000_000)),
            Attribute(AttributeType.SOURCE_IPV4_ADDRESS, ipaddress.IPv4Address("198.51.100.7")),
            Attribute(AttributeType.MATCHED_TARGET_IDENTIFIER, "sip:alice@example.com"),
        ))


def rtp(sequence: int) -> X2X3PDU:
    """An X3 PDU: one RTP packet of the call."""
    return X2X3PDU(
        PDUType.X3, XID, correlation_id=1, payload=bytes([0x80, 0x00]) + bytes(170),
        payload_format=PayloadFormat.RTP_PACKET, payload_direction=PayloadDirection.TO_TARGET,
        attributes=(Attribute(AttributeType.SEQUENCE_NUMBER, sequence),))


async def receive(pki: TestPKI, path: Path) -> None:
    """Run the listener until two network elements have sent their PDUs."""
    with open(path, "ab") as spool:  # stands in for the mediation function's spool

        async def consumer(pdu: X2X3PDU, element: NetworkElement) -> None:
            # Durable before returning: only then does the listener read the next PDU.
            spool.write(pdu.raw)
            spool.flush()
            os.fsync(spool.fileno())

        async def network_element(port: int, first: int) -> None:
            async with X2X3Client("127.0.0.1", port, pki.client_context()) as poi:
                await poi.send(sip_invite(first))
                await poi.send_many(rtp(first + 1 + i) for i in range(50))
                ack = await poi.sync()  # everything before the keep-alive is durable now
                print(f"network element {first}: keep-alive {ack.sequence_number} "
                      "acknowledged")

        async with X2X3Listener(consumer, pki.server_context(), tls13_only=True) as listener:
            await asyncio.gather(network_element(listener.port, 0),
                                 network_element(listener.port, 1000))
            stats = listener.stats
            print(f"listener: {stats.connections_accepted} network elements, "
                  f"{stats.pdus_received} PDUs durable, "
                  f"{stats.keepalives_acknowledged} keep-alives acknowledged")


def read_back(path: Path) -> None:
    """Read the spooled stream with the sans-IO reader, in odd-sized chunks."""
    reader = X2X3Reader()
    data = path.read_bytes()
    pdus = [p for i in range(0, len(data), 1000) for p in reader.feed(data[i : i + 1000])]
    reader.eof()
    assert len(pdus) == 102 and encode_pdu(pdus[0]) == pdus[0].raw
    kinds = sorted({pdu_to_dict(p)["pdu_type"] for p in pdus})
    print(f"read back {len(pdus)} PDUs ({len(data)} octets) of types {kinds}")
    first = next(p for p in pdus if p.pdu_type == PDUType.X2)
    summary = {k: v for k, v in pdu_to_dict(first).items() if k != "payload"}
    print("first X2 PDU:", json.dumps(summary))


def main() -> None:
    pki = make_test_pki()
    with tempfile.TemporaryDirectory(prefix="x2x3-example-") as folder:
        path = Path(folder) / "received.x2x3"
        asyncio.run(receive(pki, path))
        read_back(path)


if __name__ == "__main__":
    main()
