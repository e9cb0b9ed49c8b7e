"""The bundled modules: what is listed, what compiles, version selection, users' own modules,
and that an installed wheel carries them."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import venv
from pathlib import Path

import pytest

import lawful_intercept
from lawful_intercept import Error, list_bundled
from lawful_intercept.registry import bundled_files, modules_dir

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


def test_index_lists_every_file_and_nothing_else() -> None:
    listed = {m.file for m in list_bundled()}
    on_disk = {str(p.relative_to(modules_dir())) for p in modules_dir().rglob("*.asn")}
    assert listed == on_disk
    assert all(m.path.is_file() for m in list_bundled())


def test_one_default_per_module() -> None:
    defaults: dict[tuple[str, str], list[str]] = {}
    for m in list_bundled():
        if m.default:
            defaults.setdefault((m.key, m.module), []).append(m.version)
    assert all(len(v) == 1 for v in defaults.values()), defaults
    keys = {m.key for m in list_bundled()}
    for expected in ("102232-1", "102232-3", "103280", "101671", "33108", "33128", "pcesp"):
        assert expected in keys


def test_bundled_compiles_every_default_module() -> None:
    spec = lawful_intercept.bundled()
    for m in list_bundled():
        if m.default:
            assert m.module in spec.modules
            assert spec.modules[m.module] == m.oid, m.file
    for name in ("PS-PDU", "IRIsContent", "UmtsIRIsContent", "EpsIRIsContent", "CdcPdu"):
        assert name in spec.types
    assert "TS33128Payloads.XIRIPayload" in spec.types or "XIRIPayload" in spec.types
    assert lawful_intercept.bundled() is spec  # kept for the process


def test_version_selection() -> None:
    older = {m.version for m in list_bundled() if m.key == "102232-1"}
    assert {"43", "35"} <= older
    v35 = lawful_intercept.bundled(versions={"102232-1": "35"})
    assert v35.modules["LI-PS-PDU"] == "0.4.0.2.2.5.1.35"
    assert lawful_intercept.bundled(standard="102232-1", version="35") is v35
    assert lawful_intercept.bundled().modules["LI-PS-PDU"] == "0.4.0.2.2.5.1.43"
    files = bundled_files(versions={"102232-1": "35"})
    assert any(p.name == "LI-PS-PDU-v35.asn" for p in files)
    assert not any(p.name == "LI-PS-PDU.asn" for p in files)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"versions": {"102232-1": "17"}}, "not '17'"),
        ({"versions": {"no-such": "1"}}, "no bundled standard"),
        ({"standard": "102232-1"}, "together"),
    ],
)
def test_bad_selection_is_a_clear_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(Error, match=message):
        lawful_intercept.bundled(**kwargs)  # type: ignore[arg-type]


def test_users_module_replaces_ours_and_joins_the_rest(tmp_path: Path) -> None:
    mine = tmp_path / "PCESP.asn"
    mine.write_text(
        textwrap.dedent(
            """\
            PCESP {iso(1) identified-organization(3) dod(6) internet(1) private(4)
                   enterprise(1) 4491 2 2 5 1 99}
            DEFINITIONS IMPLICIT TAGS ::= BEGIN
            CdcPdu ::= SEQUENCE { caseId [0] VisibleString (SIZE (1..25)), ... }
            END
            """
        )
    )
    extra = tmp_path / "Lab.asn"
    extra.write_text(
        "Lab DEFINITIONS IMPLICIT TAGS ::= BEGIN\n"
        "IMPORTS LIID FROM Common-Parameters "
        "{itu-t(0) identified-organization(4) etsi(0) common-parameters(3280) version281(281)};\n"
        "Note ::= SEQUENCE { liid [0] LIID }\nEND\n"
    )
    spec = lawful_intercept.bundled(extra=[mine, extra], cache=False)
    assert spec.modules["PCESP"].endswith(".99")
    assert spec.decode("CdcPdu", spec.encode("CdcPdu", {"caseId": "case-1"})) == {
        "caseId": "case-1"
    }
    assert spec.decode("Note", spec.encode("Note", {"liid": b"LIID-1"})) == {"liid": b"LIID-1"}
    assert "PS-PDU" in spec.types


def test_missing_extra_file_is_a_compile_error(tmp_path: Path) -> None:
    with pytest.raises(lawful_intercept.CompileError, match="cannot read"):
        lawful_intercept.bundled(extra=[tmp_path / "absent.asn"])


@pytest.mark.skipif(os.environ.get("LAWFUL_INTERCEPT_SKIP_WHEEL_TEST") == "1",
                    reason="wheel install test switched off")
def test_installed_wheel_carries_the_modules(tmp_path: Path) -> None:
    """``pip install .`` into a fresh virtual environment: the bundled modules compile from
    the installed package, not from the source tree, and ``lawful-intercept demo`` works."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         str(REPOSITORY_ROOT)],
        capture_output=True, text=True, timeout=900,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    probe = subprocess.run(
        [str(python), "-c", textwrap.dedent(
            """\
            import lawful_intercept, pathlib
            from lawful_intercept.registry import modules_dir
            spec = lawful_intercept.bundled(cache=False)
            print(len(spec.types), modules_dir().resolve())
            """
        )],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stdout + probe.stderr
    count, folder = probe.stdout.split()
    assert int(count) > 1000
    assert Path(folder).is_relative_to(env_dir.resolve())
    # The README's first command, with --json: the installed console script runs the whole
    # job for each format and reports nothing lost.
    for format in ("etsi", "packetcable", "atis"):
        demo = subprocess.run(
            [str(env_dir / "bin" / "lawful-intercept"), "demo", "--json", "--format", format,
             "--out", str(tmp_path / f"demo-{format}")],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        summary = json.loads(demo.stdout.strip().splitlines()[-1])
        assert summary["format"] == format
        assert (summary["lost"], summary["sequence_gaps"], summary["decode_errors"]) == (0, 0, 0)
        assert summary["sent"] == summary["received"] >= 1000




def test_value_assignments_are_available() -> None:
    spec = lawful_intercept.bundled()
    assert spec.values["li-psDomainId"] == "0.4.0.2.2.5.1.43"
    assert spec.values["iPCCObjId"] == "5.3.18.2"  # RELATIVE-OID built on iPAccessPDUObjId
    assert spec.values["iPIRIObjId"] == "5.3.18.1"
    v35 = lawful_intercept.bundled(versions={"102232-1": "35"})
    assert v35.values["li-psDomainId"] == "0.4.0.2.2.5.1.35"
