"""The compile cache is pruned by age: entries nobody read for the maximum age go, entries in
use stay, foreign files are left alone, and pruning runs at most once a day by itself."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lawful_intercept.asn1c import DEFAULT_MAX_AGE, compile_string, prune_cache

MODULE = """
Prune-Test DEFINITIONS AUTOMATIC TAGS ::= BEGIN
Rec ::= SEQUENCE { a INTEGER, b OCTET STRING OPTIONAL }
END
"""


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _entries(directory: Path) -> set[str]:
    return {p.name for p in directory.rglob("*") if p.suffix in (".code", ".pickle")}


def test_unread_entries_older_than_the_limit_are_removed_and_young_ones_kept(
        tmp_path: Path) -> None:
    spec = compile_string(MODULE, cache=tmp_path)
    assert spec.encode("Rec", {"a": 1}) == b"\x30\x03\x80\x01\x01"
    entries = sorted(p for p in tmp_path.rglob("*") if p.suffix in (".code", ".pickle"))
    assert any(p.suffix == ".code" for p in entries) and any(p.suffix == ".pickle"
                                                             for p in entries)
    old, young = entries[0], entries[-1]
    _age(old, DEFAULT_MAX_AGE + 3600)
    _age(young, DEFAULT_MAX_AGE - 3600)
    assert prune_cache(tmp_path) == 1
    assert not old.exists() and young.exists()


def test_reading_an_entry_renews_it_so_an_entry_in_use_is_never_pruned(tmp_path: Path) -> None:
    compile_string(MODULE, cache=tmp_path)
    [model] = tmp_path.glob("*.pickle")
    _age(model, DEFAULT_MAX_AGE + 3600)
    again = compile_string(MODULE, cache=tmp_path)      # reads the model entry
    assert again.encode("Rec", {"a": 2}) == b"\x30\x03\x80\x01\x02"
    assert time.time() - model.stat().st_mtime < 3600
    assert prune_cache(tmp_path) == 0
    assert model.exists()


def test_other_files_and_other_folders_are_left_alone(tmp_path: Path) -> None:
    keep = [tmp_path / "notes.txt", tmp_path / "code" / "README", tmp_path / "sub" / "x.code"]
    for path in keep:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("mine")
        _age(path, 10 * DEFAULT_MAX_AGE)
    stale = tmp_path / "code" / "abc.tmp"
    stale.write_bytes(b"half-written")
    _age(stale, DEFAULT_MAX_AGE + 1)
    assert prune_cache(tmp_path) == 1
    assert all(path.exists() for path in keep) and not stale.exists()


def test_a_zero_limit_empties_the_cache_and_the_next_compile_rebuilds_it(tmp_path: Path) -> None:
    compile_string(MODULE, cache=tmp_path).encode("Rec", {"a": 3, "b": b"x"})
    count = len(_entries(tmp_path))
    assert count >= 2
    assert prune_cache(tmp_path, max_age=0) == count
    assert _entries(tmp_path) == set()
    spec = compile_string(MODULE, cache=tmp_path)
    assert spec.decode("Rec", b"\x30\x03\x80\x01\x03") == {"a": 3}
    assert _entries(tmp_path)


def test_a_negative_limit_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_age"):
        prune_cache(tmp_path, max_age=-1)


def test_a_missing_directory_prunes_nothing(tmp_path: Path) -> None:
    assert prune_cache(tmp_path / "absent") == 0


def test_compiling_prunes_by_itself_at_most_once_a_day(tmp_path: Path) -> None:
    other = tmp_path / "code" / ("0" * 64 + ".code")
    other.parent.mkdir(parents=True)
    other.write_bytes(b"an entry of an older version")
    _age(other, DEFAULT_MAX_AGE + 3600)
    compile_string(MODULE, cache=tmp_path)              # a new model entry: prunes
    assert not other.exists()
    stamp = tmp_path / ".pruned"
    assert stamp.exists()

    other.write_bytes(b"another old entry")
    _age(other, DEFAULT_MAX_AGE + 3600)
    compile_string(MODULE.replace("Prune-Test", "Prune-Test-2"), cache=tmp_path)
    assert other.exists()                                # pruned less than a day ago

    _age(stamp, 2 * 86400)
    compile_string(MODULE.replace("Prune-Test", "Prune-Test-3"), cache=tmp_path)
    assert not other.exists()
