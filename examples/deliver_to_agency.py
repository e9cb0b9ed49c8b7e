"""Deliver an intercept to an agency: IRI to its HI2 address and CC to its HI3 address, each
over mutual TLS from its own durable spool, and check what the agency's collection function
received.

The "agency" here is the library's test LEMF on 127.0.0.1 with throwaway certificates; with
a real agency, replace the addresses, give `client_context` your certificate and key and
the agency's CA, and (if the agency asks for it) pin its certificate's SHA-256 fingerprint.
A record counts as delivered only once the agency proved it (here its PDU acknowledgement);
what happens is logged and reported to `on_event` (connections, refusals, deliveries), and
a refusal that cannot heal (our certificate refused, theirs untrusted) ends `wait_idle`
with `DeliveryRefused` after 3 in a row.

Run: python examples/deliver_to_agency.py [OUT_DIR]
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

from cryptography.hazmat.primitives import hashes

from lawful_intercept.certs import make_test_pki
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import (
    DeliveryNotice,
    Destination,
    HandoverDelivery,
    HandoverSession,
)
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder


def main(out: Path) -> int:
    pki = make_test_pki(out / "certs")  # the agency's CA and certificate, and ours
    mf = NetworkIdentifier(b"operator-1", b"bras-07")
    ip = IPAccessRecords(PSPDUBuilder(SessionIdentity("LIID-42", mf, 1234)))
    records = [ip.ipiri("sessionStart", target_username="user@example.net",
                        target_ip="198.51.100.23", iri_type="iRI-Begin")]
    records += [ip.ipcc(bytes.fromhex("4500001c") + n.to_bytes(24, "big"), "fromTarget")
                for n in range(200)]
    records.append(ip.ipiri("sessionEnd", target_username="user@example.net",
                            target_ip="198.51.100.23", iri_type="iRI-End"))

    tri = PSPDUBuilder(SessionIdentity("LIID-42", mf, 0))  # keep-alives etc.: CIN 0

    def session() -> HandoverSession:
        return HandoverSession(tri=tri, acknowledgement="negotiate", keep_alive_interval=300,
                               keep_alive_wait=30, ack_delay=0.05)

    pin = pki.server.certificate.fingerprint(hashes.SHA256())  # as the agency publishes it
    notices: Counter[str] = Counter()

    def on_event(notice: DeliveryNotice) -> None:  # e.g. feed your monitoring
        notices[notice.kind] += 1
    with LEMFThread(out / "lemf", ssl_context=pki.server_context()) as agency:
        hi2 = agency.listen(name="HI2")
        hi3 = agency.listen(name="HI3")
        delivery = HandoverDelivery(
            Destination(*hi2, server_hostname="localhost", pinned_sha256=pin),
            Destination(*hi3, server_hostname="localhost", pinned_sha256=pin),
            out / "spool", session, ssl_context=pki.client_context(), on_event=on_event,
            client_options={"max_refusals": 3})
        with delivery:
            routes = delivery.send_many(records)  # on disk when it returns
            delivered = delivery.wait_idle(timeout=30)
            stats = delivery.stats()
        summary = agency.summary()

    print(f"routed: {sum(r == 'hi2' for r, _ in routes)} to HI2, "
          f"{sum(r == 'hi3' for r, _ in routes)} to HI3")
    for name, s in stats.items():
        print(f"{name}: sent {s.sent}, acknowledged {s.acknowledged}, reconnects {s.reconnects}")
    print(f"notices: {dict(sorted(notices.items()))}")
    print(f"agency: {summary['records']} records, {summary['duplicates']} duplicates, "
          f"{summary['sequence_gaps']} sequence gaps, {summary['decode_errors']} decode errors, "
          f"by kind {summary['by_kind']}")
    ok = delivered and summary["records"] == len(records) and summary["sequence_gaps"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)  # INFO shows each connection
    if len(sys.argv) > 1:
        sys.exit(main(Path(sys.argv[1])))
    with tempfile.TemporaryDirectory() as folder:
        sys.exit(main(Path(folder)))
