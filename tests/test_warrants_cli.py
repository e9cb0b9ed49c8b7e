"""``lawful-intercept warrant make|check|serve|post`` and the warrant PKI of ``certs``:
``make`` output is accepted by ``check``, forged variants of it are refused with the rule
named, unreadable or hostile input ends with one error line, and ``serve`` answers ``post``
over mutual TLS (loopback)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped]
from test_warrants_support import EXAMPLES, HI1_REFERENCE, need_reference

from lawful_intercept.certs import make_test_pki, make_warrant_pki
from lawful_intercept.cli import main
from lawful_intercept.warrants import approve, parse_xml, read_message, sign_message

ERROR = "lawful-intercept: error: "


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(ERROR)
    return lines[0]


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warrant PKI's files, and a clerk's certificate from the same court CA."""
    folder = tmp_path_factory.mktemp("pki")
    pki = make_warrant_pki()
    pki.write(folder)
    pki.issue_signer(role="Clerk", common_name="A Clerk").write(folder, "clerk")
    pki.issue_signer(role="Judge", untrusted=True).write(folder, "rogue-judge")
    pki.issue_signer(role="Issuing authority", by="authority",
                     untrusted=True).write(folder, "rogue-issuer")
    return folder


def make(capsys: pytest.CaptureFixture[str], pki: Path, out: Path, *more: str,
         judge: str = "judge", issuer: str = "issuer") -> int:
    code, _, err = run(capsys, "warrant", "make", "--out", str(out), "--liid", "LIID-CLI-1",
                       "--target", "InternationalE164:442079460223",
                       "--target", "IPv4Address:192.0.2.7",
                       "--start", "now-5m", "--end", "now+30d",
                       "--deliver-to", "192.0.2.10:6001", "--deliver-to", "[2001:db8::1]:6002",
                       "--sign", str(pki / f"{issuer}.pem"), str(pki / f"{issuer}.key"),
                       "--approve", str(pki / f"{judge}.pem"), str(pki / f"{judge}.key"), *more)
    assert code == 0 or err
    return code


def check(capsys: pytest.CaptureFixture[str], pki: Path, path: Path, *more: str
          ) -> tuple[int, dict[str, object], str]:
    code, out, err = run(capsys, "warrant", "check", str(path),
                         "--trust", str(pki / "authority-ca.pem"),
                         "--approvers", str(pki / "court-ca.pem"), "--json", *more)
    return code, json.loads(out.strip().splitlines()[-1]), err


def failed(summary: dict[str, object]) -> set[str]:
    return {r["rule"] for r in summary["rules"] if r["ok"] is False}  # type: ignore[attr-defined, index]


def test_certs_writes_the_warrant_pki(capsys: pytest.CaptureFixture[str], tmp_path: Path
                                      ) -> None:
    code, out, _ = run(capsys, "certs", "--out", str(tmp_path))
    assert code == 0
    for name in ("court-ca.pem", "judge.pem", "judge.key", "authority-ca.pem", "issuer.pem",
                 "issuer.key"):
        assert (tmp_path / name).is_file() and str(tmp_path / name) in out
    warrant = tmp_path / "w.xml"
    assert make(capsys, tmp_path, warrant) == 0
    assert check(capsys, tmp_path, warrant)[0] == 0


def test_make_then_check_is_valid(capsys: pytest.CaptureFixture[str], pki_dir: Path,
                                  tmp_path: Path) -> None:
    warrant = tmp_path / "w.xml"
    assert make(capsys, pki_dir, warrant, "--delivery-type", "IRIOnly") == 0
    code, summary, err = check(capsys, pki_dir, warrant)
    assert code == 0 and err == ""
    assert list(summary) == ["command", "valid", "rules"]
    assert summary["command"] == "warrant check" and summary["valid"] is True
    assert all(set(r) == {"rule", "ok", "reason"} for r in summary["rules"])  # type: ignore[attr-defined]
    message = read_message(warrant.read_bytes())
    assert {type(o).__name__ for o in message.objects()} == {
        "AuthorisationObject", "LITaskObject", "DocumentObject"}
    code, out, _ = run(capsys, "warrant", "check", str(warrant), "--trust",
                       str(pki_dir / "authority-ca.pem"), "--approvers",
                       str(pki_dir / "court-ca.pem"))
    assert code == 0 and out.strip().endswith("valid") and "approval" in out


