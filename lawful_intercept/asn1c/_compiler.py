"""Entry points of the compiler: files or text in, :class:`Specification` out, with a cache.

A compiled specification (the resolved type model, not the codecs, which are rebuilt lazily)
is stored under a key made from the library version and the modules' contents, so that a
process compiling the same modules again starts quickly. See ``docs/compiler.md``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from pathlib import Path

from ..errors import CompileError
from ._code_cache import prune_now_and_then, read_entry, write_entry
from ._lexer import tokenize
from ._model import Type
from ._parser import class_names_in, parse_tokens
from ._resolver import Resolver
from ._spec import Specification
from ._syntax import ModuleSyntax

__all__ = [
    "compile_files",
    "compile_string",
    "default_cache_dir",
    "parse_sources",
    "read_module_files",
]

# Part of the cache key: "5" since Constraints has single_values (entries carry a digest
# checked before unpickling since "4").
_CACHE_FORMAT = "5"


def _version() -> str:
    from .._version import __version__

    return __version__


def default_cache_dir() -> Path:
    """Where compiled specifications are cached.

    ``LAWFUL_INTERCEPT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/lawful-intercept``, else
    ``~/.cache/lawful-intercept``.
    """
    env = os.environ.get("LAWFUL_INTERCEPT_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "lawful-intercept"


def parse_sources(sources: Iterable[tuple[str, str | None]]) -> list[ModuleSyntax]:
    """Parse ``(text, filename)`` sources together (X.680): the information object class
    names any of them defines are known while parsing each of them."""
    token_lists = [(tokenize(text, name), name) for text, name in sources]
    classes: set[str] = set()
    for tokens, _ in token_lists:
        classes |= class_names_in(tokens)
    modules: list[ModuleSyntax] = []
    for tokens, name in token_lists:
        modules.extend(parse_tokens(tokens, name, classes))
    return modules


def _compile(sources: list[tuple[str, str | None]]) -> Specification:
    resolver = Resolver(parse_sources(sources))
    resolved = resolver.resolve_all()
    types: dict[tuple[str, str], Type] = {}
    for m in resolved.values():
        for type_name in m.type_names:
            types[(m.name, type_name)] = resolver.type_of(m.name, type_name)
    values = {(m.name, n): v for m in resolved.values() for n, v in m.values.items()}
    return Specification(types, {m.name: m.oid for m in resolved.values()}, values)


def _cached(
    sources: list[tuple[str, str | None]], cache: bool | str | os.PathLike[str]
) -> Specification:
    if cache is False:
        return _compile(sources)
    directory = default_cache_dir() if cache is True else Path(cache)
    h = hashlib.sha256(f"{_CACHE_FORMAT}\0{_version()}\0".encode())
    for text, name in sources:
        h.update(f"{name}\0{len(text)}\0".encode())
        h.update(text.encode("utf-8", "surrogatepass"))
    path = directory / f"{h.hexdigest()}.pickle"
    code_dir = directory / "code"
    # Only an entry whose digest matches (written by us, undamaged) is unpickled; see
    # ``_code_cache`` for the trust model.
    payload = read_entry(path)
    if payload is not None:
        try:
            types, modules, values = pickle.loads(payload)
            return Specification(types, modules, values, code_cache=code_dir)
        except Exception:
            pass
    spec = _compile(sources)
    # Caching is an optimisation; an unwritable cache directory is not an error.
    if write_entry(path, pickle.dumps(spec.model(), protocol=pickle.HIGHEST_PROTOCOL)):
        prune_now_and_then(directory)
        return Specification(*spec.model(), code_cache=code_dir)
    return spec


def compile_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    cache: bool | str | os.PathLike[str] = True,
    encoding: str = "utf-8",
) -> Specification:
    """Compile ASN.1 module files into a :class:`Specification` (ITU-T X.680).

    The files are read as they are published: ROSE information objects, parameterized
    definitions, ``Module.Type`` references and RELATIVE-OID included. IMPORTS are satisfied
    from the files given together. ``cache`` is True (the default cache directory), False, or a
    directory. Files that are not valid UTF-8 are read as Windows-1252 (as some ETSI
    attachments are).
    """
    sources = read_module_files(paths, encoding)
    if not sources:
        raise CompileError("no files to compile")
    return _cached(sources, cache)


def read_module_files(
    paths: Iterable[str | os.PathLike[str]], encoding: str = "utf-8"
) -> list[tuple[str, str | None]]:
    """``(text, filename)`` of each ASN.1 module file, read as :func:`compile_files` reads
    them: ``encoding``, else Windows-1252 (as some ETSI attachments are)."""
    sources: list[tuple[str, str | None]] = []
    for p in paths:
        path = Path(p)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CompileError(f"cannot read the file: {exc.strerror}", str(path)) from None
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        sources.append((text, str(path)))
    return sources


def compile_string(
    text: str, *, cache: bool | str | os.PathLike[str] = False, filename: str | None = None
) -> Specification:
    """Compile ASN.1 modules given as text (X.680); see :func:`compile_files`."""
    return _cached([(text, filename)], cache)
