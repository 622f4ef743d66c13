# SPDX-License-Identifier: MIT
"""examples/python_iris.py runs as a script and draws its dashboard."""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_python_iris_example(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "python_iris.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    png = tmp_path / "iris-dashboard.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote %s" % png in r.stdout
    # setosa stands alone: one cluster holds exactly its 50 rows
    assert "{'setosa': 50}" in r.stdout
    assert "MiniSom-style QE" in r.stdout
