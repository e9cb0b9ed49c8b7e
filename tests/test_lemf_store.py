"""The test LEMF's files on restart: damage inside received.ber is noticed (CRC-32 per line of
records.jsonl), and the two files disagreeing is reported (all on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import shutil
import zlib
from pathlib import Path
from typing import Any

import pytest
from _lemf_support import TIMEOUT, cc_records, jsonl, plain_lemf, send
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawful_intercept.errors import StoreError
from lawful_intercept.lemf import LEMF

RECORDS = cc_records(6)


def received(out: Path, records: list[bytes] = RECORDS) -> Path:
    with plain_lemf(out) as (lemf, port):
        send(port, None, b"".join(records))
        assert lemf.wait_for(lambda s: s["records"] == len(records), TIMEOUT)
    return out


def recovered(out: Path) -> dict[str, Any]:
    """What a LEMF started on ``out`` found (it is closed again at once)."""
    lemf = LEMF(out, insecure_plain_tcp=True)
    summary = lemf.summary()
    asyncio.run(lemf.close())
    return dict(summary["recovered"])


def test_every_line_carries_the_crc_of_its_octets(tmp_path: Path) -> None:
    out = received(tmp_path / "out")
    data = (out / "received.ber").read_bytes()
    lines = jsonl(out / "records.jsonl")
    assert [line["crc32"] for line in lines] == [
        zlib.crc32(data[line["offset"]:line["offset"] + line["length"]]) for line in lines]
    assert [zlib.crc32(r) for r in RECORDS] == [line["crc32"] for line in lines]
    report = recovered(out)
    assert report["damaged"] == 0 and report["disagreements"] == 0 and report["problems"] == []


def test_a_byte_flipped_inside_received_ber_is_noticed(tmp_path: Path) -> None:
    out = received(tmp_path / "out")
    third = len(RECORDS[0]) + len(RECORDS[1])
    position = third + len(RECORDS[2]) - 1  # the last octet of the packet it carries
    data = bytearray((out / "received.ber").read_bytes())
    data[position] ^= 0x01
    (out / "received.ber").write_bytes(bytes(data))
    report = recovered(out)
    assert report["damaged"] == 1
    assert report["problems"] == [{"file": "received.ber", "offset": third,
                                   "problem": "damaged: its octets differ from the CRC-32 in "
                                              "records.jsonl"}]


def test_received_ber_cut_at_a_record_boundary_disagrees(tmp_path: Path) -> None:
    out = received(tmp_path / "out")
    keep = sum(len(r) for r in RECORDS[:4])
    data = (out / "received.ber").read_bytes()
    (out / "received.ber").write_bytes(data[:keep])
    report = recovered(out)
    assert report["pdus"] == 4 and report["damaged"] == 0
    assert report["disagreements"] == 2
    assert [p["offset"] for p in report["problems"]] == [keep, keep + len(RECORDS[4])]
    assert all("does not hold" in p["problem"] for p in report["problems"])


def test_a_line_missing_in_the_middle_disagrees(tmp_path: Path) -> None:
    out = received(tmp_path / "out")
    lines = (out / "records.jsonl").read_bytes().splitlines(keepends=True)
    (out / "records.jsonl").write_bytes(b"".join(lines[:2] + lines[3:]))
    report = recovered(out)
    assert report["lines_rebuilt"] == 1 and report["disagreements"] == 1
    assert report["problems"][0]["offset"] == len(RECORDS[0]) + len(RECORDS[1])


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return received(tmp_path_factory.mktemp("lemf") / "out")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_any_flipped_octet_is_noticed(pristine: Path, tmp_path_factory: pytest.TempPathFactory,
                                     data: st.DataObject) -> None:
    out = tmp_path_factory.mktemp("flip") / "out"
    shutil.copytree(pristine, out)
    ber = bytearray((out / "received.ber").read_bytes())
    position = data.draw(st.integers(0, len(ber) - 1), label="position")
    ber[position] ^= data.draw(st.integers(1, 255), label="mask")
    (out / "received.ber").write_bytes(bytes(ber))
    try:
        report = recovered(out)
    except StoreError:
        return  # the file no longer frames: refused, with the offset
    assert report["damaged"] + report["disagreements"] >= 1, report


def test_a_cut_inside_a_named_record_is_kept_aside(tmp_path: Path) -> None:
    """received.ber shortened inside a record records.jsonl names: not a torn write but
    damage; the octets that no longer frame are moved aside, not thrown away."""
    out = received(tmp_path / "out")
    data = (out / "received.ber").read_bytes()
    last = len(data) - len(RECORDS[-1])
    (out / "received.ber").write_bytes(data[:-20])
    report = recovered(out)
    aside = out / f"received.ber.cut-{last}"
    assert report["kept_aside"] == {"received.ber": aside.name}
    assert aside.read_bytes() == RECORDS[-1][:-20]
    assert report["cut"] == {"received.ber": len(RECORDS[-1]) - 20}
    assert report["disagreements"] == 1 and report["problems"][0]["offset"] == last


def test_a_torn_write_no_line_names_is_only_cut(tmp_path: Path) -> None:
    out = received(tmp_path / "out")
    with open(out / "received.ber", "ab") as f:
        f.write(RECORDS[0][:25])
    report = recovered(out)
    assert report["cut"] == {"received.ber": 25} and report["kept_aside"] == {}
    assert report["disagreements"] == 0 and report["damaged"] == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "received.ber", "records.jsonl", "summary.json"]
