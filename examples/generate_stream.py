"""The built-in scenarios: one intercept's handover stream in each format, written as BER and
pcap, read back and checked, then turned into JSON and back with the command line.

Run: python examples/generate_stream.py [OUT_DIR]
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections import Counter
from pathlib import Path

import lawful_intercept
from lawful_intercept.cli import main as command_line
from lawful_intercept.correlation import Clock
from lawful_intercept.files import read_ber, read_pcap, write_ber, write_pcap
from lawful_intercept.records import parse_ccc_packet
from lawful_intercept.scenarios import FORMATS, scenario

START = 1_764_504_000 * 10**9  # 2025-11-30T12:00:00Z: a fixed start gives the same bytes


def main(out: Path) -> None:
    spec = lawful_intercept.bundled()
    out.mkdir(parents=True, exist_ok=True)
    for name in FORMATS:
        pdus = scenario(name, records=300, seed=7, clock=Clock(lambda: START))
        ber = [p for p in pdus if p.is_ber]
        write_ber(out / f"{name}.ber", (p.pdu for p in ber))
        write_pcap(out / f"{name}.pcap", [p.pdu for p in ber],
                   timestamps=[p.time / 1e9 for p in ber])
        # Read both files back: every PDU decodes as the type the scenario says.
        for source in (read_ber(out / f"{name}.ber"), read_pcap(out / f"{name}.pcap")):
            raws = [pdu.raw for pdu in source]
            assert raws == [p.pdu for p in ber]
            for raw, pdu in zip(raws, ber, strict=True):
                spec.decode(pdu.pdu_type, raw)
        for packet in (p for p in pdus if not p.is_ber):  # PacketCable CCC: header + datagram
            assert parse_ccc_packet(packet.pdu, "ES-DCI-C01").ccc_id == 0x00C0FFEE
        kinds = ", ".join(f"{n} {k}" for k, n in Counter(p.kind for p in pdus).items())
        print(f"{name}: {len(pdus)} PDUs ({kinds}); {len(ber)} BER PDUs in {name}.ber and "
              f"{name}.pcap")

    # The same from the command line: generate, decode to JSON Lines, encode back.
    ber, jsonl, again = out / "cli.ber", out / "cli.jsonl", out / "cli-again.ber"
    assert command_line(["generate", "--records", "100", "--format", "atis", "--start",
                         "2025-11-30T12:00:00Z", "--out", str(ber), "--json"]) == 0
    with open(jsonl, "w", encoding="utf-8") as f, contextlib.redirect_stdout(f):
        assert command_line(["decode", str(ber), "--json"]) == 0
    assert command_line(["encode", str(jsonl), "--out", str(again)]) == 0
    assert again.read_bytes() == ber.read_bytes()
    print("decode --json | encode gives back the same octets")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
