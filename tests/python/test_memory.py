# SPDX-License-Identifier: MIT
"""Zero copy, measured (memory_probe.py, each case in a fresh process):
  - the binding itself never copies an array in Python (tracemalloc);
  - float32: libsom reads the caller's array where it lies (som_data_wrap):
    no copy at all without scaling, or with overwrite_input (libsom scales
    it in place); with a scaling, training's scaled working copy is
    libsom's (som_map_train's, the same for a C caller), one array's size;
  - float64: converted once, row by row, into the float32 table training
    reads (and scales in place): half the array's bytes, never the
    float64 values twice.
Peak RSS rises include training's per-row state (BMUs and distances:
about 20 bytes a row, 0.16 of a 32-field float32 row)."""
import json
import os
import subprocess
import sys

import pytest

PROBE = os.path.join(os.path.dirname(__file__), "memory_probe.py")


def probe(dtype, scale, overwrite=False):
    out = subprocess.run([sys.executable, PROBE, dtype, scale, "1" if overwrite else "0"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


@pytest.mark.parametrize("scale,overwrite", [("none", False), ("zscore", True)])
def test_float32_not_copied(scale, overwrite):
    r = probe("float32", scale, overwrite)
    assert r["tracemalloc_peak"] < 64 * 1024, r
    assert r["rss_rise"] < 0.35 * r["nbytes"], r


def test_float32_scaled_working_copy_is_libsom_s_one():
    r = probe("float32", "zscore")
    assert r["tracemalloc_peak"] < 64 * 1024, r
    assert r["rss_rise"] < 1.35 * r["nbytes"], r


@pytest.mark.parametrize("scale", ["zscore", "none"])
def test_float64_converted_once(scale):
    r = probe("float64", scale)
    assert r["tracemalloc_peak"] < 64 * 1024, r
    # the float32 table (half of nbytes) and training's per-row state
    assert r["rss_rise"] < 0.5 * r["nbytes"] + 0.35 * r["nbytes"] / 2, r
