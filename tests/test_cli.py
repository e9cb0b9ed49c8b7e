"""The command line: every command's success path and JSON summary, generate -> decode ->
encode giving back the same octets for every format, and every error a user can cause ending
in one ``lawful-intercept: error:`` line with a non-zero status and no traceback."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

import lawful_intercept
from lawful_intercept.cli import _generate as generate_command
from lawful_intercept.cli import main
from lawful_intercept.correlation import Clock
from lawful_intercept.files import read_ber, read_pcap, to_json, write_pcapng
from lawful_intercept.records import CC_APDU, IAS_CC_APDU, parse_ccc_packet
from lawful_intercept.scenarios import FORMATS, Format, scenario

SPEC = lawful_intercept.bundled()
START = "2025-11-30T12:00:00Z"
START_NS = 1_764_504_000 * 10**9
TIMEOUT = 120  # seconds, for every subprocess
ERROR = "lawful-intercept: error: "

SMALL_MODULE = """\
Small DEFINITIONS IMPLICIT TAGS ::= BEGIN
  Record ::= SEQUENCE {
    number [0] INTEGER (0..255),
    name   [1] UTF8String OPTIONAL
  }
  Records ::= SEQUENCE OF Record
END
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    """The stderr of a user error: exactly one line, the error line."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(ERROR)
    return lines[0]


def generated(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str,
              records: int = 60, *more: str) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / f"{name}.ber"
    code, stdout, err = run(capsys, "generate", "--records", str(records), "--format", name,
                            "--start", START, "--seed", "5", "--out", str(out), *more,
                            "--json")
    assert code == 0, err
    return out, json.loads(stdout.strip().splitlines()[-1])


def json_texts(text: str) -> list[Any]:
    """Every JSON text of ``text`` (JSON Lines or indented objects one after another)."""
    decoder = json.JSONDecoder()
    items, pos = [], 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        value, pos = decoder.raw_decode(text, pos)
        items.append(value)
    return items


# -- generate --------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
def test_generate_writes_the_scenario(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      name: Format) -> None:
    pcap = tmp_path / "out.pcap"
    out, summary = generated(capsys, tmp_path, name, 60, "--pcap", str(pcap))
    expected = scenario(name, records=60, seed=5, clock=Clock(lambda: START_NS))
    ber = [p for p in expected if p.is_ber]
    assert out.read_bytes() == b"".join(p.pdu for p in ber)
    assert set(summary) == {"command", "format", "pdus", "by_kind", "by_destination", "bytes",
                            "out", "written", "pcap", "ccc", "start", "seed"}
    assert summary["command"] == "generate" and summary["format"] == name
    assert summary["pdus"] == 60 and summary["written"] == len(ber)
    assert summary["bytes"] == out.stat().st_size
    assert summary["out"] == str(out) and summary["pcap"] == str(pcap)
    assert summary["start"] == START and summary["seed"] == 5
    assert sum(summary["by_kind"].values()) == sum(summary["by_destination"].values()) == 60
    assert summary["by_kind"]["CC"] == sum(p.kind == "CC" for p in expected)
    captured = list(read_pcap(pcap))
    assert [c.raw for c in captured] == [p.pdu for p in ber]
    assert [round(c.timestamp * 1e6) for c in captured] == [p.time // 1000 for p in ber]


def test_generate_packetcable_ccc(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ccc = tmp_path / "call.ccc"
    out, summary = generated(capsys, tmp_path, "packetcable", 40, "--ccc", str(ccc))
    assert summary["by_destination"] == {"HI2": 6, "CCC": 34} and summary["written"] == 6
    assert summary["ccc"] == str(ccc)
    data, packets = ccc.read_bytes(), []
    while data:
        length = int.from_bytes(data[:4], "big")
        packets.append(parse_ccc_packet(data[4:4 + length], "ES-DCI-C01"))
        data = data[4 + length:]
    assert len(packets) == 34 and {p.ccc_id for p in packets} == {0x00C0FFEE}
    messages = [p.value["message"][0] for p in read_ber(out, SPEC, "PCESP.CdcPdu")]
    assert messages == ["origination", "ccopen", "answer", "mediareport", "release",
                        "ccclose"]


def test_generate_text_output_and_defaults(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    out = tmp_path / "default.ber"
    code, stdout, _ = run(capsys, "generate", "--out", str(out))
    assert code == 0
    assert stdout.startswith("etsi scenario from ") and "200 PDUs" in stdout
    assert f"{out}: 200 BER PDUs" in stdout
    assert len(json_texts(run_decode(capsys, out, "--json"))) == 200
    code, stdout, _ = run(capsys, "generate", "--format", "packetcable", "--out", str(out))
    assert "CCC packets: not written (give --ccc FILE)" in stdout


def test_generate_is_reproducible_with_start(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first, _ = generated(capsys, tmp_path / "one", "etsi")
    second, _ = generated(capsys, tmp_path / "two", "etsi")
    assert first != second and first.read_bytes() == second.read_bytes()


# -- decode ----------------------------------------------------------------------------


def run_decode(capsys: pytest.CaptureFixture[str], path: Path | str, *more: str) -> str:
    code, stdout, err = run(capsys, "decode", str(path), *more)
    assert code == 0, err
    assert err == ""
    return stdout


@pytest.mark.parametrize("name", FORMATS)
def test_decode_ber(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: Format) -> None:
    out, _ = generated(capsys, tmp_path, name)
    pdus = [p for p in scenario(name, records=60, seed=5, clock=Clock(lambda: START_NS))
            if p.is_ber]
    lines = run_decode(capsys, out, "--json").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(pdus)
    offset = 0
    for record, pdu in zip(records, pdus, strict=True):
        assert list(record) == ["offset", "length", "type", "value"]
        assert (record["offset"], record["length"]) == (offset, len(pdu.pdu))
        offset += len(pdu.pdu)
        # CC-APDU and IAS-CC-APDU are the same structure: detection reports the first.
        expected_type = CC_APDU if pdu.pdu_type == IAS_CC_APDU else pdu.pdu_type
        assert record["type"] == expected_type
        assert record["value"] == to_json(SPEC.decode(pdu.pdu_type, pdu.pdu))
    # Without --json: the same objects, indented.
    readable = run_decode(capsys, out)
    assert readable.count("\n") > len(lines) and json_texts(readable) == records


def test_decode_captures_and_stdin(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pcap = tmp_path / "s.pcap"
    out, _ = generated(capsys, tmp_path, "etsi", 30, "--pcap", str(pcap))
    from_ber = [json.loads(x) for x in run_decode(capsys, out, "--json").splitlines()]
    from_pcap = [json.loads(x) for x in run_decode(capsys, pcap, "--json").splitlines()]
    assert [r["value"] for r in from_pcap] == [r["value"] for r in from_ber]
    assert from_pcap[0]["flow"] == {"src": "192.0.2.1", "sport": 49152, "dst": "192.0.2.2",
                                    "dport": 50000}
    assert list(from_pcap[0]) == ["offset", "length", "flow", "time", "type", "value"]
    pcapng = tmp_path / "s.pcapng"
    write_pcapng(pcapng, _raws(out), start=1_764_504_000.0)
    from_pcapng = [json.loads(x) for x in run_decode(capsys, pcapng, "--json").splitlines()]
    assert [r["value"] for r in from_pcapng] == [r["value"] for r in from_ber]
    for source, expected in ((out, from_ber), (pcap, from_pcap)):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(source.read_bytes())))
        assert [json.loads(x) for x in run_decode(capsys, "-", "--json").splitlines()] == (
            expected)


def _raws(path: Path) -> list[bytes]:
    return [p.raw for p in read_ber(path)]


def test_decode_with_type(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out, summary = generated(capsys, tmp_path, "atis", 30)
    # --type applies to every PDU: the CC decode as IAS-CC-APDU, the 9 IRI do not.
    code, stdout, err = run(capsys, "decode", str(out), "--json", "--type", IAS_CC_APDU)
    assert code == 1
    records = [json.loads(x) for x in stdout.splitlines()]
    assert len(records) == 30
    assert sum(r.get("type") == IAS_CC_APDU for r in records) == summary["by_kind"]["CC"]
    assert one_error_line(err).endswith("9 of 30 PDUs did not decode")
    code, stdout, err = run(capsys, "decode", str(out), "--json", "--type", "PS-PDU")
    assert code == 1
    records = [json.loads(x) for x in stdout.splitlines()]
    assert len(records) == summary["written"]
    assert all(set(r) == {"offset", "length", "error", "raw"} for r in records)
    assert one_error_line(err).endswith(f"{summary['written']} of {summary['written']} PDUs "
                                        "did not decode")


def test_decode_reports_a_pdu_of_no_known_type(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    out, _ = generated(capsys, tmp_path, "etsi", 12)
    mixed = tmp_path / "mixed.ber"
    mixed.write_bytes(out.read_bytes() + bytes.fromhex("3003020105"))
    code, stdout, err = run(capsys, "decode", str(mixed), "--json")
    assert code == 1
    last = json.loads(stdout.splitlines()[-1])
    assert last["raw"] == "3003020105" and "value" not in last
    assert last["error"].startswith("not a PDU of the bundled formats (tried PS-PDU, ")
    assert one_error_line(err).endswith("1 of 13 PDUs did not decode")


# -- encode ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("style", ["--json", "readable"])
def test_generate_decode_encode_gives_the_same_octets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: Format, style: str,
) -> None:
    out, _ = generated(capsys, tmp_path, name, 80)
    decoded = tmp_path / "decoded.json"
    decoded.write_text(run_decode(capsys, out, *([style] if style == "--json" else [])))
    again = tmp_path / "again.ber"
    code, stdout, err = run(capsys, "encode", str(decoded), "--out", str(again))
    assert code == 0, err
    assert again.read_bytes() == out.read_bytes()
    assert stdout.strip() == (f"encoded {len(_raws(out))} PDUs ({out.stat().st_size} octets) "
                              f"to {again}")


def test_encode_to_stdout_array_and_bare_values(capsysbinary: pytest.CaptureFixture[bytes],
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pdus = [p for p in scenario("packetcable", records=6, clock=Clock(lambda: START_NS))]
    values = [to_json(SPEC.decode("PCESP.CdcPdu", p.pdu)) for p in pdus]
    expected = b"".join(p.pdu for p in pdus)
    array = tmp_path / "array.json"
    array.write_text(json.dumps([{"type": "PCESP.CdcPdu", "value": v} for v in values]))
    assert main(["encode", str(array)]) == 0
    assert capsysbinary.readouterr().out == expected
    bare = tmp_path / "bare.jsonl"
    bare.write_text("\n".join(json.dumps(v) for v in values) + "\n")
    assert main(["encode", "--type", "PCESP.CdcPdu", str(bare)]) == 0
    assert capsysbinary.readouterr().out == expected
    # "type" in a record overrides --type; standard input with "-".
    one = json.dumps({"value": values[0], "type": "PCESP.CdcPdu"}).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(one)))
    assert main(["encode", "--type", "PS-PDU", "-"]) == 0
    assert capsysbinary.readouterr().out == pdus[0].pdu


# -- compile ---------------------------------------------------------------------------


def test_compile(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAWFUL_INTERCEPT_CACHE_DIR", str(tmp_path / "cache"))
    module = tmp_path / "small.asn"
    module.write_text(SMALL_MODULE)
    code, stdout, _ = run(capsys, "compile", str(module), "--types", "--json")
    assert code == 0
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary == {"command": "compile", "files": [str(module)], "types": 2,
                       "modules": [{"module": "Small", "oid": None, "file": str(module),
                                    "types": 2, "type_names": ["Record", "Records"]}]}
    code, stdout, _ = run(capsys, "compile", str(module), "--types", "--no-cache")
    assert code == 0
    assert stdout.splitlines() == [f"Small: 2 types ({module})", "  Record", "  Records",
                                   "1 modules, 2 types"]
    files = [str(p) for p in lawful_intercept.registry.bundled_files()]
    code, stdout, _ = run(capsys, "compile", *files, "--json")
    summary = json.loads(stdout)
    assert summary["types"] == len(SPEC.types)
    assert {m["module"] for m in summary["modules"]} == set(SPEC.modules)


def test_compile_error_names_file_and_line(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    broken = tmp_path / "broken.asn"
    broken.write_text(SMALL_MODULE.replace("INTEGER (0..255)", "Missing"))
    code, _, err = run(capsys, "compile", str(broken), "--no-cache")
    assert code == 1
    line = one_error_line(err)
    assert line.startswith(f"{ERROR}{broken}:3: ") and "Missing" in line


# -- certs -----------------------------------------------------------------------------


def test_certs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    code, stdout, _ = run(capsys, "certs", "--out", str(folder), "--hostname", "lemf.test",
                          "10.0.0.1", "--days", "3", "--json")
    assert code == 0
    summary = json.loads(stdout.strip().splitlines()[-1])
    names = ["ca.pem", "server.pem", "server.key", "client.pem", "client.key"]
    assert summary == {
        "command": "certs", "out": str(folder),
        "files": dict(zip(["ca", "server_cert", "server_key", "client_cert", "client_key"],
                          [str(folder / n) for n in names], strict=True)),
        "warrant_files": {k: str(folder / n) for k, n in (
            ("court_ca", "court-ca.pem"), ("judge_cert", "judge.pem"),
            ("judge_key", "judge.key"), ("authority_ca", "authority-ca.pem"),
            ("issuer_cert", "issuer.pem"), ("issuer_key", "issuer.key"))},
        "hostnames": ["lemf.test", "10.0.0.1"], "days": 3, "key_type": "ec",
    }
    server = x509.load_pem_x509_certificate((folder / "server.pem").read_bytes())
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["lemf.test"]
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["10.0.0.1"]
    validity = server.not_valid_after_utc - server.not_valid_before_utc
    assert 3 * 86400 <= validity.total_seconds() <= 3 * 86400 + 600
    if os.name == "posix":
        assert stat.S_IMODE((folder / "server.key").stat().st_mode) == 0o600
    code, stdout, _ = run(capsys, "certs", "--out", str(folder), "--key-type", "rsa")
    assert code == 0 and all(str(folder / n) in stdout for n in names)


# -- version, help (demo, send, lemf: tests/test_cli_delivery.py) ---------------------


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "version")[:2] == (0, f"lawful-intercept {lawful_intercept.__version__}\n")
    code, stdout, _ = run(capsys, "--help")
    assert code == 0
    for command in ("demo", "generate", "send", "spool", "lemf", "decode", "encode",
                    "compile", "certs", "version"):
        assert command in stdout
    code, _, err = run(capsys)
    assert code == 2 and err.strip().splitlines()[-1].startswith(ERROR)


# -- errors ----------------------------------------------------------------------------


def _user_errors(tmp: Path) -> list[tuple[list[str], str]]:
    """(arguments, text the error line must contain) for errors a user can make."""
    ber = tmp / "good.ber"
    (tmp / "garbage.bin").write_bytes(b"hello, this is not BER")
    (tmp / "bad.pcap").write_bytes(bytes.fromhex("d4c3b2a1") + b"short")
    (tmp / "truncated.ber").write_bytes(ber.read_bytes()[:200])
    (tmp / "latin1.json").write_bytes('{"value": "é"}'.encode("latin-1"))
    (tmp / "broken.json").write_text('{"value": {"pSHeader": }')
    (tmp / "member.json").write_text('{"value": {"nonsense": 1}}')
    (tmp / "error.json").write_text('{"offset": 0, "length": 3, "error": "bad", "raw": "00"}')
    (tmp / "type.json").write_text('{"type": "NoSuchType", "value": {}}')
    (tmp / "empty.json").write_text("\n")
    (tmp / "a-file").write_text("x")
    (tmp / "broken.asn").write_text("Broken DEFINITIONS ::= BEGIN\n  A ::= SEQUENCE {\nEND\n")
    (tmp / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp / "digits.json").write_text('{"value": ' + "9" * 5000 + "}")
    (tmp / "no-spool").mkdir()
    return [
        (["encode", str(tmp / "deep.json")], "deep.json: the JSON text at line 1 is nested "
                                             "too deeply"),
        (["encode", str(tmp / "digits.json")], "digits.json: the JSON text at line 1 holds an "
                                               "integer too long to read"),
        (["certs", "--out", str(tmp / "pki"), "--days", "3000000"],
         "--days: 3000000 days from today ends after 9999-12-31"),
        (["certs", "--out", str(tmp / "pki"), "--days", "9" * 30], "--days: "),
        (["spool", "list", str(tmp / "absent")], "absent: no such folder"),
        (["spool", "list", str(tmp / "no-spool")], "no spool in it"),
        (["decode", str(tmp / "missing.ber")], "missing.ber: cannot read: No such file"),
        (["decode", str(tmp)], "cannot read"),
        (["decode", str(tmp / "truncated.ber")], "truncated.ber: after 1 PDUs: stream ended"),
        (["decode", str(tmp / "garbage.bin")], "garbage.bin"),
        (["decode", str(tmp / "bad.pcap")], "bad.pcap: pcap file header truncated"),
        (["decode", str(ber), "--type", "NoSuchType"], "--type: unknown type 'NoSuchType'"),
        (["decode", str(ber), "--spec", str(tmp / "missing.asn")],
         "--spec: " + str(tmp / "missing.asn")),
        (["encode", str(tmp / "missing.json")], "missing.json: cannot read"),
        (["encode", str(tmp / "latin1.json")], "not UTF-8 text"),
        (["encode", str(tmp / "broken.json")], "malformed JSON at line 1 column 24"),
        (["encode", str(tmp / "member.json")],
         "item 1 (line 1): PS-PDU: unknown member 'nonsense' for SEQUENCE"),
        (["encode", str(tmp / "error.json")], "a PDU that did not decode (bad)"),
        (["encode", str(tmp / "type.json")], "\"type\": unknown type 'NoSuchType'"),
        (["encode", str(tmp / "empty.json")], "no JSON values to encode"),
        (["encode", "--type", "NoSuchType", str(tmp / "member.json")], "--type: unknown type"),
        (["encode", str(tmp / "error.json"), "--out", str(tmp / "no" / "x.ber")],
         "a PDU that did not decode"),
        (["generate", "--out", str(tmp / "no" / "x.ber")], "x.ber: cannot write"),
        (["generate", "--out", str(tmp / "x.ber"), "--ccc", str(tmp / "x.ccc")],
         "--ccc: only the packetcable scenario has CCC packets"),
        (["generate", "--out", str(tmp / "x.ber"), "--pcap", str(tmp)], "cannot write"),
        (["certs", "--out", str(tmp / "a-file")], "--out: "),
        (["certs", "--out", str(tmp / "pki"), "--hostname", ""], "--hostname"),
        (["compile", str(tmp / "missing.asn")], "missing.asn: cannot read the file"),
        (["compile", "--no-cache", str(tmp / "broken.asn")], "broken.asn:"),
    ]


def test_user_errors_end_in_one_line(capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    generated(capsys, tmp_path, "etsi", 12)
    (tmp_path / "etsi.ber").rename(tmp_path / "good.ber")
    for argv, needle in _user_errors(tmp_path):
        code, _, err = run(capsys, *argv)
        assert code == 1, argv
        line = one_error_line(err)
        assert needle in line, (argv, line)
        assert "unexpected" not in line, (argv, line)


@pytest.mark.parametrize("garbage", [b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x30\x84"])
def test_decode_prints_every_pdu_before_a_framing_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, garbage: bytes
) -> None:
    generated(capsys, tmp_path, "etsi", 20)
    ber = tmp_path / "etsi.ber"
    count = len(list(read_ber(ber, SPEC, "LI-PS-PDU.PS-PDU")))
    bad = tmp_path / "bad.ber"
    bad.write_bytes(ber.read_bytes() + garbage)
    code, stdout, err = run(capsys, "decode", str(bad), "--json")
    assert code == 1
    assert len(stdout.splitlines()) == count
    assert f"bad.ber: after {count} PDUs: " in one_error_line(err)


def test_encode_writes_every_pdu_before_a_bad_item(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    generated(capsys, tmp_path, "etsi", 5)
    code, stdout, _ = run(capsys, "decode", str(tmp_path / "etsi.ber"), "--json")
    assert code == 0
    lines = stdout.splitlines()
    source = tmp_path / "records.jsonl"
    source.write_text("\n".join([*lines, '{"value": {"pSHeader": }'] ) + "\n")
    code, stdout, err = run(capsys, "encode", str(source), "--out", str(tmp_path / "out.ber"))
    assert code == 1
    assert f"after {len(lines)} PDUs: " in one_error_line(err)
    assert (tmp_path / "out.ber").read_bytes() == (tmp_path / "etsi.ber").read_bytes()


def test_spool_list_export_requeue(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from lawful_intercept.delivery import Spool

    generated(capsys, tmp_path, "etsi", 6)
    pdus = [pdu.raw for pdu in read_ber(tmp_path / "etsi.ber", SPEC, "LI-PS-PDU.PS-PDU")]
    folder = tmp_path / "send-spool"
    with Spool(folder / "stream" / "hi2") as spool:
        ids = spool.append_many(pdus, kinds="IRI", keys="LIID-1")
        spool.dead_letter(ids[1], reason="the peer closed the connection 3 times after it",
                          peer_said="alert: decode_error")
        spool.dead_letter(ids[4], reason="poison")
    code, stdout, _ = run(capsys, "spool", "list", str(folder))
    assert code == 0
    assert "2 dead letters" in stdout and "alert: decode_error" in stdout
    code, stdout, _ = run(capsys, "spool", "list", str(folder), "--json")
    summary = json.loads(stdout.splitlines()[-1])
    assert [(sp["queued"], sp["dead_letters"]) for sp in summary["spools"]] == [(len(pdus) - 2, 2)]
    assert [(d["record_id"], d["kind"], d["key"], d["reason"]) for d in
            summary["dead_letters"]] == [(ids[1], "IRI", "LIID-1", "the peer closed the "
                                          "connection 3 times after it"), (ids[4], "IRI",
                                                                          "LIID-1", "poison")]
    out = tmp_path / "dead.ber"
    assert run(capsys, "spool", "export", str(folder), "--out", str(out))[0] == 0
    assert out.read_bytes() == pdus[1] + pdus[4]
    code, stdout, _ = run(capsys, "spool", "requeue", str(folder / "stream" / "hi2"),
                          "--id", str(ids[4]), "--json")
    assert code == 0
    [requeued] = json.loads(stdout.splitlines()[-1])["dead_letters"]
    assert requeued["requeued_as"] == ids[-1] + 1
    code, _, err = run(capsys, "spool", "requeue", str(folder), "--id", str(ids[4]))
    assert code == 1 and f"no dead letter with record id {ids[4]}" in one_error_line(err)
    with Spool(folder / "stream" / "hi2") as spool:
        assert [e.data for e in spool.read_from(0)][-1] == pdus[4]
        assert [letter.record_id for letter in spool.dead_letters()] == [ids[1]]
        code, _, err = run(capsys, "spool", "list", str(folder))  # in use: refused
        assert code == 1 and "in use" in one_error_line(err)


@pytest.mark.parametrize(("argv", "needle"), [
    (["generate", "--records", "0", "--out", "x"], "generate: argument --records: must be a "
                                                   "positive integer, got '0'"),
    (["generate", "--records", "many", "--out", "x"], "must be an integer, got 'many'"),
    (["generate", "--format", "h323", "--out", "x"], "argument --format: invalid choice"),
    (["generate"], "the following arguments are required: --out"),
    (["generate", "--out", "x", "--start", "yesterday"], "argument --start"),
    (["generate", "--out", "x", "--start", "2200-01-01"], "between 1970 and 2106"),
    (["certs", "--out", "x", "--days", "0"], "argument --days"),
    (["decode"], "the following arguments are required: FILE"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str],
                      needle: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(ERROR) and needle in last


def test_unexpected_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something broke")

    monkeypatch.setattr(generate_command, "scenario", broken)
    argv = ["generate", "--out", str(tmp_path / "x.ber")]
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert one_error_line(err) == (f"{ERROR}unexpected RuntimeError: something broke (run with "
                                   "--debug for the traceback)")
    for debug in (["--debug", *argv], [*argv, "--debug"]):
        code, _, err = run(capsys, *debug)
        assert code == 1
        assert "Traceback" in err and "RuntimeError: something broke" in err
        assert err.strip().splitlines()[-1] == f"{ERROR}unexpected RuntimeError: something broke"


# -- through the entry point -----------------------------------------------------------


def cli(*argv: str, input: bytes | None = None, cwd: Path | None = None
        ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "lawful_intercept", *argv], input=input,
                          capture_output=True, timeout=TIMEOUT, cwd=cwd, check=False)


def test_module_entry_point(tmp_path: Path) -> None:
    done = cli("version")
    assert done.returncode == 0
    assert done.stdout.decode().strip() == f"lawful-intercept {lawful_intercept.__version__}"
    done = cli("decode", "missing.ber", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        f"{ERROR}missing.ber: cannot read: No such file or directory"]


def test_pipeline_through_processes(tmp_path: Path) -> None:
    generated_ = cli("generate", "--format", "atis", "--records", "40", "--start", START,
                     "--out", "atis.ber", "--json", cwd=tmp_path)
    assert generated_.returncode == 0, generated_.stderr
    assert json.loads(generated_.stdout)["pdus"] == 40
    original = (tmp_path / "atis.ber").read_bytes()
    decoded = cli("decode", "-", "--json", input=original, cwd=tmp_path)
    assert decoded.returncode == 0, decoded.stderr
    assert len(decoded.stdout.splitlines()) == 40
    encoded = cli("encode", "-", input=decoded.stdout, cwd=tmp_path)
    assert encoded.returncode == 0, encoded.stderr
    assert encoded.stdout == original
