"""``lawful-intercept x1 check FILE [--json] [--schema DIR]``: exit 0 valid, 1 invalid or
hostile (one error line), 2 usage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _x1_support import DOCUMENTS, x1_reference

from lawful_intercept.cli import main
from lawful_intercept.x1 import write_message


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["x1", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_valid_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for index, document in enumerate(DOCUMENTS[:5]):
        path = tmp_path / f"m{index}.xml"
        path.write_bytes(write_message(document))
        status, out, err = _run(capsys, "check", str(path))
        assert (status, err) == (0, ""), err
        assert "valid" in out


def test_official_examples_with_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    reference = x1_reference()
    for example in sorted((reference / "examples").glob("*.xml")):
        status, out, err = _run(capsys, "check", "--json", "--schema",
                                str(reference / "schema"), str(example))
        assert status == 0, err
        summary = json.loads(out)
        assert summary["valid"] is True and summary["schema_checked"] is True
        assert summary["errors"] == []


def test_schema_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    reference = x1_reference()
    monkeypatch.setenv("LAWFUL_INTERCEPT_X1_SCHEMA", str(reference / "schema"))
    status, out, _ = _run(capsys, "check", "--json",
                          str(reference / "examples" / "PingRequest_example.xml"))
    assert status == 0 and json.loads(out)["schema_checked"] is True


def test_a_schema_location_hint_is_not_a_difference(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    reference = x1_reference()
    data = write_message(DOCUMENTS[0]).replace(
        b"<x1:X1Request ", b'<x1:X1Request xsi:schemaLocation="a b" ', 1)
    path = tmp_path / "hint.xml"
    path.write_bytes(data)
    status, _, err = _run(capsys, "check", "--schema", str(reference / "schema"), str(path))
    assert status == 0, err


@pytest.mark.parametrize(("content", "words"), [
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DOCTYPE"),
    (b"<x/>", "root element"),
    (b"not xml at all", "well-formed"),
])
def test_invalid_or_hostile(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes,
                            words: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    status, _, err = _run(capsys, "check", str(path))
    assert status == 1
    assert err.count("\n") == 1 and err.startswith("lawful-intercept: error:")
    assert words in err
    status, out, err = _run(capsys, "check", "--json", str(path))
    assert status == 1 and json.loads(out)["valid"] is False and err.count("\n") == 1


def test_broken_value_names_the_element(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(write_message(DOCUMENTS[0]).replace(b"<x1:xId>29f28e1c",
                                                         b"<x1:xId>XXf28e1c", 1))
    status, _, err = _run(capsys, "check", str(path))
    assert status == 1 and "taskDetails/xId" in err


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "check")[0] == 2
    assert _run(capsys)[0] == 2
    path = tmp_path / "m.xml"
    path.write_bytes(write_message(DOCUMENTS[0]))
    status, _, err = _run(capsys, "check", "--schema", str(tmp_path / "none"), str(path))
    assert status == 2 and "--schema" in err
    status, _, err = _run(capsys, "check", str(tmp_path / "missing.xml"))
    assert status == 1 and "missing.xml" in err
