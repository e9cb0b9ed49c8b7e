"""Codec benchmark: lawful-intercept against asn1tools on the same values, in one run.

Prints one JSON line. Both libraries compile the same module set (the asn1tools-compilable
copy of the ETSI/3GPP modules in ``../shared/reference/asn1/unofficial-asn1viewer-patched``,
or the directory given with ``--modules``) and encode/decode the same values:

* a PS-PDU carrying an IRI (TS 102 232-3 IPIRI, session start with the target's address),
* a PS-PDU carrying a CC (TS 102 232-3 IPCC with a 1,400-byte IP packet),
* the same CC PDU with the header of real traffic: country codes, microSecondTimeStamp and a
  GeneralizedTime timeStamp, the time stamps advancing by about a millisecond from PDU to PDU
  (a stream of 1,000 different PDUs, encoded and decoded in turn, spanning about a second),
* the same CC PDUs through a template (fixed LIID and network identifiers; sequence number,
  timestamp and packet left open), with packet sizes and sequence numbers varying from call to
  call as on a real link,

and the time to compile the modules (ours without and with the compile cache).

Ratios are asn1tools' time divided by ours, each the best of several rounds, measured in the
same process one after the other.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lawful_intercept
from lawful_intercept import Hole

HERE = Path(__file__).resolve().parent
DEFAULT_MODULES = (
    HERE.parent.parent / "shared" / "reference" / "asn1" / "unofficial-asn1viewer-patched"
)
LI_PS_DOMAIN = "0.4.0.2.2.5.1.40"


def best_of(fn: Callable[[], object], number: int, rounds: int) -> float:
    """Best time per call, in seconds, over ``rounds`` batches of ``number`` calls."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def header(seq: int, ts: datetime.datetime | None = None) -> dict[str, Any]:
    h: dict[str, Any] = {
        "li-psDomainId": LI_PS_DOMAIN,
        "lawfulInterceptionIdentifier": b"LIID-000042",
        "authorizationCountryCode": "DE",
        "communicationIdentifier": {
            "networkIdentifier": {
                "operatorIdentifier": b"operator-1",
                "networkElementIdentifier": b"bras-07",
            },
            "communicationIdentityNumber": 1234567,
            "deliveryCountryCode": "DE",
        },
        "sequenceNumber": seq,
    }
    if ts is not None:
        h["timeStamp"] = ts
    return h


def iri_pdu(seq: int) -> dict[str, Any]:
    ts = datetime.datetime(2026, 11, 30, 12, 0, 1, 250000, tzinfo=datetime.UTC)
    return {
        "pSHeader": header(seq, ts),
        "payload": (
            "iRIPayloadSequence",
            [
                {
                    "iRIType": "iRI-Begin",
                    "iRIContents": (
                        "iPIRI",
                        {
                            "iPIRIObjId": "0.4.0.2.2.5.3.20.1",
                            "iPIRIContents": {
                                "accessEventType": "sessionStart",
                                "targetUsername": b"subscriber42@isp.example",
                                "internetAccessType": "xDSL",
                                "iPVersion": "iPV4",
                                "targetIPAddress": {
                                    "iP-type": "iPV4",
                                    "iP-value": ("iPBinaryAddress", bytes([198, 51, 100, 7])),
                                    "iP-assignment": "dynamic",
                                },
                                "startTime": ts,
                            },
                        },
                    ),
                }
            ],
        ),
    }


def cc_payload(packet: Any) -> tuple[str, list[dict[str, Any]]]:
    return (
        "cCPayloadSequence",
        [
            {
                "payloadDirection": "toTarget",
                "cCContents": (
                    "iPCC",
                    {"iPCCObjId": "0.4.0.2.2.5.3.20.2", "iPCCContents": ("iPPackets", packet)},
                ),
            }
        ],
    )


def cc_pdu(
    seq: int, packet: bytes, sec: int = 1_764_504_001, usec: int = 250_000
) -> dict[str, Any]:
    h = header(seq)
    h["microSecondTimeStamp"] = {"seconds": sec, "microSeconds": usec}
    return {"pSHeader": h, "payload": cc_payload(packet)}


def stamped_stream(packet: bytes, count: int = 1000) -> list[dict[str, Any]]:
    """CC PDUs with the header of real traffic: country codes (in :func:`header`), a
    GeneralizedTime timeStamp and a microSecondTimeStamp, about 1 ms apart."""
    start = datetime.datetime(2026, 11, 30, 12, 0, 1, 250000, tzinfo=datetime.UTC)
    out = []
    for i in range(count):
        ts = start + datetime.timedelta(microseconds=997 * i)
        pdu = cc_pdu(17 + i, packet, int(ts.timestamp()), ts.microsecond)
        pdu["pSHeader"]["timeStamp"] = ts
        out.append(pdu)
    return out


