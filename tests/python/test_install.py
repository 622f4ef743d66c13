# SPDX-License-Identifier: MIT
"""pip install --no-build-isolation of python/ against this build tree works
offline (no index), and the installed package imports and fits."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_pip_install_offline(tmp_path):
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        pytest.skip("pip is not installed for %s (python3-pip); make python builds without it" % sys.executable)
    build = pathlib.Path(os.environ.get("PYTHONPATH", str(ROOT / "build" / "python"))).resolve().parent
    src = tmp_path / "python"  # a copy: pip builds in the tree it is given
    shutil.copytree(ROOT / "python", src, ignore=shutil.ignore_patterns("build", "*.so", "*.egg-info",
                                                                       "__pycache__"))
    env = dict(os.environ, SOM_BUILD_DIR=str(build), SOM_ROOT=str(ROOT), PIP_NO_INDEX="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps",
                        "--target", str(tmp_path / "site"), str(src)], env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    env["PYTHONPATH"] = str(tmp_path / "site")
    out = subprocess.run([sys.executable, "-c", "import som, numpy as np; print(som.__file__); "
                          "print(som.SOM(grid=(2, 2)).fit(np.eye(3, dtype=np.float32)).grid)"],
                         env=env, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [str(tmp_path / "site" / "som" / "__init__.py"), "(2, 2)"]