def test_make_output_validates_against_the_official_schema(
        capsys: pytest.CaptureFixture[str], pki_dir: Path, tmp_path: Path) -> None:
    need_reference()
    warrant = tmp_path / "w.xml"
    assert make(capsys, pki_dir, warrant) == 0
    code, summary, _ = check(capsys, pki_dir, warrant, "--schema", str(HI1_REFERENCE))
    assert code == 0
    assert {r["rule"]: r["ok"] for r in summary["rules"]}["schema"] is True  # type: ignore[attr-defined, index]


def _forge(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


def test_forged_variants_of_make_output_are_refused(
        capsys: pytest.CaptureFixture[str], pki_dir: Path, tmp_path: Path) -> None:
    warrant = tmp_path / "w.xml"
    assert make(capsys, pki_dir, warrant) == 0
    data = warrant.read_bytes()
    message = read_message(data)
    auth = message.objects()[1]
    end = auth.timespan.end_time  # type: ignore[attr-defined]
    later = (end + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%S").encode()
    variants = {
        "target changed": (_forge(data, b"442079460223", b"442079460999"),
                           {"message-signature"}),
        "destination changed": (_forge(data, b"192.0.2.10", b"192.0.2.66"),
                                {"message-signature"}),
        "end time pushed": (_forge(data, end.strftime("%Y-%m-%dT%H:%M:%S").encode(), later),
                            {"message-signature"}),
        "status changed": (_forge(data, b">Approved<", b">Rejected<"),
                           {"message-signature", "authorisation-status"}),
    }
    # re-signed by the issuer after the change: the judge's approval still catches it
    root = parse_xml(data)
    root.remove(root[-1])  # the message signature, the last child
    unsigned = etree.tostring(root)
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    issuer_key = load_pem_private_key((pki_dir / "issuer.key").read_bytes(), None)
    issuer_cert = x509.load_pem_x509_certificate((pki_dir / "issuer.pem").read_bytes())
    pushed = unsigned.replace(end.strftime("%Y-%m-%dT%H:%M:%S").encode(), later)  # every one
    assert pushed != unsigned
    resigned = sign_message(pushed, issuer_key, [issuer_cert])  # type: ignore[arg-type]
    variants["end time pushed, re-signed"] = (resigned, {"approval", "document"})
    # the warrant document changed after the judge approved it, the message re-signed
    contents = parse_xml(unsigned).findtext(".//{*}DocumentBody/{*}Contents").encode()
    checksum = parse_xml(unsigned).findtext(".//{*}DocumentBody/{*}Checksum").encode()
    for name, old, new in (
            ("document contents", contents, b"UmV3cml0dGVuIHdhcnJhbnQ="),
            ("document checksum", checksum, b"0" * len(checksum))):
        variants[f"{name} changed, re-signed"] = (
            sign_message(unsigned.replace(old, new), issuer_key, [issuer_cert]),  # type: ignore[arg-type]
            {"document"})
    for name, (forged, rules) in variants.items():
        path = tmp_path / f"{name}.xml"
        path.write_bytes(forged)
        code, summary, _ = check(capsys, pki_dir, path)
        assert code == 1 and summary["valid"] is False, name
        assert rules <= failed(summary), (name, failed(summary))


@pytest.mark.parametrize(("judge", "issuer", "rule"), [
    ("clerk", "issuer", "approval"),
    ("rogue-judge", "issuer", "approval"),
    ("judge", "rogue-issuer", "message-signature"),
    ("judge", "judge", "message-signature"),
])
def test_make_with_the_wrong_signers_is_refused(
        capsys: pytest.CaptureFixture[str], pki_dir: Path, tmp_path: Path, judge: str,
        issuer: str, rule: str) -> None:
    warrant = tmp_path / "w.xml"
    assert make(capsys, pki_dir, warrant, judge=judge, issuer=issuer) == 0
    code, summary, _ = check(capsys, pki_dir, warrant)
    assert code == 1 and rule in failed(summary)


def test_check_at_another_time(capsys: pytest.CaptureFixture[str], pki_dir: Path,
                               tmp_path: Path) -> None:
    warrant = tmp_path / "w.xml"
    assert make(capsys, pki_dir, warrant) == 0
    code, summary, _ = check(capsys, pki_dir, warrant, "--at", "now+31d")
    assert code == 1 and "timespan" in failed(summary)
    assert check(capsys, pki_dir, warrant, "--at", "now+1d")[0] == 0


def test_without_trust_the_signature_rule_fails(capsys: pytest.CaptureFixture[str],
                                                pki_dir: Path, tmp_path: Path) -> None:
    warrant = tmp_path / "w.xml"
    assert make(capsys, pki_dir, warrant) == 0
    code, out, _ = run(capsys, "warrant", "check", str(warrant))
    assert code == 1 and "FAIL  message-signature" in out


@pytest.mark.parametrize("content", [
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    b"not xml at all", b"", b"<HI1Message/>"], ids=["xxe", "text", "empty", "not-hi1"])
def test_unreadable_or_hostile_input_is_one_error_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "in.xml"
    path.write_bytes(content)
    code, out, err = run(capsys, "warrant", "check", str(path))
    assert code == 1 and out == ""
    assert one_error_line(err).startswith(f"{ERROR}{path}: ")
    code, out, err = run(capsys, "warrant", "check", str(path), "--json")
    assert code == 1 and json.loads(out.strip().splitlines()[-1])["valid"] is False
    one_error_line(err)
    code, _, err = run(capsys, "warrant", "check", str(tmp_path / "missing.xml"))
    assert code == 1 and "missing.xml" in one_error_line(err)


@pytest.mark.parametrize("argv", [
    ["warrant"], ["warrant", "check"], ["warrant", "make", "--out", "x"],
    ["warrant", "check", "f", "--at", "yesterday"],
    ["warrant", "serve", "--book", "b", "--listen", "nohost"],
])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.strip().splitlines()[-1].startswith(ERROR)


@pytest.mark.parametrize(("change", "message"), [
    (["--target", "InternationalE164:12ab"], "--target InternationalE164:12ab"),
    (["--target", "NoSuchFormat:1"], "--target NoSuchFormat:1"),
    (["--deliver-to", "lemf.example:6001"], "must be an IP address"),
    (["--end", "now-1d"], "--end must be after --start"),
])
def test_make_refuses_bad_values_with_one_line(capsys: pytest.CaptureFixture[str],
                                               pki_dir: Path, tmp_path: Path,
                                               change: list[str], message: str) -> None:
    code = make(capsys, pki_dir, tmp_path / "w.xml", *change)
    assert code == 1
    # make() consumed the output; run again to see the line
    code, _, err = run(capsys, "warrant", "make", "--out", str(tmp_path / "w.xml"), "--liid",
                       "L", "--target", "InternationalE164:442079460223", "--start", "now",
                       "--end", "now+1d", "--deliver-to", "192.0.2.1:1", "--sign",
                       str(pki_dir / "issuer.pem"), str(pki_dir / "issuer.key"), "--approve",
                       str(pki_dir / "judge.pem"), str(pki_dir / "judge.key"), *change)
    assert code == 1 and message in one_error_line(err)


def test_make_refuses_a_key_that_is_not_a_key(capsys: pytest.CaptureFixture[str],
                                              pki_dir: Path, tmp_path: Path) -> None:
    code, _, err = run(capsys, "warrant", "make", "--out", str(tmp_path / "w.xml"), "--liid",
                       "L", "--target", "InternationalE164:442079460223", "--start", "now",
                       "--end", "now+1d", "--deliver-to", "192.0.2.1:1", "--sign",
                       str(pki_dir / "issuer.pem"), str(pki_dir / "issuer.pem"), "--approve",
                       str(pki_dir / "judge.pem"), str(pki_dir / "judge.key"))
    assert code == 1 and "--sign" in one_error_line(err)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_official_examples_pass_schema_only(capsys: pytest.CaptureFixture[str],
                                            example: Path) -> None:
    code, out, err = run(capsys, "warrant", "check", str(example), "--schema-only",
                         "--schema", str(HI1_REFERENCE))
    assert code == 0, out + err
    assert "ok    schema" in out


def test_serve_answers_post_over_mutual_tls(capsys: pytest.CaptureFixture[str],
                                            pki_dir: Path, tmp_path: Path) -> None:
    tls = make_test_pki()
    files = tls.write(tmp_path / "tls")
    warrant = tmp_path / "w.xml"
    assert make(capsys, pki_dir, warrant) == 0
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "lawful_intercept", "warrant", "serve", "--book",
         str(tmp_path / "book.db"), "--listen", "127.0.0.1:0", "--cert", str(files.server_cert),
         "--key", str(files.server_key), "--client-ca", str(files.ca), "--trust",
         str(pki_dir / "authority-ca.pem"), "--approvers", str(pki_dir / "court-ca.pem"),
         "--tick", "0.1", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in server.stdout],  # type: ignore[union-attr]
                     daemon=True).start()
    try:
        listening = json.loads(lines.get(timeout=60))
        port = listening["listening"].rsplit(":", 1)[1]
        post = ["warrant", "post", str(warrant), "--to", f"127.0.0.1:{port}", "--ca",
                str(files.ca), "--cert", str(files.client_cert), "--key",
                str(files.client_key), "--json"]
        code, out, err = run(capsys, *post, "--out", str(tmp_path / "response.xml"))
        assert code == 0, err
        summary = json.loads(out.strip().splitlines()[-1])
        assert summary["ok"] is True and [r["result"] for r in summary["responses"]] == [
            "CREATEResponse"] * 3
        assert read_message((tmp_path / "response.xml").read_bytes()).header.sender \
            .unique_identifier == "CSP01"
        note = json.loads(lines.get(timeout=60))
        assert note["notification"] == "liActivated" and note["liid"] == "LIID-CLI-1"
        code, out, _ = run(capsys, *post)  # the same message again: a replay
        assert code == 1 and "6003" in out
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        finally:
            if server.poll() is None:
                server.kill()
    assert server.returncode == 0, server.stderr.read()  # type: ignore[union-attr]