def cycle(items: list[Any], fn: Callable[[Any], object]) -> Callable[[], object]:
    """A call of ``fn`` on the next of ``items`` each time (round robin)."""
    state = [0]
    n = len(items)

    def call() -> object:
        i = state[0]
        state[0] = i + 1 if i + 1 < n else 0
        return fn(items[i])

    return call


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modules", type=Path, default=DEFAULT_MODULES)
    ap.add_argument("--quick", action="store_true", help="fewer rounds (for a smoke run)")
    args = ap.parse_args(argv)
    try:
        import asn1tools
    except ImportError:
        print(json.dumps({"error": "asn1tools is not installed (pip install asn1tools)"}))
        return 2
    files = sorted(str(p) for p in args.modules.glob("*") if p.suffix in (".asn", ".asn1"))
    if not files:
        print(json.dumps({"error": f"no modules in {args.modules}"}))
        return 2
    rounds = 2 if args.quick else 5
    scale = 0.2 if args.quick else 1.0

    t0 = time.perf_counter()
    ref = asn1tools.compile_files(files, "ber")
    compile_asn1tools = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = lawful_intercept.compile_files(files, cache=False)
    compile_ours = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as cache_dir:
        lawful_intercept.compile_files(files, cache=cache_dir)
        t0 = time.perf_counter()
        lawful_intercept.compile_files(files, cache=cache_dir)
        compile_ours_cached = time.perf_counter() - t0

    result: dict[str, Any] = {
        "benchmark": "codec",
        "python": sys.version.split()[0],
        "types": len(ours.types),
        "compile_s": {
            "asn1tools": round(compile_asn1tools, 3),
            "ours": round(compile_ours, 3),
            "ours_cached": round(compile_ours_cached, 3),
        },
    }
    packet = bytes(random.Random(1).randrange(256) for _ in range(1400))
    cases = {"iri": [iri_pdu(17)], "cc_1400": [cc_pdu(17, packet)],
             "cc_1400_stamped": stamped_stream(packet)}
    for name, stream in cases.items():
        encodings = [ref.encode("PS-PDU", value) for value in stream]
        for value, encoded in zip(stream, encodings, strict=True):
            if ours.encode("PS-PDU", value) != encoded:
                print(json.dumps({"error": f"{name}: encodings differ"}))
                return 1
            if ours.decode("PS-PDU", encoded) != ref.decode("PS-PDU", encoded):
                print(json.dumps({"error": f"{name}: decoded values differ"}))
                return 1
        enc = ours.encoder("PS-PDU")
        dec = ours.decode
        n_ref = max(1, int(2000 * scale))
        n_ours = max(1, int(10000 * scale))
        t_ref_e = best_of(cycle(stream, lambda v: ref.encode("PS-PDU", v)), n_ref, rounds)
        t_ours_e = best_of(cycle(stream, lambda v, e=enc: e(v)), n_ours, rounds)
        t_ref_d = best_of(cycle(encodings, lambda b: ref.decode("PS-PDU", b)), n_ref, rounds)
        t_ours_d = best_of(cycle(encodings, lambda b, d=dec: d("PS-PDU", b)), n_ours, rounds)
        encoded = encodings[0]
        result[name] = {
            "distinct_pdus": len(stream),
            "bytes": len(encoded),
            "encode_us": {"asn1tools": round(t_ref_e * 1e6, 2), "ours": round(t_ours_e * 1e6, 2)},
            "decode_us": {"asn1tools": round(t_ref_d * 1e6, 2), "ours": round(t_ours_d * 1e6, 2)},
            "encode_ratio": round(t_ref_e / t_ours_e, 1),
            "decode_ratio": round(t_ref_d / t_ours_d, 1),
        }

    # Template: a stream of CC PDUs of one session, sizes and sequence numbers varying.
    rng = random.Random(2)
    sizes = [rng.choice((40, 52, 60, 64, 90, 120, 576, 1280, 1400, 1500)) for _ in range(512)]
    packets = [packet[:s] if s <= len(packet) else packet + bytes(s - len(packet)) for s in sizes]
    template = ours.template(
        "PS-PDU",
        {
            "pSHeader": {
                **header(Hole("seq")),  # type: ignore[arg-type]
                "microSecondTimeStamp": {"seconds": Hole("sec"), "microSeconds": Hole("usec")},
            },
            "payload": cc_payload(Hole("packet")),
        },
    )
    calls = [(i, 1_764_504_001 + i // 1000, (i * 37) % 1_000_000, packets[i % 512])
             for i in range(4096)]
    for i, s, u, p in calls[:64]:
        if template.encode(seq=i, sec=s, usec=u, packet=p) != ref.encode("PS-PDU",
                                                                          cc_pdu(i, p, s, u)):
            print(json.dumps({"error": "template output differs from asn1tools"}))
            return 1
    ref_values = [cc_pdu(i, p, s, u) for i, s, u, p in calls]
    tpl = template.encode

    def run_ref() -> None:
        for v in ref_values[:256]:
            ref.encode("PS-PDU", v)

    def run_tpl() -> None:
        for i, s, u, p in calls:
            tpl(seq=i, sec=s, usec=u, packet=p)

    t_ref = best_of(run_ref, max(1, int(8 * scale)), rounds) / 256
    t_tpl = best_of(run_tpl, max(1, int(20 * scale)), rounds) / len(calls)
    result["cc_template"] = {
        "distinct_packet_sizes": len(set(sizes)),
        "encode_us": {"asn1tools": round(t_ref * 1e6, 2), "template": round(t_tpl * 1e6, 3)},
        "pdus_per_second": round(1 / t_tpl),
        "ratio": round(t_ref / t_tpl, 1),
    }
    result["targets"] = {
        "generic_encode_decode_at_least": 5,
        "template_at_least": 40,
        "met": all(
            result[c][k] >= 5
            for c in ("iri", "cc_1400", "cc_1400_stamped")
            for k in ("encode_ratio", "decode_ratio")
        )
        and result["cc_template"]["ratio"] >= 40,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
