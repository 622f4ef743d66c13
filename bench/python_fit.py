#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Python's fit against the som program, in one run (issue 19).

Bench case A (bench/README.md: 200,000 x 64 gaussian blobs, 16 centres, 50x50
map, batch, 5 passes, 2 threads): som.SOM(...).fit(X) from a float32 numpy
array in memory, against `som train X.npy` (the program from the same build,
reading the .npy file, writing the model), alternated ROUNDS times; prints
each wall time and CPU time (user + system, every thread), the medians and
their ratios (Python / CLI), and checks that both wrote the same model
bytes. On a loaded machine the CPU times are the steadier comparison.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_fit.py [--som build/som]
        [--n 200000] [--dim 64] [--grid 50x50] [--passes 5] [--threads 2] [--rounds 3]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import som


def blobs(n, dim, k=16, seed=1):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, (k, dim))
    X = centres[rng.integers(0, k, n)]
    X += rng.standard_normal((n, dim))
    return X.astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--som", default=os.path.join(os.path.dirname(__file__), "..", "build", "som"))
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--grid", default="50x50")
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    rows, cols = (int(v) for v in a.grid.split("x"))
    X = blobs(a.n, a.dim)
    settings = dict(grid=(rows, cols), algorithm="batch", epochs=a.passes, threads=a.threads)
    with tempfile.TemporaryDirectory(prefix="som-pybench-") as tmp:
        npy, cli_model, py_model = (os.path.join(tmp, f) for f in ("a.npy", "cli.som", "py.som"))
        np.save(npy, X)
        cmd = [a.som, "train", npy, "-o", cli_model, "--grid", a.grid, "--algorithm", "batch", "--epochs",
               str(a.passes), "--threads", str(a.threads), "-q"]
        print("case A: %d x %d, %s, batch, %d passes, %d threads; som %s, numpy %s, Python %s"
              % (a.n, a.dim, a.grid, a.passes, a.threads, som.__version__, np.__version__,
                 sys.version.split()[0]))
        py_times, cli_times, py_cpu, cli_cpu = [], [], [], []

        def children_cpu():
            u = resource.getrusage(resource.RUSAGE_CHILDREN)
            return u.ru_utime + u.ru_stime

        for r in range(a.rounds):
            t, c = time.perf_counter(), children_cpu()
            subprocess.run(cmd, check=True)
            cli_times.append(time.perf_counter() - t)
            cli_cpu.append(children_cpu() - c)
            t, c = time.perf_counter(), time.process_time()
            m = som.SOM(**settings).fit(X)
            py_times.append(time.perf_counter() - t)
            py_cpu.append(time.process_time() - c)
            print("  round %d: som train from .npy %.3f s (CPU %.3f s), Python fit from numpy %.3f s (CPU %.3f s)"
                  % (r + 1, cli_times[-1], cli_cpu[-1], py_times[-1], py_cpu[-1]))
        m.save(py_model)
        same = open(py_model, "rb").read() == open(cli_model, "rb").read()
    cli, py = statistics.median(cli_times), statistics.median(py_times)
    ccpu, pcpu = statistics.median(cli_cpu), statistics.median(py_cpu)
    print("median wall: som train %.3f s, Python fit %.3f s: ratio %.2f x (goal <= 1.1 x)" % (cli, py, py / cli))
    print("median CPU:  som train %.3f s, Python fit %.3f s: ratio %.2f x" % (ccpu, pcpu, pcpu / ccpu))
    print("same model bytes: %s" % ("yes" if same else "NO"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
