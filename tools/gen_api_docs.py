"""Write docs/api.md from the package itself: every public module, every name of its
``__all__``, with signatures as written in the source and the first paragraph of each
docstring; classes list their public methods and properties with their signatures.

Run from the repository root after changing a public name: ``python tools/gen_api_docs.py``
(``--check`` exits 1 when docs/api.md is not what it would write). A module is public when no
part of its dotted name starts with ``_``; a name re-exported by a package is documented
where it is defined (the public module nearest to its private home) and listed with a link
everywhere else.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import pkgutil
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "docs" / "api.md"
PACKAGE = "lawful_intercept"

# The guide page of each public module (a module without an entry links to the index).
GUIDES: dict[str, tuple[str, str]] = {
    "lawful_intercept": ("quickstart.md", "the quick start"),
    "lawful_intercept.asn1c": ("compiler.md", "the compiler"),
    "lawful_intercept.ber": ("compiler.md", "the compiler"),
    "lawful_intercept.catalog": ("concepts.md", "concepts"),
    "lawful_intercept.certs": ("delivery.md", "delivery"),
    "lawful_intercept.cli": ("cli.md", "the command line"),
    "lawful_intercept.cluster": ("cluster.md", "the mediation cluster"),
    "lawful_intercept.correlation": ("correlation.md", "correlation"),
    "lawful_intercept.delivery": ("delivery.md", "delivery"),
    "lawful_intercept.errors": ("errors.md", "errors"),
    "lawful_intercept.files": ("records.md", "records and files"),
    "lawful_intercept.integrity": ("integrity.md", "integrity"),
    "lawful_intercept.lemf": ("lemf.md", "the test LEMF"),
    "lawful_intercept.mediation": ("mediation.md", "mediation"),
    "lawful_intercept.records": ("records.md", "records"),
    "lawful_intercept.registry": ("standards.md", "bundled modules"),
    "lawful_intercept.scenarios": ("cli.md", "the command line"),
    "lawful_intercept.stream": ("records.md", "records and files"),
    "lawful_intercept.testing": ("values.md", "values and strategies"),
    "lawful_intercept.x2x3": ("x2x3.md", "X2/X3"),
}


def public_modules() -> list[str]:
    package = importlib.import_module(PACKAGE)
    names = [PACKAGE] + [
        info.name for info in pkgutil.walk_packages(package.__path__, PACKAGE + ".")
    ]
    return sorted(n for n in names if not any(p.startswith("_") for p in n.split(".")))


def all_modules() -> list[str]:
    package = importlib.import_module(PACKAGE)
    return [PACKAGE] + [
        info.name for info in pkgutil.walk_packages(package.__path__, PACKAGE + ".")
        if not info.name.endswith(".__main__")
    ]


def anchor(module: str) -> str:
    return "#" + module.replace(".", "").replace("_", "_").lower()


def cell(text: str) -> str:
    """``text`` made safe for a Markdown table cell."""
    return text.replace("|", "\\|")


_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc):`~?([^`]+)`")


def markdown(text: str) -> str:
    """reStructuredText roles and literals of a docstring as Markdown code spans."""
    text = _ROLE.sub(lambda m: f"`{m.group(1)}`", text)
    return text.replace("``", "`")


def first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    text = inspect.cleandoc(doc).split("\n\n", 1)[0]
    return markdown(" ".join(line.strip() for line in text.splitlines()))


def home_of(obj: Any, publics: list[str]) -> str | None:
    """The public module that documents ``obj``: the longest public prefix of its
    ``__module__``."""
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str) or not module.startswith(PACKAGE):
        return None
    best = None
    for name in publics:
        inside = module == name or module.startswith(name + ".")
        if inside and (best is None or len(name) > len(best)):
            best = name
    return best


def attribute_docs() -> dict[tuple[str, str], str]:
    """(module, name) -> the string literal after a module-level assignment (attribute
    docstrings, which ``inspect`` cannot see), for every module of the package."""
    found: dict[tuple[str, str], str] = {}
    for module_name in all_modules():
        module = importlib.import_module(module_name)
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):
            continue
        body = ast.parse(source).body
        for node, after in zip(body, [*body[1:], None], strict=True):
            target = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            elif isinstance(node, ast.AnnAssign):
                target = node.target
            if (isinstance(target, ast.Name) and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                found[(module_name, target.id)] = after.value.value
    return found


def definition_node(obj: Any) -> ast.AST | None:
    try:
        source = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        return None
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    return body[0] if body else None


def render_function(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> str:
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"{prefix} {name}({ast.unparse(node.args)}){returns}"


def class_members(obj: type, node: ast.ClassDef) -> tuple[str, list[tuple[str, str, str]]]:
    """The constructor line and the public members (name, signature, summary) of a class."""
    init = ""
    fields: list[str] = []
    members: list[tuple[str, str, str]] = []
    bases = ", ".join(ast.unparse(b) for b in node.bases)
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            if not item.target.id.startswith("_"):
                default = f" = {ast.unparse(item.value)}" if item.value is not None else ""
                fields.append(f"{item.target.id}: {ast.unparse(item.annotation)}{default}")
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            if item.name == "__init__":
                init = render_function(item, obj.__name__).replace("def ", "", 1)
                init = init.replace("(self, ", "(", 1).replace("(self)", "()", 1)
                init = init.rsplit(" -> None", 1)[0]
                continue
            public = not item.name.startswith("_") or item.name in (
                "__call__", "__enter__", "__exit__", "__aenter__", "__aexit__", "__iter__",
                "__len__")
            if not public:
                continue
            decorators = {ast.unparse(d) for d in item.decorator_list}
            doc = first_paragraph(ast.get_docstring(item))
            if decorators & {"property", "functools.cached_property", "cached_property"}:
                returns = f": {ast.unparse(item.returns)}" if item.returns else ""
                members.append((item.name, f"{item.name}{returns}  (property)", doc))
            else:
                kind = ""
                if "staticmethod" in decorators:
                    kind = "@staticmethod "
                elif "classmethod" in decorators:
                    kind = "@classmethod "
                members.append((item.name, kind + render_function(item, item.name), doc))
    if not init and not fields and "__init__" not in vars(obj):
        inherited = getattr(obj, "__init__", None)
        node_init = definition_node(inherited) if inspect.isfunction(inherited) else None
        if isinstance(node_init, ast.FunctionDef):
            init = render_function(node_init, obj.__name__).replace("def ", "", 1)
            init = init.replace("(self, ", "(", 1).replace("(self)", "()", 1)
            init = init.rsplit(" -> None", 1)[0]
    head = f"class {obj.__name__}({bases})" if bases else f"class {obj.__name__}"
    if init:
        head += f"\n    # constructor\n    {init}"
    elif fields:
        head += "\n    # fields\n" + "\n".join(f"    {f}" for f in fields)
    return head, members


def document_name(name: str, obj: Any, out: list[str]) -> None:
    node = definition_node(obj)
    out.append(f"### `{name}`")
    out.append("")
    members: list[tuple[str, str, str]] = []
    if inspect.isclass(obj) and isinstance(node, ast.ClassDef):
        head, members = class_members(obj, node)
        out += ["```python", head, "```"]
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        out += ["```python", render_function(node, name), "```"]
    doc = first_paragraph(inspect.getdoc(obj))
    if doc:
        out += ["", doc]
    if members:
        out += ["", "| member | signature | summary |", "|---|---|---|"]
        for member, signature, summary in members:
            sig = signature.replace("|", "\\|")
            out.append(f"| `.{member}` | `{sig}` | {cell(summary)} |")
    out.append("")


def render() -> str:
    publics = public_modules()
    attr_docs = attribute_docs()
    out = [
        "# API reference",
        "",
        "Every public name of the library, module by module (generated by",
        "`python tools/gen_api_docs.py` from the package; `tests/test_api_docs.py` checks that",
        "nothing is missing). A name is documented once, in the public module nearest to where",
        "it is defined, and listed with a link in every package that re-exports it. Signatures",
        "are as in the source. Modules and names starting with `_` are private and may change",
        "without notice.",
        "",
        "Modules:",
        "",
    ]
    for name in publics:
        depth = name.count(".") - 1 if name != PACKAGE else 0
        out.append(f"{'  ' * max(depth, 0)}- [`{name}`]({anchor(name)})")
    out.append("")
    for module_name in publics:
        module: ModuleType = importlib.import_module(module_name)
        out.append(f"## `{module_name}`")
        out.append("")
        summary = first_paragraph(module.__doc__)
        guide = GUIDES.get(module_name)
        if summary:
            out.append(summary)
            out.append("")
        if guide is not None:
            out.append(f"Guide: [{guide[1]}]({guide[0]}).")
            out.append("")
        names = list(getattr(module, "__all__", ()))
        links: list[tuple[str, str, str]] = []
        constants: list[tuple[str, str, str]] = []
        documented: list[tuple[str, Any]] = []
        for name in names:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isroutine(obj):
                home = home_of(obj, publics)
                if home is not None and home != module_name:
                    links.append((name, home, first_paragraph(inspect.getdoc(obj))))
                else:
                    documented.append((name, obj))
            else:
                doc = ""
                for (where, attr), text in attr_docs.items():
                    if attr == name and (where == module_name
                                         or where.startswith(module_name + ".")):
                        doc = first_paragraph(text)
                        break
                value = repr(obj)
                if len(value) > 60:
                    value = type(obj).__name__
                constants.append((name, value, doc))
        if links:
            out += ["| name | documented in | summary |", "|---|---|---|"]
            for name, home, summary in links:
                out.append(f"| `{name}` | [`{home}`]({anchor(home)}) | {cell(summary)} |")
            out.append("")
        if constants:
            out += ["| constant or type | value | meaning |", "|---|---|---|"]
            for name, value, doc in constants:
                value = value.replace("|", "\\|").replace("`", "'")
                out.append(f"| `{name}` | `{value}` | {cell(doc)} |")
            out.append("")
        for name, obj in documented:
            document_name(name, obj, out)
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/api.md differs from what would be written")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = API.read_text(encoding="utf-8") if API.exists() else ""
        if current != text:
            print("docs/api.md is out of date: run python tools/gen_api_docs.py",
                  file=sys.stderr)
            return 1
        return 0
    API.write_text(text, encoding="utf-8")
    print(f"wrote {API.relative_to(ROOT)}: {text.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
