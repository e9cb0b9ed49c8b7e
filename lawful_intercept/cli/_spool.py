"""``spool list|export|requeue DIR``: the dead letters of delivery spools (docs/cli.md,
"spool"; docs/spool.md, "Dead letters").

A record the LEMF will not take (the peer closes the connection after it again and again) is
moved to its spool's dead-letter area by the delivery pump, with the reason and the peer's
last words. These commands let an operator see them (``list``), take them out as BER PDUs
back to back for ``decode`` (``export``) and put them back into delivery once the cause is
fixed (``requeue``: appended again with new ids; the next ``send`` or client run delivers
them). ``DIR`` is one spool directory or a folder holding several (a ``send --spool``
folder): every spool found under it is handled.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..delivery import DeadLetter, Spool, SpoolError
from ._common import CLIError, Subcommands, add_command, describe_os_error, print_json

__all__ = ["register", "spool_directories"]

_ACK_LOG = "acks.log"


_HELP = "list, export or requeue the dead letters of delivery spools"
_DESCRIPTION = """The dead letters of a spool (records the LEMF would not take, with the
reason and the peer's last words): list them, export them as BER, or requeue them for
delivery. DIR is a spool directory or a folder holding spools (such as a send --spool
folder). The spools must not be in use."""


def register(commands: Subcommands) -> None:
    """Add ``spool`` with its actions ``list``, ``export`` and ``requeue``."""
    parser = add_command(commands, "spool", _spool, help=_HELP,
                         description=_DESCRIPTION)
    parser.add_argument("action", choices=("list", "export", "requeue"),
                        help="list: show them; export: write them as BER PDUs back to back; "
                             "requeue: append them again for delivery (new ids)")
    parser.add_argument("directory", metavar="DIR", help="a spool, or a folder of spools")
    parser.add_argument("--id", dest="ids", type=int, action="append", default=None,
                        metavar="N", help="only the dead letter of record N (repeatable; "
                                          "with several spools, N is looked up in each)")
    parser.add_argument("--out", metavar="FILE", help="export: the BER file to write")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary as the last line")


def spool_directories(directory: Path) -> list[Path]:
    """The spool directories at or under ``directory`` (those holding ``acks.log``)."""
    if (directory / _ACK_LOG).is_file():
        return [directory]
    return sorted(path.parent for path in directory.rglob(_ACK_LOG) if path.is_file())


def _spool(args: argparse.Namespace) -> int:
    """The ``spool`` command (its texts: ``_HELP``, ``_DESCRIPTION``)."""
    directory = Path(args.directory)
    if not directory.is_dir():
        what = "not a folder" if directory.exists() else "no such folder"
        raise CLIError(f"{directory}: {what}")
    spools = spool_directories(directory)
    if not spools:
        raise CLIError(f"{directory}: no spool in it (a spool directory holds {_ACK_LOG})")
    if args.action == "export" and args.out is None:
        raise CLIError("export: give --out FILE for the BER of the dead letters")
    if args.action != "export" and args.out is not None:
        raise CLIError(f"--out is for export, not {args.action}")
    found: list[tuple[Path, DeadLetter, int | None]] = []
    status: list[dict[str, object]] = []
    wanted = None if args.ids is None else set(args.ids)
    seen: set[int] = set()
    for path in spools:
        try:
            with Spool(path) as spool:
                stats = spool.stats()
                status.append({"spool": str(path), "queued": stats.queued,
                               "dead_letters": stats.dead_letters, "next_id": stats.next_id})
                letters = [letter for letter in spool.dead_letters()
                           if wanted is None or letter.record_id in wanted]
                seen.update(letter.record_id for letter in letters)
                new_ids: list[int | None] = [None] * len(letters)
                if args.action == "requeue" and letters:
                    new_ids = list(spool.requeue([letter.record_id for letter in letters]))
                found.extend(zip([path] * len(letters), letters, new_ids, strict=True))
        except SpoolError as exc:
            raise CLIError(f"{path}: {exc}") from None
    if wanted is not None and wanted - seen:
        missing = ", ".join(str(i) for i in sorted(wanted - seen))
        raise CLIError(f"--id: no dead letter with record id {missing} in {directory}")
    if args.action == "export":
        _export(Path(args.out), found)
    _report(args, directory, found, status)
    return 0


def _export(out: Path, found: list[tuple[Path, DeadLetter, int | None]]) -> None:
    try:
        with open(out, "wb") as f:
            for _, letter, _ in found:
                f.write(letter.payload)
    except OSError as exc:
        raise CLIError(describe_os_error(exc, out, "cannot write")) from None


def _report(args: argparse.Namespace, directory: Path,
            found: list[tuple[Path, DeadLetter, int | None]],
            status: list[dict[str, object]]) -> None:
    if args.json:
        print_json({
            "command": "spool", "action": args.action, "directory": str(directory),
            "spools": status,
            "dead_letters": [
                {"spool": str(path), "record_id": letter.record_id, "kind": letter.kind,
                 "key": letter.key.decode("utf-8", "replace"), "octets": len(letter.payload),
                 "reason": letter.reason, "peer_said": letter.peer_said, "time": letter.time,
                 **({"requeued_as": new} if new is not None else {})}
                for path, letter, new in found],
            **({"out": args.out} if args.out else {}),
        })
        return
    verb = {"list": "dead letters", "export": "dead letters exported",
            "requeue": "dead letters requeued"}[args.action]
    print(f"{len(found)} {verb} in {directory}" + (f" to {args.out}" if args.out else ""))
    if args.action == "list":
        for spool in status:
            print(f"  {spool['spool']}: {spool['queued']} records pending, "
                  f"{spool['dead_letters']} dead letters")
    for path, letter, new in found:
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(letter.time))
        again = f" -> record {new}" if new is not None else ""
        print(f"  {path}: record {letter.record_id}{again} {letter.kind or '-'} "
              f"key={letter.key.decode('utf-8', 'replace') or '-'} {len(letter.payload)} "
              f"octets, {when}: {letter.reason}"
              + (f" (peer: {letter.peer_said})" if letter.peer_said else ""))
