"""Entries of the compile cache, checked before anything in them is used.

The compile cache holds two things a new process would otherwise rebuild: the resolved type
model of a module set (a pickle, see :mod:`._compiler`) and the compiled code of the generated
codec functions (:mod:`._fast`), one entry per function, keyed by the SHA-256 of the library
version, the Python bytecode version and the function's *canonical* source text: the names the
generator numbers in the order it meets types (``e17``, ``k4``, ``v9``) are renamed in order of
appearance (``Q0``, ``Q1``, ...), so that the same function gets the same entry whatever order
a program uses its types in; the global names of the loaded code are mapped back.

Every entry is ``MAGIC || SHA-256(payload) || payload``. An entry is used only when it is a
regular file owned by the user running the process and writable by nobody else, and its digest
matches: a damaged, truncated or foreign entry is refused (and rebuilt), never unpickled or
executed. The digest detects damage, not an attacker who can write the cache directory: such an
attacker can write a matching digest, exactly as they could rewrite the library's own
``__pycache__``; the owner and mode checks keep other local users out. See
``docs/compiler.md`` (the trust model).

Entries are pruned by age: reading an entry renews its modification time (at most once a day),
and :func:`prune_cache` removes the entries nobody read for ``max_age`` seconds (those of older
library versions, or of generated code that changed); :func:`prune_now_and_then` runs it at most
once a day per cache directory, when a new entry is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import re
import stat
import tempfile
import threading
import time
from pathlib import Path
from types import CodeType

__all__ = [
    "CODE_FILENAME",
    "DEFAULT_MAX_AGE",
    "CodeCache",
    "canonical_source",
    "prune_cache",
    "prune_now_and_then",
    "read_entry",
    "write_entry",
]

_MAGIC = b"LI-CACHE1\n"
_DIGEST = 32
CODE_FILENAME = "<lawful_intercept generated codec>"
"""The file name the generated codec functions are compiled under."""
DEFAULT_MAX_AGE = 30 * 86400.0
"""Seconds an unread cache entry is kept (30 days)."""
_DAY = 86400.0
_STAMP = ".pruned"
_ENTRY_SUFFIXES = (".code", ".pickle", ".tmp")


def _trusted(st: os.stat_result) -> bool:
    if not stat.S_ISREG(st.st_mode):
        return False
    if os.name != "posix":
        return True
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read_entry(path: Path) -> bytes | None:
    """The payload of the cache entry at ``path``, or None if it is missing, not ours,
    writable by others, or damaged (its digest does not match)."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not _trusted(st):
                return None
            raw = f.read()
            if time.time() - st.st_mtime > _DAY:
                _renew(f.fileno())
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST
    if len(raw) < head or not raw.startswith(_MAGIC):
        return None
    payload = raw[head:]
    if hashlib.sha256(payload).digest() != raw[len(_MAGIC):head]:
        return None
    return payload


def write_entry(path: Path, payload: bytes) -> bool:
    """Write a cache entry atomically (a temporary file renamed over ``path``), readable and
    writable by the user only; False if the directory cannot be written (no caching)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return False
    return True


def _renew(fd: int) -> None:
    # An entry in use is young: prune_cache keeps it. A read-only cache just stays old.
    with contextlib.suppress(OSError, NotImplementedError):
        os.utime(fd)


def prune_cache(directory: str | os.PathLike[str], *,
                max_age: float = DEFAULT_MAX_AGE) -> int:
    """Remove the cache entries in ``directory`` and its ``code/`` folder (``*.code``,
    ``*.pickle``, left-over ``*.tmp``) that were neither written nor read for ``max_age``
    seconds; only regular files of the user running the process are touched. Returns the
    number removed. Anything that cannot be removed is left as it is (pruning, like caching,
    is an optimisation)."""
    if max_age < 0:
        raise ValueError(f"max_age: {max_age!r} must be 0 or more seconds")
    root = Path(directory)
    oldest = time.time() - max_age
    removed = 0
    for folder in (root, root / "code"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if not name.endswith(_ENTRY_SUFFIXES):
                continue
            path = folder / name
            try:
                st = os.lstat(path)
                if _trusted(st) and st.st_mtime < oldest:
                    os.unlink(path)
                    removed += 1
            except OSError:
                continue
    return removed


def prune_now_and_then(directory: str | os.PathLike[str], *,
                       max_age: float = DEFAULT_MAX_AGE) -> int:
    """:func:`prune_cache` if ``directory`` was not pruned in the last day (a stamp file
    records the last time), else nothing; the number of entries removed."""
    stamp = Path(directory) / _STAMP
    try:
        if time.time() - os.stat(stamp).st_mtime < _DAY:
            return 0
    except OSError:
        pass
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    except OSError:
        return 0
    return prune_cache(directory, max_age=max_age)


# A string literal (left alone), or a name the generator numbered (renamed).
_NUMBERED = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|\b([a-z]{1,3}\d+)\b""")


def canonical_source(source: str) -> tuple[str, dict[str, str]]:
    """``source`` with its numbered names renamed ``Q0``, ``Q1``, ... in order of appearance,
    and the map from each new name back to the original."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        word = match.group(1)
        if word is None:
            return match.group(0)
        new = names.get(word)
        if new is None:
            new = names[word] = f"Q{len(names)}"
        return new

    return _NUMBERED.sub(rename, source), {new: old for old, new in names.items()}


def _named_back(code: CodeType, back: dict[str, str]) -> CodeType:
    """``code`` (and the code objects it holds) with its global names mapped back."""
    consts = tuple(_named_back(c, back) if isinstance(c, CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_names=tuple(back.get(n, n) for n in code.co_names),
                        co_consts=consts, co_name=back.get(code.co_name, code.co_name),
                        co_qualname=back.get(code.co_qualname, code.co_qualname))


class CodeCache:
    """Compiled code of generated codec functions, kept in ``directory`` across processes.

    :meth:`compile` returns the code of a source text: loaded from its entry when a trusted,
    undamaged one exists, else compiled by Python and stored. ``loaded`` and ``compiled``
    count the two outcomes.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.loaded = 0
        self.compiled = 0
        self._lock = threading.Lock()
        self._writable = True

    def _path(self, source: str) -> Path:
        from .._version import __version__

        h = hashlib.sha256(f"{__version__}\0".encode())
        h.update(importlib.util.MAGIC_NUMBER)
        h.update(source.encode("utf-8"))
        return self.directory / f"{h.hexdigest()}.code"

    def compile(self, source: str) -> CodeType:
        """The code object of ``source`` compiled for ``exec`` (see the class docstring)."""
        canonical, back = canonical_source(source)
        path = self._path(canonical)
        payload = read_entry(path)
        if payload is not None:
            try:
                code = marshal.loads(payload)
            except (EOFError, ValueError, TypeError):
                code = None
            if isinstance(code, CodeType) and code.co_filename == CODE_FILENAME:
                with self._lock:
                    self.loaded += 1
                return _named_back(code, back)
        code = compile(canonical, CODE_FILENAME, "exec")
        with self._lock:
            self.compiled += 1
            writable = self._writable
        if writable and not write_entry(path, marshal.dumps(code)):
            with self._lock:
                self._writable = False
        return _named_back(code, back)