def test_approve_by_hand_matches_make(pki_dir: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """A message approved and signed through the library with the same files checks the
    same as make's (make is approve + sign_message, nothing more)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from lawful_intercept.warrants import (
        DeliveryAddress,
        DeliveryDestination,
        EndpointID,
        IPAddressPort,
        TargetIdentifierValue,
        warrant_request,
        write_message,
    )
    now = datetime.now(UTC).replace(microsecond=0)
    request = warrant_request(
        liid="L2", targets=[TargetIdentifierValue("ETSI", "IMSI", "234150999999999")],
        destinations=[DeliveryDestination(DeliveryAddress("IPAddressPort",
                                                          IPAddressPort("192.0.2.1", 1)))],
        start=now - timedelta(minutes=1), end=now + timedelta(days=1), now=now,
        sender=EndpointID("XX", "A"), receiver=EndpointID("XX", "B"))
    auth = request.objects()[0]
    key = load_pem_private_key((pki_dir / "judge.key").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((pki_dir / "judge.pem").read_bytes())
    ikey = load_pem_private_key((pki_dir / "issuer.key").read_bytes(), None)
    icert = x509.load_pem_x509_certificate((pki_dir / "issuer.pem").read_bytes())
    signed = sign_message(approve(write_message(request), auth.object_identifier, key,  # type: ignore[arg-type]
                                  [cert], at=now), ikey, [icert])  # type: ignore[arg-type]
    path = tmp_path / "by-hand.xml"
    path.write_bytes(signed)
    assert check(capsys, pki_dir, path)[0] == 0
