"""How long a process takes to get the bundled Specification. Prints one JSON line.

* ``cold_s``: compiling every bundled module from text (no cache);
* ``warm_new_process_s``: a new Python process that imports the library and calls
  ``lawful_intercept.bundled()`` with the compile cache already filled (median of several
  processes, import of the library included);
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
                "target_warm_s": 0.2,
                "met": statistics.median(times) < 0.2,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
