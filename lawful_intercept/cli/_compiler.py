"""``compile``: check ASN.1 module files and list the modules and types they define.

The files are compiled together (X.680; IMPORTS resolved between them) with
:func:`lawful_intercept.compile_files`; an error is reported as ``FILE:LINE: message``.
See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..asn1c import TypeAssignment, compile_files, parse_sources, read_module_files
from ..errors import CompileError
from ._common import CLIError, Subcommands, add_command, print_json

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``compile``."""
    parser = add_command(
        commands, "compile", _compile,
        help="compile ASN.1 modules together and list their modules and types",
    )
    parser.add_argument("files", metavar="FILES", nargs="+", help="ASN.1 module files")
    parser.add_argument("--types", action="store_true", help="list every type's name")
    parser.add_argument("--no-cache", action="store_true",
                        help="compile without reading or writing the compile cache")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary as the last line")


def _compile(args: argparse.Namespace) -> int:
    try:
        spec = compile_files(args.files, cache=not args.no_cache)
        modules = _module_types(args.files)
    except CompileError as exc:
        raise CLIError(str(exc)) from None
    summary: list[dict[str, Any]] = []
    for module, oid in spec.modules.items():
        file, names = modules.get(module, ("", []))
        entry: dict[str, Any] = {"module": module, "oid": oid, "file": file,
                                 "types": len(names)}
        if args.types:
            entry["type_names"] = names
        summary.append(entry)
    total = sum(entry["types"] for entry in summary)
    if args.json:
        print_json({"command": "compile", "files": list(args.files), "modules": summary,
                    "types": total})
        return 0
    for entry in summary:
        oid = f" {{{entry['oid']}}}" if entry["oid"] else ""
        print(f"{entry['module']}{oid}: {entry['types']} types ({entry['file']})")
        for name in entry.get("type_names", ()):
            print(f"  {name}")
    print(f"{len(summary)} modules, {total} types")
    return 0


def _module_types(files: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Module name -> (file, names of its type assignments), read as the compiler reads the
    files (UTF-8, else Windows-1252)."""
    as_given = {str(Path(file)): file for file in files}
    out: dict[str, tuple[str, list[str]]] = {}
    for module in parse_sources(read_module_files(files)):
        names = [n for n, a in module.assignments.items() if isinstance(a, TypeAssignment)]
        filename = module.filename or ""
        out[module.name] = (as_given.get(filename, filename), names)
    return out
