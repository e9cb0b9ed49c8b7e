"""The ASN.1 modules shipped with the library, and one compiled Specification of them.

The modules live in the package's ``asn1/`` folder, one folder per standard, described by
``asn1/index.json``. :func:`bundled` compiles the default version of every module (using the
compile cache, so a warm start only loads the resolved types) and keeps the result for the
life of the process; :func:`list_bundled` says what is there.

Versions: each standard part (``"102232-1"``, ``"33128"``, …) has one default version; another
shipped version is selected with ``bundled(versions={"102232-1": "35"})`` or, for one part,
``bundled(standard="102232-1", version="35")``. A user's own module files (the licensed ATIS
texts, a newer ETSI version) are compiled together with ours with ``extra=[paths]``: a module
of the same name replaces the bundled one. See ``docs/standards.md``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .asn1c import Specification, compile_files, parse_text, read_module_files
from .errors import CompileError, Error

__all__ = ["BundledModule", "bundled", "bundled_files", "list_bundled", "modules_dir"]


@dataclass(frozen=True, slots=True)
class BundledModule:
    """One shipped module file and what it is (see docs/standards.md)."""

    file: str
    """Path relative to the modules folder, e.g. ``etsi-102232-1/LI-PS-PDU.asn``."""
    standard: str
    """The standard, e.g. ``ETSI TS 102 232-1``."""
    key: str
    """The standard part's short key used to select versions, e.g. ``102232-1``."""
    module: str
    version: str
    oid: str | None
    default: bool
    """Whether :func:`bundled` uses this version unless told otherwise."""
    normative: bool
    """False for reconstructions that are not the standard's text (the ATIS modules)."""
    reference: str
    """What the module was checked against: official, standin, patched-only, …"""
    used_for: str
    omitted: tuple[str, ...]
    """Parts of the published module left out of ours (empty: nothing)."""

    @property
    def path(self) -> Path:
        """The file on disk."""
        return modules_dir() / self.file


def modules_dir() -> Path:
    """The folder of the bundled modules (inside the installed package)."""
    # The package is a plain directory on disk (wheel or source tree), never a zip archive.
    return Path(str(resources.files("lawful_intercept") / "asn1"))


_index_lock = threading.Lock()
_index: list[BundledModule] | None = None
_specs: dict[tuple[object, ...], Specification] = {}


def list_bundled() -> list[BundledModule]:
    """Every bundled module file, in the order of ``asn1/index.json``."""
    global _index
    with _index_lock:
        if _index is None:
            path = modules_dir() / "index.json"
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise Error(f"the bundled modules' index cannot be read: {exc}") from None
            _index = [
                BundledModule(
                    file=m["file"],
                    standard=m["standard"],
                    key=m["key"],
                    module=m["module"],
                    version=str(m["version"]),
                    oid=m.get("oid"),
                    default=bool(m.get("default", True)),
                    normative=bool(m.get("normative", True)),
                    reference=m.get("reference", ""),
                    used_for=m.get("used_for", ""),
                    omitted=tuple(m.get("omitted", ())),
                )
                for m in raw["modules"]
            ]
        return list(_index)


def _select(versions: Mapping[str, str]) -> list[BundledModule]:
    """The default modules, with the versions asked for swapped in."""
    everything = list_bundled()
    keys = {m.key for m in everything}
    chosen = [m for m in everything if m.default]
    for key, version in versions.items():
        if key not in keys:
            raise Error(
                f"no bundled standard {key!r}; the bundled ones are " + ", ".join(sorted(keys))
            )
        candidates = [m for m in everything if m.key == key and m.version == str(version)]
        if not candidates:
            available = sorted({m.version for m in everything if m.key == key})
            raise Error(
                f"standard {key} is bundled in version(s) {', '.join(available)}, "
                f"not {version!r}"
            )
        replaced = {m.module for m in candidates}
        chosen = [m for m in chosen if not (m.key == key and m.module in replaced)]
        chosen.extend(candidates)
    return chosen


def bundled_files(
    versions: Mapping[str, str] | None = None, *, standard: str | None = None,
    version: str | None = None,
) -> list[Path]:
    """The files :func:`bundled` would compile for this selection."""
    return [m.path for m in _select(_versions(versions, standard, version))]


def _versions(
    versions: Mapping[str, str] | None, standard: str | None, version: str | None
) -> dict[str, str]:
    chosen = dict(versions or {})
    if (standard is None) != (version is None):
        raise Error("give standard= and version= together (or versions={standard: version})")
    if standard is not None and version is not None:
        chosen[standard] = version
    return chosen


def _module_names(path: Path) -> list[str]:
    [(text, filename)] = read_module_files([path])
    return [m.name for m in parse_text(text, filename)]


def bundled(
    versions: Mapping[str, str] | None = None,
    *,
    standard: str | None = None,
    version: str | None = None,
    extra: Iterable[str | os.PathLike[str]] = (),
    cache: bool | str | os.PathLike[str] = True,
) -> Specification:
    """One :class:`Specification` of the bundled modules (default versions unless selected).

    ``extra`` files are compiled together with the bundled modules; a module in them replaces
    the bundled module of the same name. The result is kept: asking again for the same
    selection returns the same object.
    """
    chosen = _select(_versions(versions, standard, version))
    extra_paths = [Path(p) for p in extra]
    stamps = []
    for p in extra_paths:
        try:
            st = p.stat()
        except OSError as exc:
            raise CompileError(f"cannot read the file: {exc.strerror}", str(p)) from None
        stamps.append((str(p), st.st_mtime_ns, st.st_size))  # an edited file compiles anew
    key = (tuple(sorted(m.file for m in chosen)), tuple(stamps), str(cache))
    spec = _specs.get(key)
    if spec is not None:
        return spec
    replaced: set[str] = set()
    for p in extra_paths:
        replaced.update(_module_names(p))
    files = [m.path for m in chosen if m.module not in replaced]
    spec = compile_files([*files, *extra_paths], cache=cache)
    _specs[key] = spec
    return spec
