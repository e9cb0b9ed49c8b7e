"""How long a process takes to get the bundled Specification. Prints one JSON line.

* ``cold_s``: compiling every bundled module from text (no cache);
* ``warm_new_process_s``: a new Python process that imports the library and calls
  ``lawful_intercept.bundled()`` with the compile cache already filled (median of several
  processes, import of the library included);
* ``first_ps_pdu_ms``: in a new process, after ``bundled()``, the first encode and decode of
  a CC PS-PDU (generating their codecs; the compiled code comes from the compile cache, which
  an earlier process filled), median of several processes; also ``first_ps_pdu_cold_ms``,
  the same in the first process, whose cache holds no code yet;
* ``again_in_process_us``: calling ``bundled()`` again in the same process.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import lawful_intercept

PROBE = (
    "import time; t = time.perf_counter(); import lawful_intercept; "
    "s = lawful_intercept.bundled(); print(time.perf_counter() - t, len(s.types))"
)
FIRST_PDU = (
    "import time, lawful_intercept\n"
    "s = lawful_intercept.bundled()\n"
    "pdu = {'pSHeader': {'li-psDomainId': '0.4.0.2.2.5.1.43',"
    " 'lawfulInterceptionIdentifier': b'LIID-42', 'authorizationCountryCode': 'DE',"
    " 'communicationIdentifier': {'networkIdentifier': {'operatorIdentifier': b'op-1'},"
    " 'communicationIdentityNumber': 7, 'deliveryCountryCode': 'DE'}, 'sequenceNumber': 1,"
    " 'microSecondTimeStamp': {'seconds': 1764504001, 'microSeconds': 250000}},"
    " 'payload': ('cCPayloadSequence', [{'cCContents': ('iPCC', {'iPCCObjId': '5.3.18.2',"
    " 'iPCCContents': ('iPPackets', bytes(1400))})}])}\n"
    "t = time.perf_counter()\n"
    "data = s.encode('PS-PDU', pdu)\n"
    "assert s.decode('PS-PDU', data) == pdu\n"
    "print(time.perf_counter() - t, s.code_cache.loaded, s.code_cache.compiled)\n"
)


def main() -> int:
    t0 = time.perf_counter()
    spec = lawful_intercept.bundled(cache=False)
    cold = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as cache_dir:
        env = dict(os.environ, LAWFUL_INTERCEPT_CACHE_DIR=cache_dir)
        # As installed by pip: byte-compiled modules (the first process writes them).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True)
        times = []
        for _ in range(7):
            out = subprocess.run(
                [sys.executable, "-c", PROBE], env=env, check=True, capture_output=True, text=True
            ).stdout.split()
            times.append(float(out[0]))
        first_runs = []
        for _ in range(8):
            out = subprocess.run([sys.executable, "-c", FIRST_PDU], env=env, check=True,
                                 capture_output=True, text=True).stdout.split()
            first_runs.append((float(out[0]), int(out[1]), int(out[2])))
    cold_first, warm_first = first_runs[0], first_runs[1:]
    first = statistics.median(t for t, _, _ in warm_first)
    t0 = time.perf_counter()
    for _ in range(1000):
        lawful_intercept.bundled()
    again = (time.perf_counter() - t0) / 1000
    print(
        json.dumps(
            {
                "benchmark": "bundled",
                "modules": len(spec.modules),
                "types": len(spec.types),
                "cold_s": round(cold, 3),
                "warm_new_process_s": round(statistics.median(times), 3),
                "warm_new_process_max_s": round(max(times), 3),
                "again_in_process_us": round(again * 1e6, 2),
                "first_ps_pdu_cold_ms": round(cold_first[0] * 1e3, 2),
                "first_ps_pdu_ms": round(first * 1e3, 2),
                "first_ps_pdu_max_ms": round(max(t for t, _, _ in warm_first) * 1e3, 2),
                "first_ps_pdu_code": {"compiled_cold": cold_first[2],
                                      "loaded_warm": warm_first[0][1],
                                      "compiled_warm": warm_first[0][2]},
                "target_warm_s": 0.2,
                "target_first_ps_pdu_ms": 10,
                "met": statistics.median(times) < 0.2 and first * 1e3 <= 10,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
