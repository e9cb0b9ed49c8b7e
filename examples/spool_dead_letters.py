"""The delivery spool keeps every accepted record: a poison record goes to the dead letters
(kept with its reason, requeued later), and damage to committed records is reported with
the ids it lost, never cut silently (docs/spool.md).

Run: python spool_dead_letters.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from lawful_intercept.delivery import Spool, SpoolCorrupt


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "spool"
        with Spool(directory) as spool:
            ids = spool.append_many([b"\x30\x03\x02\x01\x01", b"\x30\x03\x02\x01\x02",
                                     b"\x30\x03\x02\x01\x03"], kinds="IRI", keys="LIID-42")
            # The LEMF closed the connection three times after the second record:
            spool.dead_letter(ids[1], reason="the peer closed the connection 3 times after "
                                             "it", peer_said="TLS alert: decode_error")
            print("pending:", [entry.id for entry in spool.read_from(0)])
        with Spool(directory) as spool:  # a restart later: the dead letter is still there
            for letter in spool.dead_letters():
                print(f"dead letter: record {letter.record_id} ({letter.kind}, "
                      f"{letter.key.decode()}): {letter.reason} [{letter.peer_said}]")
            new_ids = spool.requeue()  # the cause was fixed: deliver it again
            print("requeued as:", new_ids, "pending:", [e.id for e in spool.read_from(0)])

        # Damage: cut the last committed record short. A torn tail that no commit covered
        # would be cut off on recovery; this one was committed, so it is reported.
        segment = sorted(directory.glob("*.seg"))[-1]
        with open(segment, "r+b") as f:
            f.truncate(segment.stat().st_size - 1)
        try:
            Spool(directory)
        except SpoolCorrupt as exc:
            print("damage reported:", exc.message)
        else:
            raise AssertionError("the damage went unnoticed")


if __name__ == "__main__":
    main()
