# SPDX-License-Identifier: MIT
"""Run alone (a fresh process): how much memory one fit adds above a large
input array. Prints JSON: the array's bytes, tracemalloc's peak of Python
allocations during fit, and the rise of the peak RSS (VmHWM, reset through
/proc/self/clear_refs before the fit).

    python3 memory_probe.py DTYPE SCALE OVERWRITE [ROWS DIM]
"""
import json
import sys
import tracemalloc

import numpy as np

import som


def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def main():
    dtype, scale, overwrite = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else 400_000
    dim = int(sys.argv[5]) if len(sys.argv) > 5 else 32
    settings = dict(grid=(8, 8), epochs=2, scale=scale, init="random", threads=2)
    # warm up: OpenMP and OpenBLAS threads, their buffers, the code pages
    som.SOM(**settings).fit(np.random.default_rng(0).random((5000, dim), dtype=np.float32))
    X = np.random.default_rng(1).random((rows, dim)).astype(dtype)
    X += 0  # every page touched
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    tracemalloc.start()
    som.SOM(**settings).fit(X, overwrite_input=overwrite)
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"nbytes": X.nbytes, "tracemalloc_peak": py_peak,
                      "rss_rise": status("VmHWM") - before}))


main()
