# SPDX-License-Identifier: MIT
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def som_program():
    """The som program of the same build (tests/python/run.sh sets it)."""
    path = os.environ.get("SOM_PROGRAM") or str(ROOT / "build" / "som")
    if not os.path.exists(path):
        pytest.fail("the som program is missing: %s (set SOM_PROGRAM)" % path)
    return path


@pytest.fixture
def data_dir():
    return ROOT / "data"
