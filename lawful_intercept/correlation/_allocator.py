"""CIN allocation: one communicationIdentityNumber per session, deterministic from a session
key, collision-free, held before reuse, with a JSON-able state (ETSI TS 102 232-1 clause
5.2.4; see docs/correlation.md)."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .._checks import require_instance, require_int, require_number, type_name
from ..errors import EncodeError
from ._identity import (
    CIN_MAX,
    LIID,
    NetworkIdentifier,
    SessionIdentity,
    communication_identity_number,
    liid_bytes,
)
from ._state import (
    check_state_format,
    restoring_state,
    state_field,
    state_fingerprint,
    state_hex,
    state_mapping,
)
from ._values import PATH_CIN, ReadOnly, read_only

__all__ = ["CIN_MAX_INTEROP", "CINAllocator", "SessionKey"]

#: Largest CIN a :class:`CINAllocator` hands out by default: 2**31 - 1, as OpenLI does, so that
#: a receiver that reads the CIN as a signed 32-bit number never sees a negative one.
CIN_MAX_INTEROP: Final = 2**31 - 1

#: A session key: RADIUS Acct-Session-Id, DHCP lease id, SIP Call-ID, GTP TEID, ...
SessionKey = str | bytes | bytearray | memoryview | int
_ALLOCATOR_FORMAT: Final = "lawful-intercept/cin-allocator"



def _session_key_octets(key: object) -> bytes:
    """The canonical octets of a session key: str and bytes of the same octets are one key."""
    if isinstance(key, int) and not isinstance(key, bool):
        return b"i" + str(key).encode("ascii")
    if isinstance(key, str):
        data = key.encode("utf-8", "surrogatepass")
    elif isinstance(key, bytes | bytearray | memoryview):
        data = bytes(key)
    else:
        raise TypeError(f"session_key must be str, bytes or int, not {type_name(key)}")
    if not data:
        raise ValueError(
            "session_key must not be empty: an empty Acct-Session-Id, Call-ID or lease id "
            "would put every session in one communication (TS 102 232-1 5.2.4)"
        )
    return b"b" + data


@dataclass(slots=True)
class _Slot:
    fingerprint: bytes
    released_at: float | None  # None: live


@dataclass(slots=True)
class _LiidCins:
    by_cin: dict[int, _Slot] = field(default_factory=dict)
    live: dict[bytes, int] = field(default_factory=dict)  # fingerprint -> CIN


def _secret_check(secret: bytes) -> str:
    return hashlib.blake2b(b"check", digest_size=8, key=secret, person=b"li-cin-secret").hexdigest()


class CINAllocator:
    """Allocates communicationIdentityNumbers (TS 102 232-1 clause 5.2.4) per session.

    A session is named by a *session key* (RADIUS Acct-Session-Id, DHCP lease id, SIP Call-ID,
    GTP TEID: ``str``, ``bytes`` or ``int``; a ``str`` and its UTF-8 ``bytes`` are one key).
    The CIN is derived from a keyed BLAKE2b hash of (LIID, NetworkIdentifier, session key):

    * **Deterministic.** The home CIN of a key is ``min_cin + H mod (max_cin - min_cin + 1)``
      where ``H`` is the first 8 octets (big-endian) of the 16-octet hash. Two allocators
      with the same ``secret`` give the same key the same home CIN, and a key that is live
      keeps its CIN for every later :meth:`allocate` call.
    * **Collision-free.** A CIN is unique among the live and held sessions of one LIID in this
      allocator (so within each (LIID, network element) as the standard asks, and also across
      the network elements one allocator serves, so that sequence counters keyed by
      (LIID, CIN) never mix two communications). When the home CIN is taken, the next CINs
      are tried in order, wrapping from ``max_cin`` to ``min_cin`` (linear probing). Which
      key gets the home CIN then depends on which was allocated first; the saved state keeps
      that, so a restarted process gives each live session the same CIN again.
    * **Hold before reuse.** :meth:`release` does not free the CIN at once: it stays *held*
      for ``hold_seconds`` (default 86400, one day) after the session ended, because the
      session's records may still be in flight or spooled; a new session never gets a held
      CIN, not even one with the same key (it is a new communication). ``hold_seconds=0``
      frees at once.
    * **Range.** ``min_cin`` defaults to 1, keeping CIN 0 for the PDUs that belong to no
      communication (OpenLI sends keep-alives with CIN 0); ``max_cin`` defaults to
      :data:`CIN_MAX_INTEROP` (2**31 - 1, as OpenLI, for receivers that read a signed 32-bit
      integer). Pass ``max_cin=CIN_MAX`` for the full range of the standard.

    The state (:meth:`save_state`, :meth:`from_state`) is a JSON-able dict. It holds hashes
    of the session keys, never the keys themselves. Methods are thread-safe.
    """

    def __init__(
        self,
        *,
        secret: bytes = b"",
        min_cin: int = 1,
        max_cin: int = CIN_MAX_INTEROP,
        hold_seconds: float = 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        require_instance(secret, bytes, "secret")
        if len(secret) > 64:
            raise ValueError(f"secret must be at most 64 octets (BLAKE2b key), not "
                             f"{len(secret)}")
        low = require_int(min_cin, "min_cin", low=0, high=CIN_MAX)
        high = require_int(max_cin, "max_cin", low=0, high=CIN_MAX)
        if low > high:
            raise ValueError(f"min_cin must not be above max_cin: {low} > {high}")
        hold = require_number(hold_seconds, "hold_seconds", low=0)
        if not math.isfinite(hold):
            raise ValueError(f"hold_seconds must be finite, not {hold_seconds!r}")
        self._secret = secret
        self._min = low
        self._max = high
        self._span = high - low + 1
        self._hold = hold
        self._clock = clock
        self._liids: dict[bytes, _LiidCins] = {}
        self._lock = threading.Lock()

    min_cin: ReadOnly[int] = read_only("_min", "The smallest CIN handed out (TS 102 232-1 5.2.4).")
    max_cin: ReadOnly[int] = read_only("_max", "The largest CIN handed out (TS 102 232-1 5.2.4).")
    hold_seconds: ReadOnly[float] = read_only("_hold", "Seconds a released CIN stays "
                                              "unavailable (records in flight, 5.2.4).")

    def _fingerprint(self, liid: bytes, network: NetworkIdentifier, key: bytes) -> bytes:
        digest = hashlib.blake2b(digest_size=16, key=self._secret, person=b"li-cin/v1")
        element = network.network_element_identifier or b""
        for part in (liid, network.operator_identifier, element, key):
            digest.update(len(part).to_bytes(4, "big"))
            digest.update(part)
        return digest.digest()

    def home_cin(
        self, liid: LIID | str | bytes, network: NetworkIdentifier, session_key: SessionKey
    ) -> int:
        """The CIN a key gets when nothing collides with it (TS 102 232-1 5.2.4)."""
        _, fingerprint = self._checked(liid, network, session_key)
        return self._home(fingerprint)

    def _home(self, fingerprint: bytes) -> int:
        return self._min + int.from_bytes(fingerprint[:8], "big") % self._span

    def _checked(
        self, liid: object, network: object, session_key: object
    ) -> tuple[bytes, bytes]:
        liid_octets = liid_bytes(liid)
        network = require_instance(network, NetworkIdentifier, "network")
        key = _session_key_octets(session_key)
        return liid_octets, self._fingerprint(liid_octets, network, key)

    def _now(self) -> float:
        now = self._clock()
        seconds = require_number(now, "clock()")
        if not math.isfinite(seconds):
            raise ValueError(f"clock() must return a finite number of seconds, not {now!r}")
        return seconds

    def _free(self, slot: _Slot | None, now: float) -> bool:
        return slot is None or (
            slot.released_at is not None and now >= slot.released_at + self._hold
        )

    def _allocate(self, liid: object, network: object, session_key: object) -> tuple[int, bool]:
        liid_octets, fingerprint = self._checked(liid, network, session_key)
        with self._lock:
            cins = self._liids.get(liid_octets)
            if cins is not None and fingerprint in cins.live:
                return cins.live[fingerprint], False
            cin = self._home(fingerprint)
            if cins is not None:
                now = self._now()
                for _ in range(min(len(cins.by_cin) + 1, self._span)):
                    if self._free(cins.by_cin.get(cin), now):
                        break
                    cin = self._min if cin == self._max else cin + 1
                else:
                    raise EncodeError(
                        f"no free CIN in {self._min}..{self._max} for LIID "
                        f"{LIID(liid_octets)!r}: all are live or held (TS 102 232-1 5.2.4); "
                        "widen the range or shorten hold_seconds",
                        PATH_CIN,
                    )
            else:
                cins = self._liids[liid_octets] = _LiidCins()
            cins.by_cin[cin] = _Slot(fingerprint, None)
            cins.live[fingerprint] = cin
            return cin, True

    def allocate(
        self, liid: LIID | str | bytes, network: NetworkIdentifier, session_key: SessionKey
    ) -> int:
        """The CIN of the session ``session_key`` (TS 102 232-1 5.2.4), allocated if new.

        Calling it again while the session is live returns the same CIN, so the IRI and CC
        paths of a mediation function can both ask for it. Raises ``EncodeError`` when every
        CIN of the range is live or held for this LIID.
        """
        return self._allocate(liid, network, session_key)[0]

    def lookup(
        self, liid: LIID | str | bytes, network: NetworkIdentifier, session_key: SessionKey
    ) -> int | None:
        """The CIN of a live session (TS 102 232-1 5.2.4), or ``None``; allocates nothing."""
        liid_octets, fingerprint = self._checked(liid, network, session_key)
        with self._lock:
            cins = self._liids.get(liid_octets)
            return None if cins is None else cins.live.get(fingerprint)

    def release(
        self, liid: LIID | str | bytes, network: NetworkIdentifier, session_key: SessionKey
    ) -> int | None:
        """End the session: its CIN is held for ``hold_seconds`` (TS 102 232-1 5.2.4).

        Returns the CIN, or ``None`` when the session is not live (a repeated stop event).
        """
        liid_octets, fingerprint = self._checked(liid, network, session_key)
        with self._lock:
            cins = self._liids.get(liid_octets)
            if cins is None or fingerprint not in cins.live:
                return None
            now = self._now()
            cin = cins.live.pop(fingerprint)
            if self._hold == 0:
                del cins.by_cin[cin]
                if not cins.by_cin:
                    del self._liids[liid_octets]
            else:
                cins.by_cin[cin].released_at = now
            return cin

    def open_session(
        self, identity: SessionIdentity, session_key: SessionKey
    ) -> SessionIdentity:
        """``identity`` with the CIN of ``session_key`` (TS 102 232-1 5.2.4), allocated if new.

        The CIN of ``identity`` itself, if any, is replaced.
        """
        require_instance(identity, SessionIdentity, "identity")
        cin = self.allocate(identity.liid, identity.network, session_key)
        return identity.with_cin(cin)

    def close_session(self, identity: SessionIdentity, session_key: SessionKey) -> int | None:
        """:meth:`release` the session ``session_key`` of ``identity`` (TS 102 232-1 5.2.4)."""
        require_instance(identity, SessionIdentity, "identity")
        return self.release(identity.liid, identity.network, session_key)

    def purge(self) -> list[tuple[bytes, int]]:
        """Drop the held CINs whose hold is over; return them as (LIID octets, CIN) pairs.

        A CIN whose hold is over is free for a new session (TS 102 232-1 5.2.4) even without
        this call; purging only forgets it. Pass each pair to
        :meth:`SequenceCounters.forget`, so that a later session with that CIN numbers its
        PDUs from 0.
        """
        with self._lock:
            now = self._now()
            freed: list[tuple[bytes, int]] = []
            for liid_octets in list(self._liids):
                cins = self._liids[liid_octets]
                for cin, slot in list(cins.by_cin.items()):
                    if slot.released_at is not None and self._free(slot, now):
                        del cins.by_cin[cin]
                        freed.append((liid_octets, cin))
                if not cins.by_cin:
                    del self._liids[liid_octets]
            return sorted(freed)

    def live_cins(self, liid: LIID | str | bytes) -> dict[int, bool]:
        """CIN -> ``True`` if live, ``False`` if held, for one LIID (TS 102 232-1 5.2.4)."""
        liid_octets = liid_bytes(liid)
        with self._lock:
            cins = self._liids.get(liid_octets)
            if cins is None:
                return {}
            return {cin: slot.released_at is None for cin, slot in sorted(cins.by_cin.items())}

    def save_state(self) -> dict[str, Any]:
        """The allocator's state as a JSON-able dict (TS 102 232-1 5.2.4 CINs in use).

        Holds the range, the hold time, a check value of the secret (not the secret), and per
        LIID (hex) the live CINs and the held ones with their release time. Session keys are
        kept only as hashes.
        """
        with self._lock:
            liids: dict[str, Any] = {}
            for liid_octets, cins in sorted(self._liids.items()):
                live: dict[str, str] = {}
                held: dict[str, list[Any]] = {}
                for cin, slot in sorted(cins.by_cin.items()):
                    if slot.released_at is None:
                        live[str(cin)] = slot.fingerprint.hex()
                    else:
                        held[str(cin)] = [slot.fingerprint.hex(), slot.released_at]
                liids[liid_octets.hex()] = {"live": live, "held": held}
            return {
                "format": _ALLOCATOR_FORMAT,
                "version": 1,
                "min_cin": self._min,
                "max_cin": self._max,
                "hold_seconds": self._hold,
                "secret_check": _secret_check(self._secret),
                "liids": liids,
            }

    @classmethod
    @restoring_state()
    def from_state(
        cls,
        state: Mapping[str, Any],
        *,
        secret: bytes = b"",
        clock: Callable[[], float] = time.time,
    ) -> CINAllocator:
        """An allocator continuing from :meth:`save_state` (TS 102 232-1 5.2.4).

        Live sessions keep their CINs and held CINs stay held. ``secret`` must be the one the
        state was saved with (checked), since otherwise live session keys would no longer be
        recognised. A malformed state raises ``TypeError`` or ``ValueError`` naming the
        member (``state.liids[...]``).
        """
        mapping = check_state_format(state, _ALLOCATOR_FORMAT)
        allocator = cls(
            secret=secret,
            min_cin=require_int(state_field(mapping, "min_cin", "state"), "state.min_cin",
                                low=0, high=CIN_MAX),
            max_cin=require_int(state_field(mapping, "max_cin", "state"), "state.max_cin",
                                low=0, high=CIN_MAX),
            hold_seconds=require_number(state_field(mapping, "hold_seconds", "state"),
                                        "state.hold_seconds", low=0),
            clock=clock,
        )
        if mapping.get("secret_check") != _secret_check(secret):
            raise EncodeError(
                "the secret differs from the one the state was saved with", "state.secret_check"
            )
        liids = state_mapping(state_field(mapping, "liids", "state"), "state.liids")
        for liid_hex, entry in liids.items():
            path = f"state.liids[{liid_hex!r}]"
            liid_octets = LIID(state_hex(liid_hex, path)).value
            cins = _LiidCins()
            entry_map = state_mapping(entry, path)
            for group in ("live", "held"):
                items = state_mapping(state_field(entry_map, group, path), f"{path}.{group}")
                for cin_text, slot_value in items.items():
                    slot_path = f"{path}.{group}[{cin_text!r}]"
                    cin = _state_cin(cin_text, slot_path, allocator)
                    if cin in cins.by_cin:
                        raise EncodeError(f"CIN {cin} is both live and held", slot_path)
                    if group == "live":
                        fingerprint = state_fingerprint(slot_value, slot_path)
                        if fingerprint in cins.live:
                            raise EncodeError("session hash is live under two CINs", slot_path)
                        cins.by_cin[cin] = _Slot(fingerprint, None)
                        cins.live[fingerprint] = cin
                    else:
                        if not isinstance(slot_value, list) or len(slot_value) != 2:
                            raise ValueError(f"{slot_path} must be [session hash, released_at]")
                        released = require_number(slot_value[1], f"{slot_path} released_at")
                        if not math.isfinite(released):
                            raise ValueError(f"{slot_path} released_at must be finite")
                        fingerprint = state_fingerprint(slot_value[0], slot_path)
                        cins.by_cin[cin] = _Slot(fingerprint, released)
            if cins.by_cin:
                allocator._liids[liid_octets] = cins
        return allocator



def _state_cin(text: str, path: str, allocator: CINAllocator) -> int:
    if not text.isdigit() or not text.isascii():
        raise EncodeError(f"CIN {text!r} is not a decimal number", path)
    cin = communication_identity_number(int(text))
    if not allocator.min_cin <= cin <= allocator.max_cin:
        raise EncodeError(
            f"CIN {cin} is outside {allocator.min_cin}..{allocator.max_cin}", path
        )
    return cin

