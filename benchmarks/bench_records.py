"""Record builders against asn1tools encoding the same PDUs, in one run. Prints one JSON line.

* ``ipcc_vs_asn1tools``: an IPCC PS-PDU with a 1,400-byte packet through the public builder
  (``IPAccessRecords.ipcc``: sequence number, clock, template) against asn1tools encoding the
  same PDU value;
* ``ipiri_vs_asn1tools``: an IPIRI sessionStart through ``IPAccessRecords.ipiri``;
* ``ipcc_template_vs_asn1tools``: the template underneath the builder, called directly with the
  same values (what the builder adds on top is numbering and time);
* ``ipcc_table_vs_asn1tools``: the same IPCC through ``SessionTable.ipcc`` (the session a row
  of a table; the same template and octets);

asn1tools compiles the asn1tools-compilable copy of the modules in
``../shared/reference/asn1/unofficial-asn1viewer-patched`` (where iPCCObjId is an OBJECT
IDENTIFIER); our PDUs are the bundled modules' (RELATIVE-OID, as the standard has it). Both
encode a PDU of the same structure and size.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder, SessionTable

HERE = Path(__file__).resolve().parent
PATCHED = HERE.parent.parent / "shared" / "reference" / "asn1" / "unofficial-asn1viewer-patched"
T0 = 1_764_504_000_123_456_000


def best_of(fn: Any, number: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    try:
        import asn1tools  # type: ignore[import-untyped]
    except ImportError:
        print(json.dumps({"error": "asn1tools is not installed"}))
        return 2
    files = sorted(str(p) for p in PATCHED.glob("*") if p.suffix in (".asn", ".asn1"))
    if not files:
        print(json.dumps({"error": f"no modules in {PATCHED}"}))
        return 2
    ref = asn1tools.compile_files(files, "ber")
    rounds = 2 if args.quick else 5
    scale = 0.2 if args.quick else 1.0

    identity = SessionIdentity("LIID-000042", NetworkIdentifier(b"operator-1", b"bras-07"),
                               1234567, authorization_country_code="DE",
                               delivery_country_code="DE")
    ticks = iter(range(T0, T0 + 10**18, 1000))
    builder = PSPDUBuilder(identity, clock=Clock(lambda: next(ticks)))
    records = IPAccessRecords(builder)
    spec = builder.spec
    packet = bytes(range(256)) * 5 + bytes(120)  # 1,400 bytes

    ours = records.ipcc(packet, "toTarget")
    value = spec.decode("PS-PDU", ours)
    # The same PDU for asn1tools: its copy has iPCCObjId as OBJECT IDENTIFIER.
    cc = value["payload"][1][0]["cCContents"][1]
    ref_cc = dict(cc, iPCCObjId="0.4.0.2.2.5.3.18.2")
    ref_value = {
        "pSHeader": value["pSHeader"],
        "payload": ("cCPayloadSequence", [dict(value["payload"][1][0],
                                               cCContents=("iPCC", ref_cc))]),
    }
    ref_bytes = ref.encode("PS-PDU", ref_value)
    n_ref = max(1, int(2000 * scale))
    n_ours = max(1, int(50000 * scale))
    t_ref_cc = best_of(lambda: ref.encode("PS-PDU", ref_value), n_ref, rounds)
    ipcc = records.ipcc
    t_ipcc = best_of(lambda: ipcc(packet, "toTarget"), n_ours, rounds)
    # The template the builder shares with every session of its shape; ``ids`` is this
    # session's pre-encoded LIID, country code and communicationIdentifier.
    template = builder.template(("iPCC", "toTarget"), None).encode
    ids = builder.header_constants["ids"]
    t_tpl = best_of(lambda: template(ids, 17, 1_764_504_000, 123_456, packet), n_ours, rounds)

    table = SessionTable(clock=builder.clock)
    row = table.open(identity)
    assert len(table.ipcc(row, packet, "toTarget")) == len(ours)
    table_ipcc = table.ipcc
    t_table = best_of(lambda: table_ipcc(row, packet, "toTarget"), n_ours, rounds)

    iri_args: dict[str, Any] = {"target_username": "subscriber42@isp.example",
                                "access_type": "xDSL", "target_ip": "198.51.100.7",
                                "iri_type": "iRI-Begin"}
    iri = spec.decode("PS-PDU", records.ipiri("sessionStart", **iri_args))
    iri_contents = iri["payload"][1][0]["iRIContents"][1]
    ref_iri = {"pSHeader": iri["pSHeader"], "payload": ("iRIPayloadSequence", [dict(
        iri["payload"][1][0], iRIContents=("iPIRI", dict(iri_contents,
                                                          iPIRIObjId="0.4.0.2.2.5.3.18.1")))])}
    ref.encode("PS-PDU", ref_iri)
    t_ref_iri = best_of(lambda: ref.encode("PS-PDU", ref_iri), n_ref, rounds)
    t_ipiri = best_of(lambda: records.ipiri("sessionStart", **iri_args),
                      max(1, int(10000 * scale)), rounds)
    print(json.dumps({
        "benchmark": "records",
        "pdu_bytes": {"ipcc": len(ours), "ipcc_asn1tools": len(ref_bytes)},
        "encode_us": {
            "asn1tools_ipcc": round(t_ref_cc * 1e6, 2),
            "builder_ipcc": round(t_ipcc * 1e6, 3),
            "template_ipcc": round(t_tpl * 1e6, 3),
            "table_ipcc": round(t_table * 1e6, 3),
            "asn1tools_ipiri": round(t_ref_iri * 1e6, 2),
            "builder_ipiri": round(t_ipiri * 1e6, 2),
        },
        "ipcc_vs_asn1tools": round(t_ref_cc / t_ipcc, 1),
        "ipcc_template_vs_asn1tools": round(t_ref_cc / t_tpl, 1),
        "ipcc_table_vs_asn1tools": round(t_ref_cc / t_table, 1),
        "ipiri_vs_asn1tools": round(t_ref_iri / t_ipiri, 1),
        "ipcc_pdus_per_second": round(1 / t_ipcc),
        "targets": {"ipcc_at_least": 40, "ipiri_at_least": 5,
                    "met": t_ref_cc / t_ipcc >= 40 and t_ref_iri / t_ipiri >= 5},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
