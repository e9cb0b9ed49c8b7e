"""A test LEMF receiving a delivery: throwaway certificates, the blocking delivery client,
the summary the LEMF writes.

The LEMF listens on 127.0.0.1 over TLS with client certificates required; the mediation
function side delivers an IRI and a few CC records (with acknowledgement negotiated) and a
hash integrity check over the CCs; the LEMF stores them, checks them and reports which
checks ran. A sender with a certificate of another CA is refused with a TLS alert, which the
sender's ssl error names.

Run: python examples/run_lemf.py [OUT_DIR]
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import tempfile
import time
from pathlib import Path

from lawful_intercept.certs import TestPKI, make_test_pki
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import DeliveryClient, HandoverSession, Spool
from lawful_intercept.integrity import IntegrityChecker
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder


def refused(pki: TestPKI, host: str, port: int) -> str:
    """Connect with a client certificate the LEMF does not trust: the TLS alert it sends."""
    context = pki.client_context(identity=pki.issue_untrusted("client"))
    with socket.create_connection((host, port), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname="localhost") as sock:
                sock.recv(1)  # TLS 1.3: the alert comes after the client's Finished
        except ssl.SSLError as exc:
            return f"refused, alert {exc.reason}"
    return "accepted (unexpected)"


def main(out: Path) -> None:
    pki = make_test_pki(hostnames=("localhost", "127.0.0.1"))
    mf = NetworkIdentifier(b"operator-1", b"bras-07")
    builder = PSPDUBuilder(SessionIdentity("LIID-42", mf, 1234))
    ip = IPAccessRecords(builder)
    checker = IntegrityChecker(pdus_per_hash=None)  # one hash check, on demand

    records = [ip.ipiri("sessionStart", target_username="user@example.net",
                        target_ip="198.51.100.23", iri_type="iRI-Begin")]
    for n in range(8):
        cc = ip.ipcc(b"\x45\x00\x00\x1c" + n.to_bytes(24, "big"), "toTarget")
        records.append(cc)
        checker.add(cc)
    records += checker.emit(builder, checker.hash_now())

    tri = PSPDUBuilder(SessionIdentity("LIID-42", mf, 0))  # the connection's own TRI PDUs
    with LEMFThread(out / "lemf", ssl_context=pki.server_context()) as lemf, \
            Spool(out / "spool", fsync="never") as spool:
        host, port = lemf.listen(name="hi")
        print(f"LEMF listening on {host}:{port} (TLS, client certificate required)")
        client = DeliveryClient(
            host, port, spool,
            lambda: HandoverSession(tri=tri, acknowledgement="negotiate", ack_every=4,
                                    ack_delay=0.05),
            ssl_context=pki.client_context(), reconnect_initial=0.1, poll_interval=0.05)
        with client:
            for record in records:
                client.send(record)
            deadline = time.monotonic() + 10
            while spool.stats().queued and time.monotonic() < deadline:
                time.sleep(0.02)
            stats = client.stats()
        print(f"client: {stats.sent} records sent, {stats.acknowledged} acknowledged")
        print(f"a sender with a certificate of another CA: {refused(pki, host, port)}")
        summary = lemf.summary()

    keys = ("received", "records", "duplicates", "sequence_gaps", "decode_errors",
            "acknowledgements", "integrity", "uncorrelated_cc", "streams", "by_kind")
    print(json.dumps({key: summary[key] for key in keys}, indent=2))
    for check in summary["checks"]:
        verdict = "not run" if not check["ran"] else \
            "passed" if check["passed"] else f"FAILED ({check['problems']} problems)"
        print(f"check {check['check']} ({check['format']}): {verdict}")
    print(f"files: {', '.join(sorted(p.name for p in (out / 'lemf').iterdir()))}")
    if summary["records"] != len(records) or summary["integrity"]["ok"] != 1 \
            or summary["tls_handshake_failures"] != 1:
        sys.exit("the LEMF did not get every record")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as folder:
            main(Path(folder))
