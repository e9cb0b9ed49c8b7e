"""The delivery commands of the command line: ``demo``, ``send`` and ``lemf``.

``demo`` runs in-process (and, from a fresh virtual environment, in
tests/test_registry.py); ``generate``, ``lemf`` and ``send`` run as separate processes, as a
test lab would run them, with the LEMF killed by SIGKILL and started again mid-delivery, and
``send`` killed and resumed from its spool. What arrived is counted here, by decoding the
LEMF's ``received.ber``.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _network_support import HOST, LEMFProcess, cli, free_port, wait_for

import lawful_intercept
from lawful_intercept.certs import PKIFiles, make_test_pki
from lawful_intercept.cli import main
from lawful_intercept.lemf import LEMFThread, server_context
from lawful_intercept.stream import iter_pdus

ERROR = "lawful-intercept: error: "
SPEC = lawful_intercept.bundled()

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def pdus_of(path: Path) -> Counter[bytes]:
    with path.open("rb") as f:
        return Counter(p.raw for p in iter_pdus(iter(lambda: f.read(1 << 20), b"")))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKIFiles:
    directory = tmp_path_factory.mktemp("pki")
    return make_test_pki(directory).write(directory)


def tls_options(files: PKIFiles, side: str) -> list[str]:
    if side == "lemf":
        return ["--cert", str(files.server_cert), "--key", str(files.server_key),
                "--client-ca", str(files.ca)]
    return ["--cert", str(files.client_cert), "--key", str(files.client_key),
            "--ca", str(files.ca), "--server-name", "localhost"]


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) >= 1 and lines[-1].startswith(ERROR), err
    return lines[-1]


# -- demo ---------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["etsi", "packetcable", "atis"])
def test_demo_delivers_everything(format: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    code = main(["demo", "--json", "--format", format, "--records", "400", "--out", str(out)])
    stdout = capsys.readouterr().out
    assert code == 0, stdout
    lines = stdout.strip().splitlines()
    assert len(lines) > 3  # progress first, the summary last
    summary = json.loads(lines[-1])
    assert summary["command"] == "demo" and summary["format"] == format
    assert (summary["lost"], summary["sequence_gaps"], summary["decode_errors"]) == (0, 0, 0)
    sent = summary["sent"]
    # ETSI: one record per X2/X3 PDU and the two HI1 notifications; the US formats add and
    # leave out messages, and the demo sends enough X2/X3 for at least --records
    assert sent == summary["received"] and (sent == 400 if format == "etsi" else sent >= 400)
    assert summary["records_per_second"] > 0
    for name in ("received.ber", "received.pcap", "records.jsonl", "summary.json"):
        assert (out / name).stat().st_size > 0
    # Counted here: the BER PDUs the LEMF stored (PacketCable's CCC packets are UDP
    # datagrams, stored apart) and one JSON line per PDU.
    ber = sum(pdus_of(out / "received.ber").values())
    ccc = summary["by_kind"]["CC"] if format == "packetcable" else 0
    assert ber + ccc == sent
    assert len((out / "records.jsonl").read_text().splitlines()) == sent
    assert len(list(lawful_intercept.files.read_pcap(out / "received.pcap"))) == ber
    # every check that applies ran and passed (none is hidden as passed when it did not run)
    assert summary["checks"] and all(c["passed"] for c in summary["checks"] if c["ran"])
    # the whole chain: warrant, HI-1, X1, X2/X3, mediation, HI2/HI3
    assert (summary["warrants_accepted"], summary["warrants_refused"]) == (1, 1)
    assert summary["refusals"][0].startswith("rule message-signature (3001)")
    assert "message-signature" in stdout  # the forged warrant's rule, printed
    assert summary["x2x3_pdus"] == (398 if format == "etsi" else 408)
    assert summary["conversion"]["received"] == summary["x2x3_pdus"]
    assert summary["conversion"]["conversion_errors"] == summary["conversion"]["unknown_xid"] == 0


def test_demo_refuses_a_folder_that_holds_a_stream(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "received.ber").write_bytes(b"")
    assert main(["demo", "--out", str(tmp_path)]) == 1
    assert "already holds a received.ber" in one_error_line(capsys.readouterr().err)


# -- generate + lemf + send, three processes ----------------------------------------------


def test_generate_lemf_send_with_the_lemf_killed(tmp_path: Path, pki: PKIFiles) -> None:
    stream = tmp_path / "stream.ber"
    generated = subprocess.run(cli("generate", "--records", "30000", "--seed", "3",
                                   "--out", str(stream), "--json"),
                               capture_output=True, text=True, timeout=300)
    assert generated.returncode == 0, generated.stderr
    assert json.loads(generated.stdout.splitlines()[-1])["pdus"] == 30000
    hi2, hi3 = free_port(), free_port()
    lemf = LEMFProcess(tmp_path / "lemf", pki, [hi2, hi3])
    lemf.start()
    sender = subprocess.Popen(
        cli("send", str(stream), "--to", f"{HOST}:{hi2}", "--cc-to", f"{HOST}:{hi3}",
            *tls_options(pki, "send"), "--spool", str(tmp_path / "spool"), "--json"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    received = tmp_path / "lemf" / "received.ber"
    try:
        assert wait_for(lambda: received.exists()
                        and received.stat().st_size > stream.stat().st_size // 4, 120), \
            lemf.output()
        assert sender.poll() is None  # the LEMF dies while the send is under way
        lemf.kill()
        time.sleep(0.5)
        lemf.start()
        stdout, stderr = sender.communicate(timeout=300)
    finally:
        if sender.poll() is None:
            sender.kill()
        status, lemf_stdout = lemf.stop()
    assert sender.returncode == 0, stderr.decode(errors="replace")
    summary = json.loads(stdout.decode().splitlines()[-1])
    assert summary["pdus"] == summary["delivered"] == 30000
    assert sum(s["reconnects"] for s in summary["streams"]) >= 1
    assert status == 0
    sent = pdus_of(stream)
    arrived = pdus_of(received)
    assert not sent - arrived  # every generated PDU is in received.ber
    assert set(arrived) <= set(sent)
    lemf_summary = json.loads(lemf_stdout.splitlines()[-1])
    assert lemf_summary["records"] == 30000
    assert lemf_summary["duplicates"] == sum(arrived.values()) - len(arrived)


def test_send_killed_and_resumed_from_its_spool(tmp_path: Path, pki: PKIFiles) -> None:
    stream = tmp_path / "stream.ber"
    assert main(["generate", "--records", "20000", "--out", str(stream)]) == 0
    lemf = LEMFProcess(tmp_path / "lemf", pki, [free_port()])
    lemf.start()
    command = cli("send", str(stream), "--to", f"{HOST}:{lemf.ports[0]}",
                  *tls_options(pki, "send"), "--spool", str(tmp_path / "spool"), "--json")
    received = tmp_path / "lemf" / "received.ber"
    try:
        first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert wait_for(lambda: received.exists() and received.stat().st_size > 0, 120), \
            lemf.output()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert pdus_of(received).total() < 20000  # killed before the end
        again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    finally:
        lemf.stop()
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout.splitlines()[-1])
    assert summary["resumed"] is True and summary["skipped"] > 0
    assert not pdus_of(stream) - pdus_of(received)


def test_send_to_a_lemf_that_declines_acknowledgement(tmp_path: Path, pki: PKIFiles,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    """Without PDU acknowledgement the last PDUs are confirmed by a keep-alive the client
    sends as soon as its spool is empty: ``send`` ends at once, not after the idle
    interval (300 s by default) or its own --timeout."""
    stream = tmp_path / "stream.ber"
    assert main(["generate", "--records", "300", "--out", str(stream)]) == 0
    context = server_context(pki.server_cert, pki.server_key, pki.ca)
    with LEMFThread(tmp_path / "lemf", ssl_context=context, acknowledge=False) as lemf:
        _, port = lemf.listen(HOST, 0)
        capsys.readouterr()
        code = main(["send", str(stream), "--to", f"{HOST}:{port}", *tls_options(pki, "send"),
                     "--timeout", "20", "--json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        summary = lemf.summary()
    assert json.loads(out.out.splitlines()[-1])["delivered"] == 300
    assert summary["records"] == 300 and summary["acknowledgements"] == 0
    assert summary["keep_alives"] >= 1


# -- errors a user can cause --------------------------------------------------------------


def test_send_errors(tmp_path: Path, pki: PKIFiles, capsys: pytest.CaptureFixture[str]) -> None:
    stream = tmp_path / "stream.ber"
    assert main(["generate", "--records", "20", "--out", str(stream)]) == 0
    capsys.readouterr()
    port = free_port()  # nothing listens there
    cases = [
        (["send", str(tmp_path / "absent.ber"), "--to", f"{HOST}:{port}",
          *tls_options(pki, "send")], "absent.ber"),
        (["send", str(stream), "--to", f"{HOST}:{port}", "--cert", str(tmp_path / "no.pem"),
          "--key", str(pki.client_key), "--ca", str(pki.ca)], "no.pem"),
        (["send", str(stream), "--to", f"{HOST}:{port}", *tls_options(pki, "send"),
          "--timeout", "1"], "not delivered"),
        (["send", str(stream), "--to", "nowhere", *tls_options(pki, "send")], "HOST:PORT"),
        (["send", str(stream), "--to", f"{HOST}:{port}", "--insecure-plain-tcp",
          "--ca", str(pki.ca)], "contradicts"),
        (["send", str(stream), "--to", f"{HOST}:{port}", "--type", "NoSuchType",
          *tls_options(pki, "send")], "NoSuchType"),
        (["send", str(stream), "--to", f"{HOST}:{port}", "--pin", "abcd",
          *tls_options(pki, "send")], "--pin"),
    ]
    for argv, expected in cases:
        assert main(argv) != 0, argv
        line = one_error_line(capsys.readouterr().err)
        assert expected in line, (argv, line)


def test_lemf_errors(tmp_path: Path, pki: PKIFiles, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (["lemf", "--out", str(tmp_path / "o"), "--listen", f"{HOST}:0"], "--cert"),
        (["lemf", "--out", str(tmp_path / "o"), "--listen", f"{HOST}:0", "--cert",
          str(tmp_path / "none.pem"), "--key", str(pki.server_key), "--client-ca",
          str(pki.ca)], "none.pem: no such file"),
        (["lemf", "--out", str(tmp_path / "o")], "--listen"),
    ]
    for argv, expected in cases:
        assert main(argv) != 0, argv
        line = one_error_line(capsys.readouterr().err)
        assert expected in line, (argv, line)


# -- send --spool keeps its promise (issue 11 points 3, 4, 5) -------------------------------


def lemf_thread(tmp_path: Path, pki: PKIFiles, name: str = "lemf") -> LEMFThread:
    return LEMFThread(tmp_path / name,
                      ssl_context=server_context(pki.server_cert, pki.server_key, pki.ca))


def send_argv(stream: Path, port: int, pki: PKIFiles, spool: Path, *extra: str) -> list[str]:
    return ["send", str(stream), "--to", f"{HOST}:{port}", *tls_options(pki, "send"),
            "--spool", str(spool), "--json", *extra]


def test_resume_with_another_address_moves_the_records_there(
    tmp_path: Path, pki: PKIFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = tmp_path / "stream.ber"
    assert main(["generate", "--records", "40", "--out", str(stream)]) == 0
    spool = tmp_path / "spool"
    wrong = free_port()  # nothing listens there: the first run times out
    assert main(send_argv(stream, wrong, pki, spool, "--timeout", "0.5")) == 1
    assert "not delivered" in one_error_line(capsys.readouterr().err)
    state = json.loads((spool / "send-state.json").read_text())
    [(folder, held)] = state["streams"].items()
    assert state["appended"] == 40 and held["spools"]["hi2"]["pdus"] == 40
    assert folder == f"PS-PDU_{HOST}_{wrong}"
    with lemf_thread(tmp_path, pki) as lemf:
        _, port = lemf.listen(HOST, 0)
        code = main(send_argv(stream, port, pki, spool, "--timeout", "30"))
        out = capsys.readouterr()
        assert code == 0, out.err
        summary = json.loads(out.out.splitlines()[-1])
        assert summary["moved"] == 40 and summary["skipped"] == 40
        assert summary["delivered"] == 40
        assert lemf.summary()["records"] == 40
    assert not pdus_of(stream) - pdus_of(tmp_path / "lemf" / "received.ber")
    state = json.loads((spool / "send-state.json").read_text())
    assert state["streams"][folder]["spools"]["hi2"]["pdus"] == 0
    assert state["streams"][f"PS-PDU_{HOST}_{port}"]["spools"]["hi2"]["pdus"] == 40
    with lemf_thread(tmp_path, pki, "again") as lemf:  # nothing is left anywhere
        _, port2 = lemf.listen(HOST, 0)
        assert main(send_argv(stream, port2, pki, spool, "--timeout", "30")) == 0
        assert json.loads(capsys.readouterr().out.splitlines()[-1])["moved"] == 0
        assert lemf.summary()["records"] == 0


def spool_left_by_a_timed_out_send(tmp_path: Path, pki: PKIFiles, records: int = 30
                                   ) -> tuple[Path, Path, Path]:
    stream = tmp_path / "stream.ber"
    assert main(["generate", "--records", str(records), "--out", str(stream)]) == 0
    spool = tmp_path / "spool"
    assert main(send_argv(stream, free_port(), pki, spool, "--timeout", "0.3")) == 1
    [folder] = [p for p in spool.iterdir() if p.is_dir()]
    return stream, spool, folder


def edit_state(spool: Path, change: Callable[[dict[str, Any]], object]) -> None:
    path = spool / "send-state.json"
    state = json.loads(path.read_text())
    change(state)
    path.write_text(json.dumps(state))


def replace_with_empty(path: Path) -> None:
    shutil.rmtree(path)
    path.mkdir()


STATE_DAMAGE: dict[str, tuple[Callable[[Path, Path], object], str]] = {
    "stream folder deleted": (lambda spool, folder: shutil.rmtree(folder),
                              "it names is missing"),
    "appended edited upward": (
        lambda spool, _: edit_state(spool, lambda s: s.update(appended=35)),
        '"appended" is 35 but its streams hold 30'),
    "appended negative": (lambda spool, _: edit_state(spool, lambda s: s.update(appended=-5)),
                          "at least 0, not -5"),
    "appended above the file": (
        lambda spool, folder: edit_state(spool, lambda s: (
            s.update(appended=90),
            s["streams"][folder.name]["spools"]["hi2"].update(pdus=90))),
        "the file holds 30"),
    "not JSON": (lambda spool, _: (spool / "send-state.json").write_text("{\"appended\": "),
                 "not JSON"),
    "a list": (lambda spool, _: (spool / "send-state.json").write_text("[1, 2]"),
               "must be a JSON object"),
    "appended a string": (
        lambda spool, _: edit_state(spool, lambda s: s.update(appended="x")), "not 'x'"),
    "spool deleted": (lambda spool, folder: shutil.rmtree(folder / "hi2"),
                      "the spool is missing but the state of the earlier send recorded 30 ids"),
    "spool replaced": (lambda spool, folder: replace_with_empty(folder / "hi2"),
                       "has issued 0 ids but the state of the earlier send recorded 30"),
}


@pytest.mark.parametrize("case", sorted(STATE_DAMAGE))
def test_a_damaged_send_state_is_reported_not_skipped(
    tmp_path: Path, pki: PKIFiles, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    stream, spool, folder = spool_left_by_a_timed_out_send(tmp_path, pki)
    damage, expected = STATE_DAMAGE[case]
    damage(spool, folder)
    capsys.readouterr()
    assert main(send_argv(stream, free_port(), pki, spool, "--timeout", "5")) == 1
    line = one_error_line(capsys.readouterr().err)
    assert expected in line and "unexpected" not in line, line


def test_damage_to_a_send_spool_is_reported_on_resume(
    tmp_path: Path, pki: PKIFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = tmp_path / "stream.ber"
    assert main(["generate", "--records", "300", "--out", str(stream)]) == 0
    spool = tmp_path / "spool"
    hi2, hi3 = free_port(), free_port()
    argv = ["send", str(stream), "--to", f"{HOST}:{hi2}", "--cc-to", f"{HOST}:{hi3}",
            *tls_options(pki, "send"), "--spool", str(spool), "--timeout", "0.3"]
    assert main(argv) == 1  # nothing listens: everything stays in the spools
    [folder] = [p for p in spool.iterdir() if p.is_dir()]
    [segment] = sorted((folder / "hi3").glob("*.seg"))
    with open(segment, "r+b") as f:  # 3,000 bytes cut from the HI3 segment
        f.truncate(segment.stat().st_size - 3000)
    capsys.readouterr()
    with lemf_thread(tmp_path, pki) as lemf:
        _, _port2 = lemf.listen(HOST, hi2)
        _, _port3 = lemf.listen(HOST, hi3)
        assert main([*argv[:-2], "--timeout", "5"]) == 1
        line = one_error_line(capsys.readouterr().err)
        assert "hi3" in line
        assert "committed records are missing" in line or "committed records lost" in line
        assert lemf.summary()["records"] == 0  # nothing was sent on a damaged spool


def test_send_delivers_the_pdus_before_a_framing_error(
    tmp_path: Path, pki: PKIFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = tmp_path / "stream.ber"
    assert main(["generate", "--records", "50", "--out", str(stream)]) == 0
    bad = tmp_path / "bad.ber"
    bad.write_bytes(stream.read_bytes() + b"\x00\x00\x00\x00")
    capsys.readouterr()
    with lemf_thread(tmp_path, pki) as lemf:
        _, port = lemf.listen(HOST, 0)
        code = main(["send", str(bad), "--to", f"{HOST}:{port}", *tls_options(pki, "send"),
                     "--timeout", "30"])
        line = one_error_line(capsys.readouterr().err)
        assert code == 1
        assert "after 50 PDUs" in line and "the 50 PDUs before it were delivered" in line
        assert lemf.summary()["records"] == 50


def test_resume_from_the_state_of_an_earlier_release(
    tmp_path: Path, pki: PKIFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    stream, spool, _folder = spool_left_by_a_timed_out_send(tmp_path, pki)
    state = json.loads((spool / "send-state.json").read_text())
    (spool / "send-state.json").write_text(json.dumps(
        {key: state[key] for key in ("file", "sha256", "appended")}))  # version 1
    capsys.readouterr()
    with lemf_thread(tmp_path, pki) as lemf:
        _, port = lemf.listen(HOST, 0)
        code = main(send_argv(stream, port, pki, spool, "--timeout", "30"))
        out = capsys.readouterr()
        assert code == 0, out.err
        assert json.loads(out.out.splitlines()[-1])["moved"] == 30  # found on disk
        assert lemf.summary()["records"] == 30
    state = json.loads((spool / "send-state.json").read_text())
    assert state["version"] == 2 and state["counted"] is False


@pytest.mark.parametrize("address", ["same", "other"])
def test_send_never_counts_a_dead_letter_delivered(
    tmp_path: Path, pki: PKIFiles, capsys: pytest.CaptureFixture[str], address: str
) -> None:
    from lawful_intercept.delivery import Spool

    stream, spool, folder = spool_left_by_a_timed_out_send(tmp_path, pki)
    with Spool(folder / "hi2") as hi2:
        poison = hi2.read_from(0)[3]
        hi2.dead_letter(poison.id, reason="the LEMF closed the connection 3 times after it")
    capsys.readouterr()
    old_port = int(folder.name.rpartition("_")[2])
    with lemf_thread(tmp_path, pki) as lemf:
        _, port = lemf.listen(HOST, old_port if address == "same" else 0)
        code = main(send_argv(stream, port, pki, spool, "--timeout", "30"))
        line = one_error_line(capsys.readouterr().err)
        assert code == 1
        assert "1 PDUs were not delivered" in line and "spool list" in line
        assert lemf.summary()["records"] == 29
    assert main(["spool", "requeue", str(spool)]) == 0
    with lemf_thread(tmp_path, pki, "again") as lemf:
        _, port = lemf.listen(HOST, 0)
        assert main(send_argv(stream, port, pki, spool, "--timeout", "30")) == 0
        assert lemf.summary()["records"] == 1
        assert next(iter(pdus_of(tmp_path / "again" / "received.ber"))) == poison.data
