"""The package's structure rules, checked on its source (see docs/architecture.md).

* No module imports a private name (``_x``) from another module: code two modules share has a
  public name in a private module. A private *module* may be imported (``from ._spool_format
  import RecordHeader``, ``from . import _syntax``, ``import lawful_intercept._version``).
* No module is longer than 800 lines (``ber.py``, the X.690 primitives, excepted).
* No ``import *``.
* Every exception class is defined in :mod:`lawful_intercept.errors` and derives from
  :class:`lawful_intercept.Error` (private control-flow exceptions ``_X`` excepted).
* No delivery event (a :class:`lawful_intercept.delivery.Event`) is named like an exception.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import lawful_intercept

PACKAGE = "lawful_intercept"
ROOT = Path(lawful_intercept.__file__).parent
MAX_LINES = 800
LONG_ALLOWED = {"ber.py"}


def _module_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_of(path: Path) -> str:
    """The package a relative import in ``path`` starts from (level 1)."""
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute name of the module ``node`` imports from."""
    if node.level == 0:
        return node.module or ""
    base = _package_of(path).split(".")
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _is_module(name: str) -> bool:
    """Whether the dotted ``name`` is a module or package (of this package, or installed)."""
    if name == PACKAGE or name.startswith(PACKAGE + "."):
        relative = Path(*name.split(".")[1:]) if "." in name else Path()
        return (ROOT / relative).with_suffix(".py").is_file() or (
            ROOT / relative / "__init__.py"
        ).is_file()
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(path: Path, tree: ast.AST) -> list[str]:
    """``file:line: what`` for each import of a private name that is not a module."""
    where = path.relative_to(ROOT.parent)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(path, node)
            for alias in node.names:
                if _is_private(alias.name) and not _is_module(f"{source}.{alias.name}"):
                    found.append(f"{where}:{node.lineno}: from {source} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                for i, part in enumerate(parts):
                    if _is_private(part) and not _is_module(".".join(parts[: i + 1])):
                        found.append(f"{where}:{node.lineno}: import {alias.name}")
                        break
    return found


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_no_module_imports_a_private_name_of_another() -> None:
    found = [line for path in _module_files() for line in private_imports(path, _tree(path))]
    assert found == [], "give shared code a public name in a private module:\n" + "\n".join(
        found
    )


def test_no_module_is_over_800_lines() -> None:
    long = []
    for path in _module_files():
        if path.name in LONG_ALLOWED and path.parent == ROOT:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            long.append(f"{path.relative_to(ROOT.parent)}: {lines} lines")
    assert long == [], f"modules over {MAX_LINES} lines:\n" + "\n".join(long)


def test_no_star_imports() -> None:
    found = [
        f"{path.relative_to(ROOT.parent)}:{node.lineno}: from {node.module} import *"
        for path in _module_files()
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
    ]
    assert found == [], "\n".join(found)


def _all_modules() -> list[ModuleType]:
    modules = [lawful_intercept]
    for info in pkgutil.walk_packages(lawful_intercept.__path__, PACKAGE + "."):
        if info.name.endswith("__main__"):
            continue
        modules.append(importlib.import_module(info.name))
    return modules


def _classes_defined(module: ModuleType) -> list[type]:
    return [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__
    ]


def _private_class(cls: type) -> bool:
    """A private class: ``_X``, or nested in one (its qualified name has a private part)."""
    return any(part.startswith("_") for part in cls.__qualname__.split("."))


def test_every_exception_is_an_error_of_the_errors_module() -> None:
    from lawful_intercept import errors

    wrong = []
    for module in _all_modules():
        for cls in _classes_defined(module):
            if not issubclass(cls, BaseException) or _private_class(cls):
                continue
            if module.__name__ != errors.__name__:
                wrong.append(f"{module.__name__}.{cls.__qualname__}: defined outside errors")
            elif not issubclass(cls, lawful_intercept.Error):
                wrong.append(f"{module.__name__}.{cls.__qualname__}: not a lawful_intercept.Error")
            elif getattr(errors, cls.__name__, None) is not cls:
                wrong.append(f"{module.__name__}.{cls.__qualname__}: not importable from errors")
    assert wrong == [], "\n".join(wrong)


def test_the_errors_module_exports_every_exception() -> None:
    from lawful_intercept import errors

    exported = set(errors.__all__)
    missing = [
        cls.__name__
        for cls in _classes_defined(errors)
        if issubclass(cls, BaseException) and not cls.__name__.startswith("_")
        and cls.__name__ not in exported
    ]
    assert missing == []


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    todo = [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_no_event_is_named_like_an_exception() -> None:
    _all_modules()  # every event class defined
    from lawful_intercept.delivery import Event

    named = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in {Event, *_subclasses(Event)}
        if cls.__name__.endswith(("Error", "Exception"))
    )
    assert named == [], "an event reports what happened; an *Error is raised:\n" + "\n".join(
        named
    )


# -- the checker itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "source", "bad"),
    [
        ("stream.py", "from .errors import _private\n", True),
        ("delivery/x.py", "from ..asn1c._codec import _helper\n", True),
        ("asn1c/x.py", "from . import _syntax\n", False),  # a module
        ("stream.py", "from .asn1c import _syntax as syn\n", False),
        ("stream.py", "from ._version import __version__\n", False),  # a dunder
        ("stream.py", "from .asn1c._codec import sort_tag\n", False),
        ("stream.py", "import lawful_intercept._version\n", False),
        ("stream.py", "import lawful_intercept.errors._nothing\n", True),
        ("stream.py", "def f():\n    from .errors import _late\n", True),  # lazy ones count
    ],
)
def test_the_private_import_check(where: str, source: str, bad: bool) -> None:
    found = private_imports(ROOT / where, ast.parse(source))
    assert bool(found) is bad, found
